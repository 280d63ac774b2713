/**
 * Grants whose prefix is the consumer's own account id share one statement through the policy
 * variable ${aws:PrincipalAccount} (lib/shared-bucket.ts). Proved: each account still reaches
 * only its own prefix, with named roles and with whole accounts, beside a consumer of the same
 * level whose prefix is not its account, and with look-alike account prefixes.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { allowedS3, BUCKET_NAME, deployShare, OWNER, proveShare, REGION, roleArn } from './scenario';
import { AccessLevel, SharedBucket } from '../../lib';

const FIRST = '222222222222';
const SECOND = '333333333333';
const THIRD = '444444444444';
const PROOF_TIMEOUT = 180_000;

test('readers of their own account prefix share one statement and each reaches only its own prefix', async () => {
  const share = deployShare({
    grants: [
      { accountId: FIRST, prefix: `${FIRST}/`, access: AccessLevel.READ, roleNames: ['Reader'] },
      { accountId: SECOND, prefix: `${SECOND}/`, access: AccessLevel.READ, roleNames: ['Reader'] },
      // Not its own account: an ordinary per-prefix statement, even with a look-alike prefix.
      { accountId: THIRD, prefix: `${FIRST}-copy/`, access: AccessLevel.READ, roleNames: ['Reader'] },
    ],
  });
  const proof = await proveShare(share);
  const first = proof.principals.find(report => report.principal.includes(`${FIRST}:role/Reader`))!;
  expect(allowedS3(first)).toEqual(expect.arrayContaining([`s3:GetObject ${FIRST}/report.csv`]));
  expect(allowedS3(first).filter(request => request.includes(SECOND) || request.includes('-copy/'))).toEqual([]);
}, PROOF_TIMEOUT);

test('any number of own-account readers add an account and a role each to one statement', () => {
  const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
  const accounts = [FIRST, SECOND, THIRD];
  new SharedBucket(stack, 'Shared', {
    bucketName: BUCKET_NAME,
    consumers: accounts.map(accountId => ({ accountId, prefix: `${accountId}/`, principalArns: [roleArn(accountId, 'Reader')] })),
  });
  const statements = Object.values(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'))
    .flatMap(policy => policy.Properties.PolicyDocument.Statement);
  const shared = statements.filter((statement: { Sid?: string }) => statement.Sid?.startsWith('Grant'));
  expect(shared).toHaveLength(1);
  expect(shared[0].Principal).toEqual({ AWS: accounts });
  expect(shared[0].Condition).toEqual({
    ArnEquals: { 'aws:PrincipalArn': accounts.map(accountId => roleArn(accountId, 'Reader')) },
    StringLikeIfExists: { 's3:prefix': '${aws:PrincipalAccount}/*' },
  });
});

test('whole-account writers and read-writers of their own account prefix, with delete', async () => {
  await proveShare(deployShare({
    grants: [
      { accountId: FIRST, prefix: `${FIRST}/`, access: AccessLevel.WRITE },
      { accountId: SECOND, prefix: `${SECOND}/`, access: AccessLevel.WRITE },
      { accountId: THIRD, prefix: `${THIRD}/`, access: AccessLevel.READ_WRITE, allowDelete: true },
    ],
  }));
}, PROOF_TIMEOUT);
