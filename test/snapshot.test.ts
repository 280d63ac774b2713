import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConsumerStack, ExampleSetup, OwnerStack, ThirdPartyStack } from '../examples/stacks';

// The example app's stacks with its documented placeholder values. A change to any template
// fails `npx projen test` (jest --ci); accept an intended change with `npx projen test:update`.
const setup: ExampleSetup = {
  ownerAccountId: '111111111111',
  consumerAccountId: '222222222222',
  thirdPartyAccountId: '333333333333',
  region: 'eu-west-1',
  bucketName: 'cdk-cross-account-bucket-example-111111111111',
  externalId: 'example-vendor-external-id',
  encryptionKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000',
};

function templateOf(stack: Stack): unknown {
  return Template.fromStack(stack).toJSON();
}

describe('example stacks', () => {
  const app = new App();
  const owner = new OwnerStack(app, 'SharedBucketOwner', { setup });
  const consumer = new ConsumerStack(app, 'SharedBucketConsumer', { setup });
  const thirdParty = new ThirdPartyStack(app, 'SharedBucketThirdParty', { setup });

  test('owner: shared bucket with two consumer grants and a third-party role', () => {
    expect(templateOf(owner)).toMatchSnapshot();
  });

  test('consumer: direct access for a reader and a writer', () => {
    expect(templateOf(consumer)).toMatchSnapshot();
  });

  test('third party: may only assume the owner role', () => {
    expect(templateOf(thirdParty)).toMatchSnapshot();
  });
});
