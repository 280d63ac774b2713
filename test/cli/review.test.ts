/**
 * `cdk-cross-account-bucket review`: the compiled CLI (build/cli/main.js, `npx projen compile`)
 * spawned on cloud assemblies synthesized here, and its matching rules in-process. The diff rules
 * (what grows access, how grants pair) are in review-diff.test.ts.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App, Duration, Expiration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CliRun, runCli } from './compiled-cli';
import { addExampleStacks, exampleSetup } from '../../examples/stacks';
import {
  AccessLevel, ConsumerGrant, ConsumerReader, ConsumerReaderProps, OrganizationConsumers, OrganizationConsumersProps, SharedBucket,
  SharedBucketProps, SharingMode, ThirdPartyAccessRole, ThirdPartyAccessRoleProps,
} from '../../lib';
import { FoundRecord, readRecords } from '../../lib/cli/assembly';
import { reviewBuckets, reviewFindings } from '../../lib/cli/review-model';
import { mermaidDiagram } from '../../lib/cli/review-render';
import { AssemblyWorkspace } from '../assemblies';

jest.setTimeout(120_000);

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const VENDOR = '333333333333';
const REGION = 'eu-west-1';
const BUCKET = 'review-shared-data';
const READER = `arn:aws:iam::${CONSUMER}:role/AnalyticsReader`;
const GRANT: ConsumerGrant = { accountId: CONSUMER, prefix: 'analytics/', principalArns: [READER] };

const assemblies = new AssemblyWorkspace('cli-review');
const workspace = assemblies.folder;
const synthesize = assemblies.synthesize;

function ownerApp(owner: Partial<SharedBucketProps> = {}, role?: Partial<ThirdPartyAccessRoleProps>): (app: App) => void {
  return app => {
    const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
    const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET, consumers: [GRANT], ...owner });
    if (role !== undefined) {
      new ThirdPartyAccessRole(stack, 'VendorAccess', {
        sharedBucket: shared, thirdPartyAccountId: VENDOR, externalId: 'never-printed-external-id', roleName: 'VendorAccess', prefix: 'vendor/', ...role,
      });
    }
  };
}

/** The owner app with one statement added by hand to the shared bucket's policy. */
function ownerAppWith(statement: (bucket: s3.IBucket) => iam.PolicyStatement): (app: App) => void {
  return app => {
    ownerApp()(app);
    const shared = app.node.findAll().find(construct => construct instanceof SharedBucket) as SharedBucket;
    shared.bucket.addToResourcePolicy(statement(shared.bucket));
  };
}

function consumerApp(reader: Partial<ConsumerReaderProps> = {}): (app: App) => void {
  return app => {
    const stack = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } });
    new ConsumerReader(stack, 'AnalyticsReader', { bucketName: BUCKET, bucketOwnerAccountId: OWNER, prefix: 'analytics/', roleName: 'AnalyticsReader', ...reader });
  };
}

function review(...args: string[]): CliRun {
  return runCli(['review', ...args], workspace);
}

describe('access decided from the policies, not from the record', () => {
  test('a grant the library did not write (grantRead to another account) is found: the table names it, review exits 1', () => {
    const assembly = synthesize(app => {
      const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
      const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET, consumers: [GRANT] });
      shared.bucket.grantRead(new iam.AccountPrincipal('999999999999'));
    });
    const run = review(assembly);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const row = run.stdout.split('\n').find(line => line.trim().startsWith('account 999999999999 (any principal)'));
    expect(row?.trim().split(/\s{2,}/)).toEqual([
      'account 999999999999 (any principal)', 'bucket', 's3:GetBucketAbac, s3:GetBucketAcl, s3:GetBucketCORS and 36 more',
      'Owner/Shared/Bucket/Policy #8', 'NO',
    ]);
    expect(run.stdout).toMatch(new RegExp(`^Bucket ${BUCKET}: account 999999999999 \\(any principal\\) has access no recorded grant explains: ` +
      'arn:aws:iam::999999999999:\\S+ s3:\\w+ arn:aws:s3:::review-shared-data\\S* \\(allowed by Owner/Shared/Bucket/Policy bucket policy, statement #8\\)$', 'm'));
    // The recorded grant's role stays explained.
    expect(run.stdout).toMatch(new RegExp(`^ {2}${READER.replace(/[/]/g, '\\/')} +bucket +s3:GetObject, s3:ListBucket .* yes$`, 'm'));
  });
});

