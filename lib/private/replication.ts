import { CfnOutput, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { registerReplicationSource } from './agreement';
import { knownAndEqual, knownPartition, parseKeyArn } from './arns';
import { keyPolicyDelegatesToAccount } from './key-policy';
import { known, knownArn } from './record-writer';
import { PropsValidator } from './validation';
import { addWarning } from './warnings';
import { RecordedReplication } from '../model/record';
import {
  REPLICA_KEY_ACTIONS, REPLICATE_ACTIONS, SOURCE_BUCKET_ACTIONS, SOURCE_KEY_ACTIONS, SOURCE_OBJECT_ACTIONS,
} from '../model/replication-actions';
import { ReplicationTarget } from '../replication-target';

/**
 * SharedBucket's replication into partners' buckets (`replicateTo`): one rule per target on the
 * bucket's replication configuration, and one role that S3 assumes to replicate, limited to the
 * actions of lib/model/replication-actions.ts on the prefixes replicated.
 *
 * Written as the L1 `ReplicationConfiguration` of the bucket, with a role of our own, rather than
 * through aws-cdk-lib's `replicationRules` (aws-cdk-lib 2.276, aws-s3/lib/bucket.ts
 * `renderReplicationConfiguration`): that prop exists only at the bucket's construction, takes the
 * partner's bucket and key as IBucket/IKey objects of another account, annotates every
 * cross-account rule, and the role it creates is wider than replication needs (`grantReplicationPermission`
 * reads and writes `<bucket>/*` whatever the rule's prefix, adds `kms:GenerateDataKey*` and
 * `kms:ReEncrypt*` on the replica key through `grantEncrypt`, and no `kms:ViaService` or encryption
 * context condition). The cross-account form follows the AWS documentation that aws/aws-cdk#38349
 * (closing aws/aws-cdk#35825) points to: `Destination.Account` with `AccessControlTranslation`
 * owner `Destination`, and the destination's bucket policy granting the owner override.
 */

/** The bucket being replicated, as SharedBucket knows it. */
export interface ReplicationSourceBucket {
  readonly bucket: s3.Bucket;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly encryptionKey: kms.IKey;
}

/** What the SharedBucket's props say of replication. */
export interface ReplicationProps {
  readonly replicateTo?: ReplicationTarget[];
  readonly replicationRoleName?: string;
}

/**
 * Storage classes a replication rule accepts (CloudFormation AWS::S3::Bucket
 * ReplicationDestination StorageClass), but REDUCED_REDUNDANCY, which AWS recommends against,
 * and OUTPOSTS, for S3 on Outposts buckets only.
 */
const REPLICA_STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'];

/** Every problem of the replication props, recorded on `validator`. */
export function validateReplication(scope: Construct, validator: PropsValidator, props: ReplicationProps, existingBucket: boolean): void {
  validator.roleName('replicationRoleName', props.replicationRoleName);
  if (props.replicateTo === undefined) {
    if (props.replicationRoleName !== undefined) {
      validator.fail('replicationRoleName', props.replicationRoleName, 'no replicationRoleName without replicateTo: without targets there is no replication role');
    }
    return;
  }
  if (!validator.listKnownAtSynth('replicateTo', props.replicateTo as unknown as string[], 'replication targets')) {
    return;
  }
  if (existingBucket) {
    validator.fail('replicateTo', `${props.replicateTo.length} target(s)`,
      'no replicateTo together with existingBucket: replication is a setting of the bucket (its ReplicationConfiguration), and this ' +
      'library never changes the settings of a bucket it did not create. Configure replicationRules on that bucket where it is defined, ' +
      'or share a new bucket');
    return;
  }
  if (props.replicateTo.length === 0) {
    validator.fail('replicateTo', '[]', 'at least one replication target; omit the property to replicate nowhere');
  }
  const ownerAccount = Stack.of(scope).account;
  const seen = new Map<string, number>();
  props.replicateTo.forEach((target, index) => {
    const prop = `replicateTo[${index}]`;
    let accountValid = validator.accountId(`${prop}.accountId`, target.accountId);
    if (accountValid && knownAndEqual(target.accountId, ownerAccount)) {
      accountValid = validator.fail(`${prop}.accountId`, target.accountId,
        `a partner account other than this stack's ${ownerAccount}: replication hands the replicas to another account (AccessControlTranslation), ` +
        'which S3 allows only across accounts');
    }
    validator.bucketName(`${prop}.bucketName`, target.bucketName);
    if (!Token.isUnresolved(target.bucketName)) {
      const first = seen.get(target.bucketName);
      if (first !== undefined) {
        validator.fail(`${prop}.bucketName`, target.bucketName, `each partner bucket once: it is already replicateTo[${first}]; one rule per bucket, with the prefix that covers both`);
      } else {
        seen.set(target.bucketName, index);
      }
    }
    if (validator.keyArn(`${prop}.keyArn`, target.keyArn) && validator.samePartition(`${prop}.keyArn`, target.keyArn)) {
      const key = parseKeyArn(target.keyArn);
      if (key !== undefined && accountValid && !Token.isUnresolved(target.accountId) && key.account !== target.accountId) {
        validator.fail(`${prop}.keyArn`, target.keyArn, `a key of the partner account ${target.accountId}, not of account ${key.account}: the partner's ReplicaBucket key encrypts its replicas`);
      }
    }
    validator.prefix(`${prop}.prefix`, target.prefix);
    const storageClass = target.storageClass?.value;
    if (storageClass !== undefined && !Token.isUnresolved(storageClass) && !REPLICA_STORAGE_CLASSES.includes(storageClass)) {
      validator.fail(`${prop}.storageClass`, storageClass, `a storage class replication accepts: ${REPLICA_STORAGE_CLASSES.join(', ')}`);
    }
  });
}

/** The replication as written: its role, and what the review record says of it. */
export interface Replication {
  readonly role: iam.Role;
  record(): RecordedReplication;
}

/**
 * Writes the rules and the role; undefined without targets (nothing is written then, so a
 * SharedBucket without replicateTo synthesizes as before).
 */
export function configureReplication(scope: Construct, source: ReplicationSourceBucket, props: ReplicationProps): Replication | undefined {
  const targets = props.replicateTo ?? [];
  const stack = Stack.of(scope);
  // Every SharedBucket, replicating or not: a ReplicaBucket that names one without targets is told so.
  registerReplicationSource(scope, () => ({
    path: scope.node.path,
    bucketName: source.bucketName,
    accountId: Token.isUnresolved(stack.account) ? undefined : stack.account,
    roleName: props.replicationRoleName,
    targets: targets.map(target => ({ accountId: target.accountId, bucketName: target.bucketName, keyArn: target.keyArn, prefix: target.prefix })),
  }));
  if (targets.length === 0) {
    return undefined;
  }
  const partition = stack.partition;
  const role = new iam.Role(scope, 'ReplicationRole', {
    roleName: props.replicationRoleName,
    description: `S3 replication of ${source.bucketName} into the partners' buckets`,
    // Trust as the S3 User Guide writes it for the replication role (setting-repl-config-perm-overview.html):
    // S3 alone, with no condition that AWS does not document S3 to send when it assumes the role.
    assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
  });
  const prefixes = unique(targets.map(target => target.prefix ?? ''));
  const statements = [
    new iam.PolicyStatement({
      sid: 'ReadReplicationConfiguration',
      actions: [...SOURCE_BUCKET_ACTIONS],
      resources: [source.bucketArn],
    }),
    new iam.PolicyStatement({
      sid: 'ReadVersionsForReplication',
      actions: [...SOURCE_OBJECT_ACTIONS],
      resources: prefixes.map(prefix => `${source.bucketArn}/${prefix}*`),
    }),
    new iam.PolicyStatement({
      sid: 'DecryptSourceObjects',
      actions: [...SOURCE_KEY_ACTIONS],
      resources: [source.encryptionKey.keyArn],
      conditions: keyConditions(stack.region, source.bucketArn, prefixes),
    }),
    ...targets.flatMap((target, index) => {
      const destinationArn = `arn:${partition}:s3:::${target.bucketName}`;
      const replicate = new iam.PolicyStatement({
        sid: `ReplicateToTarget${index + 1}`,
        actions: [...REPLICATE_ACTIONS],
        resources: [`${destinationArn}/${target.prefix ?? ''}*`],
        // The partner's account only: a bucket of that name taken over by another account is never written.
        // s3:ResourceAccount is a condition key of all four actions (Service Authorization Reference, Amazon S3, Actions).
        conditions: { StringEquals: { 's3:ResourceAccount': target.accountId } },
      });
      const key = parseKeyArn(target.keyArn);
      if (target.keyArn === undefined) {
        return [replicate];
      }
      // The key lives in the destination bucket's region (replication-config-for-kms-objects.html: "The AWS KMS key must
      // have been created in the same AWS Region as the destination buckets"), which S3 uses it from.
      const region = key?.region ?? stack.region;
      return [replicate, new iam.PolicyStatement({
        sid: `EncryptReplicasTarget${index + 1}`,
        actions: [...REPLICA_KEY_ACTIONS],
        resources: [target.keyArn],
        conditions: keyConditions(region, destinationArn, [target.prefix ?? '']),
      })];
    }),
  ];
  const policy = new iam.Policy(scope, 'ReplicationPolicy', {
    document: new iam.PolicyDocument({ statements }),
    roles: [role],
  });

  const cfnBucket = source.bucket.node.defaultChild as s3.CfnBucket;
  cfnBucket.replicationConfiguration = {
    role: role.roleArn,
    rules: targets.map((target, index) => replicationRule(partition, target, index)),
  };
  // S3 checks nothing of the role when the configuration is put, but replication starts at once:
  // with the policy attached first, the first objects do not fail.
  cfnBucket.node.addDependency(policy);

  for (const target of targets.filter(candidate => candidate.keyArn === undefined)) {
    addWarning(scope, 'cdk-cross-account-bucket:replicationKeyMissing',
      `The replication into ${target.bucketName} (account ${target.accountId}) names no keyArn: the rule selects no SSE-KMS objects, and every ` +
      'object of a SharedBucket is SSE-KMS, so nothing replicates. Set keyArn to the EncryptionKeyArn output of the partner\'s ReplicaBucket ' +
      'once it is deployed, or acknowledge this warning while the partner side is not yet deployed.');
  }
  if (!(source.encryptionKey instanceof kms.Key) || !keyPolicyDelegatesToAccount(source.encryptionKey, [...SOURCE_KEY_ACTIONS])) {
    addWarning(scope, 'cdk-cross-account-bucket:keyPolicyNotManaged',
      'The replication role decrypts with the bucket\'s key through its identity policy, which works only where the key policy lets this ' +
      `account's IAM policies grant ${SOURCE_KEY_ACTIONS.join(', ')} (the default key policy does). This key's policy is not known to: allow ` +
      `${SOURCE_KEY_ACTIONS.join(', ')} to the replication role there, or replication fails for every object.`);
  }

  new CfnOutput(scope, 'ReplicationRoleArn', {
    description: 'ARN of the role S3 replicates with (ReplicaBucket replicationRoleName: its name)',
    value: role.roleArn,
  });

  return {
    role,
    record: () => ({
      roleArn: props.replicationRoleName === undefined || Token.isUnresolved(stack.account) ? null
        : `arn:${knownPartition(scope) ?? 'aws'}:iam::${stack.account}:role/${props.replicationRoleName}`,
      targets: targets.map(target => ({
        accountId: target.accountId,
        bucketName: target.bucketName,
        keyArn: target.keyArn === undefined ? null : knownArn(scope, target.keyArn),
        prefix: target.prefix ?? null,
        storageClass: known(target.storageClass?.value),
      })),
    }),
  };
}

/**
 * One rule per target (S3 User Guide, "Replicating encrypted objects" and "Changing the replica
 * owner"; CloudFormation AWS::S3::Bucket ReplicationRule):
 * - `Filter.Prefix`: only the target's prefix; the current (V2) rule form, which needs `Priority`
 *   and `DeleteMarkerReplication`;
 * - `DeleteMarkerReplication` enabled: a delete in the owner's bucket hides the object in the
 *   partner's too, as the role's `s3:ReplicateDelete` allows. A V2 rule never replicates the
 *   deletion of a version, so the partner keeps every version it received;
 * - `SourceSelectionCriteria.SseKmsEncryptedObjects` enabled, with the partner's key as
 *   `ReplicaKmsKeyID`: S3 replicates SSE-KMS objects only when both are set;
 * - `Destination.Account` with `AccessControlTranslation` owner `Destination`: the partner owns
 *   the replicas.
 */
function replicationRule(partition: string, target: ReplicationTarget, index: number): s3.CfnBucket.ReplicationRuleProperty {
  return {
    id: `ReplicateTo-${target.bucketName}`,
    priority: index + 1,
    status: 'Enabled',
    filter: { prefix: target.prefix ?? '' },
    deleteMarkerReplication: { status: 'Enabled' },
    sourceSelectionCriteria: target.keyArn === undefined ? undefined : { sseKmsEncryptedObjects: { status: 'Enabled' } },
    destination: {
      bucket: `arn:${partition}:s3:::${target.bucketName}`,
      account: target.accountId,
      accessControlTranslation: { owner: 'Destination' },
      encryptionConfiguration: target.keyArn === undefined ? undefined : { replicaKmsKeyId: target.keyArn },
      storageClass: target.storageClass?.value,
    },
  };
}

/**
 * The key only through S3 in `region` (`kms:ViaService`), only for `bucketArn` (the encryption
 * context is the bucket's ARN with an S3 Bucket Key, the object's without: replication-config-for-kms-objects.html,
 * "S3 Bucket Keys and replication") and its objects under the prefixes.
 */
export function keyConditions(region: string, bucketArn: string, prefixes: readonly string[]): Record<string, Record<string, unknown>> {
  return {
    StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
    StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, ...prefixes.map(prefix => `${bucketArn}/${prefix}*`)] },
  };
}

function unique(values: readonly string[]): string[] {
  // A whole-bucket target covers every prefix.
  return values.includes('') ? [''] : [...new Set(values)];
}
