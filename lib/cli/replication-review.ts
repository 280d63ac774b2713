import { FoundRecord } from './assembly';
import type { Finding, Unchecked } from './review-model';
import { IntendedGrant } from '../model/analyzer/intent';
import { KNOWN_AT_DEPLOYMENT, RecordedReplication } from '../model/record';
import { REPLICATE_ACTIONS } from '../model/replication-actions';
import { replicaDisagreement, ReplicationSource } from '../model/replication-rules';

/**
 * `review` of replication across cloud assemblies: each ReplicaBucket record matched with the
 * SharedBucket record that replicates into it, by the rules of the synth-time check
 * (lib/model/replication-rules.ts); and, for the policy analysis, what a ReplicaBucket's policy
 * intends (the owner's replication role replicating under the prefix), so that the role's access
 * to the partner's bucket is explained by a record, as a consumer's by its grant.
 */

/** What the record could not resolve (a token), as review-model.ts `isUnknownInRecord` says. */
function unknownInRecord(value: unknown): boolean {
  return (typeof value === 'object' && value !== null && !Array.isArray(value))
    || (typeof value === 'string' && (value.includes('${Token[') || value === KNOWN_AT_DEPLOYMENT));
}

function constructPath(path: string): string {
  return path.replace(/^\//, '');
}

function roleNameOf(arn: string | null): string | undefined {
  return arn === null ? undefined : arn.split('/').pop();
}

/** The SharedBuckets of the records that replicate, as the rules take them. */
function sources(records: readonly FoundRecord[]): Array<{ source: ReplicationSource; record: FoundRecord }> {
  return records.flatMap(record => {
    const data = record.data;
    // Every SharedBucket, replicating or not: a ReplicaBucket that names one without targets is told so.
    if (data.kind !== 'SharedBucket' || data.bucketName === null) return [];
    return [{
      record,
      source: {
        path: constructPath(record.path),
        bucketName: data.bucketName,
        accountId: data.ownerAccountId ?? undefined,
        roleName: roleNameOf(data.replication?.roleArn ?? null),
        targets: (data.replication?.targets ?? []).map(target => ({
          accountId: target.accountId,
          bucketName: target.bucketName,
          keyArn: target.keyArn ?? undefined,
          prefix: target.prefix ?? undefined,
        })),
      },
    }];
  });
}

/** Each ReplicaBucket of the records matched with its SharedBucket: findings, the unmatched, and how many agree. */
export function replicaFindings(records: readonly FoundRecord[]): { findings: Finding[]; unchecked: Unchecked[]; checked: number } {
  const found = sources(records);
  const findings: Finding[] = [];
  const unchecked: Unchecked[] = [];
  let checked = 0;
  for (const record of records) {
    const data = record.data;
    if (data.kind !== 'ReplicaBucket') continue;
    const consumer = { assembly: record.assembly, stack: record.stack, path: constructPath(record.path), kind: 'ReplicaBucket' as const };
    const roleName = roleNameOf(data.replicationRoleArn);
    if (data.bucketName === null || data.sourceAccountId === null || data.sourceBucketName === null || roleName === undefined) {
      unchecked.push({ consumer, reason: 'its bucket, source or replication role is known only at deployment (a token)' });
      continue;
    }
    const disagreement = replicaDisagreement(found.map(item => item.source), {
      path: consumer.path,
      accountId: data.accountId ?? undefined,
      region: data.region ?? undefined,
      bucketName: data.bucketName,
      sourceAccountId: data.sourceAccountId,
      sourceBucketName: data.sourceBucketName,
      replicationRoleName: roleName,
      prefix: data.prefix ?? undefined,
    }, unknownInRecord);
    const owner = found.find(item => item.source.bucketName === data.sourceBucketName && item.source.accountId === data.sourceAccountId);
    if (owner === undefined) {
      unchecked.push({
        consumer,
        reason: `no SharedBucket named ${data.sourceBucketName} (account ${data.sourceAccountId}) is in the assemblies given`,
      });
    } else if (disagreement !== undefined) {
      findings.push({
        consumer,
        owner: { assembly: owner.record.assembly, stack: owner.record.stack, path: owner.source.path, kind: 'SharedBucket' },
        message: disagreement.message,
      });
    } else {
      checked++;
    }
  }
  return { findings, unchecked, checked };
}

/** What the ReplicaBuckets of `bucketName` let in: the owner's replication role, replicating under the prefix. */
export function replicaIntents(records: readonly FoundRecord[], bucketName: string): IntendedGrant[] {
  return records.flatMap(record => {
    const data = record.data;
    if (data.kind !== 'ReplicaBucket' || data.bucketName !== bucketName || data.replicationRoleArn === null || data.sourceAccountId === null) return [];
    return [{
      description: `the replication role ${constructPath(record.path)} lets in`,
      accountId: data.sourceAccountId,
      principalArns: [data.replicationRoleArn],
      actions: REPLICATE_ACTIONS,
      prefix: data.prefix ?? undefined,
    }];
  });
}

/** What a SharedBucket replicates where, one line per target, for the review table. */
export function replicationLines(replication: RecordedReplication | undefined): string[] {
  if (replication === undefined) return [];
  return replication.targets.map(target => `replicates ${target.prefix === null ? 'the whole bucket' : target.prefix} to bucket ${target.bucketName} ` +
    `(account ${target.accountId}), key ${target.keyArn ?? 'none: nothing replicates'}, role ${replication.roleArn ?? '(generated name)'}`);
}