describe('the example app, one assembly', () => {
  let example: string;
  beforeAll(() => {
    example = synthesize(app => addExampleStacks(app, exampleSetup()));
  });

  test('the table: one row per grant, the third-party role folded into its bucket, every consumer covered: exit 0', () => {
    const run = review(example);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`Shared bucket cdk-cross-account-bucket-example-${OWNER}: account ${OWNER}, region ${REGION}, ` +
      `stack SharedBucketOwner (SharedBucketOwner/SharedData), ${example}`);
    expect(lines[1].split(/\s{2,}/).filter(Boolean)).toEqual(['ACCOUNT OR ORGANIZATION', 'PRINCIPALS', 'PREFIX', 'ACCESS', 'DELETE', 'EXPIRES', 'PATH', 'MFA']);
    const rows = lines.slice(2, 5).map(line => line.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      [CONSUMER, READER, 'analytics/', 'READ', 'no', 'never', 'bucket policy', '-'],
      [CONSUMER, `arn:aws:iam::${CONSUMER}:role/IngestWriter`, 'ingest/', 'WRITE', 'yes', 'never', 'bucket policy', '-'],
      [VENDOR, `arn:aws:iam::${VENDOR}:role/VendorIntegration`, 'vendor-exports/', 'READ', 'no', 'never', 'third-party role SharedDataVendorAccess', 'no'],
    ]);
    // Aligned: every column starts at the same place on each line.
    const start = (line: string, text: string) => line.indexOf(text);
    expect(start(lines[2], 'analytics/')).toBe(start(lines[1], 'PREFIX'));
    expect(start(lines[4], 'vendor-exports/')).toBe(start(lines[1], 'PREFIX'));
    // All three readers are decided from the policies, the third party's through the owner's role it assumes.
    expect(run.stdout).toContain('Consumers: 3 matched against the grants, all covered; 3 of them decided from the policies ' +
      '(every request they ask for, KMS through S3 included), 0 by the records\' rules.');
    expect(run.stdout).not.toContain('example-vendor-external-id');
  });

  test('--json: the shape of issue 13, no external id', () => {
    const run = review(example, '--json');
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(Object.keys(json)).toEqual(['buckets', 'findings', 'unchecked', 'access', 'unexplained', 'deniedActions', 'consumerChecks', 'notAnalyzed']);
    expect(json.unexplained).toEqual([]);
    expect(json.consumerChecks.map((check: any) => [check.consumer, check.requests.length, check.denied])).toEqual([
      ['SharedBucketConsumer/AnalyticsReader', 3, []],
      ['SharedBucketConsumer/IngestWriter', 5, []],
      ['SharedBucketThirdParty/VendorIntegration', 4, []],
    ]);
    const rows = (bucket: any) => bucket.access.map((access: any) => [access.principal, access.actions, access.recordedGrant]);
    expect(json.access.map((bucket: any) => [bucket.bucketName, rows(bucket)])).toEqual([
      [`cdk-cross-account-bucket-example-${OWNER}`, [
        [READER, ['s3:GetObject', 's3:ListBucket'], 'yes'],
        [`arn:aws:iam::${CONSUMER}:role/IngestWriter`, ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'], 'yes'],
        // The vendor, as the ThirdPartyAccessRole its trust lets it assume.
        [`arn:aws:iam::${VENDOR}:role/VendorIntegration`, ['s3:GetObject', 's3:ListBucket'], 'yes'],
      ]],
    ]);
    expect(json.access[0].access.map((access: any) => access.throughRole)).toEqual([null, null, `arn:aws:iam::${OWNER}:role/SharedDataVendorAccess`]);
    expect(json.findings).toEqual([]);
    expect(json.unchecked).toEqual([]);
    expect(json.buckets).toEqual([{
      bucketName: `cdk-cross-account-bucket-example-${OWNER}`,
      ownerAccountId: OWNER,
      region: REGION,
      stack: 'SharedBucketOwner',
      grants: [
        { accountId: CONSUMER, principalArns: [READER], prefix: 'analytics/', access: 'READ', allowDelete: false, expires: null, through: 'bucketPolicy' },
        {
          accountId: CONSUMER,
          principalArns: [`arn:aws:iam::${CONSUMER}:role/IngestWriter`],
          prefix: 'ingest/',
          access: 'WRITE',
          allowDelete: true,
          expires: null,
          through: 'bucketPolicy',
        },
        {
          accountId: VENDOR,
          principalArns: [`arn:aws:iam::${VENDOR}:role/VendorIntegration`],
          prefix: 'vendor-exports/',
          access: 'READ',
          allowDelete: false,
          expires: null,
          through: 'thirdPartyRole',
          mfaRequired: false,
          roleArn: `arn:aws:iam::${OWNER}:role/SharedDataVendorAccess`,
        },
      ],
    }]);
    expect(run.stdout).not.toMatch(/external/i);
  });

  test('--mermaid: a flowchart of accounts to prefixes, labels quoted, ids plain', () => {
    const run = review(example, '--mermaid');
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toContain(`  account_${CONSUMER} -->|"READ, no delete, never expires, bucket policy"| bucket0_prefix0`);
    expect(lines).toContain(`  account_${CONSUMER} -->|"WRITE, delete, never expires, bucket policy"| bucket0_prefix1`);
    expect(lines).toContain(`  account_${VENDOR} -->|"READ, no delete, never expires, third-party role SharedDataVendorAccess"| bucket0_prefix2`);
    expect(lines).toContain('    bucket0_prefix2["vendor-exports/"]');
    for (const line of lines.slice(1)) {
      // Each line: a subgraph, its end, a node, an edge, or a comment; ids of letters, digits and underscores.
      expect(line).toMatch(/^( {2}subgraph \w+\["[^"]*"\]| {2}end| {2,4}\w+\["[^"]*"\]| {2}\w+ -->\|"[^"]*"\| \w+|%% .*)$/);
    }
  });

  test('--markdown: a GitHub table per bucket', () => {
    const run = review(example, '--markdown');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('| Account or organization | Principals | Prefix | Access | Delete | Expires | Path | MFA |\n|---|---|---|---|---|---|---|---|\n' +
      `| ${CONSUMER} | ${READER} | analytics/ | READ | no | never | bucket policy | - |\n`);
  });
});

