import { App, Aws, CfnParameter, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { addExampleStacks, exampleSetup } from '../../examples/stacks';
import { checkPolicyBudgets, deployedPolicySize, POLICY_LIMITS, PolicyBudget, PolicyKind } from '../../lib/private/policy-size';
import { TemplateResolver, TemplateResources } from '../access/resolve';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const WAY_OUT = 'Use fewer grants.';

function knownStack(region: string = REGION): Stack {
  return new Stack(new App(), 'Owner', { env: { account: ACCOUNT, region } });
}

/** Size of `{ Resource: value }`: the way the tests compare an intrinsic with the string it deploys as. */
function sizeOf(stack: Stack, value: unknown): number {
  return deployedPolicySize(stack, { Resource: value });
}

function literalSize(deployed: string): number {
  return JSON.stringify({ Resource: deployed }).length;
}

// ---------------------------------------------------------------------------------------------
// The example stacks, against the access proofs' resolver
// ---------------------------------------------------------------------------------------------

describe('the example stacks', () => {
  interface Row {
    readonly policy: string;
    readonly estimated: number;
    /** The size the access proofs' resolver gives, its generated names made as long as CloudFormation may make them. */
    readonly resolvedWithLongestNames: number;
    /** The size the access proofs' resolver gives with its own, shorter, generated names. */
    readonly resolved: number;
  }

  /**
   * The resources of a template, each bucket and role without a name given the longest name
   * CloudFormation may generate for it, as deployedPolicySize counts it.
   */
  function withLongestGeneratedNames(resources: TemplateResources): TemplateResources {
    const longest: Record<string, [string, number]> = { 'AWS::S3::Bucket': ['BucketName', 63], 'AWS::IAM::Role': ['RoleName', 64] };
    return Object.fromEntries(Object.entries(resources).map(([logicalId, resource]) => {
      const [property, length] = longest[resource.Type] ?? [];
      if (property === undefined || resource.Properties?.[property] !== undefined) {
        return [logicalId, resource];
      }
      return [logicalId, { ...resource, Properties: { ...resource.Properties, [property]: 'x'.repeat(length!) } }];
    }));
  }

  /** Each policy the example stacks emit, sized by deployedPolicySize and by the access proofs' resolver. */
  function sizes(): Row[] {
    const { owner, consumer, thirdParty } = addExampleStacks(new App(), exampleSetup());
    const rows: Row[] = [];
    for (const stack of [owner, consumer, thirdParty]) {
      const resources = Template.fromStack(stack).toJSON().Resources as TemplateResources;
      const env = { stackName: stack.stackName, account: stack.account, region: stack.region, partition: 'aws' };
      const resolver = new TemplateResolver(env, resources);
      const longestNamesResolver = new TemplateResolver(env, withLongestGeneratedNames(resources));
      const constructs = new Map(stack.node.findAll()
        .filter((construct): construct is CfnResource => construct instanceof CfnResource)
        .map(resource => [stack.resolve(resource.logicalId) as string, resource]));
      const add = (policy: string, construct: CfnResource, document: unknown, rendered: unknown): void => {
        rows.push({
          policy: `${policy} ${construct.node.path}`,
          estimated: deployedPolicySize(construct, document),
          resolvedWithLongestNames: JSON.stringify(longestNamesResolver.resolve(rendered, policy)).length,
          resolved: JSON.stringify(resolver.resolve(rendered, policy)).length,
        });
      };
      for (const [logicalId, resource] of Object.entries(resources)) {
        const construct = constructs.get(logicalId)!;
        const properties = resource.Properties ?? {};
        // The construct's own property (an iam.PolicyDocument or a token), as the constructs will pass it.
        switch (resource.Type) {
          case 'AWS::S3::BucketPolicy':
            add('bucket policy', construct, (construct as s3.CfnBucketPolicy).policyDocument, properties.PolicyDocument);
            break;
          case 'AWS::KMS::Key':
            add('key policy', construct, (construct as kms.CfnKey).keyPolicy, properties.KeyPolicy);
            break;
          case 'AWS::IAM::Role': {
            const role = construct as iam.CfnRole;
            add('trust policy', construct, role.assumeRolePolicyDocument, properties.AssumeRolePolicyDocument);
            // The L1 property resolves with its TypeScript (camelCase) names.
            const policies = (stack.resolve(role.policies) ?? []) as Array<{ policyDocument: unknown }>;
            (properties.Policies ?? []).forEach((policy: { PolicyDocument: unknown }, index: number) =>
              add('inline policy', construct, policies[index].policyDocument, policy.PolicyDocument));
            break;
          }
          case 'AWS::IAM::Policy':
            add('inline policy', construct, (construct as iam.CfnPolicy).policyDocument, properties.PolicyDocument);
            break;
          default:
            break;
        }
      }
    }
    return rows;
  }

  test('every policy has the size the access proofs resolve it to', () => {
    const rows = sizes();
    expect(new Set(rows.map(row => row.policy.split(' ')[0]))).toEqual(new Set(['bucket', 'key', 'trust', 'inline']));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const { policy, estimated, resolvedWithLongestNames, resolved } of rows) {
      // The environment is known, key ids have a fixed length and the examples name their roles
      // and shared bucket: the estimate is exact once the resolver's generated names have the
      // length deployedPolicySize assumes for them.
      expect({ policy, size: estimated }).toEqual({ policy, size: resolvedWithLongestNames });
      // The access logs bucket has no name. The resolver calls it '<stack>-<id>-generated', which
      // is shorter than the 63 characters counted here, so its bucket policy comes out larger
      // (7 characters for each of its references); every other policy is exact.
      expect(estimated).toBeGreaterThanOrEqual(resolved);
    }
    expect(rows.filter(row => row.estimated !== row.resolved).map(row => row.policy))
      .toEqual(['bucket policy SharedBucketOwner/SharedData/AccessLogs/Policy/Resource']);
  });
});

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

