import { Expiration } from 'aws-cdk-lib';
import { AccessLevel } from './access-level';

/**
 * One account's access to a SharedBucket.
 */
export interface ConsumerGrant {
  /**
   * The consumer's AWS account id (12 digits).
   */
  readonly accountId: string;

  /**
   * IAM roles or users of the consumer account that may use the grant.
   *
   * The policies name the account root as principal and list these ARNs in an
   * `aws:PrincipalArn` condition. That way the owner stack deploys before the roles exist,
   * and a role that is deleted and re-created keeps its access.
   *
   * @default - any principal of the consumer account that the account's own IAM policies allow
   */
  readonly principalArns?: string[];

  /**
   * The key prefix the consumer may use, ending in '/' (for example 'partner-a/').
   *
   * A prefix names a folder: 'data/' covers 'data/x' but not 'data-archive/x'. It may not
   * start with '/' or contain '*', '?' or '${'. A prefix named after the consumer's own account
   * ('222222222222/') lets any number of such grants share one statement of the bucket policy.
   *
   * @default - the whole bucket
   */
  readonly prefix?: string;

  /**
   * What the consumer may do under its prefix.
   *
   * @default AccessLevel.READ
   */
  readonly access?: AccessLevel;

  /**
   * Also allow `s3:DeleteObject` under the prefix.
   *
   * Never `s3:DeleteObjectVersion`: the bucket is versioned, so a delete leaves the data
   * recoverable by the owner.
   *
   * @default false
   */
  readonly allowDelete?: boolean;

  /**
   * Name of the grant's access point, in `SharingMode.ACCESS_POINTS` only: 3 to 50 lowercase
   * letters, digits and hyphens, unique among the access points of the owner account in the
   * bucket's region.
   *
   * @default - derived from the SharedBucket's construct path and the grant's number, for
   * example `owner-shared-1a2b3c4d-7` for the seventh grant
   */
  readonly accessPointName?: string;

  /**
   * When the grant ends. Every allow statement that serves it (bucket policy, key policy, access
   * point policy) carries `DateLessThan aws:CurrentTime <end>`, written to the second
   * (`2027-06-30T00:00:00Z`), so AWS denies its access from that moment on without a deploy;
   * grants with different ends never share a statement. Synth warns when the grant has ended
   * (`grantExpired`; it is still written, and denied) or ends within 30 days (`grantExpiresSoon`).
   *
   * Must be a fixed time in whole seconds, such as
   * `Expiration.atDate(new Date('2027-06-30T00:00:00Z'))` or `Expiration.fromString(...)`. A
   * time with a fraction of a second is an error: it is what `Expiration.after(...)` and
   * `Expiration.atTimestamp(Date.now() + ...)` give, an end that moves at every synth, so each
   * deploy would extend the grant and access would never end. (Such an end that happens to fall
   * on a whole second is not caught.) A time after the year 9999 (or before the year 0000) is an
   * error too: IAM reads four-digit years only.
   *
   * @default - the grant does not end
   */
  readonly expires?: Expiration;

  /**
   * Forward the bucket's Object Created and Object Deleted events for keys under `prefix` (every
   * key without one) to the consumer account's default event bus.
   *
   * The bucket sends its events to EventBridge, and a rule in the owner account, one per
   * consumer account, forwards them through a role that may put events on that bus only. The
   * consumer's bus must allow the rule: ConsumerReader `receiveNotifications`. Not together with
   * `expires` (a rule has no end, so it would go on naming new keys once the grant has ended),
   * and the prefix may have only letters, digits and `. _ - ~ /` (README, "Notifications of new
   * objects"). The bucket's name must be known at synth: the consumer's bus policy names the rule,
   * whose name derives from it.
   *
   * @default false
   */
  readonly notify?: boolean;

  /**
   * Region of the consumer's default event bus that receives the events (`notify`), when the
   * consumer works in another region than the bucket. EventBridge routes events to a bus in
   * another region in the commercial partition, not in AWS GovCloud (US) or China.
   *
   * @default - the bucket's region
   */
  readonly notificationRegion?: string;
}

/**
 * Access for the accounts of an AWS Organization, or of some of its organizational units: one
 * statement in the bucket policy and one in the key policy, whatever the number of accounts,
 * and accounts that join an OU later are covered without a change here.
 */
export interface OrganizationGrant {
  /**
   * The organization's id ('o-' and 10 to 32 lowercase letters or digits). Always required of
   * the caller (`aws:PrincipalOrgID`).
   */
  readonly organizationId: string;

  /**
   * Organizational units whose accounts, and the accounts of the OUs below them, get access:
   * paths as `aws:PrincipalOrgPaths` reports them, `<organization id>/<root id>/<OU id>/...`, each
   * ending in '/', for example 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'.
   *
   * @default - every account of the organization
   */
  readonly organizationalUnitPaths?: string[];

  /**
   * The role name every member account uses for this access (`aws:PrincipalArn` is
   * `arn:<partition>:iam::*:role/<roleName>`); `OrganizationConsumers` deploys such a role in every
   * account of its OUs.
   *
   * @default - any principal of a member account that the account's own IAM policies allow
   * (without `organizationalUnitPaths` either, synth warns `organizationWideGrant`)
   */
  readonly roleName?: string;

  /**
   * One prefix every member account shares, ending in '/' (for example reference data).
   *
   * @default - each account reaches only its own prefix `<account id>/`
   */
  readonly sharedPrefix?: string;

  /**
   * What the members may do under their prefix.
   *
   * @default AccessLevel.READ
   */
  readonly access?: AccessLevel;

  /**
   * Also allow `s3:DeleteObject` under the prefix (never `s3:DeleteObjectVersion`).
   *
   * @default false
   */
  readonly allowDelete?: boolean;

  /**
   * Name of the grant's access point, in `SharingMode.ACCESS_POINTS` only (see
   * `ConsumerGrant.accessPointName`).
   *
   * @default - derived from the SharedBucket's construct path, for example `owner-shared-1a2b3c4d-org1`
   */
  readonly accessPointName?: string;

  /**
   * When the grant ends: its bucket (or access point) and key statements carry
   * `DateLessThan aws:CurrentTime <end>`, as `ConsumerGrant.expires` describes; give the
   * member roles the same end (`OrganizationConsumers` `expires`).
   *
   * @default - the grant does not end
   */
  readonly expires?: Expiration;
}