describe('owner and consumer in separate assemblies', () => {
  test('a consumer asking for a prefix outside its grant: a finding naming both sides, exit 1', () => {
    const owner = synthesize(ownerApp());
    const consumer = synthesize(consumerApp({ prefix: 'reports/' }));
    const run = review(owner, consumer);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('Findings: 1 of 1 consumers matched against the grants are not covered; 1 of them decided from the policies');
    expect(run.stdout).toContain('! ConsumerReader Consumer/AnalyticsReader (account 222222222222) is covered only in part by SharedBucket Owner/Shared: ' +
      "the closest grant, { accountId: '222222222222', principalArns: ['arn:aws:iam::222222222222:role/AnalyticsReader'], prefix: 'analytics/', " +
      "access: AccessLevel.READ }, differs in the prefix: the consumer asks for 'reports/', the grant covers 'analytics/'");
    expect(run.stdout).toContain(`    consumer: ConsumerReader Consumer/AnalyticsReader, stack Consumer, ${consumer}`);
    expect(run.stdout).toContain(`    owner:    SharedBucket Owner/Shared, stack Owner, ${owner}`);
    // The tables come first, the findings after them.
    expect(run.stdout.indexOf('Shared bucket review-shared-data')).toBeLessThan(run.stdout.indexOf('Findings:'));

    const json = JSON.parse(review(owner, consumer, '--json').stdout);
    expect(json.findings).toEqual([{
      consumer: { assembly: consumer, stack: 'Consumer', path: 'Consumer/AnalyticsReader', kind: 'ConsumerReader' },
      owner: { assembly: owner, stack: 'Owner', path: 'Owner/Shared', kind: 'SharedBucket' },
      message: expect.stringContaining("differs in the prefix: the consumer asks for 'reports/'"),
    }]);
  });
});

