import { App } from 'aws-cdk-lib';
import { ExistingBucketOwnerStack } from './existing-bucket';
import { NotificationsConsumerStack, NotificationsOwnerStack } from './notifications';
import { addOrganizationStacks, organizationSetup } from './organization';
import { addReplicationStacks, replicationSetup } from './replication';
import { addExampleStacks, exampleSetup } from './stacks';

/**
 * Every stack of the example app (examples/app.ts) in `app`, configured from `env` as app.ts
 * documents: the review table and diagram of docs/reviewing-access.md are generated from it
 * (scripts/docs-review.ts).
 */
export function addExampleApp(app: App, env: Record<string, string | undefined>): void {
  const setup = exampleSetup(env);
  addExampleStacks(app, setup);
  // The owner account again, sharing a bucket it already had (existingBucket).
  new ExistingBucketOwnerStack(app, 'SharedBucketExistingOwner', { setup });
  // Sharing with an organization: the owner's grants and the management account's StackSets.
  addOrganizationStacks(app, { setup, organization: organizationSetup(env) });
  // Replicas in a partner's own bucket: the owner's replicating bucket and the partner's ReplicaBucket.
  addReplicationStacks(app, setup, replicationSetup(env));
  // New objects under a prefix, notified to the consumer's event bus (notify, receiveNotifications).
  new NotificationsOwnerStack(app, 'SharedBucketNotifiedOwner', { setup });
  new NotificationsConsumerStack(app, 'SharedBucketNotifiedConsumer', { setup });
}
