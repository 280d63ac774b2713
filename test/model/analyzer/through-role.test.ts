/**
 * Access through a role of the bucket's account (lib/model/analyzer/through-role.ts): whoever the role's
 * trust lets in from outside acts with the role's permissions, and review shows it.
 */
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel, SharedBucket, ThirdPartyAccessRole } from '../../../lib';
import { readRecords } from '../../../lib/cli/assembly';
import { analyzerFor, reviewPolicies, unexplainedFindings } from '../../../lib/cli/policy-review';
import { shutdownSolver } from '../../../lib/model/analyzer/z3-runtime';

const OWNER = '111111111111';
const VENDOR = '333333333333';
const OUTSIDER = '999999999999';
const BUCKET = 'through-role-data-111111111111';

jest.setTimeout(120_000);
afterAll(() => shutdownSolver());

/** The owner's bucket with one consumer, a vendor's ThirdPartyAccessRole, and whatever `add` puts beside them. */
async function review(add: (stack: Stack, shared: SharedBucket) => void = () => {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'through-role-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: 'eu-west-1' } });
  const shared = new SharedBucket(stack, 'Shared', {
    bucketName: BUCKET,
    consumers: [{ accountId: '222222222222', principalArns: ['arn:aws:iam::222222222222:role/Reader'], prefix: 'reports/', access: AccessLevel.READ }],
  });
  new ThirdPartyAccessRole(stack, 'Vendor', {
    sharedBucket: shared,
    thirdPartyAccountId: VENDOR,
    thirdPartyPrincipalArns: [`arn:aws:iam::${VENDOR}:role/Integration`],
    externalId: 'secret-external-id-7f3a',
    roleName: 'VendorAccess',
    prefix: 'vendor/',
  });
  add(stack, shared);
  app.synth();
  const buckets = await reviewPolicies(await analyzerFor([outdir]), readRecords(outdir));
  const rows = buckets[0].access.filter(access => access.throughRole !== undefined);
  return { rows, findings: unexplainedFindings(buckets) };
}

describe('access through a role of the bucket\'s account', () => {
  test('the vendor\'s ThirdPartyAccessRole: the principal its trust names, what the role may do, intended by the recorded grant', async () => {
    const { rows, findings } = await review();
    expect(rows.map(row => [row.who, row.throughRole, row.actions, row.intended])).toEqual([
      [`arn:aws:iam::${VENDOR}:role/Integration`, `arn:aws:iam::${OWNER}:role/VendorAccess`, ['s3:GetObject', 's3:ListBucket'], 'yes'],
    ]);
    expect(rows[0].statements).toContain('Owner/Vendor/Role trust policy, statement #1');
    expect(findings).toEqual([]);
  });

  test('a role written by hand that another account may assume and that reads the bucket: a finding, with the assume request', async () => {
    const { rows, findings } = await review((stack, shared) => {
      const role = new iam.Role(stack, 'Handmade', { roleName: 'Handmade', assumedBy: new iam.AccountPrincipal(OUTSIDER) });
      shared.bucket.grantRead(role);
    });
    const handmade = rows.find(row => row.throughRole === `arn:aws:iam::${OWNER}:role/Handmade`)!;
    expect([handmade.who, handmade.intended]).toEqual([`account ${OUTSIDER} (any principal)`, 'no']);
    expect(handmade.actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:ListBucket']));
    expect(handmade.unexplained).toMatchObject({ action: 'sts:AssumeRole', resource: `arn:aws:iam::${OWNER}:role/Handmade` });
    expect(findings).toEqual([expect.stringMatching(new RegExp(`^Bucket ${BUCKET}: account ${OUTSIDER} \\(any principal\\) has access no recorded grant explains: ` +
      `arn:aws:iam::${OUTSIDER}:\\S+ sts:AssumeRole arn:aws:iam::${OWNER}:role/Handmade`))]);
  });

  test('the external id a found request carries is never shown', async () => {
    const { rows } = await review((stack, shared) => {
      const role = new iam.Role(stack, 'Handmade', {
        roleName: 'Handmade', assumedBy: new iam.AccountPrincipal(OUTSIDER).withConditions({ StringEquals: { 'sts:ExternalId': 'another-secret-9c1d' } }),
      });
      shared.bucket.grantRead(role);
    });
    const handmade = rows.find(row => row.throughRole === `arn:aws:iam::${OWNER}:role/Handmade`)!;
    expect(handmade.unexplained!.context['sts:ExternalId']).toBe('<the external id>');
    expect(JSON.stringify(rows)).not.toMatch(/secret-external-id-7f3a|another-secret-9c1d/);
  });
});
