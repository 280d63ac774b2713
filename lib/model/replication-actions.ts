/**
 * The one table of what S3 replication into a partner's bucket needs, and nothing more: the
 * owner's replication role (lib/private/replication.ts), the partner's bucket and key policies
 * (lib/replica-bucket.ts), the proofs and `review`'s intents all take their actions from here.
 *
 * From the Amazon S3 User Guide:
 * - "Setting up permissions for live replication", Creating an IAM role
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html):
 *   on the source bucket `s3:GetReplicationConfiguration` and `s3:ListBucket` ("the current
 *   permissions model requires the s3:ListBucket permission for accessing delete markers"); on
 *   its objects `s3:GetObjectVersionForReplication`, `s3:GetObjectVersionAcl` and
 *   `s3:GetObjectVersionTagging` (without the last, tags are not replicated); on the destination's
 *   objects `s3:ReplicateObject`, `s3:ReplicateDelete` (delete markers) and `s3:ReplicateTags`.
 *   `s3:GetObjectVersionForReplication`, not `s3:GetObject` nor `s3:GetObjectVersion`: "it
 *   provides Amazon S3 with only the minimum permissions necessary for replication"
 *   (replication-config-for-kms-objects.html).
 * - "Changing the replica owner" (replication-change-owner.html): the owner override needs
 *   `s3:ObjectOwnerOverrideToBucketOwner` for the role and in the destination's bucket policy.
 * - "Replicating encrypted objects" (replication-config-for-kms-objects.html): `kms:Decrypt` on
 *   the source object's key and `kms:Encrypt` on the replica's key, each restricted with
 *   `kms:ViaService` and `kms:EncryptionContext:aws:s3:arn`; and, under "S3 Bucket Keys and
 *   replication", "the AWS KMS key policy for the KMS key that's used to encrypt the object
 *   replica must include the kms:Decrypt permission for the calling principal": a SharedBucket's
 *   objects use an S3 Bucket Key, which their replicas keep (bucket-key.html, "Using an S3 Bucket
 *   Key with replication"), so the replica key needs `kms:Decrypt` too.
 *
 * Deliberately absent: the destination bucket-level `s3:List*`, `s3:GetBucketVersioning` and
 * `s3:PutBucketVersioning` of the User Guide's example destination policy (replication itself
 * acts only on the destination's objects: the role's minimal policy above names none of them,
 * and `s3:PutBucketVersioning` would let the owner suspend the partner's versioning);
 * `s3:GetObjectRetention` and `s3:GetObjectLegalHold` (Object Lock, which these buckets do not
 * use); `kms:GenerateDataKey` and `kms:ReEncrypt*`, which aws-cdk-lib's `grantEncrypt` adds.
 */

/** On the source bucket itself. */
export const SOURCE_BUCKET_ACTIONS: readonly string[] = ['s3:GetReplicationConfiguration', 's3:ListBucket'];

/** On the source's objects under the replicated prefix. */
export const SOURCE_OBJECT_ACTIONS: readonly string[] = [
  's3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging',
];

/** On the destination's objects under the replicated prefix. */
export const REPLICATE_ACTIONS: readonly string[] = [
  's3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner',
];

/** On the source bucket's key, through S3 in its region, for its objects. */
export const SOURCE_KEY_ACTIONS: readonly string[] = ['kms:Decrypt'];

/** On the replica key, through S3 in the destination's region, for the destination's objects. */
export const REPLICA_KEY_ACTIONS: readonly string[] = ['kms:Encrypt', 'kms:Decrypt'];
