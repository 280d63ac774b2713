/**
 * The statements every SharedBucket's policy carries whatever it shares, for everyone: no plain
 * HTTP or old TLS, and no upload that names another encryption, another key or a customer-provided
 * key. Written into an existing bucket's policy as well.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** The bucket the statements go into, and what they name. */
export interface BaselineTarget {
  readonly bucket: s3.IBucket;
  readonly bucketArn: string;
  readonly encryptionKey: kms.IKey;
  /** Prepended to every Sid (statement-ids.ts). */
  readonly statementIdPrefix: string;
}

/**
 * No plain HTTP and no TLS below the minimum, for everyone: what a bucket this library creates
 * gets from `enforceSSL` and `minimumTLSVersion`, written into the policy of an existing bucket.
 */
export function denyInsecureTransport(target: BaselineTarget, minimumTlsVersion: number): void {
  const everything = { principals: [new iam.AnyPrincipal()], actions: ['s3:*'], resources: [target.bucketArn, `${target.bucketArn}/*`] };
  target.bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: `${target.statementIdPrefix}DenyInsecureTransport`,
    effect: iam.Effect.DENY,
    ...everything,
    conditions: { Bool: { 'aws:SecureTransport': 'false' } },
  }));
  target.bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: `${target.statementIdPrefix}DenyTlsBelowMinimum`,
    effect: iam.Effect.DENY,
    ...everything,
    conditions: { NumericLessThan: { 's3:TlsVersion': minimumTlsVersion } },
  }));
}

/**
 * A writer naming another encryption, or a key of its own, would leave objects the owner and
 * the other consumers cannot read. Requests that name neither get the bucket's default
 * encryption, so only a header that is present and different is denied.
 */
export function denyForeignEncryption(target: BaselineTarget): void {
  denyPutObjectNaming(target, 'DenyOtherServerSideEncryption', 's3:x-amz-server-side-encryption', 'aws:kms');
  denyPutObjectNaming(target, 'DenyOtherEncryptionKey', 's3:x-amz-server-side-encryption-aws-kms-key-id', target.encryptionKey.keyArn);
  denyCustomerProvidedKeys(target);
}

/**
 * No upload with a customer-provided key (SSE-C): such an object is readable only by whoever
 * holds that key, not by the owner or the other consumers, and the bucket key never touches it.
 * An SSE-C request carries `x-amz-server-side-encryption-customer-algorithm` and not
 * `x-amz-server-side-encryption`, so the two statements above never see it.
 *
 * `s3:PutObject` is the action CopyObject (on the destination) and CreateMultipartUpload
 * authorize, besides PutObject itself, and `s3:x-amz-server-side-encryption-customer-algorithm`
 * is one of its condition keys (Service Authorization Reference, "Actions, resources, and
 * condition keys for Amazon S3": the API operations table and the PutObject row), so one
 * statement covers uploads, copies and multipart uploads; UploadPart must repeat the SSE-C
 * headers of the CreateMultipartUpload it belongs to. The shape is the AWS data perimeter
 * example "S3-Deny-SSE-C" (aws-samples/resource-control-policy-examples) and terraform-aws-modules'
 * s3-bucket `attach_deny_ssec_encrypted_object_uploads`: `Null ... false`, the header is present.
 * It is written into an existing bucket's policy too; a bucket this library creates also
 * blocks SSE-C in its encryption settings (secure-defaults.ts).
 */
function denyCustomerProvidedKeys(target: BaselineTarget): void {
  target.bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: `${target.statementIdPrefix}DenyCustomerProvidedKeys`,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject'],
    resources: [target.bucket.arnForObjects('*')],
    conditions: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
  }));
}

/** Denies a PutObject whose request names `header` (it is present) with a value other than `allowed`. */
function denyPutObjectNaming(target: BaselineTarget, sid: string, header: string, allowed: string): void {
  target.bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: `${target.statementIdPrefix}${sid}`,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject'],
    resources: [target.bucket.arnForObjects('*')],
    conditions: {
      Null: { [header]: 'false' },
      StringNotEquals: { [header]: allowed },
    },
  }));
}
