import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SharingTarget } from './sharing-path';
import { NormalizedOrganizationGrant } from '../../model/grant';
import { expiryConditions } from '../expiry';
import { compactS3Statement, Conditions, GrantScope, keyGrantStatement, s3GrantStatements } from '../grant-statements';

/**
 * What an organization grant writes: one statement in the bucket policy (or in the policy of
 * its access point) and one in the key policy, whatever the number of member accounts. The
 * sharing paths place them (bucket-policy-sharing.ts, access-point-sharing.ts); this file decides
 * what they say.
 *
 * - The members: principal `*`, narrowed by `aws:PrincipalOrgID` always (AWS recommends it next
 *   to `aws:PrincipalOrgPaths`, and it keeps S3 Block Public Access from judging the policy
 *   public), `ForAnyValue:StringLike aws:PrincipalOrgPaths` with `<path>*` for the OUs and the
 *   OUs below them (the key is multi-valued: IAM User Guide, "aws:PrincipalOrgPaths"), and
 *   `ArnLike aws:PrincipalArn arn:<partition>:iam::*:role/<roleName>` for the role every member
 *   uses.
 * - Where: each member's own prefix `${aws:PrincipalAccount}/`, a policy variable S3 replaces
 *   with the caller's account, or one shared prefix.
 * - Until when: a grant with an end (`expires`) has every one of its statements carry
 *   `DateLessThan aws:CurrentTime <end>` (expiry.ts).
 * - The key: through S3 in the bucket's region, for this bucket. The key policy does not depend
 *   on policy variables (the KMS key policy documentation, "Key policy format", names none), so
 *   with per-account prefixes it names the whole bucket as encryption context (with S3 Bucket
 *   Keys that context is the bucket ARN anyway), and the bucket policy decides which objects.
 */

/** The policy variable S3 replaces with the calling principal's account id. */
export const OWN_ACCOUNT_PREFIX = '${aws:PrincipalAccount}';

/** `Organization<n>`: the statement ids of organization grant n (after the share's prefix, statement-ids.ts). */
export function organizationSid(target: SharingTarget, grant: NormalizedOrganizationGrant): string {
  return `${target.statementIdPrefix}Organization${grant.number}`;
}

/** The prefix the members reach: the shared one, or each its own. */
export function organizationPrefix(grant: NormalizedOrganizationGrant): string {
  return grant.sharedPrefix ?? `${OWN_ACCOUNT_PREFIX}/`;
}

/** The conditions of every statement of the grant: who the members are, and until when. */
function grantConditions(target: SharingTarget, grant: NormalizedOrganizationGrant): Conditions[] {
  return [...memberConditions(target, grant), ...expiryConditions(grant.expires)];
}

/** The conditions that say who the members are. */
export function memberConditions(target: SharingTarget, grant: NormalizedOrganizationGrant): Conditions[] {
  const conditions: Conditions[] = [{ StringEquals: { 'aws:PrincipalOrgID': grant.organizationId } }];
  if (grant.organizationalUnitPaths !== undefined) {
    conditions.push({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': grant.organizationalUnitPaths.map(path => `${path}*`) } });
  }
  if (grant.roleName !== undefined) {
    conditions.push({ ArnLike: { 'aws:PrincipalArn': `arn:${Stack.of(target.scope).partition}:iam::*:role/${grant.roleName}` } });
  }
  return conditions;
}

function scopeOf(target: SharingTarget, grant: NormalizedOrganizationGrant, accessPointArn?: string): GrantScope {
  return { bucketArn: target.bucketArn, accessPointArn, prefix: organizationPrefix(grant), access: grant.access, allowDelete: grant.allowDelete };
}

/** The bucket policy statement: objects and listing of the members' prefix (listing needs the denial of prefix-less lists). */
export function organizationBucketStatement(target: SharingTarget, grant: NormalizedOrganizationGrant): iam.PolicyStatement {
  return compactS3Statement(scopeOf(target, grant), {
    sidPrefix: organizationSid(target, grant),
    principals: [new iam.AnyPrincipal()],
    conditions: grantConditions(target, grant),
  });
}

/** The access point policy statements, for SharingMode.ACCESS_POINTS. */
export function organizationAccessPointStatements(
  target: SharingTarget, grant: NormalizedOrganizationGrant, accessPointArn: string,
): iam.PolicyStatement[] {
  return s3GrantStatements(scopeOf(target, grant, accessPointArn), {
    sidPrefix: organizationSid(target, grant),
    principals: [new iam.AnyPrincipal()],
    conditions: grantConditions(target, grant),
  });
}

/** The key policy statement: through S3 for this bucket (the shared prefix's objects, or the whole bucket). */
export function organizationKeyStatement(target: SharingTarget, grant: NormalizedOrganizationGrant): iam.PolicyStatement {
  return keyGrantStatement({ ...scopeOf(target, grant), prefix: grant.sharedPrefix }, {
    sidPrefix: organizationSid(target, grant),
    principals: [new iam.AnyPrincipal()],
    keyArn: '*',
    bucketRegion: target.bucketRegion,
    conditions: grantConditions(target, grant),
  });
}