describe('review NEW --against OLD', () => {
  let base: string;
  beforeAll(() => {
    base = synthesize(ownerApp({}, { requireMfa: true }));
  });

  test('a wider grant and a new grant: exit 1, each change on one line, the growing ones marked', () => {
    const grown = synthesize(ownerApp({
      consumers: [{ ...GRANT, access: AccessLevel.READ_WRITE }, { accountId: '444444444444', prefix: 'new/' }],
    }, { requireMfa: true }));
    const run = review(grown, '--against', base);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      `~ ${BUCKET}: ${CONSUMER} via bucket policy, prefix analytics/: access READ -> READ_WRITE (grows)  [grows access]`,
      `+ ${BUCKET}: 444444444444 via bucket policy: prefix new/, READ, delete no, expires never, principals (any)  [grows access]`,
      '2 changes, 2 grow access.',
      '',
    ]);
    // Decided from the policies: one request per principal's account and action that NEW allows and OLD does not.
    const newAccess = lines.slice(4).map(line => /^New access to review-shared-data: arn:aws:iam::(\d{12}):\S+ (s3:\w+) (\S+) .*\(allowed by (.*)\)$/.exec(line)!);
    expect(newAccess.map(match => [match[1], match[2], match[4]]).sort()).toEqual([
      [CONSUMER, 's3:AbortMultipartUpload', 'Owner/Shared/Bucket/Policy bucket policy, statement "Grant1"'],
      [CONSUMER, 's3:PutObject', 'Owner/Shared/Bucket/Policy bucket policy, statement "Grant1"'],
      ['444444444444', 's3:GetObject', 'Owner/Shared/Bucket/Policy bucket policy, statement "Grant2"'],
      ['444444444444', 's3:ListBucket', 'Owner/Shared/Bucket/Policy bucket policy, statement "Grant2"'],
    ]);
    expect(newAccess.filter(match => match[1] === CONSUMER).every(match => match[3].startsWith(`arn:aws:s3:::${BUCKET}/analytics/`))).toBe(true);
  });

  test('a narrowing (a prefix under the granted one, a grant removed): exit 0', () => {
    const narrowed = synthesize(ownerApp({ consumers: [{ ...GRANT, prefix: 'analytics/2026/' }] }));
    const run = review(narrowed, '--against', base);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`~ ${BUCKET}: ${CONSUMER} via bucket policy, prefix analytics/2026/: prefix analytics/ -> analytics/2026/\n`);
    expect(run.stdout).toMatch(new RegExp(`^- ${BUCKET}: ${VENDOR} via third-party role VendorAccess: prefix vendor/, READ`, 'm'));
    expect(run.stdout).toContain('2 changes, 0 grow access.');
    expect(run.stdout).not.toContain('[grows access]');
    expect(run.stdout).toContain('No new access: every request the new policies allow, the old ones allowed.');
  });

  test('a statement added by hand that grants nothing new is no new access; one that opens later is', () => {
    const plain = synthesize(ownerApp());
    const cancelled = synthesize(ownerAppWith(bucket => new iam.PolicyStatement({
      sid: 'HandAdded',
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects('*')],
      principals: [new iam.AccountPrincipal('999999999999')],
      conditions: { StringEquals: { 's3:prefix': 'a' }, Null: { 's3:prefix': 'true' } },
    })));
    expect(review(cancelled, '--against', plain).status).toBe(0);
    const later = synthesize(ownerAppWith(bucket => new iam.PolicyStatement({
      sid: 'Later',
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects('*')],
      principals: [new iam.AccountPrincipal('999999999999')],
      conditions: { DateGreaterThan: { 'aws:CurrentTime': '2031-01-01T00:00:00Z' } },
    })));
    const run = review(later, '--against', plain);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^New access to review-shared-data: arn:aws:iam::999999999999:\S+ s3:GetObject arn:aws:s3:::review-shared-data\/\S+ at 203\d-.* \(allowed by Owner\/Shared\/Bucket\/Policy bucket policy, statement "Later"\)$/m);
  });
});

