/**
 * Prints the size of every policy in the example stacks as AWS counts it against its limit:
 * intrinsics resolved (partition 'aws', ARNs from physical names, a key id of the real
 * length), JSON without white space. Anything it cannot resolve is an error, not a guess.
 *
 *   npx projen policy-sizes
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addExampleStacks, exampleSetup } from '../examples/stacks';

/** The limits AWS applies (characters of the policy document without white space). */
const LIMITS: Record<string, number> = {
  'bucket policy': 20_480,
  'key policy': 32_768,
  'trust policy': 2_048,
  'role inline policies': 10_240,
  'managed policy': 6_144,
};

type Resources = Record<string, { Type: string; Properties?: any }>;

/** Resolves the intrinsics CDK writes into policies, with placeholder values for unknowns. */
function resolve(value: unknown, stack: Stack, resources: Resources): unknown {
  if (Array.isArray(value)) {
    return value.map(item => resolve(item, stack, resources));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const object = value as Record<string, unknown>;
  if ('Ref' in object) {
    const ref = object.Ref as string;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::AccountId') return stack.account;
    if (ref === 'AWS::Region') return stack.region;
    if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    const physicalName = resources[ref]?.Properties?.BucketName ?? resources[ref]?.Properties?.RoleName;
    if (physicalName === undefined) {
      throw new Error(`Cannot resolve Ref ${ref}: it has no physical name in the template`);
    }
    return physicalName;
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return (resolve(parts, stack, resources) as unknown[]).join(separator);
  }
  if ('Fn::GetAtt' in object) {
    const [logicalId, attribute] = object['Fn::GetAtt'] as [string, string];
    const resource = resources[logicalId];
    if (attribute === 'Arn' && resource?.Type === 'AWS::S3::Bucket') {
      return `arn:aws:s3:::${resource.Properties?.BucketName ?? logicalId.toLowerCase()}`;
    }
    if (attribute === 'Arn' && resource?.Type === 'AWS::KMS::Key') {
      return `arn:aws:kms:${stack.region}:${stack.account}:key/00000000-0000-0000-0000-000000000000`;
    }
    if (attribute === 'Arn' && resource?.Type === 'AWS::IAM::Role') {
      return `arn:aws:iam::${stack.account}:role/${resource.Properties?.RoleName ?? logicalId}`;
    }
    throw new Error(`Cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
  }
  return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, resolve(item, stack, resources)]));
}

function size(document: unknown, stack: Stack, resources: Resources): number {
  return JSON.stringify(resolve(document, stack, resources)).length;
}

function report(stack: Stack): void {
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  const rows: Array<[string, string, number]> = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::S3::BucketPolicy':
        rows.push(['bucket policy', logicalId, size(properties.PolicyDocument, stack, resources)]);
        break;
      case 'AWS::KMS::Key':
        rows.push(['key policy', logicalId, size(properties.KeyPolicy, stack, resources)]);
        break;
      case 'AWS::IAM::Role':
        rows.push(['trust policy', logicalId, size(properties.AssumeRolePolicyDocument, stack, resources)]);
        if (properties.Policies) {
          const inline = (properties.Policies as Array<{ PolicyDocument: unknown }>)
            .reduce((total, policy) => total + size(policy.PolicyDocument, stack, resources), 0);
          rows.push(['role inline policies', logicalId, inline]);
        }
        break;
      case 'AWS::IAM::Policy':
        rows.push(['role inline policies', logicalId, size(properties.PolicyDocument, stack, resources)]);
        break;
      default:
        break;
    }
  }
  console.log(`\n${stack.stackName}`);
  for (const [kind, logicalId, bytes] of rows) {
    const limit = LIMITS[kind];
    console.log(`  ${kind.padEnd(22)} ${logicalId.padEnd(36)} ${String(bytes).padStart(6)} of ${String(limit).padStart(6)} (${(100 * bytes / limit).toFixed(1)}%)`);
  }
}

const { owner, consumer, thirdParty } = addExampleStacks(new App(), exampleSetup());
for (const stack of [owner, consumer, thirdParty]) {
  report(stack);
}
