import { accessPointResource, accessPointArn as pointArn, delegateToAccessPoints, ownerStack, read } from './fixtures';
import { PolicyAnalyzer } from '../../../lib/model/analyzer/analyzer';
import { IntendedGrant } from '../../../lib/model/analyzer/intent';
import { Access } from '../../../lib/model/analyzer/questions';
import { collectPolicies } from '../../../lib/model/analyzer/template';
import { shutdownSolver } from '../../../lib/model/analyzer/z3-runtime';

const BUCKET = 'reviewed-data-111111111111';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const READER = 'arn:aws:iam::222222222222:role/Reader';

jest.setTimeout(120_000);
afterAll(() => shutdownSolver());

/**
 * A bucket with access of every kind: intended (the reader, directly and through its access point),
 * unintended (account 333333333333; account 444444444444 through another access point) and public.
 */
const stack = ownerStack(BUCKET, [
  delegateToAccessPoints(BUCKET_ARN),
  read('Reader', { AWS: READER }, `${BUCKET_ARN}/data/*`),
  read('Other', { AWS: '333333333333' }, `${BUCKET_ARN}/*`),
  read('Public', '*', `${BUCKET_ARN}/public/*`),
], {
  resources: {
    ReaderPoint: accessPointResource('reader-point', [read('Reader', { AWS: READER }, `${pointArn('reader-point')}/object/data/*`)]),
    OtherPoint: accessPointResource('other-point', [
      { Sid: 'Other', Effect: 'Allow', Principal: { AWS: '444444444444' }, Action: ['s3:GetObject', 's3:ListBucket'], Resource: [pointArn('other-point'), `${pointArn('other-point')}/object/*`] },
    ]),
  },
});

const intents: IntendedGrant[] = [undefined, 'reader-point'].map(accessPoint => ({
  description: `reader${accessPoint ? ` through ${accessPoint}` : ''}`, accountId: '222222222222', principalArns: [READER], actions: ['s3:GetObject'], prefix: 'data/', accessPoint,
}));

/** An access without its example request (a witness: which one the solver gives depends on what it was asked before). */
const withoutExample = (access: readonly Access[]) => access.map(({ unexplained, ...rest }) => ({ ...rest, example: unexplained !== undefined }));

test('review() answers what accesses(), findUnexplainedAccess() and findPublicAccess() answer, path by path', async () => {
  const policies = collectPolicies([stack]);
  const separately = await PolicyAnalyzer.create(policies);
  const access = await separately.accesses(BUCKET, intents);
  const unexplained = await separately.findUnexplainedAccess(BUCKET, intents);
  const anyone = await separately.findPublicAccess(BUCKET);

  const together = await (await PolicyAnalyzer.create(policies)).review(BUCKET, intents);
  expect(withoutExample(together.access)).toEqual(withoutExample(access));
  // Not vacuous: every kind of access is there.
  expect(together.access.map(item => [item.who, item.accessPoint ?? 'bucket', item.intended])).toEqual(expect.arrayContaining([
    // Partly: the public statement lets it read public/ too.
    [READER, 'bucket', 'partly'],
    ['account 333333333333 (any principal)', 'bucket', 'no'],
    ['anonymous (public)', 'bucket', 'no'],
    [READER, pointArn('reader-point'), 'yes'],
    ['account 444444444444 (any principal)', pointArn('other-point'), 'no'],
  ]));
  expect(unexplained).toMatchObject({ accessPoint: undefined });
  expect(anyone).toMatchObject({ accessPoint: undefined, principal: 'anonymous' });
  // The first path with such a request is the bucket itself, for both.
  expect(together.unexplained).toMatchObject({ accessPoint: unexplained!.accessPoint, allowedBy: expect.any(Array) });
  expect(together.public).toMatchObject({ accessPoint: anyone!.accessPoint });
  expect(together.public!.allowedBy).toEqual(anyone!.allowedBy);
});

test('review() finds the public access S3 Block Public Access restricts, as findPublicAccess() does', async () => {
  const restricted = ownerStack(BUCKET, [read('Public', '*', `${BUCKET_ARN}/public/*`)], {
    bucketProperties: { PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } },
  });
  const policies = collectPolicies([restricted]);
  const anyone = await (await PolicyAnalyzer.create(policies)).findPublicAccess(BUCKET);
  const together = await (await PolicyAnalyzer.create(policies)).review(BUCKET, []);
  // Restricted, nobody outside the account has access; as written, the policy is public.
  expect(together.access).toEqual([]);
  expect(anyone).toMatchObject({ allowedBy: ['Owner/Policy bucket policy, statement "Public"'] });
  expect(together.public).toMatchObject({ allowedBy: anyone!.allowedBy });
});
