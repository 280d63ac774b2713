import { AccessLevel } from '../access-level';
import { AnyGrant, expiryText, NormalizedGrant, NormalizedOrganizationGrant } from './grant';

/**
 * The review record: what each construct of this library wrote, as construct metadata in the
 * cloud assembly (`<stack>.metadata.json` beside the template, or the stack's `metadata` in
 * `manifest.json` for older aws-cdk-lib), under the metadata type `RECORD_METADATA_TYPE`.
 * Nothing of it reaches the deployed templates.
 *
 * One JSON shape, versioned by `version`: a reader refuses a version it does not know. Values
 * only deployment knows (an environment-agnostic stack's account, a generated role name) are
 * recorded as `null`. External ids are never recorded.
 *
 * A recorded grant is the grant model (grant.ts) serialised: `grantToRecord` and
 * `organizationGrantToRecord` write it, `grantFromRecord` reads it back, and no other code maps
 * between the two. The CLI (`cdk-cross-account-bucket review` / `explain`) reads these records
 * beside the templates.
 */

/** The metadata type every record is written under. */
export const RECORD_METADATA_TYPE = 'cdk-cross-account-bucket:record';

/** The version of the record's shape. Raise it on any change a reader of version 1 would misread. */
export const RECORD_VERSION = 1;

export type RecordedAccess = 'READ' | 'WRITE' | 'READ_WRITE';

/** The prefix recorded for an organization grant whose members each get their own (`<account id>/`). */
export const OWN_ACCOUNT_RECORDED_PREFIX = '<account id>/';

/** Recorded for a value that was given but only deployment knows (a token, such as another stack's output). */
export const KNOWN_AT_DEPLOYMENT = '<known at deployment>';

/** Which policy carries the grant on the owner's side. */
export type RecordedPath = 'bucketPolicy' | 'accessPoint' | 'thirdPartyRole' | 'organization';

/** Conditions that narrow a grant beyond who, where and what. */
export interface RecordedNarrowing {
  /** `aws:PrincipalOrgID` required of the caller (SharedBucketProps.organizationId, or the organization grant's). */
  readonly organizationId: string | null;
  /** Requests over plain HTTP are denied; TLS below this version is denied. */
  readonly minimumTlsVersion: number;
  /** Third-party role: assuming it requires the external id (never recorded). */
  readonly externalIdRequired: boolean;
  /** Third-party role: assuming it requires MFA. */
  readonly mfaRequired: boolean;
  /** The key is usable only through S3 in the bucket's region, for this bucket's objects. */
  readonly keyOnlyThroughS3: boolean;
}

/** One grant an owner construct wrote. */
export interface RecordedGrant {
  /** The account that gets access; for a third-party role, the third party's account; null for an organization grant. */
  readonly accountId: string | null;
  /** Organization grants: the organization. */
  readonly organizationId?: string;
  /** Organization grants: the units whose accounts (and those of units below) get access; null for the whole organization. */
  readonly organizationalUnitPaths?: string[] | null;
  /**
   * The principals named: role ARNs (for an organization grant with a role name,
   * `arn:<partition>:iam::*:role/<name>`); null when any principal of the account (or member
   * account) that its own policies allow.
   */
  readonly principalArns: string[] | null;
  /** The prefix (`<account id>/` for per-account organization grants); null for the whole bucket. */
  readonly prefix: string | null;
  readonly access: RecordedAccess;
  readonly allowDelete: boolean;
  /** The end of the grant, ISO 8601 to the second; null when it does not end. */
  readonly expires: string | null;
  readonly through: RecordedPath;
  /** Access point mode: the grant's access point. */
  readonly accessPointArn?: string | null;
  /** Third-party roles: the owner's role the third party assumes. */
  readonly roleArn?: string | null;
  readonly narrowing: RecordedNarrowing;
  /**
   * Consumer grants with `notify`: where the bucket's object events under the prefix go, the
   * consumer account's default event bus in `region` (null when only deployment knows it), through
   * the owner's rule `ruleName`. Absent when the grant notifies no one.
   */
  readonly notifications?: RecordedNotifications;
}

/** Where a grant's notifications go. */
export interface RecordedNotifications {
  readonly region: string | null;
  readonly ruleName: string | null;
}

/** What a SharedBucket (with its ThirdPartyAccessRoles) wrote. */
export interface SharedBucketRecordData {
  readonly version: number;
  readonly kind: 'SharedBucket';
  readonly bucketName: string | null;
  readonly ownerAccountId: string | null;
  readonly region: string | null;
  readonly sharingMode: 'BUCKET_POLICY' | 'ACCESS_POINTS';
  /** The key's ARN; null when only deployment knows it. */
  readonly encryptionKeyArn: string | null;
  readonly grants: RecordedGrant[];
  /**
   * The partners' buckets it replicates into (SharedBucketProps.replicateTo); absent when it
   * replicates nowhere. Optional and apart from `grants`, so a reader of version 1 that does not
   * know it reads the record as before: replication is no grant of access to the shared bucket,
   * and an older reader that skips it reports every grant the same.
   */
  readonly replication?: RecordedReplication;
}

