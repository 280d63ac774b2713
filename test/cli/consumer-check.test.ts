/**
 * review's consumer check decided from the policies (lib/cli/consumer-check.ts): what a
 * ConsumerReader asks for must be allowed through its own identity policy, the bucket policy and
 * the key policy (KMS through S3), which also catches what the records cannot show.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { runCli } from './compiled-cli';
import { addManyConsumersStacks } from '../../examples/many-consumers';
import { AccessLevel, ConsumerReader, ConsumerReaderProps, SharedBucket, ThirdPartyAccessRole } from '../../lib';
import { readRecords } from '../../lib/cli/assembly';
import { checkConsumers } from '../../lib/cli/consumer-check';
import { analyzerFor } from '../../lib/cli/policy-review';
import { reviewFindings } from '../../lib/cli/review-model';

jest.setTimeout(120_000);

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const REGION = 'eu-west-1';
const BUCKET = 'consumer-check-data';
const READER = `arn:aws:iam::${CONSUMER}:role/AnalyticsReader`;

const workspace = mkdtempSync(join(tmpdir(), 'consumer-check-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

let folders = 0;
/** The owner's SharedBucket and the consumer's ConsumerReader in one app; `edit` changes the reader after the fact. */
function synthesize(reader: Partial<ConsumerReaderProps> = {}, edit: (reader: ConsumerReader) => void = () => {}): string {
  const outdir = join(workspace, `assembly-${++folders}`);
  const app = new App({ outdir });
  const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
  new SharedBucket(owner, 'Shared', {
    bucketName: BUCKET,
    consumers: [{ accountId: CONSUMER, prefix: 'analytics/', principalArns: [READER], access: AccessLevel.READ }],
  });
  const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } });
  edit(new ConsumerReader(consumer, 'Reader', {
    bucketName: BUCKET, bucketOwnerAccountId: OWNER, prefix: 'analytics/', roleName: 'AnalyticsReader', ...reader,
  }));
  app.synth();
  return outdir;
}

/** Index of the statement with `sid` in the reader's identity policy, as synthesized. */
function statementIndex(reader: ConsumerReader, sid: string): number {
  const document = Stack.of(reader).resolve((reader.policy.node.defaultChild as iam.CfnPolicy).policyDocument);
  return document.Statement.findIndex((statement: { Sid?: string }) => statement.Sid === sid);
}

/** The reader's KMS statement, as an escape hatch would leave it: through S3 in another region. */
function keyStatementInRegion(region: string): (reader: ConsumerReader) => void {
  return reader => {
    const index = statementIndex(reader, 'SharedBucketKey');
    (reader.policy.node.defaultChild as iam.CfnPolicy)
      .addPropertyOverride(`PolicyDocument.Statement.${index}.Condition.StringEquals.kms:ViaService`, `s3.${region}.amazonaws.com`);
  };
}

async function checks(folder: string) {
  const records = readRecords(folder);
  return { records, checks: await checkConsumers(await analyzerFor([folder]), records) };
}

