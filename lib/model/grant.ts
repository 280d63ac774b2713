import { AccessLevel } from '../access-level';

/**
 * The grant model: a grant as every part of the library reads it, once SharedBucket has
 * validated it and filled in its defaults (lib/private/grant-normalization.ts).
 *
 * - The sharing paths write policy statements from it (lib/private/sharing/).
 * - The agreement rules match consumers against it (agreement-rules.ts), at synth and in `review`.
 * - The review record is its serialised form: `grantToRecord` and `grantFromRecord` (record.ts)
 *   are the only mappings between the two, and the CLI reads grants back through them.
 *
 * Pure data: nothing here imports aws-cdk-lib. A value only deployment knows (a token at synth,
 * `null` or `<known at deployment>` in a record) stays as it is; readers recognise it with their
 * own `isUnknown`.
 */

/** What a grant lets its grantee do, and until when: the fields every kind of grant has. */
export interface GrantAccess {
  /** 1-based position among the SharedBucket's grants of its kind. */
  readonly number: number;
  readonly access: AccessLevel;
  /** Also `s3:DeleteObject` under the prefix (never `s3:DeleteObjectVersion`). */
  readonly allowDelete: boolean;
  /** SharingMode.ACCESS_POINTS: the name of the grant's access point, as the user gave it. */
  readonly accessPointName?: string;
  /** SharingMode.ACCESS_POINTS: the ARN of the grant's access point, once its path has created it. */
  readonly accessPointArn?: string;
  /** When the grant ends (a whole second): its allow statements carry `DateLessThan aws:CurrentTime`. */
  readonly expires?: Date;
}

/** A consumer grant: one account, optionally narrowed to some of its roles and to a prefix. */
export interface NormalizedGrant extends GrantAccess {
  readonly accountId: string;
  /** The consumer's roles or users (`aws:PrincipalArn`); undefined: any principal of the account. */
  readonly principalArns?: string[];
  /** The key prefix, ending in '/'; undefined: the whole bucket. */
  readonly prefix?: string;
  /**
   * The bucket's object events under the prefix are forwarded to the consumer's default event bus
   * (ConsumerGrant `notify`; notifications.ts). Absent when the grant notifies no one.
   */
  readonly notify?: boolean;
  /** With notify: the region of the consumer's bus; undefined: the bucket's. */
  readonly notificationRegion?: string;
}

/** An organization grant: the accounts of an organization, or of some of its units. */
export interface NormalizedOrganizationGrant extends GrantAccess {
  readonly organizationId: string;
  /** `aws:PrincipalOrgPaths` of the units, each ending in '/'; undefined: the whole organization. */
  readonly organizationalUnitPaths?: string[];
  /** The role every member account uses; undefined: any principal of a member account. */
  readonly roleName?: string;
  /** One prefix every member shares; undefined: each member's own `<account id>/`. */
  readonly sharedPrefix?: string;
}

/** A grant of either kind. */
export type AnyGrant = NormalizedGrant | NormalizedOrganizationGrant;

/** Whether the grant is an organization grant. */
export function isOrganizationGrant(grant: AnyGrant): grant is NormalizedOrganizationGrant {
  return 'organizationId' in grant;
}

/** `2027-06-30T00:00:00Z`: the end of a grant as its conditions and its record write it. */
export function expiryText(expires: Date): string {
  return expires.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
