/**
 * Replicas in a partner's own bucket: the owner shares a bucket whose prefix `reports/` S3
 * replicates into a bucket the partner account owns, encrypted with the partner's key.
 * `examples/app.ts` synthesizes both stacks beside the others.
 *
 * Deploy order: either first. The partner's ReplicaBucket names the owner's replication role by
 * the name both sides fix here, so it deploys before the role exists; the owner's rule names the
 * partner's key, whose ARN exists once the partner has deployed: set REPLICA_KEY_ARN to the
 * partner stack's EncryptionKeyArn output and deploy the owner's stack again (until then nothing
 * replicates, and synth warns `replicationKeyMissing`).
 */
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgePrefixWildcard, ExampleSetup, ExampleStackProps } from './stacks';
import { ReplicaBucket, SharedBucket } from '../lib';

/** Fixed up front, so that neither side waits for the other's deployment. */
export const REPLICATION_ROLE = 'SharedReportsReplication';
export const REPLICATED_PREFIX = 'reports/';

/** The partner's account, its bucket, and its key once deployed. */
export interface ReplicationSetup {
  readonly partnerAccountId: string;
  readonly partnerRegion: string;
  readonly replicaBucketName: string;
  /** The EncryptionKeyArn output of the deployed partner stack; unset before. */
  readonly replicaKeyArn?: string;
}

/** The placeholders, each replaced by its environment variable when set (examples/app.ts). */
export function replicationSetup(environment: Record<string, string | undefined> = {}): ReplicationSetup {
  const partnerAccountId = environment.PARTNER_ACCOUNT_ID ?? '444444444444';
  return {
    partnerAccountId,
    partnerRegion: environment.PARTNER_REGION ?? 'eu-central-1',
    replicaBucketName: environment.REPLICA_BUCKET_NAME ?? `cdk-cross-account-bucket-replica-${partnerAccountId}`,
    // A placeholder key in the partner's account: replace it with the partner stack's output.
    replicaKeyArn: environment.REPLICA_KEY_ARN ?? `arn:aws:kms:${environment.PARTNER_REGION ?? 'eu-central-1'}:${partnerAccountId}:key/00000000-0000-0000-0000-000000000000`,
  };
}

export interface ReplicationStackProps extends ExampleStackProps {
  readonly replication: ReplicationSetup;
}

/** The owner's account: a shared bucket whose `reports/` the partner receives a replica of. */
export class ReplicationOwnerStack extends Stack {
  public readonly sharedBucket: SharedBucket;

  constructor(scope: Construct, id: string, props: ReplicationStackProps) {
    super(scope, id, { ...props, env: { account: props.setup.ownerAccountId, region: props.setup.region } });
    const { setup, replication } = props;
    this.sharedBucket = new SharedBucket(this, 'Reports', {
      bucketName: replicatedBucketName(setup),
      replicationRoleName: REPLICATION_ROLE,
      replicateTo: [{
        accountId: replication.partnerAccountId,
        bucketName: replication.replicaBucketName,
        keyArn: replication.replicaKeyArn,
        prefix: REPLICATED_PREFIX,
      }],
    });
    // The replication role reads `<bucket>/reports/*` and writes `<partner bucket>/reports/*`: the prefix, not a wider resource.
    acknowledgePrefixWildcard(this.sharedBucket, replicatedBucketName(setup), REPLICATED_PREFIX);
    acknowledgePrefixWildcard(this.sharedBucket, replication.replicaBucketName, REPLICATED_PREFIX);
  }
}

/** The partner's account: its own bucket, which lets in exactly the owner's replication role. */
export class ReplicaPartnerStack extends Stack {
  public readonly replica: ReplicaBucket;

  constructor(scope: Construct, id: string, props: ReplicationStackProps) {
    super(scope, id, { ...props, env: { account: props.replication.partnerAccountId, region: props.replication.partnerRegion } });
    this.replica = new ReplicaBucket(this, 'Replica', {
      bucketName: props.replication.replicaBucketName,
      sourceAccountId: props.setup.ownerAccountId,
      sourceBucketName: replicatedBucketName(props.setup),
      replicationRoleName: REPLICATION_ROLE,
      prefix: REPLICATED_PREFIX,
    });
  }
}

/** The owner's replicated bucket: its own name beside the example's shared bucket. */
export function replicatedBucketName(setup: ExampleSetup): string {
  return `cdk-cross-account-bucket-reports-${setup.ownerAccountId}`;
}

/** Adds the owner's and the partner's stacks to an app (or stage). */
export function addReplicationStacks(scope: Construct, setup: ExampleSetup, replication: ReplicationSetup = replicationSetup()) {
  return {
    owner: new ReplicationOwnerStack(scope, 'SharedBucketReplicationOwner', { setup, replication }),
    partner: new ReplicaPartnerStack(scope, 'SharedBucketReplicaPartner', { setup, replication }),
  };
}
