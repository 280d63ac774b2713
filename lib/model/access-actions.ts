import { AccessLevel } from '../access-level';

/**
 * The one table of what each access level grants. Every policy this library writes (bucket
 * policy, key policy, third-party role policy, consumer identity policy) takes its actions from
 * here, so changing what an access level means is a change in this file only.
 *
 * Deliberately absent, at every level: `s3:DeleteObjectVersion` (versioning keeps deleted data
 * recoverable), ACL, retention, legal-hold and version-tagging actions, every bucket
 * configuration action, and wildcards such as `s3:*`, `s3:GetBucket*` or `s3:List*`.
 */
const OBJECT_ACTIONS: Record<AccessLevel, readonly string[]> = {
  [AccessLevel.READ]: ['s3:GetObject'],
  [AccessLevel.WRITE]: ['s3:PutObject', 's3:AbortMultipartUpload'],
  [AccessLevel.READ_WRITE]: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
};

/** Bucket-level actions. Only readers list, and only within their prefix. */
const BUCKET_ACTIONS: Record<AccessLevel, readonly string[]> = {
  [AccessLevel.READ]: ['s3:ListBucket'],
  [AccessLevel.WRITE]: [],
  [AccessLevel.READ_WRITE]: ['s3:ListBucket'],
};

/**
 * KMS actions, always usable only through S3. Writers need `kms:Decrypt` as well as
 * `kms:GenerateDataKey`: completing a multipart upload decrypts the data key.
 */
const KEY_ACTIONS: Record<AccessLevel, readonly string[]> = {
  [AccessLevel.READ]: ['kms:Decrypt'],
  [AccessLevel.WRITE]: ['kms:GenerateDataKey', 'kms:Decrypt'],
  [AccessLevel.READ_WRITE]: ['kms:GenerateDataKey', 'kms:Decrypt'],
};

/** The only action `allowDelete` adds. Never `s3:DeleteObjectVersion`. */
const DELETE_ACTION = 's3:DeleteObject';

/** The actions one grant needs, split by the resource they apply to. */
export interface AccessActions {
  /** Actions on `<bucket>/<prefix>*`. */
  readonly objectActions: string[];
  /** Actions on the bucket itself (listing), limited to the prefix by condition. */
  readonly bucketActions: string[];
  /** KMS actions on the bucket's key, through S3 only. */
  readonly keyActions: string[];
}

export function accessActions(access: AccessLevel, allowDelete: boolean): AccessActions {
  return {
    objectActions: [...OBJECT_ACTIONS[access], ...(allowDelete ? [DELETE_ACTION] : [])],
    bucketActions: [...BUCKET_ACTIONS[access]],
    keyActions: [...KEY_ACTIONS[access]],
  };
}
