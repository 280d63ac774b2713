/**
 * What each access level is meant to allow, written down independently of the library's own
 * action table (lib/model/access-actions.ts): if the library grants one action more, or one
 * condition less, the proofs see a request allowed that this file does not intend.
 */
import { requestTime } from './context';
import type { SimulatedRequest } from './world';

export type Level = 'read' | 'write' | 'read-write';

/** One intended reach: what a principal may do on one bucket. */
export interface Reach {
  readonly bucketArn: string;
  /** Key prefix ending in '/', or undefined for the whole bucket. */
  readonly prefix?: string;
  readonly level: Level;
  readonly allowDelete: boolean;
  /**
   * The bucket's key; KMS is intended only on this key, only through S3 in `region`. A key ARN
   * ending in `key/*` stands for every key of that account and region (a consumer that does not
   * know the owner's key id yet).
   */
  readonly keyArn?: string;
  readonly region: string;
  /** HTTPS with at least this TLS version is required; undefined when nothing requires it. */
  readonly minimumTlsVersion?: number;
  /**
   * Writes that name another encryption or key, or a customer-provided key (SSE-C), are refused
   * (the owner's bucket policy does this).
   * @default true
   */
  readonly refusesForeignEncryption?: boolean;
  /**
   * S3 requests are intended only through this access point (`<arn>` for listing,
   * `<arn>/object/<key>` for objects), never straight to the bucket. The prefix, level and
   * encryption rules apply as they do to the bucket.
   * @default - straight to the bucket only
   */
  readonly accessPointArn?: string;
  /**
   * Which encryption contexts KMS through S3 is intended for: the bucket and the objects under
   * `prefix`, or the bucket and every object of it (the owner's key policy in access point mode
   * leaves the choice of objects to the access point and bucket policies).
   * @default 'prefix'
   */
  readonly keyScope?: 'prefix' | 'bucket';
  /**
   * Only the KMS part is intended, not S3: the owner's key policy in access point mode lists
   * consumer accounts, not principals, so any principal of a granted account may have S3 use the
   * key; whether S3 acts for it is for the access point and bucket policies to decide.
   * @default false
   */
  readonly keyOnly?: boolean;
  /**
   * The grant's end (ISO 8601): nothing is intended at or after it (`aws:CurrentTime` of the
   * request not before it).
   * @default - no end
   */
  readonly expires?: string;
}

/** Whether a request made at `requestTime` is before `expires` (no end: always). */
export function beforeEnd(expires: string | undefined, request: SimulatedRequest): boolean {
  return expires === undefined || Date.parse(requestTime(request.options)) < Date.parse(expires);
}

const OBJECT_ACTIONS: Record<Level, string[]> = {
  'read': ['s3:GetObject'],
  'write': ['s3:PutObject', 's3:AbortMultipartUpload'],
  'read-write': ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
};

const KEY_ACTIONS: Record<Level, string[]> = {
  'read': ['kms:Decrypt'],
  // Writers decrypt too: completing a multipart upload decrypts the data key.
  'write': ['kms:GenerateDataKey', 'kms:Decrypt'],
  'read-write': ['kms:GenerateDataKey', 'kms:Decrypt'],
};

/** Whether any of `reaches` intends `request` (an S3 or KMS request). */
export function intends(reaches: readonly Reach[], request: SimulatedRequest): boolean {
  return reaches.some(reach => reachIntends(reach, request));
}

function reachIntends(reach: Reach, request: SimulatedRequest): boolean {
  const options = request.options ?? {};
  const service = request.action.split(':')[0];
  if (!beforeEnd(reach.expires, request)) {
    return false;
  }
  if (service === 'kms') {
    const context = options.encryptionContextArn;
    return reach.keyArn !== undefined
      && isReachKey(reach, request.resource)
      && KEY_ACTIONS[reach.level].includes(request.action)
      && options.viaService === `s3.${reach.region}.amazonaws.com`
      && context !== undefined
      && (context === reach.bucketArn || context.startsWith(`${reach.bucketArn}/${reach.keyScope === 'bucket' ? '' : reach.prefix ?? ''}`));
  }
  if (service !== 's3' || reach.keyOnly === true) {
    return false;
  }
  if (reach.minimumTlsVersion !== undefined
    && (!(options.secureTransport ?? true) || Number(options.tlsVersion ?? '1.3') < reach.minimumTlsVersion)) {
    return false;
  }
  // The resource that stands for the bucket, and what precedes an object's key.
  const [bucketResource, objectResourcePrefix] = reach.accessPointArn === undefined
    ? [reach.bucketArn, `${reach.bucketArn}/`]
    : [reach.accessPointArn, `${reach.accessPointArn}/object/`];
  if (request.resource === bucketResource) {
    return request.action === 's3:ListBucket'
      && reach.level !== 'write'
      && (reach.prefix === undefined || (options.listPrefix ?? '').startsWith(reach.prefix));
  }
  if (!request.resource.startsWith(`${objectResourcePrefix}${reach.prefix ?? ''}`)) {
    return false;
  }
  const actions = [...OBJECT_ACTIONS[reach.level], ...(reach.allowDelete ? ['s3:DeleteObject'] : [])];
  if (!actions.includes(request.action)) {
    return false;
  }
  // Writes keep the bucket's encryption: no other algorithm, no other key, no key of the writer's own.
  return request.action !== 's3:PutObject'
    || reach.refusesForeignEncryption === false
    || ((options.sseAlgorithm === undefined || options.sseAlgorithm === 'aws:kms')
      && (options.sseKeyId === undefined || isReachKey(reach, options.sseKeyId))
      && options.sseCustomerAlgorithm === undefined);
}

/** Whether `keyArn` is the reach's key, or one of the keys its `key/*` stands for. */
function isReachKey(reach: Reach, keyArn: string): boolean {
  return reach.keyArn !== undefined
    && (keyArn === reach.keyArn || (reach.keyArn.endsWith(':key/*') && keyArn.startsWith(reach.keyArn.slice(0, -1))));
}

/** Who may assume a third-party role, and how. */
export interface TrustIntent {
  readonly roleArn: string;
  readonly trustedAccount: string;
  /** Only these principals of the trusted account; undefined for any. */
  readonly principalArns?: string[];
  readonly externalId: string;
  readonly requireMfa: boolean;
  /** The role's end (ISO 8601): no AssumeRole at or after it. @default - no end */
  readonly expires?: string;
}

export function trustIntends(trust: TrustIntent, request: SimulatedRequest): boolean {
  const options = request.options ?? {};
  const account = request.principal.split(':')[4];
  return request.action === 'sts:AssumeRole'
    && request.resource === trust.roleArn
    && account === trust.trustedAccount
    && (trust.principalArns === undefined || trust.principalArns.includes(request.principal))
    && options.externalId === trust.externalId
    && (!trust.requireMfa || options.mfa === true)
    && beforeEnd(trust.expires, request);
}