describe('review --deny-actions and public access', () => {
  test('a denied action a principal outside the owner account can perform: exit 1 with the request; none: exit 0', () => {
    const assembly = synthesize(ownerApp({ consumers: [{ ...GRANT, allowDelete: true, access: AccessLevel.READ_WRITE }] }));
    const allowed = review(assembly, '--deny-actions', 's3:DeleteObject,kms:Decrypt');
    expect(allowed.status).toBe(1);
    expect(allowed.stdout).toMatch(new RegExp(`^Bucket ${BUCKET}: s3:DeleteObject is allowed outside the owner account: ${READER.replace(/\//g, '\\/')} s3:DeleteObject arn:aws:s3:::${BUCKET}/analytics/`, 'm'));
    expect(allowed.stdout).toMatch(/^Key Owner\/Shared\/Key: kms:Decrypt is allowed outside the owner account: arn:aws:iam::222222222222:\S+ kms:Decrypt /m);
    const none = review(assembly, '--deny-actions', 's3:DeleteObjectVersion,s3:PutBucketPolicy');
    expect(none.stderr).toBe('');
    expect(none.status).toBe(0);
    expect(review(assembly, '--deny-actions', 's3:Frobnicate').stderr).toMatch(/--deny-actions: s3:Frobnicate is not an S3 or KMS action/);
  });

  test('public access is a finding, whatever the record says', () => {
    const assembly = synthesize(ownerAppWith(bucket => new iam.PolicyStatement({
      sid: 'Public', actions: ['s3:GetObject'], resources: [bucket.arnForObjects('public/*')], principals: [new iam.AnyPrincipal()],
    })));
    const run = review(assembly);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Bucket review-shared-data: public access \(anonymous, or any account outside every organization\): \S+ s3:GetObject arn:aws:s3:::review-shared-data\/public\//m);
  });
});

describe('errors: one line on standard error, exit 2, no stack trace', () => {
  function expectError(run: CliRun, message: RegExp): void {
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }

  test('a folder that is no cloud assembly', () => {
    const empty = join(workspace, 'not-an-assembly');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'readme.txt'), 'nothing here');
    expectError(review(empty), /not-an-assembly is not a cloud assembly: it has no manifest.json/);
    expectError(review(join(workspace, 'missing')), /missing is not a folder/);
  });

  test('an assembly without any of these constructs, named', () => {
    // A plain bucket: a stack with no resource at all would have synth warn (CloudFormation needs one).
    const plain = synthesize(app => new s3.Bucket(new Stack(app, 'Plain', { env: { account: OWNER, region: REGION } }), 'Unshared'));
    expectError(review(plain), new RegExp(`${plain} holds no record of cdk-cross-account-bucket`));
  });

  test('bad options', () => {
    expectError(review('--frobnicate'), /^cdk-cross-account-bucket review: Unknown option '--frobnicate'/);
    expectError(review('a', 'b', '--against', 'c'), /give one NEW folder, not 2/);
  });

  test('--help: the usage, exit 0', () => {
    const run = review('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: cdk-cross-account-bucket review \[dir\.\.\.\]/);
    expect(run.stdout).toMatch(/Exit codes: 0 /);
  });
});

// ------------------------------------------------------------------------ in-process rules

/** The records of an app synthesized in-process. */
function recordsOf(build: (app: App) => void): FoundRecord[] {
  return readRecords(synthesize(build));
}

