/**
 * Budgets at synth: every policy the constructs emit is sized as deployed and compared with its
 * AWS limit. Over the limit, synth fails naming the policy, its size, the limit and the way out;
 * above 80%, a warning says the same. The sizes themselves are tested in test/private/policy-size.test.ts.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel, ConsumerGrant, ConsumerReader, SharedBucket, SharingMode, ThirdPartyAccessRole } from '../lib';

const OWNER = '111111111111';
const REGION = 'eu-west-1';
const BUCKET_NAME = 'shared-budget-bucket';

/** Consumer `number`: its own account, its own prefix, one named role. */
function grant(number: number): ConsumerGrant {
  const accountId = `2${String(number).padStart(11, '0')}`;
  return {
    accountId,
    principalArns: [`arn:aws:iam::${accountId}:role/reader`],
    prefix: `consumer-${String(number).padStart(4, '0')}/`,
    access: AccessLevel.READ,
  };
}

function grants(count: number): ConsumerGrant[] {
  return Array.from({ length: count }, (_, index) => grant(index + 1));
}

function ownerStack(): Stack {
  return new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
}

function synth(stack: Stack): void {
  Template.fromStack(stack);
}

const BUDGET_WARNING = /\[ack: cdk-cross-account-bucket:policySize\]/;

describe('SharedBucket, SharingMode.BUCKET_POLICY', () => {
  test('over the bucket policy limit, synth fails naming the policy, its size, the limit and the way out', () => {
    const stack = ownerStack();
    new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: grants(70) });
    expect(() => synth(stack)).toThrow(
      /The bucket policy of Owner\/Shared\/Bucket\/Policy would be 2\d,\d{3} characters, over the AWS limit of 20,480 \(1\d\d%\)\. Way out: sharingMode: SharingMode\.ACCESS_POINTS/);
  });

  test('consumers added with addConsumer count too', () => {
    const stack = ownerStack();
    const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: grants(40) });
    expect(() => synth(stack)).not.toThrow();

    const stack2 = ownerStack();
    const shared2 = new SharedBucket(stack2, 'Shared', { bucketName: BUCKET_NAME, consumers: grants(40) });
    grants(70).slice(40).forEach(extra => shared2.addConsumer(extra));
    expect(() => synth(stack2)).toThrow(/The bucket policy of Owner\/Shared\/Bucket\/Policy would be/);
    expect(shared.consumers).toHaveLength(40);
  });

  test('above 80% of the limit, a warning names the policy, its share and the way out; below, none', () => {
    const near = ownerStack();
    new SharedBucket(near, 'Shared', { bucketName: BUCKET_NAME, consumers: grants(48) });
    Annotations.fromStack(near).hasWarning('/Owner/Shared', Match.stringLikeRegexp(
      'The bucket policy of Owner/Shared/Bucket/Policy is \\d\\d,\\d{3} characters, (8\\d|9\\d|100)% of the AWS limit of 20,480\\. Way out: sharingMode'));

    const far = ownerStack();
    new SharedBucket(far, 'Shared', { bucketName: BUCKET_NAME, consumers: grants(20) });
    Annotations.fromStack(far).hasNoWarning('/Owner/Shared', Match.stringLikeRegexp(BUDGET_WARNING.source));
  });

  test('the bucket policy, not the key policy, is the first limit that more consumers reach', () => {
    let fits = 0;
    for (let count = 50; count <= 70; count++) {
      const stack = ownerStack();
      new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: grants(count) });
      try {
        synth(stack);
        fits = count;
      } catch (error) {
        expect(String(error)).toMatch(/The bucket policy of/);
        expect(String(error)).not.toMatch(/The key policy of/);
        break;
      }
    }
    expect(fits).toBeGreaterThanOrEqual(50);
    expect(fits).toBeLessThan(70);
  });
});

