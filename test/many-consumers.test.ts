/**
 * examples/many-consumers.ts: one bucket, 1,000 consumers in SharingMode.ACCESS_POINTS. It must
 * synthesize (the budgets pass), keep every stack under CloudFormation's 500 resources, and give
 * each consumer an access point of its own. What the policies allow is proved in
 * test/access/access-points.access.test.ts.
 */
import { App, NestedStack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { addManyConsumersStacks, MANY_CONSUMERS, manyConsumersGrant } from '../examples/many-consumers';

const { owner, sharedBucket, firstConsumer } = addManyConsumersStacks(new App());
const nestedStacks = owner.node.findAll().filter(NestedStack.isNestedStack);
const ownerTemplate = Template.fromStack(owner);
const nestedTemplates = nestedStacks.map(nested => Template.fromStack(nested));

test('1,000 access points with distinct names, in nested stacks of at most 500 resources', () => {
  const names = nestedTemplates.flatMap(template =>
    Object.values(template.findResources('AWS::S3::AccessPoint')).map(resource => resource.Properties.Name as string));
  expect(names).toHaveLength(MANY_CONSUMERS.count);
  expect(new Set(names).size).toBe(MANY_CONSUMERS.count);
  for (const template of [ownerTemplate, ...nestedTemplates]) {
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThanOrEqual(500);
  }
  expect(sharedBucket.accessPointArns).toHaveLength(MANY_CONSUMERS.count);
});

test('the bucket policy delegates to the access points and names no consumer', () => {
  const policy = JSON.stringify(Object.values(ownerTemplate.findResources('AWS::S3::BucketPolicy')));
  expect(policy).toContain('DelegateToAccessPoints');
  expect(policy).not.toContain(manyConsumersGrant(1).accountId);
});

test('no policy is above 80% of its limit: synth passes without a budget warning', () => {
  Annotations.fromStack(owner).hasNoWarning('*', Match.stringLikeRegexp('cdk-cross-account-bucket:policySize'));
});

test("consumer 1's reader names its own access point", () => {
  const arn = sharedBucket.accessPointArns[0];
  expect(arn).toMatch(/^arn:\$\{Token\[AWS\.Partition\.\d+\]\}:s3:eu-west-1:111111111111:accesspoint\/[a-z0-9-]+-1$/);
  const statements = JSON.stringify(Template.fromStack(firstConsumer).findResources('AWS::IAM::Policy'));
  expect(statements).toContain(`:s3:eu-west-1:111111111111:accesspoint/${arn.split('/').pop()}/object/consumer-0001/*`);
});