describe('the consumer check, decided from the policies', () => {
  test('a reader as the owner shares: every request it asks for is allowed, KMS through S3 included', async () => {
    const { checks: found } = await checks(synthesize());
    expect(found.map(check => ({ path: check.record.path, requests: check.requests, denied: check.denied }))).toEqual([{
      path: '/Consumer/Reader',
      requests: [
        's3:GetObject on every key under analytics/',
        's3:ListBucket of analytics/',
        'kms:Decrypt on the bucket\'s key through S3 (s3.eu-west-1.amazonaws.com)',
      ],
      denied: [],
    }]);
  });

  test('a key statement an escape hatch moved to another region: the records say covered, the policies deny kms:Decrypt', async () => {
    const folder = synthesize({}, keyStatementInRegion('us-east-1'));
    const { records, checks: found } = await checks(folder);
    // The record is what the construct meant, so the record rules cannot see the override.
    expect(reviewFindings(records).findings).toEqual([]);
    expect(found[0].denied).toEqual([{
      request: 'kms:Decrypt on the bucket\'s key through S3 (s3.eu-west-1.amazonaws.com)',
      why: 'no statement of the identity policy allows it',
    }]);
    const decided = reviewFindings(records, new Map(found.map(check => [check.record, check])));
    expect(decided.checked).toBe(0);
    expect(decided.findings.map(finding => [finding.consumer.path, finding.owner.path, finding.message])).toEqual([[
      'Consumer/Reader', 'Owner/Shared',
      `ConsumerReader Consumer/Reader (account ${CONSUMER}): The policies deny what it asks for on bucket ${BUCKET}: kms:Decrypt on the bucket's key through S3 (s3.eu-west-1.amazonaws.com) ` +
        '(no statement of the identity policy allows it)',
    ]]);
  });

  test('a deny another construct adds to the reader\'s role is named as the statement that denies', async () => {
    const { checks: found } = await checks(synthesize({}, reader => reader.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'NoReadsHere', effect: iam.Effect.DENY, actions: ['s3:GetObject'], resources: ['*'],
    }))));
    expect(found[0].denied).toEqual([{
      request: 's3:GetObject on every key under analytics/',
      why: 'denied by Consumer/Reader/Role/DefaultPolicy identity policy, statement "NoReadsHere"',
    }]);
  });

  test('a reader asking for more than the owner grants: the writes the bucket policy does not allow are denied, the reads are not', async () => {
    const { checks: found } = await checks(synthesize({ access: AccessLevel.READ_WRITE }));
    expect(found[0].denied.map(item => item.request)).toEqual([
      's3:PutObject on every key under analytics/',
      's3:AbortMultipartUpload on every key under analytics/',
      'kms:GenerateDataKey on the bucket\'s key through S3 (s3.eu-west-1.amazonaws.com)',
    ]);
    expect(found[0].denied.every(item => /no statement of the (bucket|key) policy allows it/.test(item.why))).toBe(true);
  });

  test('a reader whose access point is another stack\'s output: recorded as known at deployment, left to the record rules, no finding', async () => {
    const outdir = join(workspace, `assembly-${++folders}`);
    const app = new App({ outdir });
    addManyConsumersStacks(app, 2);
    app.synth();
    const { records, checks: found } = await checks(outdir);
    const reader = records.find(record => record.data.kind === 'ConsumerReader')!;
    expect(reader.data).toMatchObject({ accessPointArn: '<known at deployment>' });
    // Which access point its policy names only deployment knows: the policies cannot decide its requests.
    expect(found).toEqual([]);
    expect(reviewFindings(records)).toEqual({ findings: [], unchecked: [], checked: 1, fromPolicies: 0 });
  });

  test('a reader through the owner\'s ThirdPartyAccessRole: assuming it, then the role\'s requests; a deny on its own role is named', async () => {
    const vendor = '333333333333';
    const build = (deny: boolean) => {
      const outdir = join(workspace, `assembly-${++folders}`);
      const app = new App({ outdir });
      const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
      const shared = new SharedBucket(owner, 'Shared', { bucketName: BUCKET });
      new ThirdPartyAccessRole(owner, 'Vendor', {
        sharedBucket: shared,
        thirdPartyAccountId: vendor,
        thirdPartyPrincipalArns: [`arn:aws:iam::${vendor}:role/Integration`],
        externalId: 'never-shown-7f3a',
        roleName: 'VendorAccess',
        prefix: 'vendor/',
      });
      const reader = new ConsumerReader(new Stack(app, 'VendorSide', { env: { account: vendor, region: REGION } }), 'Reader', {
        bucketName: BUCKET, bucketOwnerAccountId: OWNER, thirdPartyRoleArn: `arn:aws:iam::${OWNER}:role/VendorAccess`, roleName: 'Integration',
      });
      if (deny) reader.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'NoAssuming', effect: iam.Effect.DENY, actions: ['sts:AssumeRole'], resources: ['*'] }));
      app.synth();
      return outdir;
    };
    const { checks: found } = await checks(build(false));
    expect(found.map(check => [check.requests, check.denied])).toEqual([[[
      `sts:AssumeRole on arn:aws:iam::${OWNER}:role/VendorAccess`,
      's3:GetObject on every key under vendor/',
      's3:ListBucket of vendor/',
      'kms:Decrypt on the bucket\'s key through S3 (s3.eu-west-1.amazonaws.com)',
    ], []]]);
    const denied = await checks(build(true));
    expect(denied.checks[0].denied).toEqual([{
      request: `sts:AssumeRole on arn:aws:iam::${OWNER}:role/VendorAccess`,
      why: 'denied by VendorSide/Reader/Role/DefaultPolicy identity policy, statement "NoAssuming"',
    }]);
    expect(JSON.stringify([found, denied.checks].map(list => list.map(({ record, ...check }) => check)))).not.toContain('never-shown-7f3a');
  });

  test('review exits 1 and prints the finding (the compiled CLI)', () => {
    const folder = synthesize({}, keyStatementInRegion('us-east-1'));
    const run = runCli(['review', folder]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('Findings: 1 of 1 consumers matched against the grants are not covered; 1 of them decided from the policies');
    expect(run.stdout).toContain('kms:Decrypt on the bucket\'s key through S3 (s3.eu-west-1.amazonaws.com) (no statement of the identity policy allows it)');
    // explain decides the read with the KMS request S3 makes for it, and names what is missing.
    const explain = runCli(['explain', folder, '--principal', READER, '--action', 's3:GetObject', '--key', 'analytics/a.csv']);
    expect(explain.status).toBe(1);
    expect(explain.stdout).toMatch(/^DENIED by the policies: no statement of the identity policy \(kms:Decrypt through S3\) allows it\n/);
  });
});
