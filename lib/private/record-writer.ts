import { Lazy, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { knownPartition, withKnownPartition } from './arns';
import { expiryText } from './expiry';
import { OWN_ACCOUNT_RECORDED_PREFIX, RECORD_METADATA_TYPE, RecordData, RecordedAccess, RecordedGrant, RecordedNarrowing, RecordedPath } from '../model/record';
import { NormalizedOrganizationGrant } from './sharing/organization-sharing';
import { NormalizedGrant } from './sharing/sharing-path';
import { AccessLevel } from '../access-level';

/**
 * Writing the review record (record.ts): each construct hands over the normalised grants it gave
 * its policies, and the record is built from them at synth, once every grant is in (a grant
 * added with addConsumer after construction is recorded too). Construct metadata: it goes into
 * the cloud assembly beside the template, never into the template.
 */
export function writeRecord(scope: IConstruct, produce: () => RecordData): void {
  scope.node.addMetadata(RECORD_METADATA_TYPE, Lazy.any({ produce }));
}

/** A value synth knows, or null for one only deployment knows (a token). */
export function known(value: string | undefined): string | null {
  return value === undefined || Token.isUnresolved(value) ? null : value;
}

/** The stack's account, or null when the stack is environment-agnostic. */
export function knownAccount(scope: IConstruct): string | null {
  return known(Stack.of(scope).account);
}

/** The stack's region, or null when the stack is environment-agnostic. */
export function knownRegion(scope: IConstruct): string | null {
  return known(Stack.of(scope).region);
}

/** An ARN with the partition token resolved where the region says which it is; null when still a token. */
export function knownArn(scope: IConstruct, arn: string | undefined): string | null {
  return arn === undefined ? null : known(withKnownPartition(scope, arn));
}

export function recordedAccess(access: AccessLevel): RecordedAccess {
  return access;
}

export function recordedExpiry(expires: Date | undefined): string | null {
  return expires === undefined ? null : expiryText(expires);
}


/** What every grant of a SharedBucket is narrowed by, whichever its kind. */
export interface BucketNarrowing {
  readonly organizationId?: string;
  readonly minimumTlsVersion: number;
}

/** A consumer grant as recorded: `accessPointArn` is the grant's access point in SharingMode.ACCESS_POINTS. */
export function recordConsumerGrant(
  scope: IConstruct, grant: NormalizedGrant, bucket: BucketNarrowing, accessPointArn: string | undefined,
): RecordedGrant {
  return {
    accountId: grant.accountId,
    principalArns: grant.principalArns === undefined ? null : grant.principalArns.map(arn => knownArn(scope, arn) ?? arn),
    prefix: grant.prefix ?? null,
    access: recordedAccess(grant.access),
    allowDelete: grant.allowDelete,
    expires: recordedExpiry(grant.expires),
    through: accessPointArn === undefined ? 'bucketPolicy' : 'accessPoint',
    ...(accessPointArn === undefined ? {} : { accessPointArn: knownArn(scope, accessPointArn) }),
    narrowing: narrowing(bucket.organizationId, bucket.minimumTlsVersion),
  };
}

/** An organization grant as recorded: the members' role as an ARN pattern, their own prefix as `<account id>/`. */
export function recordOrganizationGrant(
  scope: IConstruct, grant: NormalizedOrganizationGrant, bucket: BucketNarrowing, accessPointArn: string | undefined,
): RecordedGrant {
  return {
    accountId: null,
    organizationId: grant.organizationId,
    organizationalUnitPaths: grant.organizationalUnitPaths === undefined ? null : [...grant.organizationalUnitPaths],
    principalArns: grant.roleName === undefined ? null : [`arn:${knownPartition(scope) ?? 'aws'}:iam::*:role/${grant.roleName}`],
    prefix: grant.sharedPrefix ?? OWN_ACCOUNT_RECORDED_PREFIX,
    access: recordedAccess(grant.access),
    allowDelete: grant.allowDelete,
    expires: recordedExpiry(grant.expires),
    through: 'organization' satisfies RecordedPath,
    ...(accessPointArn === undefined ? {} : { accessPointArn: knownArn(scope, accessPointArn) }),
    narrowing: narrowing(grant.organizationId, bucket.minimumTlsVersion),
  };
}

export function narrowing(organizationId: string | undefined, minimumTlsVersion: number, role?: { mfaRequired: boolean }): RecordedNarrowing {
  return {
    organizationId: organizationId ?? null,
    minimumTlsVersion,
    externalIdRequired: role !== undefined,
    mfaRequired: role?.mfaRequired ?? false,
    keyOnlyThroughS3: true,
  };
}

/**
 * Each SharedBucket's narrowing, for the ThirdPartyAccessRoles that record a grant of its
 * (the bucket policy's transport rule binds the role's sessions too).
 */
export const BUCKET_NARROWINGS = new WeakMap<IConstruct, BucketNarrowing>();
