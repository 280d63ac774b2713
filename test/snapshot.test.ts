import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ExistingBucketOwnerStack } from '../examples/existing-bucket';
import { NotificationsConsumerStack, NotificationsOwnerStack } from '../examples/notifications';
import { addOrganizationStacks, organizationSetup } from '../examples/organization';
import { addReplicationStacks } from '../examples/replication';
import { addExampleStacks, exampleSetup } from '../examples/stacks';

// The example app's stacks with its documented placeholder values. A change to any template
// fails `npx projen test` (jest --ci); accept an intended change with `npx projen test:update`.
function templateOf(stack: Stack): unknown {
  return Template.fromStack(stack).toJSON();
}

describe('example stacks', () => {
  const { owner, consumer, thirdParty } = addExampleStacks(new App(), exampleSetup());

  test('owner: shared bucket with two consumer grants and a third-party role', () => {
    expect(templateOf(owner)).toMatchSnapshot();
  });

  test('consumer: direct access for a reader and a writer', () => {
    expect(templateOf(consumer)).toMatchSnapshot();
  });

  test('third party: may only assume the owner role', () => {
    expect(templateOf(thirdParty)).toMatchSnapshot();
  });

  test('organization: the owner\'s organization grants and the management account\'s StackSets', () => {
    const { owner: organizationOwner, management } = addOrganizationStacks(new App(), { setup: exampleSetup(), organization: organizationSetup() });
    expect(templateOf(organizationOwner)).toMatchSnapshot();
    expect(templateOf(management)).toMatchSnapshot();
  });

  test('replication: the owner\'s replicating bucket and the partner\'s ReplicaBucket', () => {
    const { owner: replicationOwner, partner } = addReplicationStacks(new App(), exampleSetup());
    expect(templateOf(replicationOwner)).toMatchSnapshot();
    expect(templateOf(partner)).toMatchSnapshot();
  });

  test('owner of a bucket it already had: the team bucket shared through existingBucket', () => {
    expect(templateOf(new ExistingBucketOwnerStack(new App(), 'SharedBucketExistingOwner', { setup: exampleSetup() }))).toMatchSnapshot();
  });

  test('notifications: the owner forwards new objects under landing/, the consumer\'s queue receives them', () => {
    const app = new App();
    const notifiedOwner = new NotificationsOwnerStack(app, 'SharedBucketNotifiedOwner', { setup: exampleSetup() });
    const notifiedConsumer = new NotificationsConsumerStack(app, 'SharedBucketNotifiedConsumer', { setup: exampleSetup() });
    expect(templateOf(notifiedOwner)).toMatchSnapshot();
    expect(templateOf(notifiedConsumer)).toMatchSnapshot();
  });
});