describe('the CLI matches consumers with the rules of the synth-time check', () => {
  /** Owner and consumer in one app: the synth-time warning, and the CLI's finding on the same assembly. */
  function both(build: (app: App) => Stack): { warnings: string[]; findings: string[] } {
    const outdir = assemblies.next();
    const app = new App({ outdir });
    const consumerStack = build(app);
    const warnings = Annotations.fromStack(consumerStack)
      .findWarning('*', Match.stringLikeRegexp('cdk-cross-account-bucket:consumerNotGranted'))
      .map(warning => String(warning.entry.data).replace(/ \[ack: cdk-cross-account-bucket:consumerNotGranted\]$/, ''));
    app.synth();
    return { warnings, findings: reviewFindings(readRecords(outdir)).findings.map(finding => finding.message) };
  }

  function pair(reader: Partial<ConsumerReaderProps>, owner: Partial<SharedBucketProps> = {}): (app: App) => Stack {
    return app => {
      ownerApp(owner)(app);
      consumerApp(reader)(app);
      return app.node.findChild('Consumer') as Stack;
    };
  }

  const COVERED = new Set(['covered', 'a prefix under the grant is covered', 'the access point', 'a third-party role that trusts the consumer']);
  const accessPoints: Partial<SharedBucketProps> = { sharingMode: SharingMode.ACCESS_POINTS, consumers: [{ ...GRANT, accessPointName: 'analytics' }] };
  test.each<[string, (app: App) => Stack]>([
    ['covered', pair({})],
    ['a prefix under the grant is covered', pair({ prefix: 'analytics/2026/' })],
    ['another prefix', pair({ prefix: 'reports/' })],
    ['the whole bucket', pair({ prefix: undefined })],
    ['another role', pair({ roleName: 'Other' })],
    ['a generated role name', pair({ roleName: undefined })],
    ['more access', pair({ access: AccessLevel.READ_WRITE })],
    ['delete', pair({ allowDelete: true })],
    ['an account no grant names', pair({}, { consumers: [{ ...GRANT, accountId: VENDOR, principalArns: undefined }] })],
    ['another owner account', pair({ bucketOwnerAccountId: '444444444444' })],
    ['another bucket region', pair({ bucketRegion: 'us-east-1' })],
    ['the access point', pair({ accessPointArn: `arn:aws:s3:${REGION}:${OWNER}:accesspoint/analytics` }, accessPoints)],
    ['straight to the bucket in access point mode', pair({}, accessPoints)],
    ['another access point', pair({ accessPointArn: `arn:aws:s3:${REGION}:${OWNER}:accesspoint/other` }, accessPoints)],
    ['a third-party role that trusts the consumer', app => {
      ownerApp({}, { thirdPartyAccountId: CONSUMER, thirdPartyPrincipalArns: [READER] })(app);
      consumerApp({ thirdPartyRoleArn: `arn:aws:iam::${OWNER}:role/VendorAccess`, prefix: undefined })(app);
      return app.node.findChild('Consumer') as Stack;
    }],
    ['a third-party role that trusts another account', app => {
      ownerApp({}, {})(app);
      consumerApp({ thirdPartyRoleArn: `arn:aws:iam::${OWNER}:role/VendorAccess`, prefix: undefined })(app);
      return app.node.findChild('Consumer') as Stack;
    }],
    ['no third-party role of that name', app => {
      ownerApp({}, {})(app);
      consumerApp({ thirdPartyRoleArn: `arn:aws:iam::${OWNER}:role/Missing`, prefix: undefined })(app);
      return app.node.findChild('Consumer') as Stack;
    }],
  ])('%s: the same verdict and text', (name, build) => {
    const { warnings, findings } = both(build);
    expect(warnings).toHaveLength(COVERED.has(name) ? 0 : 1);
    expect(findings).toEqual(warnings);
  });

  const UNIT = 'ou-ab12-11111111';
  const ORGANIZATION = 'o-a1b2c3d4e5';
  function organizationPair(members: Partial<OrganizationConsumersProps>): (app: App) => Stack {
    return app => {
      const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
      new SharedBucket(owner, 'Shared', {
        bucketName: BUCKET,
        organizationGrants: [{ organizationId: ORGANIZATION, organizationalUnitPaths: [`${ORGANIZATION}/r-ab12/${UNIT}/`], roleName: 'OrganizationReader' }],
      });
      const management = new Stack(app, 'Management', { env: { account: '444444444444', region: REGION } });
      new OrganizationConsumers(management, 'Members', {
        bucketName: BUCKET, bucketOwnerAccountId: OWNER, bucketRegion: REGION, organizationalUnitIds: [UNIT], roleName: 'OrganizationReader', ...members,
      });
      return management;
    };
  }
  test.each<[string, Partial<OrganizationConsumersProps>]>([
    ['covered', {}],
    ['another role', { roleName: 'OtherReader' }],
    ['a unit outside the grant', { organizationalUnitIds: ['ou-ab12-22222222'] }],
    ['a shared prefix where each account gets its own', { sharedPrefix: 'reference/' }],
  ])('organization: %s: the same verdict and text', (name, members) => {
    const { warnings, findings } = both(organizationPair(members));
    expect(warnings).toHaveLength(name === 'covered' ? 0 : 1);
    expect(findings).toEqual(warnings);
  });

  test('the comparison can fail: a disagreement gives a finding', () => {
    expect(both(pair({ prefix: 'reports/' })).findings).toHaveLength(1);
  });

  test("a consumer in another region, synthesized apart from its owner without bucketRegion: a finding naming the bucket's region", () => {
    // Its own app cannot know the owner's region: synth warned bucketRegionAssumed, and its key statement names us-east-1.
    const consumerInUsEast1 = (app: App) => {
      const stack = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: 'us-east-1' } });
      new ConsumerReader(stack, 'AnalyticsReader', { bucketName: BUCKET, bucketOwnerAccountId: OWNER, prefix: 'analytics/', roleName: 'AnalyticsReader' });
    };
    const result = reviewFindings([...recordsOf(ownerApp()), ...recordsOf(consumerInUsEast1)]);
    expect(result.findings.map(finding => finding.message)).toEqual([expect.stringContaining(
      `differs in the region: the consumer may use the key only through S3 in us-east-1 (kms:ViaService s3.us-east-1.amazonaws.com), and the bucket is in ${REGION}`)]);
  });

  test('a consumer whose owner is in no assembly given: not checked, no finding', () => {
    const result = reviewFindings(recordsOf(consumerApp()));
    expect(result.findings).toEqual([]);
    expect(result.unchecked.map(item => item.reason)).toEqual([`no SharedBucket named ${BUCKET} (account ${OWNER}) is in the assemblies given`]);
  });
});

