import { IsUnknown, prefixCovers } from './agreement-rules';

/**
 * Whether a SharedBucket's replication target and the partner's ReplicaBucket agree, over plain
 * data: the synth-time check (lib/private/agreement.ts, over the constructs of one app)
 * and the CLI's `review` (lib/cli/replication-review.ts, over the records of several cloud
 * assemblies) both call it, so the two say the same. Beside agreement-rules.ts, which matches
 * consumers with grants, and in the same terms: a value only deployment knows (`isUnknown`) is
 * not compared.
 */

/** One replication rule of a SharedBucket. */
export interface SourceTarget {
  readonly accountId: string;
  readonly bucketName: string;
  readonly keyArn?: string;
  readonly prefix?: string;
}

/** A SharedBucket that replicates. */
export interface ReplicationSource {
  /** The SharedBucket's construct path. */
  readonly path: string;
  readonly bucketName: string;
  /** Its account; undefined when only deployment knows it. */
  readonly accountId?: string;
  /** The replication role's name; undefined when CloudFormation generates it. */
  readonly roleName?: string;
  readonly targets: readonly SourceTarget[];
}

/** What a ReplicaBucket lets in. */
export interface ReplicaAsk {
  /** The ReplicaBucket's construct path. */
  readonly path: string;
  /** The partner's account (its stack's). */
  readonly accountId?: string;
  /** The partner bucket's region (its stack's). */
  readonly region?: string;
  readonly bucketName: string;
  readonly sourceAccountId: string;
  readonly sourceBucketName: string;
  readonly replicationRoleName: string;
  readonly prefix?: string;
}

/** A disagreement, and the SharedBucket it names. */
export interface ReplicationDisagreement {
  readonly message: string;
  readonly source: ReplicationSource;
}

/**
 * Why the SharedBucket a ReplicaBucket names does not replicate into it as the ReplicaBucket
 * lets it, or undefined when they agree or that SharedBucket is not among `sources`.
 */
export function replicaDisagreement(
  sources: readonly ReplicationSource[], ask: ReplicaAsk, isUnknown: IsUnknown,
): ReplicationDisagreement | undefined {
  if (isUnknown(ask.sourceBucketName) || isUnknown(ask.sourceAccountId) || isUnknown(ask.bucketName)) {
    return undefined;
  }
  const source = sources.find(candidate => candidate.bucketName === ask.sourceBucketName && candidate.accountId === ask.sourceAccountId);
  if (source === undefined) {
    return undefined;
  }
  const who = `ReplicaBucket ${ask.path}`;
  const owner = `SharedBucket ${source.path}`;
  const target = source.targets.find(candidate => candidate.bucketName === ask.bucketName);
  if (target === undefined) {
    return {
      source,
      message: `${who} expects replicas from ${owner}, which does not replicate into bucket ${ask.bucketName}: add ` +
        `{ accountId: '${ask.accountId ?? '<partner account>'}', bucketName: '${ask.bucketName}'${ask.prefix === undefined ? '' : `, prefix: '${ask.prefix}'`}, ` +
        'keyArn: <its EncryptionKeyArn output> } to the SharedBucket\'s replicateTo.',
    };
  }
  const differences: string[] = [];
  if (ask.accountId !== undefined && !isUnknown(ask.accountId) && !isUnknown(target.accountId) && target.accountId !== ask.accountId) {
    differences.push(`the account: the target names account ${target.accountId}, the ReplicaBucket is in account ${ask.accountId}; ` +
      `set accountId: '${ask.accountId}' on the target`);
  }
  if (source.roleName === undefined) {
    differences.push(`the role: the SharedBucket's replication role gets a generated name, the ReplicaBucket lets in '${ask.replicationRoleName}'; ` +
      `set replicationRoleName: '${ask.replicationRoleName}' on the SharedBucket`);
  } else if (!isUnknown(source.roleName) && !isUnknown(ask.replicationRoleName) && source.roleName !== ask.replicationRoleName) {
    differences.push(`the role: the SharedBucket's replication role is '${source.roleName}', the ReplicaBucket lets in '${ask.replicationRoleName}'; ` +
      `set replicationRoleName: '${source.roleName}' on the ReplicaBucket`);
  }
  if (!isUnknown(target.prefix) && !isUnknown(ask.prefix) && !prefixCovers(ask.prefix, target.prefix)) {
    differences.push(`the prefix: the target replicates ${describePrefix(target.prefix)}, the ReplicaBucket lets replicas in under ${describePrefix(ask.prefix)} only; ` +
      `set prefix: '${ask.prefix}' (or a prefix under it) on the target`);
  }
  if (target.keyArn === undefined) {
    differences.push('the key: the target names no keyArn, so no object replicates (every object of a SharedBucket is SSE-KMS); ' +
      'set keyArn to the ReplicaBucket\'s EncryptionKeyArn output once it is deployed');
  } else if (!isUnknown(target.keyArn) && ask.region !== undefined && !isUnknown(ask.region) && regionOf(target.keyArn) !== ask.region) {
    differences.push(`the key: keyArn ${target.keyArn} is in region ${regionOf(target.keyArn)}, the ReplicaBucket in ${ask.region} ` +
      '(S3 encrypts replicas only with a key of the destination bucket\'s region); set keyArn to the ReplicaBucket\'s EncryptionKeyArn output');
  }
  return differences.length === 0 ? undefined : {
    source,
    message: `${who} and the replication of ${owner} into it differ in ${differences.join('; ')}.`,
  };
}

/** The region of a key ARN (`arn:<partition>:kms:<region>:...`). */
function regionOf(keyArn: string): string | undefined {
  return keyArn.split(':')[3];
}

function describePrefix(prefix: string | undefined): string {
  return prefix === undefined ? 'the whole bucket' : `'${prefix}'`;
}
