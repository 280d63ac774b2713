/**
 * How a SharedBucket gives its consumers access.
 */
export enum SharingMode {
  /**
   * Each consumer grant is written into the bucket policy (and the key policy), merged with
   * grants of the same scope. Simple, one resource per bucket, and fine for up to several dozen
   * prefix-isolated consumers: the bucket policy's 20 KB limit is the bound (see README,
   * "Scaling to many consumers").
   */
  BUCKET_POLICY = 'BUCKET_POLICY',

  /**
   * Each consumer grant gets an S3 access point of its own whose policy holds the grant; the
   * bucket policy only delegates access control to the owner's access points and stays the same
   * size whatever the number of consumers. For hundreds to ten thousand consumers (S3's default
   * quota of access points per account and region): the key policy lists each consumer account
   * once, which holds about two thousand, or, with `organizationId`, names the organization and
   * no account at all.
   *
   * Consumers address the bucket through their access point (ConsumerReader `accessPointArn`);
   * requests straight to the bucket are not allowed to them. The access points live in nested
   * stacks, to keep the owner stack under CloudFormation's 500 resources.
   */
  ACCESS_POINTS = 'ACCESS_POINTS',
}
