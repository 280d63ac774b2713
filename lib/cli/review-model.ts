import {
  consumerDisagreement, ConsumerAsk, IsUnknown, organizationConsumersDisagreement, OrganizationConsumersAsk, OwnerBucket, OwnerSide,
  OwnerThirdPartyRole,
} from '../model/agreement-rules';
import { isOrganizationGrant, NormalizedGrant, NormalizedOrganizationGrant } from '../model/grant';
import { accessFromRecord, grantFromRecord, KNOWN_AT_DEPLOYMENT, RecordedGrant, RecordedReplication, SharedBucketRecordData } from '../model/record';
import { SharingMode } from '../sharing-mode';
import { FoundRecord } from './assembly';
import { ConsumerCheck, checkMessage } from './consumer-check';
import { replicaFindings } from './replication-review';

/**
 * What `review` reports, built from the records of one or more cloud assemblies: the shared
 * buckets with every grant they wrote (a ThirdPartyAccessRole's grant folded into its bucket),
 * and the findings of the agreement rules (lib/model/agreement-rules.ts, the rules of the
 * synth-time check) for each ConsumerReader and OrganizationConsumers found.
 */

/** A shared bucket and every grant of it, whichever construct wrote the grant. */
export interface ReviewBucket {
  readonly bucketName: string | null;
  readonly ownerAccountId: string | null;
  readonly region: string | null;
  readonly stack: string;
  readonly assembly: string;
  /** The SharedBucket's construct path. */
  readonly path: string;
  readonly sharingMode: SharedBucketRecordData['sharingMode'];
  readonly grants: RecordedGrant[];
  /** The partners' buckets it replicates into, when it does. */
  readonly replication?: RecordedReplication;
}

/** Where a construct is: which assembly, which stack, which construct path. */
export interface Place {
  readonly assembly: string;
  readonly stack: string;
  readonly path: string;
}

/** A consumer no grant covers, or covers only in part. */
export interface Finding {
  readonly consumer: Place & { readonly kind: 'ConsumerReader' | 'OrganizationConsumers' | 'ReplicaBucket' };
  readonly owner: Place & { readonly kind: 'SharedBucket' | 'ThirdPartyAccessRole' };
  readonly message: string;
}

/** A consumer whose owner is in none of the assemblies given: nothing to match it against. */
export interface Unchecked {
  readonly consumer: Place & { readonly kind: 'ConsumerReader' | 'OrganizationConsumers' | 'ReplicaBucket' };
  readonly reason: string;
}


