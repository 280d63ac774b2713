import { AccessLevel } from '../access-level';
import { ConsumerGrant, OrganizationGrant } from '../grants';
import { GrantAccess, NormalizedGrant, NormalizedOrganizationGrant } from '../model/grant';

/**
 * A validated grant of the public API (ConsumerGrant, OrganizationGrant) into the grant model
 * (lib/model/grant.ts): defaults filled in, the end as a Date. Everything downstream (the sharing
 * paths, the agreement check, the record) reads the result, never the props.
 */

/** What every kind of grant fills in the same way. */
function grantAccess(grant: ConsumerGrant | OrganizationGrant, number: number): GrantAccess {
  return {
    number,
    access: grant.access ?? AccessLevel.READ,
    allowDelete: grant.allowDelete ?? false,
    accessPointName: grant.accessPointName,
    expires: grant.expires?.date,
  };
}

/** `number`: the grant's 1-based position among the SharedBucket's consumer grants. */
export function normalizeGrant(grant: ConsumerGrant, number: number): NormalizedGrant {
  return {
    ...grantAccess(grant, number),
    accountId: grant.accountId,
    principalArns: grant.principalArns,
    prefix: grant.prefix,
    // Only when the grant notifies, so that a grant without notify normalises as it always has.
    ...(grant.notify === true ? { notify: true, notificationRegion: grant.notificationRegion } : {}),
  };
}

/** `number`: the grant's 1-based position among the SharedBucket's organization grants. */
export function normalizeOrganizationGrant(grant: OrganizationGrant, number: number): NormalizedOrganizationGrant {
  return {
    ...grantAccess(grant, number),
    organizationId: grant.organizationId,
    organizationalUnitPaths: grant.organizationalUnitPaths,
    roleName: grant.roleName,
    sharedPrefix: grant.sharedPrefix,
  };
}