/** The replication a SharedBucket configured: its role and one rule per target. */
export interface RecordedReplication {
  /** The replication role's ARN; null when CloudFormation generates its name. */
  readonly roleArn: string | null;
  readonly targets: RecordedReplicationTarget[];
}

/** One replication rule: where the replicas go, under which key, of which prefix. */
export interface RecordedReplicationTarget {
  readonly accountId: string;
  readonly bucketName: string;
  /** The key that encrypts the replicas; null when none is named (nothing SSE-KMS replicates). */
  readonly keyArn: string | null;
  /** The prefix replicated; null for the whole bucket. */
  readonly prefix: string | null;
  /** The replicas' storage class; null for the source object's. */
  readonly storageClass: string | null;
}

/** What a ThirdPartyAccessRole wrote: one grant of its SharedBucket's, through the role. */
export interface ThirdPartyRoleRecordData {
  readonly version: number;
  readonly kind: 'ThirdPartyAccessRole';
  /** The SharedBucket's construct path. */
  readonly sharedBucketPath: string;
  readonly bucketName: string | null;
  /** The role's name; null when CloudFormation generates it. */
  readonly roleName: string | null;
  readonly grant: RecordedGrant;
}

/** What a ConsumerReader's role asks for. */
export interface ConsumerReaderRecordData {
  readonly version: number;
  readonly kind: 'ConsumerReader';
  /** The consumer's account (the stack's); null for an environment-agnostic stack. */
  readonly accountId: string | null;
  /** The role's ARN; null when its name is generated. */
  readonly roleArn: string | null;
  readonly bucketName: string | null;
  readonly bucketOwnerAccountId: string | null;
  readonly bucketRegion: string | null;
  /** The prefix asked for; null for the whole bucket, and with thirdPartyRoleArn (the owner's role decides). */
  readonly prefix: string | null;
  /** The access asked for; null with thirdPartyRoleArn (the owner's role decides). */
  readonly access: RecordedAccess | null;
  /** Whether DeleteObject is asked for; null with thirdPartyRoleArn (the owner's role decides). */
  readonly allowDelete: boolean | null;
  readonly expires: string | null;
  /** The key ARN the policy names; null for any key of the owner (`key/*`) through S3. */
  readonly encryptionKeyArn: string | null;
  /** The access point it reads through; null when it goes straight to the bucket; KNOWN_AT_DEPLOYMENT for a token. */
  readonly accessPointArn: string | null;
  /** The owner's third-party role this reader assumes, when it goes through one. */
  readonly thirdPartyRoleArn: string | null;
  /**
   * receiveNotifications: the default event bus of its account in `region` (its stack's; null when
   * only deployment knows it) lets the owner's forwarding rule put the bucket's events. Absent when not.
   */
  readonly receiveNotifications?: { readonly region: string | null };
}

/** What an OrganizationConsumers rolls out to the member accounts of its units. */
export interface OrganizationConsumersRecordData {
  readonly version: number;
  readonly kind: 'OrganizationConsumers';
  readonly bucketName: string;
  readonly bucketOwnerAccountId: string;
  readonly bucketRegion: string;
  readonly organizationalUnitIds: string[];
  readonly roleName: string;
  /** The shared prefix; null for each member's own `<account id>/`. */
  readonly sharedPrefix: string | null;
  readonly access: RecordedAccess;
  readonly allowDelete: boolean;
  readonly expires: string | null;
  /** The organization grant's access point the member roles go through; null when they use the bucket. */
  readonly accessPointArn: string | null;
  /** The StackSet's name; null when only deployment knows it. */
  readonly stackSetName: string | null;
}

/**
 * What a ReplicaBucket lets in: the owner's replication role, replicating from one bucket. A kind
 * of its own, which a reader of version 1 skips (every reader picks records by kind).
 */
export interface ReplicaBucketRecordData {
  readonly version: number;
  readonly kind: 'ReplicaBucket';
  /** The partner's account (the stack's); null for an environment-agnostic stack. */
  readonly accountId: string | null;
  readonly region: string | null;
  readonly bucketName: string | null;
  readonly sourceAccountId: string | null;
  readonly sourceBucketName: string | null;
  /** The owner's replication role the policies let in. */
  readonly replicationRoleArn: string | null;
  /** The prefix replicas may be written under; null for the whole bucket. */
  readonly prefix: string | null;
  /** The partner's key; null when only deployment knows it. */
  readonly encryptionKeyArn: string | null;
}

export type RecordData =
  | SharedBucketRecordData
  | ReplicaBucketRecordData
  | ThirdPartyRoleRecordData
  | ConsumerReaderRecordData
  | OrganizationConsumersRecordData;

/** How a grant's values are written: ARNs with the partition resolved where synth knows it. */
export interface RecordResolver {
  /** The partition of the SharedBucket's stack, or 'aws' when only deployment knows it. */
  readonly partition: string;
  /** The ARN as the record writes it; null when only deployment knows it. */
  arn(value: string): string | null;
}

