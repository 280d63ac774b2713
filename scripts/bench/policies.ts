/**
 * Every policy of a synthesized owner stack and its nested stacks, with its deployed size:
 * intrinsics resolved by the access proofs' resolver (test/access/resolve.ts), as
 * scripts/policy-sizes.ts does, JSON without white space.
 */
import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TemplateResolver, TemplateResources } from '../../test/access/resolve';

export type PolicyKind = 'bucket policy' | 'key policy' | 'access point policy' | 'trust policy' | 'role inline policies' | 'managed policy';

/** The limits AWS applies (characters of the policy document without white space). */
export const LIMITS: Record<PolicyKind, number> = {
  'bucket policy': 20_480,
  'key policy': 32_768,
  'access point policy': 20_480,
  'trust policy': 2_048,
  'role inline policies': 10_240,
  'managed policy': 6_144,
};

export interface PolicySize {
  readonly kind: PolicyKind;
  /** Stack path and logical id. */
  readonly where: string;
  readonly bytes: number;
  readonly limit: number;
  /** For bucket policies: the bucket's resolved name. */
  readonly bucketName?: string;
}

/** Deployed size: intrinsics resolved, no white space. */
function size(document: unknown, resolver: TemplateResolver, where: string): number {
  return JSON.stringify(resolver.resolve(document, where)).length;
}

/** Policies of one synthesized stack, nested or not. */
function measureStack(stack: Stack, stackName: string): PolicySize[] {
  const stackPath = stack.node.path;
  // The cyclic-reference check costs seconds on large templates and proves nothing here.
  const resources = (Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }).toJSON().Resources ?? {}) as TemplateResources;
  const resolver = new TemplateResolver({ stackName, account: stack.account, region: stack.region, partition: 'aws' }, resources);
  const sizes: PolicySize[] = [];
  const add = (kind: PolicyKind, logicalId: string, bytes: number, bucketName?: string) =>
    sizes.push({ kind, where: `${stackPath}/${logicalId}`, bytes, limit: LIMITS[kind], bucketName });
  for (const [logicalId, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::S3::BucketPolicy':
        add('bucket policy', logicalId, size(properties.PolicyDocument, resolver, logicalId), resolver.resolveString(properties.Bucket, `${logicalId}.Bucket`));
        break;
      case 'AWS::S3::AccessPoint':
        if (properties.Policy !== undefined) {
          add('access point policy', logicalId, size(properties.Policy, resolver, logicalId));
        }
        break;
      case 'AWS::S3::AccessPointPolicy':
        add('access point policy', logicalId, size(properties.PolicyDocument, resolver, logicalId));
        break;
      case 'AWS::KMS::Key':
        add('key policy', logicalId, size(properties.KeyPolicy, resolver, logicalId));
        break;
      case 'AWS::IAM::Role':
        add('trust policy', logicalId, size(properties.AssumeRolePolicyDocument, resolver, logicalId));
        if (properties.Policies) {
          const inline = (properties.Policies as Array<{ PolicyDocument: unknown }>)
            .reduce((total, policy) => total + size(policy.PolicyDocument, resolver, logicalId), 0);
          add('role inline policies', logicalId, inline);
        }
        break;
      case 'AWS::IAM::Policy':
        add('role inline policies', logicalId, size(properties.PolicyDocument, resolver, logicalId));
        break;
      case 'AWS::IAM::ManagedPolicy':
        add('managed policy', logicalId, size(properties.PolicyDocument, resolver, logicalId));
        break;
      default:
        break;
    }
  }
  return sizes;
}

/**
 * Every policy of `stack` (already synthesized) and of its nested stacks. A nested stack is
 * named as CloudFormation names it: <parent stack>-<logical id>-<random suffix>.
 */
export function measurePolicies(stack: Stack): PolicySize[] {
  const sizes = measureStack(stack, stack.stackName);
  for (const nested of stack.node.findAll().filter(NestedStack.isNestedStack)) {
    const parent = nested.nestedStackParent!;
    const stackName = `${parent.stackName}-${parent.getLogicalId(nested.nestedStackResource!)}-1A2B3C4D5E6F7`;
    sizes.push(...measureStack(nested, stackName));
  }
  return sizes;
}