describe('the diagram', () => {
  test('node ids stay plain and labels quoted whatever the names hold', () => {
    const lines = mermaidDiagram(reviewBuckets([{
      assembly: 'x',
      stack: 'Owner',
      path: '/Owner/Shared',
      data: {
        version: 1,
        kind: 'SharedBucket',
        bucketName: 'b"ucket',
        ownerAccountId: OWNER,
        region: REGION,
        sharingMode: 'BUCKET_POLICY',
        encryptionKeyArn: null,
        grants: [{
          accountId: null,
          organizationId: 'o-x',
          organizationalUnitPaths: null,
          principalArns: null,
          prefix: '<account id>/',
          access: 'READ',
          allowDelete: false,
          expires: Expiration.after(Duration.days(1)).date.toISOString(),
          through: 'organization',
          narrowing: { organizationId: 'o-x', minimumTlsVersion: 1.2, externalIdRequired: false, mfaRequired: false, keyOnlyThroughS3: true },
        }],
      },
    }]));
    expect(lines).toContain('    bucket0_prefix0["#lt;account id#gt;/"]');
    expect(lines).toContain('  subgraph bucket0["bucket b#quot;ucket (account 111111111111)"]');
    expect(lines).toContain('  organization_o_x__whole_organization_["organization o-x (whole organization)"]');
  });
});