describe('environment', () => {
  const ARN = `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`;

  test('a known environment counts its own partition, region and account', () => {
    expect(sizeOf(knownStack(), ARN)).toBe(literalSize(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`));
    expect(sizeOf(knownStack('cn-northwest-1'), ARN)).toBe(literalSize(`arn:aws-cn:kms:cn-northwest-1:${ACCOUNT}:key/*`));
    expect(sizeOf(knownStack('cn-north-1'), Aws.URL_SUFFIX)).toBe(literalSize('amazonaws.com.cn'));
    expect(sizeOf(knownStack(), Aws.URL_SUFFIX)).toBe(literalSize('amazonaws.com'));
    expect(sizeOf(knownStack(), Aws.STACK_NAME)).toBe(literalSize('Owner'));
  });

  test('an environment-agnostic stack counts the longest commercial region and a 12-digit account', () => {
    const longestRegion = Math.max(...RegionInfo.regions.filter(region => region.partition === 'aws').map(region => region.name.length));
    expect(longestRegion).toBe('ap-southeast-1'.length);
    const stack = new Stack(new App(), 'Agnostic');
    expect(sizeOf(stack, ARN)).toBe(literalSize('arn:aws:kms:ap-southeast-1:123456789012:key/*'));
    expect(sizeOf(stack, Aws.URL_SUFFIX)).toBe(literalSize('amazonaws.com'));
    expect(sizeOf(stack, Aws.STACK_ID)).toBe(literalSize(
      'arn:aws:cloudformation:ap-southeast-1:123456789012:stack/Agnostic/00000000-0000-0000-0000-000000000000'));
  });
});

// ---------------------------------------------------------------------------------------------
// Intrinsics
// ---------------------------------------------------------------------------------------------

describe('intrinsics', () => {
  interface Resources {
    readonly stack: Stack;
    readonly namedBucket: s3.CfnBucket;
    readonly unnamedBucket: s3.CfnBucket;
    readonly key: kms.CfnKey;
    readonly role: iam.CfnRole;
    readonly unnamedRole: iam.CfnRole;
    readonly accessPoint: s3.CfnAccessPoint;
    readonly other: CfnResource;
    readonly parameter: CfnParameter;
  }

  function resources(): Resources {
    const stack = knownStack();
    const trust = { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    return {
      stack,
      namedBucket: new s3.CfnBucket(stack, 'Named', { bucketName: 'my-bucket' }),
      unnamedBucket: new s3.CfnBucket(stack, 'Unnamed'),
      key: new kms.CfnKey(stack, 'Key'),
      role: new iam.CfnRole(stack, 'Role', { roleName: 'Reader', path: '/team/', assumeRolePolicyDocument: trust }),
      unnamedRole: new iam.CfnRole(stack, 'UnnamedRole', { assumeRolePolicyDocument: trust }),
      accessPoint: new s3.CfnAccessPoint(stack, 'AccessPoint', { bucket: 'my-bucket', name: 'reader-ap' }),
      other: new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue' }),
      parameter: new CfnParameter(stack, 'Parameter'),
    };
  }

  test('Ref counts the physical name, or the longest generated name', () => {
    const { stack, namedBucket, unnamedBucket, key, role, unnamedRole, accessPoint, other, parameter } = resources();
    expect(sizeOf(stack, namedBucket.ref)).toBe(literalSize('my-bucket'));
    expect(sizeOf(stack, unnamedBucket.ref)).toBe(literalSize('b'.repeat(63)));
    expect(sizeOf(stack, key.ref)).toBe(literalSize('00000000-0000-0000-0000-000000000000'));
    expect(sizeOf(stack, role.ref)).toBe(literalSize('Reader'));
    expect(sizeOf(stack, unnamedRole.ref)).toBe(literalSize('r'.repeat(64)));
    expect(sizeOf(stack, accessPoint.ref)).toBe(literalSize('reader-ap'));
    expect(sizeOf(stack, other.ref)).toBe(literalSize('q'.repeat(64)));
    expect(sizeOf(stack, parameter.valueAsString)).toBe(literalSize('p'.repeat(128)));
    expect(sizeOf(stack, { Ref: 'NotInThisStack' })).toBe(literalSize('n'.repeat(64)));
  });

  test('a name property that holds intrinsics counts their deployed values', () => {
    const stack = knownStack();
    const bucket = new s3.CfnBucket(stack, 'Bucket', { bucketName: `data-${Aws.ACCOUNT_ID}-${Aws.REGION}` });
    expect(sizeOf(stack, bucket.attrArn)).toBe(literalSize(`arn:aws:s3:::data-${ACCOUNT}-${REGION}`));
  });

  test('Fn::GetAtt Arn builds the ARN of keys, roles, buckets and access points', () => {
    const { stack, namedBucket, unnamedBucket, key, role, unnamedRole, accessPoint, other } = resources();
    expect(sizeOf(stack, key.attrArn)).toBe(literalSize(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`));
    expect(sizeOf(stack, role.attrArn)).toBe(literalSize(`arn:aws:iam::${ACCOUNT}:role/team/Reader`));
    expect(sizeOf(stack, unnamedRole.attrArn)).toBe(literalSize(`arn:aws:iam::${ACCOUNT}:role/${'r'.repeat(64)}`));
    expect(sizeOf(stack, namedBucket.attrArn)).toBe(literalSize('arn:aws:s3:::my-bucket'));
    expect(sizeOf(stack, unnamedBucket.attrArn)).toBe(literalSize(`arn:aws:s3:::${'b'.repeat(63)}`));
    expect(sizeOf(stack, accessPoint.attrArn)).toBe(literalSize(`arn:aws:s3:eu-west-1:${ACCOUNT}:accesspoint/reader-ap`));
    // The string form of Fn::GetAtt, as hand-written templates have it.
    expect(sizeOf(stack, { 'Fn::GetAtt': `${stack.resolve(namedBucket.logicalId)}.Arn` })).toBe(literalSize('arn:aws:s3:::my-bucket'));
    // Attributes not modelled count at 256.
    expect(sizeOf(stack, other.getAtt('Arn').toString())).toBe(literalSize('a'.repeat(256)));
    expect(sizeOf(stack, role.attrRoleId)).toBe(literalSize('a'.repeat(256)));
  });

  test('Fn::Join joins its parts, nested intrinsics included', () => {
    const { stack, namedBucket, key } = resources();
    const join = {
      'Fn::Join': ['', [
        { 'Fn::GetAtt': [stack.resolve(namedBucket.logicalId), 'Arn'] },
        '/',
        { 'Fn::Join': [':', [{ Ref: 'AWS::Region' }, { Ref: stack.resolve(key.logicalId) }]] },
      ]],
    };
    expect(sizeOf(stack, join)).toBe(literalSize('arn:aws:s3:::my-bucket/eu-west-1:00000000-0000-0000-0000-000000000000'));
    // Literal text is counted as JSON encodes it: a quote takes two characters.
    expect(sizeOf(stack, { 'Fn::Join': ['"', ['a', { Ref: 'AWS::AccountId' }]] })).toBe(literalSize(`a"${ACCOUNT}`));
    // A list that is itself an intrinsic is unknown until deploy time.
    expect(sizeOf(stack, { 'Fn::Join': [',', { 'Fn::GetAZs': '' }] })).toBe(literalSize('z'.repeat(128)));
  });

  test('Fn::Sub replaces pseudo parameters, references, attributes and variables', () => {
    const { stack, namedBucket, role } = resources();
    const bucketId = stack.resolve(namedBucket.logicalId);
    const roleId = stack.resolve(role.logicalId);
    expect(sizeOf(stack, { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${${bucketId}}/\${!Literal}/\${${roleId}.Arn}` }))
      .toBe(literalSize(`arn:aws:s3:::my-bucket/\${Literal}/arn:aws:iam::${ACCOUNT}:role/team/Reader`));
    expect(sizeOf(stack, { 'Fn::Sub': ['${Prefix}-${AWS::AccountId}', { Prefix: { 'Fn::Join': ['-', ['a', 'b']] } }] }))
      .toBe(literalSize(`a-b-${ACCOUNT}`));
    // As CDK writes it.
    expect(sizeOf(stack, Fn.sub('${AWS::Region}/x'))).toBe(literalSize('eu-west-1/x'));
  });

  test('values known only at deploy time count at documented lengths', () => {
    const stack = knownStack();
    expect(sizeOf(stack, Fn.importValue('SomeExport'))).toBe(literalSize('i'.repeat(128)));
    expect(sizeOf(stack, Fn.select(1, Fn.split(':', Fn.importValue('SomeExport'))))).toBe(literalSize('s'.repeat(64)));
    expect(sizeOf(stack, Aws.NOTIFICATION_ARNS)).toBe(literalSize('n'.repeat(128)));
    expect(sizeOf(stack, { 'Fn::If': ['Condition', 'short', 'the longer branch'] })).toBe(literalSize('the longer branch'));
  });
});

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

describe('documents', () => {
  const statement = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::my-bucket/*' };

  test('an iam.PolicyDocument counts its JSON without white space', () => {
    const stack = knownStack();
    const document = iam.PolicyDocument.fromJson({ Version: '2012-10-17', Statement: [statement] });
    expect(deployedPolicySize(stack, document)).toBe(JSON.stringify({ Version: '2012-10-17', Statement: [statement] }).length);
    expect(deployedPolicySize(stack, new iam.PolicyDocument())).toBe(0);
  });

  test('JSON text counts without its white space', () => {
    const document = { Version: '2012-10-17', Statement: [statement] };
    expect(deployedPolicySize(knownStack(), JSON.stringify(document, undefined, 2))).toBe(JSON.stringify(document).length);
  });
});

// ---------------------------------------------------------------------------------------------
// Budgets
// ---------------------------------------------------------------------------------------------

describe('checkPolicyBudgets', () => {
  const LIMIT = POLICY_LIMITS[PolicyKind.BUCKET_POLICY];

  function budget(size: number): PolicyBudget {
    return { description: 'bucket policy of Owner/Shared/Bucket/Policy', kind: PolicyKind.BUCKET_POLICY, size, limit: LIMIT };
  }

  test('the limits are the AWS limits', () => {
    expect(POLICY_LIMITS).toEqual({
      [PolicyKind.BUCKET_POLICY]: 20_480,
      [PolicyKind.KEY_POLICY]: 32_768,
      [PolicyKind.ACCESS_POINT_POLICY]: 20_480,
      [PolicyKind.TRUST_POLICY]: 2_048,
      [PolicyKind.ROLE_INLINE_POLICIES]: 10_240,
      [PolicyKind.MANAGED_POLICY]: 6_144,
    });
  });

  test('a policy over its limit is an error naming the policy, its size, the limit and the way out', () => {
    const errors = checkPolicyBudgets(knownStack(), [budget(21_034), budget(LIMIT)], WAY_OUT);
    expect(errors).toEqual([
      'The bucket policy of Owner/Shared/Bucket/Policy would be 21,034 characters, over the AWS limit of 20,480 (103%). Use fewer grants.',
    ]);
    expect(checkPolicyBudgets(knownStack(), [budget(LIMIT + 1)], WAY_OUT)).toHaveLength(1);
  });

  /** A stack with one resource, so that synthesis does not report an empty template. */
  function nonEmptyStack(): Stack {
    const stack = knownStack();
    new CfnResource(stack, 'Topic', { type: 'AWS::SNS::Topic' });
    return stack;
  }

  /** A stack whose validation checks `budgets`, as the constructs do. */
  function validated(...budgets: PolicyBudget[]): Stack {
    const stack = nonEmptyStack();
    stack.node.addValidation({ validate: () => checkPolicyBudgets(stack, budgets, WAY_OUT) });
    return stack;
  }

  test('a policy above 80% of its limit gets a warning, added during validation', () => {
    const stack = validated(budget(Math.floor(0.8 * LIMIT) + 1));
    Annotations.fromStack(stack).hasWarning('/Owner', Match.stringLikeRegexp(
      '^The bucket policy of Owner/Shared/Bucket/Policy is 16,385 characters, 81% of the AWS limit of 20,480\\. Use fewer grants\\. ' +
      '\\[ack: cdk-cross-account-bucket:policySize\\]$'));
  });

  test('no warning at or under 80%, and none on top of an error', () => {
    const stack = validated(budget(0.8 * LIMIT), budget(100));
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());

    const overLimit = nonEmptyStack();
    expect(checkPolicyBudgets(overLimit, [budget(LIMIT + 1)], WAY_OUT)).toHaveLength(1);
    Annotations.fromStack(overLimit).hasNoWarning('*', Match.anyValue());
  });

  test('an error stops synthesis through node.addValidation', () => {
    const stack = nonEmptyStack();
    stack.node.addValidation({ validate: () => checkPolicyBudgets(stack, [budget(LIMIT + 1)], WAY_OUT) });
    expect(() => Template.fromStack(stack)).toThrow(/bucket policy of Owner\/Shared\/Bucket\/Policy would be 20,481 characters/);
  });
});
