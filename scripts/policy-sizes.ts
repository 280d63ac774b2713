/**
 * Prints the size of every policy in the example stacks as AWS counts it against its limit:
 * intrinsics resolved as the access proofs resolve them (test/access/resolve.ts: partition
 * 'aws', ARNs from physical names, key ids of the real length), JSON without white space.
 * Anything it cannot resolve is an error, not a guess.
 *
 *   npx projen policy-sizes
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addOrganizationStacks, organizationSetup } from '../examples/organization';
import { addExampleStacks, exampleSetup } from '../examples/stacks';
import { TemplateResolver, TemplateResources } from '../test/access/resolve';

/** The limits AWS applies (characters of the policy document without white space). */
const LIMITS: Record<string, number> = {
  'bucket policy': 20_480,
  'key policy': 32_768,
  'trust policy': 2_048,
  'role inline policies': 10_240,
  'managed policy': 6_144,
};

/** Deployed size: intrinsics resolved by the access-proof harness's resolver, no white space. */
function size(document: unknown, resolver: TemplateResolver, where: string): number {
  return JSON.stringify(resolver.resolve(document, where)).length;
}

function report(stack: Stack): void {
  const resources = Template.fromStack(stack).toJSON().Resources as TemplateResources;
  const resolver = new TemplateResolver({ stackName: stack.stackName, account: stack.account, region: stack.region, partition: 'aws' }, resources);
  const rows: Array<[string, string, number]> = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::S3::BucketPolicy':
        rows.push(['bucket policy', logicalId, size(properties.PolicyDocument, resolver, logicalId)]);
        break;
      case 'AWS::KMS::Key':
        rows.push(['key policy', logicalId, size(properties.KeyPolicy, resolver, logicalId)]);
        break;
      case 'AWS::IAM::Role':
        rows.push(['trust policy', logicalId, size(properties.AssumeRolePolicyDocument, resolver, logicalId)]);
        if (properties.Policies) {
          const inline = (properties.Policies as Array<{ PolicyDocument: unknown }>)
            .reduce((total, policy) => total + size(policy.PolicyDocument, resolver, logicalId), 0);
          rows.push(['role inline policies', logicalId, inline]);
        }
        break;
      case 'AWS::IAM::Policy':
        rows.push(['role inline policies', logicalId, size(properties.PolicyDocument, resolver, logicalId)]);
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

const app = new App();
const { owner, consumer, thirdParty } = addExampleStacks(app, exampleSetup());
const organization = addOrganizationStacks(app, { setup: exampleSetup(), organization: organizationSetup() });
for (const stack of [owner, consumer, thirdParty, organization.owner]) {
  report(stack);
}