/** A construct path as the findings name it: the metadata key without its leading '/'. */
export function constructPath(path: string): string {
  return path.replace(/^\//, '');
}

/** The shared buckets of the records, in the order found, each with its third-party roles' grants. */
export function reviewBuckets(records: FoundRecord[]): ReviewBucket[] {
  const buckets: { bucket: ReviewBucket; grants: RecordedGrant[] }[] = [];
  for (const record of records) {
    if (record.data.kind === 'SharedBucket') {
      const grants = [...record.data.grants];
      buckets.push({
        grants,
        bucket: {
          bucketName: record.data.bucketName,
          ownerAccountId: record.data.ownerAccountId,
          region: record.data.region,
          stack: record.stack,
          assembly: record.assembly,
          path: constructPath(record.path),
          sharingMode: record.data.sharingMode,
          grants,
          ...record.data.replication === undefined ? {} : { replication: record.data.replication },
        },
      });
    }
  }
  for (const record of records) {
    if (record.data.kind === 'ThirdPartyAccessRole') {
      const data = record.data;
      // Its SharedBucket is in the same app (the role takes the construct); by path first, by name for safety.
      const owner = buckets.find(candidate => candidate.bucket.assembly === record.assembly
        && candidate.bucket.path === constructPath(data.sharedBucketPath))
        ?? buckets.find(candidate => data.bucketName !== null && candidate.bucket.bucketName === data.bucketName);
      if (owner !== undefined) {
        owner.grants.push(data.grant);
      } else {
        const grants = [data.grant];
        buckets.push({
          grants,
          bucket: {
            bucketName: data.bucketName,
            ownerAccountId: null,
            region: null,
            stack: record.stack,
            assembly: record.assembly,
            path: constructPath(data.sharedBucketPath),
            sharingMode: 'BUCKET_POLICY',
            grants,
          },
        });
      }
    }
  }
  return buckets.map(entry => entry.bucket);
}

/**
 * What the record could not resolve to plain values: a CloudFormation intrinsic (`{ "Ref": ... }`)
 * or an unresolved token; checks on such values are skipped, as at synth.
 */
export const isUnknownInRecord: IsUnknown = value => {
  const unknown = (item: unknown) => (typeof item === 'object' && item !== null && !Array.isArray(item))
    || (typeof item === 'string' && (item.includes('${Token[') || item === KNOWN_AT_DEPLOYMENT));
  return unknown(value) || (Array.isArray(value) && value.some(unknown));
};

function date(iso: string | null): Date | undefined {
  return iso === null ? undefined : new Date(iso);
}

function defined<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/** The last path segment of an ARN (a role's or an access point's name). */
export function lastSegment(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

interface OwnerIndex {
  readonly side: OwnerSide;
  readonly places: Map<OwnerBucket | OwnerThirdPartyRole, Place & { kind: 'SharedBucket' | 'ThirdPartyAccessRole' }>;
}

/** The owners' records as the agreement rules take them. */
function ownerSide(records: FoundRecord[]): OwnerIndex {
  const buckets: OwnerBucket[] = [];
  const thirdPartyRoles: OwnerThirdPartyRole[] = [];
  const places: OwnerIndex['places'] = new Map();
  for (const record of records) {
    const place = { assembly: record.assembly, stack: record.stack, path: constructPath(record.path) };
    const data = record.data;
    if (data.kind === 'SharedBucket' && data.bucketName !== null) {
      const grants: NormalizedGrant[] = [];
      const organizationGrants: NormalizedOrganizationGrant[] = [];
      for (const recorded of data.grants) {
        const grant = grantFromRecord(recorded, 0);
        if (grant === undefined) {
          continue;
        } else if (isOrganizationGrant(grant)) {
          organizationGrants.push({ ...grant, number: organizationGrants.length + 1 });
        } else {
          grants.push({ ...grant, number: grants.length + 1 });
        }
      }
      const bucket: OwnerBucket = {
        path: place.path,
        bucketName: data.bucketName,
        accountId: defined(data.ownerAccountId),
        region: defined(data.region),
        sharingMode: data.sharingMode === 'ACCESS_POINTS' ? SharingMode.ACCESS_POINTS : SharingMode.BUCKET_POLICY,
        grants,
        organizationGrants,
      };
      buckets.push(bucket);
      places.set(bucket, { ...place, kind: 'SharedBucket' });
    } else if (data.kind === 'ThirdPartyAccessRole' && data.bucketName !== null && data.grant.accountId !== null) {
      const role: OwnerThirdPartyRole = {
        path: place.path,
        bucketName: data.bucketName,
        roleName: data.roleName ?? (data.grant.roleArn === null || data.grant.roleArn === undefined ? undefined : lastSegment(data.grant.roleArn)),
        thirdPartyAccountId: data.grant.accountId,
        thirdPartyPrincipalArns: defined(data.grant.principalArns),
        expires: date(data.grant.expires),
      };
      thirdPartyRoles.push(role);
      places.set(role, { ...place, kind: 'ThirdPartyAccessRole' });
    }
  }
  return { side: { buckets, thirdPartyRoles }, places };
}

/**
 * Every consumer of the records matched against every owner grant of the records; a consumer in
 * `decided` is covered or not as the policies decide (consumer-check.ts), the record rules decide
 * the others.
 */
export function reviewFindings(
  records: FoundRecord[], decided: ReadonlyMap<FoundRecord, ConsumerCheck> = new Map(),
): { findings: Finding[]; unchecked: Unchecked[]; checked: number; fromPolicies: number } {
  const owners = ownerSide(records);
  const findings: Finding[] = [];
  const unchecked: Unchecked[] = [];
  let checked = 0;
  let fromPolicies = 0;
  for (const record of records) {
    const data = record.data;
    const place = { assembly: record.assembly, stack: record.stack, path: constructPath(record.path) };
    let disagreement;
    let kind: 'ConsumerReader' | 'OrganizationConsumers';
    let bucketName: unknown;
    let bucketOwnerAccountId: unknown;
    if (data.kind === 'ConsumerReader') {
      kind = data.kind;
      bucketName = data.bucketName;
      bucketOwnerAccountId = data.bucketOwnerAccountId;
      if (data.accountId === null || data.bucketName === null || data.bucketOwnerAccountId === null) {
        unchecked.push({
          consumer: { ...place, kind },
          reason: 'its account, bucket name or bucket owner is known only at deployment (an environment-agnostic stack or a token)',
        });
        continue;
      }
      const ask: ConsumerAsk = {
        path: place.path,
        accountId: data.accountId,
        bucketName: data.bucketName,
        bucketOwnerAccountId: data.bucketOwnerAccountId,
        principalArn: defined(data.roleArn),
        prefix: defined(data.prefix),
        access: accessFromRecord(data.access),
        allowDelete: data.allowDelete ?? false,
        accessPointArn: defined(data.accessPointArn),
        thirdPartyRoleArn: defined(data.thirdPartyRoleArn),
        // The region its key statement names, as synth wrote it: fixed, the owner's in its app, or its own stack's.
        bucketRegion: defined(data.bucketRegion),
        expires: date(data.expires),
        receiveNotifications: data.receiveNotifications !== undefined,
        consumerRegion: defined(data.receiveNotifications?.region),
      };
      disagreement = consumerDisagreement(owners.side, ask, isUnknownInRecord);
      // The policies decide whether it is covered; the record rules, where they disagree too, tell what differs.
      const check = decided.get(record);
      const checkedOwner = check && owners.side.buckets
        .find(bucket => bucket.bucketName === check.bucketName && bucket.accountId === data.bucketOwnerAccountId);
      if (check !== undefined && checkedOwner !== undefined) {
        fromPolicies++;
        if (check.denied.length === 0) {
          // The policies allow it; notifications, which no access policy decides, are the record rules' to judge.
          const notificationsOnly = disagreement !== undefined
            && consumerDisagreement(owners.side, { ...ask, receiveNotifications: false }, isUnknownInRecord) === undefined;
          if (notificationsOnly) {
            findings.push({ consumer: { ...place, kind }, owner: owners.places.get(disagreement!.owner)!, message: disagreement!.message });
          } else {
            checked++;
          }
        } else {
          findings.push({
            consumer: { ...place, kind },
            owner: owners.places.get(disagreement?.owner ?? checkedOwner)!,
            message: disagreement
              ? `${disagreement.message.replace(/\.?$/, '.')} ${checkMessage(check)}`
              : `ConsumerReader ${place.path} (account ${data.accountId}): ${checkMessage(check)}`,
          });
        }
        continue;
      }
    } else if (data.kind === 'OrganizationConsumers') {
      kind = data.kind;
      bucketName = data.bucketName;
      bucketOwnerAccountId = data.bucketOwnerAccountId;
      const ask: OrganizationConsumersAsk = {
        path: place.path,
        bucketName: data.bucketName,
        bucketOwnerAccountId: data.bucketOwnerAccountId,
        roleName: data.roleName,
        sharedPrefix: defined(data.sharedPrefix),
        access: accessFromRecord(data.access),
        allowDelete: data.allowDelete,
        organizationalUnitIds: data.organizationalUnitIds,
        accessPointArn: defined(data.accessPointArn),
      };
      disagreement = organizationConsumersDisagreement(owners.side, ask, isUnknownInRecord);
    } else {
      continue;
    }
    const ownerFound = owners.side.buckets.some(owner => owner.bucketName === bucketName && owner.accountId === bucketOwnerAccountId);
    if (disagreement !== undefined) {
      findings.push({ consumer: { ...place, kind }, owner: owners.places.get(disagreement.owner)!, message: disagreement.message });
    } else if (!ownerFound) {
      unchecked.push({
        consumer: { ...place, kind },
        reason: `no SharedBucket named ${String(bucketName)} (account ${String(bucketOwnerAccountId)}) is in the assemblies given`,
      });
    } else {
      checked++;
    }
  }
  // The partners' ReplicaBuckets, matched with the SharedBuckets that replicate into them.
  const replicas = replicaFindings(records);
  findings.push(...replicas.findings);
  unchecked.push(...replicas.unchecked);
  return { findings, unchecked, checked: checked + replicas.checked, fromPolicies };
}
