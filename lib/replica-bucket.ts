import { CfnOutput, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { RECORD_VERSION } from './model/record';
import { REPLICA_KEY_ACTIONS, REPLICATE_ACTIONS } from './model/replication-actions';
import { checkReplicaAtSynth } from './private/agreement';
import { knownAndEqual, knownPartition } from './private/arns';
import { CHECKOV_SKIPS, skipCheckovChecks } from './private/checkov';
import { accountPrincipal } from './private/grant-statements';
import { known, knownAccount, knownArn, knownRegion, writeRecord } from './private/record-writer';
import { keyConditions } from './private/replication';
import { accessLogsBucketProps, encryptionKeyProps, SecureBucketSettings, sharedBucketProps } from './private/secure-defaults';
import { PropsValidator } from './private/validation';

/**
 * Properties of a ReplicaBucket.
 */
export interface ReplicaBucketProps {
  /**
   * Physical name of the partner's bucket: the owner's replication target names it
   * (`ReplicationTarget.bucketName`).
   */
  readonly bucketName: string;

  /** The account of the SharedBucket that replicates into this bucket. */
  readonly sourceAccountId: string;

  /** Name of the SharedBucket that replicates into this bucket. */
  readonly sourceBucketName: string;

  /**
   * Name of the owner's replication role (SharedBucketProps `replicationRoleName`), agreed before
   * either side deploys. The policies name the owner's account root as principal and this role
   * in an `aws:PrincipalArn` condition, so this bucket deploys before the role exists.
   */
  readonly replicationRoleName: string;

  /**
   * Replicas may be written only under this key prefix, ending in '/' (the replication target's
   * prefix, or one above it).
   *
   * @default - anywhere in the bucket
   */
  readonly prefix?: string;

  /**
   * What happens to the bucket, the log bucket and the key when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Requests with an older TLS version are denied.
   *
   * @default 1.2
   */
  readonly minimumTlsVersion?: number;
}

/**
 * A partner's own bucket that a SharedBucket in another account replicates into
 * (`SharedBucketProps.replicateTo`).
 *
 * A versioned bucket with a key of its own and the secure defaults of SharedBucket (Block
 * Public Access, BucketOwnerEnforced object ownership, TLS only, access logs, retained on
 * delete), with a server access log bucket of its own. Its bucket policy and key policy let exactly the owner's replication role in:
 * replicate objects, delete markers and tags under the prefix, hand their ownership to this
 * account, and use the key through S3 in this region for this bucket only; nobody else of the
 * owner's account, and no other account.
 */
export class ReplicaBucket extends Construct {
  /** The partner's bucket. */
  public readonly bucket: s3.Bucket;

  /** The key that encrypts the bucket and the replicas (the owner's ReplicationTarget `keyArn`). */
  public readonly encryptionKey: kms.Key;

  /** ARN of the owner's replication role that the policies let in. */
  public readonly replicationRoleArn: string;

  constructor(scope: Construct, id: string, props: ReplicaBucketProps) {
    super(scope, id);

    const validator = new PropsValidator(this, 'ReplicaBucket');
    validator.bucketName('bucketName', props.bucketName);
    validator.accountId('sourceAccountId', props.sourceAccountId);
    validator.bucketName('sourceBucketName', props.sourceBucketName);
    validator.roleName('replicationRoleName', props.replicationRoleName);
    validator.prefix('prefix', props.prefix);
    validator.minimumTlsVersion('minimumTlsVersion', props.minimumTlsVersion);
    if (knownAndEqual(props.sourceAccountId, Stack.of(this).account)) {
      validator.fail('sourceAccountId', props.sourceAccountId,
        'the account of the SharedBucket, another than this stack\'s: replication into a bucket of the same account needs no bucket policy');
    }
    if (knownAndEqual(props.sourceBucketName, props.bucketName)) {
      validator.fail('sourceBucketName', props.sourceBucketName, 'the name of the SharedBucket, not of this bucket: bucket names are unique');
    }
    validator.throwIfInvalid();

    // Log delivery by bucket policy, as SharedBucket does (BucketOwnerEnforced forbids the ACL).
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const settings: SecureBucketSettings = {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      minimumTlsVersion: props.minimumTlsVersion ?? 1.2,
    };
    const stack = Stack.of(this);
    this.encryptionKey = new kms.Key(this, 'Key', encryptionKeyProps(settings, `Encrypts the replica bucket ${this.node.path}`));
    const logs = skipCheckovChecks(new s3.Bucket(this, 'AccessLogs', accessLogsBucketProps(settings)), CHECKOV_SKIPS.replicaAccessLogBucket);
    this.bucket = new s3.Bucket(this, 'Bucket', sharedBucketProps(settings, props.bucketName, this.encryptionKey, logs));

    const partition = stack.partition;
    const bucketArn = `arn:${partition}:s3:::${props.bucketName}`;
    this.replicationRoleArn = `arn:${partition}:iam::${props.sourceAccountId}:role/${props.replicationRoleName}`;
    // The owner's account as principal and its role by condition, as SharedBucket names consumers
    // (ConsumerGrant.principalArns): the policy is valid before the role exists, and a role
    // deleted and re-created with the same name is let in again. Any other principal of that
    // account fails the condition; every other account is not named.
    const principals = [accountPrincipal(props.sourceAccountId)];
    const onlyTheRole = { ArnEquals: { 'aws:PrincipalArn': this.replicationRoleArn } };
    this.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'ReplicateFromSharedBucket',
      principals,
      actions: [...REPLICATE_ACTIONS],
      resources: [`${bucketArn}/${props.prefix ?? ''}*`],
      conditions: onlyTheRole,
    }));
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'ReplicateFromSharedBucketKey',
      principals,
      actions: [...REPLICA_KEY_ACTIONS],
      resources: ['*'],
      conditions: { ...onlyTheRole, ...keyConditions(stack.region, bucketArn, [props.prefix ?? '']) },
    }));

    checkReplicaAtSynth(this, {
      bucketName: props.bucketName,
      sourceAccountId: props.sourceAccountId,
      sourceBucketName: props.sourceBucketName,
      replicationRoleName: props.replicationRoleName,
      prefix: props.prefix,
    });

    writeRecord(this, () => ({
      version: RECORD_VERSION,
      kind: 'ReplicaBucket',
      accountId: knownAccount(this),
      region: knownRegion(this),
      bucketName: known(props.bucketName),
      sourceAccountId: known(props.sourceAccountId),
      sourceBucketName: known(props.sourceBucketName),
      replicationRoleArn: Token.isUnresolved(props.sourceAccountId) || Token.isUnresolved(props.replicationRoleName) ? null
        : `arn:${knownPartition(this) ?? 'aws'}:iam::${props.sourceAccountId}:role/${props.replicationRoleName}`,
      prefix: props.prefix ?? null,
      encryptionKeyArn: knownArn(this, this.encryptionKey.keyArn),
    }));

    new CfnOutput(this, 'BucketName', { description: 'Name of the replica bucket (ReplicationTarget bucketName)', value: this.bucket.bucketName });
    new CfnOutput(this, 'EncryptionKeyArn', {
      description: 'ARN of the key that encrypts the replicas (ReplicationTarget keyArn on the owner\'s SharedBucket)',
      value: this.encryptionKey.keyArn,
    });
  }
}
