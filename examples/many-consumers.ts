/**
 * One bucket shared with 1,000 consumers, each reading its own prefix through one named role:
 * SharedBucket in SharingMode.ACCESS_POINTS. Each consumer gets an access point of its own
 * (in nested stacks of 400), the bucket policy only delegates to the owner's access points,
 * and the key policy lists the consumer accounts once per KMS action.
 *
 *   npx ts-node --prefer-ts-exts examples/many-consumers.ts   # synthesizes into cdk.out.many-consumers/
 *
 * The consumer side is one ConsumerReader per consumer account; the stack below is consumer 1's.
 */
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { AccessLevel, ConsumerGrant, ConsumerReader, SharedBucket, SharingMode } from '../lib';

export const MANY_CONSUMERS = {
  ownerAccountId: '111111111111',
  region: 'eu-west-1',
  bucketName: 'many-consumers-shared-111111111111',
  count: 1000,
  roleName: 'SharedDataReader',
};

/** Consumer `number` (1-based): its own account, its own prefix, one named role. */
export function manyConsumersGrant(number: number): ConsumerGrant {
  const accountId = consumerAccount(number);
  return {
    accountId,
    principalArns: [`arn:aws:iam::${accountId}:role/${MANY_CONSUMERS.roleName}`],
    prefix: `consumer-${String(number).padStart(4, '0')}/`,
    access: AccessLevel.READ,
  };
}

/** A distinct placeholder account per consumer: 2 followed by the number, 12 digits in all. */
export function consumerAccount(number: number): string {
  return `2${String(number).padStart(11, '0')}`;
}

export interface ManyConsumersStacks {
  readonly owner: Stack;
  readonly sharedBucket: SharedBucket;
  /** Consumer 1's stack: a ConsumerReader that reads through its access point. */
  readonly firstConsumer: Stack;
}

/**
 * `organizationId`: the consumers' organization, which the key policy then names instead of every
 * consumer account (past about 2,000 accounts their list no longer fits a key policy's 32 KB).
 */
export function addManyConsumersStacks(app: App, count: number = MANY_CONSUMERS.count, organizationId?: string): ManyConsumersStacks {
  const { ownerAccountId, region, bucketName, roleName } = MANY_CONSUMERS;
  const owner = new Stack(app, 'ManyConsumersOwner', { env: { account: ownerAccountId, region } });
  const sharedBucket = new SharedBucket(owner, 'Shared', {
    bucketName,
    organizationId,
    sharingMode: SharingMode.ACCESS_POINTS,
    consumers: Array.from({ length: count }, (_, index) => manyConsumersGrant(index + 1)),
  });

  const first = manyConsumersGrant(1);
  const firstConsumer = new Stack(app, 'ManyConsumersConsumer1', { env: { account: first.accountId, region } });
  new ConsumerReader(firstConsumer, 'Reader', {
    bucketName,
    bucketOwnerAccountId: ownerAccountId,
    accessPointArn: sharedBucket.accessPointArns[0],
    prefix: first.prefix,
    roleName,
  });
  return { owner, sharedBucket, firstConsumer };
}

if (require.main === module) {
  const app = new App({ outdir: 'cdk.out.many-consumers' });
  const { owner } = addManyConsumersStacks(app);
  const started = Date.now();
  app.synth();
  const nested = owner.node.findAll().filter(NestedStack.isNestedStack);
  console.log(`Synthesized ${MANY_CONSUMERS.count} consumers in ${Date.now() - started} ms: ` +
    `${nested.length} nested stacks of access points, templates in cdk.out.many-consumers/`);
}
