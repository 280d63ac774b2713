import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** The settings every bucket this library creates shares. */
export interface SecureBucketSettings {
  readonly removalPolicy: RemovalPolicy;
  readonly minimumTlsVersion: number;
}

/**
 * The secure defaults, in one place. Block Public Access, BucketOwnerEnforced (no ACLs: the
 * owner owns every object, whoever wrote it), TLS only with a minimum version, versioning, no
 * uploads with customer-provided keys (SSE-C), and retain on delete unless the user chose
 * otherwise.
 *
 * SSE-C is blocked in the bucket's encryption settings (`BlockedEncryptionTypes` of the
 * `ServerSideEncryptionRule`; S3 User Guide, "Blocking or unblocking SSE-C for a general purpose
 * bucket": PutObject, CopyObject, PostObject, multipart upload and replication requests that
 * specify SSE-C are then refused with 403). S3 blocks SSE-C on new buckets by default since April
 * 2026, but that default is the account's state, not the template's: written here, it holds
 * whatever the account's history, and drift shows. aws-cdk-lib has the L2 prop
 * `blockedEncryptionTypes` from before the peer floor 2.257.0 (checked in both), and cfn-lint's
 * AWS::S3::Bucket schema knows the property. The bucket policy denies SSE-C uploads as well
 * (SharedBucket `DenyCustomerProvidedKeys`), which is what an existing bucket gets.
 */
function baseBucketProps(settings: SecureBucketSettings): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: settings.minimumTlsVersion,
    versioned: true,
    blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
    removalPolicy: settings.removalPolicy,
  };
}

/** The shared bucket: the base defaults plus SSE-KMS with an S3 Bucket Key and access logs. */
export function sharedBucketProps(
  settings: SecureBucketSettings,
  bucketName: string,
  encryptionKey: kms.IKey,
  serverAccessLogsBucket: s3.IBucket,
): s3.BucketProps {
  return {
    ...baseBucketProps(settings),
    bucketName,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey,
    // One data key per bucket rather than per object: fewer KMS calls, and the encryption
    // context is the bucket ARN, which the key policy's conditions name.
    bucketKeyEnabled: true,
    serverAccessLogsBucket,
  };
}

/** The access log bucket. S3 server access logging can deliver only to SSE-S3 buckets. */
export function accessLogsBucketProps(settings: SecureBucketSettings): s3.BucketProps {
  return {
    ...baseBucketProps(settings),
    encryption: s3.BucketEncryption.S3_MANAGED,
  };
}

/** The bucket key: customer managed, rotated yearly. */
export function encryptionKeyProps(settings: SecureBucketSettings, description: string): kms.KeyProps {
  return {
    description,
    enableKeyRotation: true,
    removalPolicy: settings.removalPolicy,
  };
}
