/**
 * What a consumer may do with the objects under its prefix.
 *
 * Each level maps to a fixed, minimal set of S3 and KMS actions (see the README's
 * "What each access level grants"). The bucket policy, the key policy, the
 * third-party role's policy and the consumer's identity policy are all derived
 * from that one table, so they always agree.
 */
export enum AccessLevel {
  /**
   * List the prefix and read its objects.
   *
   * S3: `s3:GetObject` on the prefix, `s3:ListBucket` limited to the prefix.
   * KMS: `kms:Decrypt`, through S3 only.
   */
  READ = 'READ',

  /**
   * Write objects under the prefix, including multipart uploads, without reading or listing.
   *
   * S3: `s3:PutObject`, `s3:AbortMultipartUpload` on the prefix.
   * KMS: `kms:GenerateDataKey` and `kms:Decrypt` (a multipart upload decrypts its data key to
   * complete), through S3 only.
   */
  WRITE = 'WRITE',

  /**
   * Everything READ and WRITE grant.
   */
  READ_WRITE = 'READ_WRITE',
}
