/**
 * A share's intent for the complete proofs (complete.ts), over every principal: what
 * `ownerReaches` says of each principal the sweeps probe, said of every principal at once, as a
 * formula over the request (its account, its role, its organization keys); and what each role
 * the consumers' stacks deploy allows itself (as `principalsOf` says).
 */
import { CompleteIntent, isPrincipal, SymbolicReach } from './complete';
import { Reach } from './intent';
import {
  consumerReaderReach, memberReaderReaches, organizationGrantReach, OUTSIDER, OWNER, reachOf, readerRoleName, roleArn, Share,
} from './scenario';
import { matchValue } from '../../lib/model/analyzer/encode';
import { text, Value } from '../../lib/model/analyzer/pattern';
import { PrincipalType, RequestModel } from '../../lib/model/analyzer/request';
import { and, not, or, Term, TRUE } from '../../lib/model/analyzer/terms';

/** `aws:PrincipalOrgID` is `organizationId`. */
function inOrganization(model: RequestModel, organizationId: string): Term {
  const key = model.key('aws:PrincipalOrgID', 'string');
  return and(key.present, matchValue(model.solver, key.value as Value, text(organizationId)));
}

/** Some value of `aws:PrincipalOrgPaths` starts with one of `paths`. */
function underUnits(model: RequestModel, paths: readonly string[]): Term {
  const key = model.key('aws:PrincipalOrgPaths', 'string');
  const values = [{ present: key.present, value: key.value as Value }, ...(key.elements ?? [])];
  return or(...values.map(value => and(value.present,
    or(...paths.map(path => matchValue(model.solver, value.value, [...text(path), { kind: 'any' }]))))));
}

/**
 * `ownerReaches` for every principal: a consumer grant reaches the principals of its account it
 * covers (its roles, or all), in the share's organization if it has one; in
 * SharingMode.ACCESS_POINTS the key part of a grant reaches the other principals of its account
 * (or, with organizationId, every member); an organization grant reaches every principal whose
 * organization keys place it under the grant's units, with the grant's role name if it has one.
 */
export function symbolicOwnerReaches(share: Share, model: RequestModel): SymbolicReach[] {
  const config = share.config;
  const shareOrganization = config.organizationId === undefined ? TRUE : inOrganization(model, config.organizationId);
  const accessPointMode = share.accessPointArns.length > 0;
  const out: SymbolicReach[] = [];
  config.grants.forEach((grant, index) => {
    const account = and(model.isIamPrincipal, model.accountIs(grant.accountId));
    const named = grant.roleNames?.map(name => isPrincipal(model, roleArn(grant.accountId, name)));
    const covered = and(account, named === undefined ? TRUE : or(...named));
    const reach = reachOf(share, grant, index);
    // A prefix that begins with the grant's own account is that of the principal (whose account `who` fixes).
    const ownAccountPrefix = reach.prefix?.startsWith(`${grant.accountId}/`) === true;
    out.push({ who: and(covered, shareOrganization), reach, ownAccountPrefix });
    if (accessPointMode) {
      // The key policy names accounts (or the organization), not principals.
      const keyOnly = config.organizationId === undefined ? and(account, not(covered)) : and(model.isIamPrincipal, shareOrganization, not(covered));
      out.push({ who: keyOnly, reach: { ...reach, keyOnly: true } });
    }
  });
  (config.organizationGrants ?? []).forEach((grant, index) => {
    if (config.organizationId !== undefined && config.organizationId !== grant.organizationId) {
      return;
    }
    const who = and(
      model.isIamPrincipal,
      inOrganization(model, grant.organizationId),
      grant.organizationalUnitPaths === undefined ? TRUE : underUnits(model, grant.organizationalUnitPaths),
      grant.roleName === undefined ? TRUE : and(model.principalIs(PrincipalType.ROLE),
        model.solver.membership('principal:path', `(str.to_re "role/${grant.roleName}")`)),
    );
    out.push({ who, reach: organizationGrantReach(share, index, grant.sharedPrefix), ownAccountPrefix: grant.sharedPrefix === undefined });
  });
  return out;
}

/** The share's intent for the complete proof: the owner's (every principal), the owner's roles', each deployed role's. */
export function completeIntentOf(share: Share): CompleteIntent {
  const config = share.config;
  const deployed = new Map<string, Reach[]>();
  if (config.deployConsumers ?? true) {
    config.grants.forEach((grant, index) => {
      for (const roleName of grant.roleNames ?? [readerRoleName(index)]) {
        const arn = roleArn(grant.accountId, roleName);
        deployed.set(arn, [...deployed.get(arn) ?? [], consumerReaderReach(share, grant, index)]);
      }
    });
    // The third parties' ConsumerReaders may assume the owner's role and nothing on the bucket.
    share.thirdPartyRoles.forEach(({ config: thirdParty }, index) => {
      for (const roleName of thirdParty.roleNames ?? [`ThirdParty${index}Integration`]) {
        deployed.set(roleArn(thirdParty.accountId, roleName), [...deployed.get(roleArn(thirdParty.accountId, roleName)) ?? []]);
      }
    });
    // OrganizationConsumers' member roles, in every member account of their grant's organization.
    for (const [account, membership] of Object.entries(config.memberships ?? {})) {
      for (const grant of config.organizationGrants ?? []) {
        if (grant.roleName !== undefined && grant.organizationId === membership.organizationId) {
          deployed.set(roleArn(account, grant.roleName), memberReaderReaches(share, account, grant.roleName));
        }
      }
    }
  }
  const accounts = new Set([OWNER, ...config.grants.map(grant => grant.accountId),
    ...(config.thirdParties ?? []).map(thirdParty => thirdParty.accountId),
    ...Object.keys(config.memberships ?? {}), ...config.organizationAccounts ?? []]);
  return {
    accounts: [...accounts].sort(),
    ownerAccount: OWNER,
    ownerSideAccounts: [OWNER, OUTSIDER],
    owner: model => symbolicOwnerReaches(share, model),
    ownerRoles: share.thirdPartyRoles.map(({ config: thirdParty, roleArn: arn }) => ({ arn, reaches: [reachOf(share, thirdParty)] })),
    deployed,
    trusts: share.thirdPartyRoles.map(role => role.trust),
  };
}

/**
 * The intent of consumers' templates proved against an owner a test simulates (consumer-reader,
 * organization-consumers): its bucket and key policies allow every principal of `trustedAccounts`
 * everything, and no one else anything, so that each role the consumers deploy reaches only what
 * its own identity policy means (`deployed`, by role ARN).
 */
export function trustingOwnerIntent(ownerAccount: string, trustedAccounts: readonly string[], deployed: ReadonlyMap<string, Reach[]>,
  ownerSideAccounts: readonly string[] = [ownerAccount]): CompleteIntent {
  return {
    accounts: [ownerAccount, ...trustedAccounts],
    ownerAccount,
    ownerSideAccounts,
    ownerRoles: [],
    deployed,
    trusts: [],
    owner: () => [],
    trustedWithAll: model => and(model.isIamPrincipal, or(...trustedAccounts.map(account => model.accountIs(account)))),
  };
}
