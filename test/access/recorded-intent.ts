/**
 * The review record cannot lie: what each principal is meant to reach, derived from the records
 * the constructs wrote into the cloud assembly (lib/model/record.ts, read with the CLI's own
 * reader) instead of from the test's configuration. The scenario proofs use it as the intent of
 * every principal that allows itself everything (so the evaluator's allowed requests must equal
 * the record's), and check that it equals the intent derived from the configuration (so the
 * record says what the user asked for).
 *
 * What the record cannot say is the world: which accounts are in which organization and OU.
 * That comes from the share's memberships, as it does for the configuration's intent.
 */
import { Level, Reach } from './intent';
import type { Share } from './scenario';
import { FoundRecord } from '../../lib/cli/assembly';
import { RecordedAccess, RecordedGrant, SharedBucketRecordData, ThirdPartyRoleRecordData } from '../../lib/model/record';

const LEVEL_OF: Record<RecordedAccess, Level> = { READ: 'read', WRITE: 'write', READ_WRITE: 'read-write' };

/** Organizations and OU paths of the accounts of the share's world. */
interface Memberships {
  /** Whether `account` is in `organizationId`. */
  inOrganization(account: string, organizationId: string): boolean;
  /** The account's OU path (`o-.../r-.../ou-.../`), when it is in an organization with units. */
  path(account: string): string | undefined;
}

/** What the derivation needs of a share: its records, its deployed bucket and key, who is in which organization. */
export type RecordedShare = Pick<Share, 'records' | 'bucketArn' | 'keyArn'> & {
  readonly config: Pick<Share['config'], 'memberships' | 'organizationId' | 'organizationAccounts'>;
};

function membershipsOf(share: RecordedShare): Memberships {
  const { config } = share;
  return {
    inOrganization: (account, organizationId) => config.memberships?.[account]?.organizationId === organizationId
      || (config.organizationId === organizationId && (config.organizationAccounts ?? []).includes(account)),
    path: account => config.memberships?.[account]?.path,
  };
}

/** `arn:aws:iam::*:role/Name` as the record writes an organization grant's role: matches a role of that name in any account. */
function principalMatches(pattern: string, principal: string): boolean {
  const [head, tail] = pattern.split('::*:');
  if (tail === undefined) {
    return pattern === principal;
  }
  const parts = principal.split(':');
  return principal.startsWith(`${head}::`) && `${parts.slice(5).join(':')}` === tail;
}

function baseReach(share: RecordedShare, bucket: SharedBucketRecordData, grant: RecordedGrant, prefix: string | undefined): Reach {
  return {
    bucketArn: bucket.bucketName === null ? share.bucketArn : `arn:aws:s3:::${bucket.bucketName}`,
    prefix,
    level: LEVEL_OF[grant.access],
    allowDelete: grant.allowDelete,
    keyArn: bucket.encryptionKeyArn ?? share.keyArn,
    region: bucket.region ?? fail('the record of a SharedBucket in a stack with a region names it'),
    minimumTlsVersion: grant.narrowing.minimumTlsVersion,
    ...(grant.expires === null ? {} : { expires: grant.expires }),
  };
}

function fail(message: string): never {
  throw new Error(message);
}

/** The SharedBucket records of the share's assembly, with their ThirdPartyAccessRole records. */
function ownerRecords(records: readonly FoundRecord[]): { buckets: SharedBucketRecordData[]; roles: ThirdPartyRoleRecordData[] } {
  return {
    buckets: records.filter(found => found.data.kind === 'SharedBucket').map(found => found.data as SharedBucketRecordData),
    roles: records.filter(found => found.data.kind === 'ThirdPartyAccessRole').map(found => found.data as ThirdPartyRoleRecordData),
  };
}

/**
 * What the owner's recorded grants give `principal`, in the shape and order of the
 * configuration's intent (scenario.ts ownerReaches): its consumer grants, the KMS part of other
 * grants in SharingMode.ACCESS_POINTS (whose key policy names accounts, or the organization,
 * not principals: README "Sharing through access points"), its organization grants.
 */
export function recordedOwnerReaches(share: RecordedShare, principal: string): Reach[] {
  const account = principal.split(':')[4];
  const memberships = membershipsOf(share);
  const reaches: Reach[] = [];
  const organizationReaches: Reach[] = [];
  for (const bucket of ownerRecords(share.records).buckets) {
    const consumerGrants = bucket.grants.filter(grant => grant.through === 'bucketPolicy' || grant.through === 'accessPoint');
    const allowedByNarrowing = (grant: RecordedGrant) => grant.narrowing.organizationId === null
      || memberships.inOrganization(account, grant.narrowing.organizationId);
    const covers = (grant: RecordedGrant) => grant.accountId === account && allowedByNarrowing(grant)
      && (grant.principalArns === null || grant.principalArns.includes(principal));
    const reachOfGrant = (grant: RecordedGrant): Reach => ({
      ...baseReach(share, bucket, grant, grant.prefix ?? undefined),
      ...(grant.through === 'accessPoint' ? { accessPointArn: grant.accessPointArn ?? fail('an access point grant records its access point'), keyScope: 'bucket' as const } : {}),
    });
    reaches.push(...consumerGrants.filter(covers).map(reachOfGrant));
    if (bucket.sharingMode === 'ACCESS_POINTS') {
      const keyOnly = consumerGrants.filter(grant => grant.narrowing.organizationId !== null
        ? allowedByNarrowing(grant) && !covers(grant)
        : grant.accountId === account && !covers(grant));
      reaches.push(...keyOnly.map(grant => ({ ...reachOfGrant(grant), keyOnly: true })));
    }
    for (const grant of bucket.grants.filter(candidate => candidate.through === 'organization')) {
      const path = memberships.path(account);
      const member = memberships.inOrganization(account, grant.organizationId!)
        && (grant.organizationalUnitPaths == null || (path !== undefined && grant.organizationalUnitPaths.some(unit => path.startsWith(unit))))
        && (grant.principalArns === null || grant.principalArns.some(pattern => principalMatches(pattern, principal)));
      if (!member) {
        continue;
      }
      const ownPrefix = grant.prefix === '<account id>/';
      const accessPointArn = grant.accessPointArn ?? undefined;
      organizationReaches.push({
        ...baseReach(share, bucket, grant, ownPrefix ? `${account}/` : grant.prefix!),
        keyScope: ownPrefix || accessPointArn !== undefined ? 'bucket' : 'prefix',
        ...(accessPointArn === undefined ? {} : { accessPointArn }),
      });
    }
  }
  return [...reaches, ...organizationReaches];
}

/** What the owner's ThirdPartyAccessRole `roleArn` reaches once assumed, from its record. */
export function recordedRoleReaches(share: RecordedShare, roleArn: string): Reach[] {
  const { buckets, roles } = ownerRecords(share.records);
  return roles.filter(role => role.grant.roleArn === roleArn).map(role => {
    const bucket = buckets.find(candidate => candidate.bucketName === role.bucketName) ?? fail(`no SharedBucket record for ${role.sharedBucketPath}`);
    return baseReach(share, bucket, role.grant, role.grant.prefix ?? undefined);
  });
}

/** The reaches with absent and undefined fields alike, in a stable order: for comparing two derivations. */
export function canonicalReaches(reaches: readonly Reach[]): string[] {
  const defined = (reach: Reach) => Object.entries(reach).filter(([, value]) => value !== undefined);
  return reaches.map(reach => JSON.stringify(Object.fromEntries(defined(reach).sort(([a], [b]) => a.localeCompare(b))))).sort();
}