/** The end of a grant as recorded: ISO 8601 to the second; null when it does not end. */
export function recordedExpiry(expires: Date | undefined): string | null {
  return expires === undefined ? null : expiryText(expires);
}

/** The narrowing of a grant: its organization and transport; a third-party role adds its own. */
export function recordedNarrowing(organizationId: string | undefined, minimumTlsVersion: number, role?: { mfaRequired: boolean }): RecordedNarrowing {
  return {
    organizationId: organizationId ?? null,
    minimumTlsVersion,
    externalIdRequired: role !== undefined,
    mfaRequired: role?.mfaRequired ?? false,
    keyOnlyThroughS3: true,
  };
}

/** A consumer grant as recorded: through its access point when it has one, the bucket policy otherwise. */
export function grantToRecord(grant: NormalizedGrant, narrowing: RecordedNarrowing, resolve: RecordResolver): RecordedGrant {
  return {
    accountId: grant.accountId,
    principalArns: grant.principalArns === undefined ? null : grant.principalArns.map(arn => resolve.arn(arn) ?? arn),
    prefix: grant.prefix ?? null,
    access: grant.access,
    allowDelete: grant.allowDelete,
    expires: recordedExpiry(grant.expires),
    through: grant.accessPointArn === undefined ? 'bucketPolicy' : 'accessPoint',
    ...(grant.accessPointArn === undefined ? {} : { accessPointArn: resolve.arn(grant.accessPointArn) }),
    narrowing,
  };
}

/** A third party's grant through the owner's role it assumes (ThirdPartyAccessRole): the role's narrowing is the record's. */
export function thirdPartyGrantToRecord(grant: NormalizedGrant, roleArn: string | null, narrowing: RecordedNarrowing): RecordedGrant {
  return {
    accountId: grant.accountId,
    principalArns: grant.principalArns === undefined ? null : [...grant.principalArns],
    prefix: grant.prefix ?? null,
    access: grant.access,
    allowDelete: grant.allowDelete,
    expires: recordedExpiry(grant.expires),
    through: 'thirdPartyRole',
    roleArn,
    narrowing,
  };
}

/** An organization grant as recorded: the members' role as an ARN pattern, their own prefix as `<account id>/`. */
export function organizationGrantToRecord(grant: NormalizedOrganizationGrant, minimumTlsVersion: number, resolve: RecordResolver): RecordedGrant {
  return {
    accountId: null,
    organizationId: grant.organizationId,
    organizationalUnitPaths: grant.organizationalUnitPaths === undefined ? null : [...grant.organizationalUnitPaths],
    principalArns: grant.roleName === undefined ? null : [`arn:${resolve.partition}:iam::*:role/${grant.roleName}`],
    prefix: grant.sharedPrefix ?? OWN_ACCOUNT_RECORDED_PREFIX,
    access: grant.access,
    allowDelete: grant.allowDelete,
    expires: recordedExpiry(grant.expires),
    through: 'organization',
    ...(grant.accessPointArn === undefined ? {} : { accessPointArn: resolve.arn(grant.accessPointArn) }),
    narrowing: recordedNarrowing(grant.organizationId, minimumTlsVersion),
  };
}

/**
 * A recorded grant read back into the grant model (`number` is its position among the grants of
 * its kind); undefined for a grant the model cannot hold (an account grant whose account only
 * deployment knows). A third-party role's grant reads as the account grant of the third party.
 */
export function grantFromRecord(recorded: RecordedGrant, number: number): AnyGrant | undefined {
  const common = {
    number,
    access: accessFromRecord(recorded.access),
    allowDelete: recorded.allowDelete,
    accessPointArn: defined(recorded.accessPointArn),
    expires: recorded.expires === null ? undefined : new Date(recorded.expires),
  };
  if (recorded.through === 'organization' && recorded.organizationId !== undefined) {
    return {
      ...common,
      organizationId: recorded.organizationId,
      organizationalUnitPaths: defined(recorded.organizationalUnitPaths),
      roleName: recorded.principalArns === null ? undefined : recorded.principalArns[0].split('/').pop(),
      sharedPrefix: recorded.prefix === null || recorded.prefix === OWN_ACCOUNT_RECORDED_PREFIX ? undefined : recorded.prefix,
    };
  }
  if (recorded.accountId === null) {
    return undefined;
  }
  return {
    ...common,
    accountId: recorded.accountId,
    principalArns: defined(recorded.principalArns),
    prefix: defined(recorded.prefix),
    ...(recorded.notifications === undefined ? {} : { notify: true, notificationRegion: defined(recorded.notifications.region) }),
  };
}

/** A recorded access level read back; null (a reader through a third-party role, whose role decides) reads as READ. */
export function accessFromRecord(access: RecordedAccess | null): AccessLevel {
  return access === 'READ_WRITE' ? AccessLevel.READ_WRITE : access === 'WRITE' ? AccessLevel.WRITE : AccessLevel.READ;
}

function defined<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}
