/**
 * An object request on a bucket encrypted with SSE-KMS by default succeeds only if KMS allows the
 * request S3 makes on the caller's behalf as well: the caller needs kms:Decrypt to read an object
 * and kms:GenerateDataKey to write one
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html, "Permissions").
 *
 * What KMS sees of that request:
 * - the same principal; kms:CallerAccount is its account (request.ts);
 * - kms:ViaService `s3.<the bucket's region>.amazonaws.com`
 *   (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service);
 * - the encryption context `aws:s3:arn`: the object's ARN, or the bucket's ARN when S3 Bucket Keys
 *   are on (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context,
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html).
 *
 * So a consumer whose KMS statement names another region, or the wrong encryption context, is
 * denied here although the bucket policy allows its S3 request.
 */
import { PolicyAnalyzer } from './analyzer';
import { Symbolic } from './pattern';
import { AccessAnswer, AccessRequest } from './questions';

/** The KMS action S3 calls, on the caller's behalf, for the object actions that read or write data. */
const KEY_ACTIONS: Readonly<Record<string, string>> = {
  's3:getobject': 'kms:Decrypt',
  's3:getobjectversion': 'kms:Decrypt',
  's3:putobject': 'kms:GenerateDataKey',
};

/** The KMS request S3 makes for an object request, and what the key's policy says of it. */
export interface KeyLeg {
  readonly action: string;
  /** The key's ARN, with `<...>` where only deployment knows it. */
  readonly keyArn: string;
  readonly context: Readonly<Record<string, string | string[]>>;
  /** Undefined when the key's policy is not in the templates (an imported key): not decided. */
  readonly answer?: AccessAnswer;
}

export interface ThroughKeyAnswer extends AccessAnswer {
  /** The KMS request, for object requests on an SSE-KMS bucket whose key the templates name. */
  readonly key?: KeyLeg;
}

/**
 * What KMS sees when S3 calls it for an object of `bucket` (`objectKey`): kms:ViaService, the
 * encryption context, and the request's time when it gives one. Undefined when the templates do
 * not say the bucket's default key or region.
 */
export function keyContextThroughS3(
  analyzer: PolicyAnalyzer, bucket: string, objectKey: string, time?: string,
): { keyArn: Symbolic; context: Record<string, string | string[]> } | undefined {
  const encryption = analyzer.bucketEncryption(bucket);
  if (!encryption || !encryption.region) return undefined;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const context: Record<string, string | string[]> = {
    'kms:ViaService': `s3.${encryption.region}.amazonaws.com`,
    'kms:EncryptionContext:aws:s3:arn': encryption.bucketKey ? bucketArn : `${bucketArn}/${objectKey}`,
    'kms:EncryptionContextKeys': ['aws:s3:arn'],
  };
  if (time !== undefined) context['aws:CurrentTime'] = time;
  return { keyArn: encryption.keyArn, context };
}

/** The KMS request S3 makes for `request`, or undefined when it makes none (or the bucket's key is not known). */
export function keyRequestFor(analyzer: PolicyAnalyzer, request: AccessRequest): (Omit<KeyLeg, 'answer'> & { keyArnValue: Symbolic }) | undefined {
  const action = KEY_ACTIONS[request.action.toLowerCase()];
  if (!action || request.key === undefined) return undefined;
  const time = Object.entries(request.context ?? {}).find(([key]) => key.toLowerCase() === 'aws:currenttime');
  const through = keyContextThroughS3(analyzer, request.bucket, request.key, time === undefined ? undefined : String(time[1]));
  if (!through) return undefined;
  return { action, keyArn: symbolicText(through.keyArn), keyArnValue: through.keyArn, context: through.context };
}

/** A symbolic value written out, with `<...>` where only deployment knows it. */
export function symbolicText(value: Symbolic): string {
  return value.map(part => typeof part === 'string' ? part : `<${part.unknown}>`).join('');
}

/**
 * Whether IAM allows an S3 request and, for a read or write of an object of an SSE-KMS bucket, the
 * KMS request S3 makes for it: allowed only when both are. Statements, denials and missing
 * documents of both are named; a key document is named with the KMS action, for example
 * `key policy (kms:Decrypt through S3)`.
 */
export async function isAllowedThroughKey(
  analyzer: PolicyAnalyzer, request: AccessRequest, options: { otherKeys?: 'absent' | 'any' } = {},
): Promise<ThroughKeyAnswer> {
  const s3 = await analyzer.isAllowed(request, options);
  const leg = keyRequestFor(analyzer, request);
  if (!leg) return s3;
  const kms = await analyzer.isKeyAllowed(
    { principal: request.principal, action: leg.action, keyArn: leg.keyArnValue, context: leg.context }, options);
  const key: KeyLeg = { action: leg.action, keyArn: leg.keyArn, context: leg.context, answer: kms };
  if (!kms) return { ...s3, key };
  const possible = (answer: AccessAnswer) => answer.allowed || answer.undecided;
  const allowed = s3.allowed && kms.allowed;
  const named = (document: string) => `${document} (${leg.action} through S3)`;
  return {
    allowed,
    undecided: !allowed && possible(s3) && possible(kms),
    provided: s3.provided,
    allowedBy: [...s3.allowedBy, ...kms.allowedBy],
    deniedBy: [...s3.deniedBy, ...kms.deniedBy],
    missing: [...s3.missing, ...kms.missing.map(named)],
    assuming: [...new Set([...s3.assuming, ...kms.assuming])],
    freeKeys: [...new Set([...s3.freeKeys, ...kms.freeKeys])].sort(),
    key,
  };
}