describe('SharedBucket, SharingMode.ACCESS_POINTS', () => {
  test('the same consumers that overflow the bucket policy fit, with no budget warning', () => {
    const stack = ownerStack();
    new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: grants(70), sharingMode: SharingMode.ACCESS_POINTS });
    expect(() => synth(stack)).not.toThrow();
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp(BUDGET_WARNING.source));
  });

  test('an access point policy over its limit fails synth, naming the access point and the way out', () => {
    const stack = ownerStack();
    const accountId = '222222222222';
    const principalArns = Array.from({ length: 400 }, (_, index) => `arn:aws:iam::${accountId}:role/a-rather-long-role-name-for-reader-${index}`);
    new SharedBucket(stack, 'Shared', {
      bucketName: BUCKET_NAME,
      sharingMode: SharingMode.ACCESS_POINTS,
      consumers: [{ accountId, principalArns, prefix: 'many-roles/' }],
    });
    expect(() => synth(stack)).toThrow(
      /The access point policy of Owner\/Shared\/AccessPoints1\/AccessPoint1 would be \d\d,\d{3} characters, over the AWS limit of 20,480 \(\d+%\)\. Way out: set organizationId, when the consumers are accounts of your organization: the key policy then names the organization .*Name fewer principalArns in a grant whose access point policy is over/);
  });
});

describe('ThirdPartyAccessRole', () => {
  test('a trust policy over 2,048 characters fails synth, naming the role and the way out', () => {
    const stack = ownerStack();
    const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
    new ThirdPartyAccessRole(stack, 'Vendor', {
      sharedBucket,
      thirdPartyAccountId: '333333333333',
      externalId: 'vendor-external-id',
      thirdPartyPrincipalArns: Array.from({ length: 40 }, (_, index) => `arn:aws:iam::333333333333:role/integration-${index}`),
    });
    expect(() => synth(stack)).toThrow(
      /The trust policy of Owner\/Vendor\/Role would be \d,\d{3} characters, over the AWS limit of 2,048 \(\d+%\)\. Way out: name fewer thirdPartyPrincipalArns/);
  });

  test('a handful of principals passes without a warning', () => {
    const stack = ownerStack();
    const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
    new ThirdPartyAccessRole(stack, 'Vendor', {
      sharedBucket,
      thirdPartyAccountId: '333333333333',
      externalId: 'vendor-external-id',
      thirdPartyPrincipalArns: ['arn:aws:iam::333333333333:role/integration'],
    });
    expect(() => synth(stack)).not.toThrow();
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp(BUDGET_WARNING.source));
  });
});

describe('ConsumerReader', () => {
  test('counts every inline policy of the stack attached to its role', () => {
    const stack = new Stack(new App(), 'Consumer', { env: { account: '222222222222', region: REGION } });
    const reader = new ConsumerReader(stack, 'Reader', { bucketName: BUCKET_NAME, bucketOwnerAccountId: OWNER, prefix: 'data/' });
    const role = reader.role as iam.Role;
    // aws-cdk-lib moves a default policy that outgrows 10,000 characters into managed policies,
    // but it does not see the role's other inline policies: two of 6,000 are over together.
    for (const name of ['First', 'Second']) {
      role.attachInlinePolicy(new iam.Policy(stack, name, {
        statements: Array.from({ length: 60 }, (_, index) => new iam.PolicyStatement({
          actions: [`s3:GetObject${index % 2 === 0 ? '' : 'Version'}`],
          resources: [`arn:aws:s3:::some-other-bucket-of-the-consumer/${name}-prefix-number-${index}/*`],
        })),
      }));
    }
    expect(() => synth(stack)).toThrow(
      /The role inline policies of Consumer\/Reader\/Role would be \d\d,\d{3} characters, over the AWS limit of 10,240 \(\d+%\)\. Way out:/);
  });

  test('its own policy alone stays far below every limit', () => {
    const stack = new Stack(new App(), 'Consumer', { env: { account: '222222222222', region: REGION } });
    new ConsumerReader(stack, 'Reader', { bucketName: BUCKET_NAME, bucketOwnerAccountId: OWNER, prefix: 'data/' });
    expect(() => synth(stack)).not.toThrow();
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp(BUDGET_WARNING.source));
  });
});
