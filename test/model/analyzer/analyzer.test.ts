import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { accessPointResource, accessPointArn, analyzerOf as analyzer, delegateToAccessPoints, loadedStack, OWNER, ownerStack, read } from './fixtures';
import { AccessLevel, SharedBucket } from '../../../lib';
import { PolicyAnalyzer } from '../../../lib/model/analyzer/analyzer';
import { collectPolicies } from '../../../lib/model/analyzer/template';
import { LoadedStack, loadAssembly } from '../../../lib/model/analyzer/template-files';
import { shutdownSolver } from '../../../lib/model/analyzer/z3-runtime';

const BUCKET = 'analyzed-data-111111111111';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

// z3 starts in about half a second; a synthesized app takes seconds more on a loaded machine.
jest.setTimeout(120_000);
afterAll(() => shutdownSolver());

/** One owner stack holding the bucket and a bucket policy of these statements (plus any other resources). */
function owner(statements: object[], resources: Record<string, object> = {}): LoadedStack {
  return ownerStack(BUCKET, statements, { resources });
}

describe('the issue\'s case: a grant the library did not record', () => {
  test('review finds account 999999999999, and the request is allowed by the grantRead statement', async () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'analyzer-')) });
    const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: 'eu-west-1' } });
    const shared = new SharedBucket(stack, 'Data', {
      bucketName: 'h1-data-111111111111',
      consumers: [{ accountId: '222222222222', principalArns: ['arn:aws:iam::222222222222:role/Reader'], prefix: 'reports/', access: AccessLevel.READ }],
    });
    shared.bucket.grantRead(new iam.AccountPrincipal('999999999999'));
    const assembly = app.synth();
    const subject = await analyzer(...loadAssembly(assembly.directory));

    const answer = await subject.isAllowed({ principal: 'arn:aws:iam::999999999999:role/Any', action: 's3:GetObject', bucket: 'h1-data-111111111111', key: 'secret/payroll.csv' });
    expect(answer.allowed).toBe(true);
    expect(answer.allowedBy).toEqual(['Owner/Data/Bucket/Policy bucket policy, statement #8']);

    const found = await subject.findAccess({ bucket: 'h1-data-111111111111', outsideAccount: OWNER, actions: ['s3:GetObject'] });
    expect(found).toMatchObject({ action: 's3:GetObject', principal: expect.stringMatching(/^arn:aws:iam::(999999999999|222222222222):/) });
    // Both the recorded consumer and the unrecorded account can read; exclude the consumer and 999 remains.
    const other = await subject.findAccess({ bucket: 'h1-data-111111111111', outsideAccount: OWNER, actions: ['s3:DeleteObject'] });
    expect(other).toBeUndefined();
    const consumer = await subject.isAllowed({ principal: 'arn:aws:iam::222222222222:role/Reader', action: 's3:GetObject', bucket: 'h1-data-111111111111', key: 'reports/a.csv' });
    expect(consumer.allowed).toBe(true);
    const outsidePrefix = await subject.isAllowed({ principal: 'arn:aws:iam::222222222222:role/Reader', action: 's3:GetObject', bucket: 'h1-data-111111111111', key: 'reports-archive/a.csv' });
    expect(outsidePrefix.allowed).toBe(false);
    expect(outsidePrefix.missing).toContain('bucket policy');
  });
});

describe('resources and wildcards', () => {
  const statements = [read('Quarterly', { AWS: 'arn:aws:iam::222222222222:role/Reader' }, `${BUCKET_ARN}/reports/2024-*/q?.csv`)];

  test('a key pattern opens exactly the keys it matches, found without sampling', async () => {
    const subject = await analyzer(owner(statements));
    const found = await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER });
    expect(found?.principal).toBe('arn:aws:iam::222222222222:role/Reader');
    expect(found?.action).toBe('s3:GetObject');
    expect(found?.resource).toMatch(/^arn:aws:s3:::analyzed-data-111111111111\/reports\/2024-.*\/q.\.csv$/);
    expect(found?.allowedBy).toEqual(['Owner/Policy bucket policy, statement "Quarterly"']);
    const ask = (key: string) => subject.isAllowed({ principal: 'arn:aws:iam::222222222222:role/Reader', action: 's3:GetObject', bucket: BUCKET, key });
    expect((await ask('reports/2024-03/q1.csv')).allowed).toBe(true);
    expect((await ask('reports/2024-03/q10.csv')).allowed).toBe(false);
    expect((await ask('reports/2023-03/q1.csv')).allowed).toBe(false);
  });

  test('no request outside the pattern is allowed: the question is unsatisfiable, not unsampled', async () => {
    const subject = await analyzer(owner(statements));
    expect(await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER, actions: ['s3:PutObject', 's3:ListBucket', 's3:DeleteObjectVersion'] })).toBeUndefined();
  });
});

describe('evaluation rules', () => {
  test('an explicit deny wins over an allow', async () => {
    const subject = await analyzer(owner([
      read('Everyone', { AWS: '333333333333' }, `${BUCKET_ARN}/*`),
      { Sid: 'NoSecrets', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `${BUCKET_ARN}/secret/*` },
    ]));
    const answer = await subject.isAllowed({ principal: 'arn:aws:iam::333333333333:role/Any', action: 's3:GetObject', bucket: BUCKET, key: 'secret/a' });
    expect(answer).toMatchObject({ allowed: false, deniedBy: ['Owner/Policy bucket policy, statement "NoSecrets"'] });
    const found = await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER });
    expect(found?.resource).not.toMatch(/\/secret\//);
  });

  test('across accounts the identity policy must allow too: a role of the templates is held to its own policies', async () => {
    const consumer = loadedStack('Consumer', {
      Reader: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'Reader', AssumeRolePolicyDocument: { Statement: [] } } },
      ReaderPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'Reader' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET_ARN}/in/*` }] } },
      },
    }, '222222222222');
    const subject = await analyzer(owner([read('Account', { AWS: 'arn:aws:iam::222222222222:root' }, `${BUCKET_ARN}/*`)]), consumer);
    const inside = await subject.isAllowed({ principal: 'arn:aws:iam::222222222222:role/Reader', action: 's3:GetObject', bucket: BUCKET, key: 'in/a' });
    expect(inside.allowed).toBe(true);
    const outside = await subject.isAllowed({ principal: 'arn:aws:iam::222222222222:role/Reader', action: 's3:GetObject', bucket: BUCKET, key: 'out/a' });
    expect(outside).toMatchObject({ allowed: false, missing: ['identity policy'] });
    // Another principal of the account: its identity policies are not in the templates, so it may be granted.
    const unknown = await subject.isAllowed({ principal: 'arn:aws:iam::222222222222:role/Other', action: 's3:GetObject', bucket: BUCKET, key: 'out/a' });
    expect(unknown.allowed).toBe(true);
  });

  test('within the owner account an identity policy alone suffices for S3', async () => {
    const subject = await analyzer(owner([]));
    const answer = await subject.isAllowed({ principal: `arn:aws:iam::${OWNER}:role/Admin`, action: 's3:GetObject', bucket: BUCKET, key: 'a' });
    expect(answer.allowed).toBe(true);
    expect(await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER })).toBeUndefined();
  });

  test('an access point needs its own policy and the bucket\'s delegation', async () => {
    const readerPoint = accessPointArn('reader-point');
    const subject = await analyzer(owner([delegateToAccessPoints(BUCKET_ARN)], {
      Point: accessPointResource('reader-point', [read('Reader', { AWS: 'arn:aws:iam::222222222222:role/Reader' }, `${readerPoint}/object/data/*`)]),
    }));
    const through = (key: string, principal = 'arn:aws:iam::222222222222:role/Reader') =>
      subject.isAllowed({ principal, action: 's3:GetObject', bucket: BUCKET, key, accessPoint: 'reader-point' });
    expect((await through('data/a')).allowed).toBe(true);
    expect((await through('other/a')).allowed).toBe(false);
    expect((await through('data/a', 'arn:aws:iam::222222222222:role/Other')).allowed).toBe(false);
    // The delegation alone opens nothing to other accounts outside the access point.
    expect((await subject.isAllowed({ principal: 'arn:aws:iam::222222222222:role/Reader', action: 's3:GetObject', bucket: BUCKET, key: 'data/a' })).allowed).toBe(false);
    const found = await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER });
    expect(found).toMatchObject({ principal: 'arn:aws:iam::222222222222:role/Reader', action: 's3:GetObject', accessPoint: readerPoint });
  });
});

describe('an access point in another account than its bucket', () => {
  test('the bucket owner\'s principals are another account to it: its policy must name them (found by the differential test)', async () => {
    const outsider = '999999999999';
    const stack = loadedStack('Outsider', {
      Point: accessPointResource('outsider-point', [read('Outsider', { AWS: `arn:aws:iam::${outsider}:root` }, `${accessPointArn('outsider-point', outsider)}/object/*`)],
        BUCKET, { BucketAccountId: OWNER }),
    }, outsider);
    const subject = await analyzer(owner([]), stack);
    const through = (principal: string) => subject.isAllowed({ principal, action: 's3:GetObject', bucket: BUCKET, key: 'a', accessPoint: 'outsider-point' });
    // Same account as the bucket, another account than the access point: its identity policy alone does not suffice.
    expect(await through(`arn:aws:iam::${OWNER}:role/Admin`)).toMatchObject({ allowed: false, missing: expect.arrayContaining(['access point policy']) });
    expect((await through(`arn:aws:iam::${OWNER}:root`)).allowed).toBe(false);
  });
});

describe('S3 Block Public Access (RestrictPublicBuckets)', () => {
  const everyone = read('Everyone', '*', `${BUCKET_ARN}/*`);
  const blocked = (statements: object[], restrict = true): LoadedStack =>
    ownerStack(BUCKET, statements, { bucketProperties: { PublicAccessBlockConfiguration: { RestrictPublicBuckets: restrict } } });
  const ask = (subject: PolicyAnalyzer, principal: string) => subject.isAllowed({ principal, action: 's3:GetObject', bucket: BUCKET, key: 'k' });

  test('a public bucket policy serves the owner\'s account only, and no named account either (found by the differential test)', async () => {
    const subject = await analyzer(blocked([everyone, read('Named', { AWS: '222222222222' }, `${BUCKET_ARN}/*`)]));
    expect(await ask(subject, 'arn:aws:iam::333333333333:role/R')).toMatchObject({ allowed: false, missing: ['Block Public Access (RestrictPublicBuckets)'] });
    expect((await ask(subject, 'arn:aws:iam::222222222222:role/R')).allowed).toBe(false);
    expect((await ask(subject, 'anonymous')).allowed).toBe(false);
    expect((await ask(subject, `arn:aws:iam::${OWNER}:role/R`)).allowed).toBe(true);
  });

  test('a wildcard principal limited to fixed accounts is not public; without RestrictPublicBuckets a public policy serves everyone', async () => {
    const limited = await analyzer(blocked([read('Limited', '*', `${BUCKET_ARN}/*`, { Condition: { StringEquals: { 'aws:PrincipalAccount': '333333333333' } } })]));
    expect((await ask(limited, 'arn:aws:iam::333333333333:role/R')).allowed).toBe(true);
    const open = await analyzer(blocked([everyone], false));
    expect((await ask(open, 'arn:aws:iam::333333333333:role/R')).allowed).toBe(true);
    expect((await ask(open, 'anonymous')).allowed).toBe(true);
  });
});

describe('principal keys of anonymous requests', () => {
  test('a wildcard principal limited to an organization is no public access: anonymous requests carry no aws:PrincipalOrgID (found by the complete proofs)', async () => {
    // reference_policies_condition-keys.html#condition-keys-principalorgid: in the request only for a principal of an organization's account.
    const subject = await analyzer(owner([read('Organization', '*', `${BUCKET_ARN}/reference/*`, { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } })]));
    expect(await subject.findPublicAccess(BUCKET)).toBeUndefined();
    const found = await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER });
    expect([found?.principal.startsWith('arn:aws:iam::'), found?.context['aws:PrincipalOrgID']]).toEqual([true, 'o-a1b2c3d4e5']);
    const anonymous = await subject.isAllowed({ principal: 'anonymous', action: 's3:GetObject', bucket: BUCKET, key: 'reference/a', context: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } });
    expect([anonymous.allowed, anonymous.undecided]).toEqual([false, false]);
  });
});

describe('conditions', () => {
  test('a grant that opens only later is found, with its time', async () => {
    const subject = await analyzer(owner([read('Later', { AWS: '444444444444' }, `${BUCKET_ARN}/*`, { Condition: { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } })]));
    const found = await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER });
    expect(Date.parse(String(found?.context['aws:CurrentTime']))).toBeGreaterThan(Date.parse('2030-01-01T00:00:00Z'));
    expect(await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER, at: new Date('2029-12-31T23:59:59Z') })).toBeUndefined();
  });

  test('a negated operator holds when the key is missing; IfExists too; Null tests presence', async () => {
    const subject = await analyzer(owner([
      read('NotFromVpc', { AWS: '555555555555' }, `${BUCKET_ARN}/a/*`, { Condition: { StringNotEquals: { 'aws:SourceVpc': 'vpc-1' } } }),
      read('IfExists', { AWS: '555555555555' }, `${BUCKET_ARN}/b/*`, { Condition: { StringEqualsIfExists: { 'aws:SourceVpc': 'vpc-2' } } }),
      read('Present', { AWS: '555555555555' }, `${BUCKET_ARN}/c/*`, { Condition: { Null: { 'aws:SourceVpc': 'false' } } }),
    ]));
    const ask = (key: string, context?: Record<string, string>) =>
      subject.isAllowed({ principal: 'arn:aws:iam::555555555555:role/R', action: 's3:GetObject', bucket: BUCKET, key, context });
    expect((await ask('a/x')).allowed).toBe(true);
    expect((await ask('a/x', { 'aws:SourceVpc': 'vpc-1' })).allowed).toBe(false);
    expect((await ask('b/x')).allowed).toBe(true);
    expect((await ask('b/x', { 'aws:SourceVpc': 'vpc-3' })).allowed).toBe(false);
    expect((await ask('c/x')).allowed).toBe(false);
    expect((await ask('c/x', { 'aws:SourceVpc': 'vpc-9' })).allowed).toBe(true);
    expect((await ask('a/x')).freeKeys).toEqual(['aws:SourceVpc']);
  });

  test('organization paths: ForAnyValue:StringLike on a multivalued key', async () => {
    const subject = await analyzer(owner([read('Ou', { AWS: '*' }, `${BUCKET_ARN}/*`, {
      Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*' } },
    })]));
    const ask = (paths?: string[]) => subject.isAllowed({ principal: 'arn:aws:iam::666666666666:role/R', action: 's3:GetObject', bucket: BUCKET, key: 'k', context: paths ? { 'aws:PrincipalOrgPaths': paths } : {} });
    expect((await ask(['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/'])).allowed).toBe(true);
    expect((await ask(['o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/'])).allowed).toBe(false);
    expect((await ask()).allowed).toBe(false);
  });

  test('ArnLike on aws:PrincipalArn: a wildcard account, never across the colon', async () => {
    const subject = await analyzer(owner([read('Role', { AWS: '*' }, `${BUCKET_ARN}/*`, { Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/OrgReader' } } })]));
    const ask = (principal: string) => subject.isAllowed({ principal, action: 's3:GetObject', bucket: BUCKET, key: 'k' });
    expect((await ask('arn:aws:iam::777777777777:role/OrgReader')).allowed).toBe(true);
    expect((await ask('arn:aws:iam::777777777777:role/OrgReader2')).allowed).toBe(false);
    expect((await ask('arn:aws:iam::777777777777:user/OrgReader')).allowed).toBe(false);
  });

  test('a policy variable in a resource: each account its own prefix', async () => {
    const subject = await analyzer(owner([read('Own', { AWS: '*' }, `${BUCKET_ARN}/\${aws:PrincipalAccount}/*`)]));
    const ask = (principal: string, key: string) => subject.isAllowed({ principal, action: 's3:GetObject', bucket: BUCKET, key });
    expect((await ask('arn:aws:iam::888888888888:role/R', '888888888888/a')).allowed).toBe(true);
    expect((await ask('arn:aws:iam::888888888888:role/R', '999999999999/a')).allowed).toBe(false);
  });

  test('an operator it does not model leaves the answer undecided, never "denied"', async () => {
    const subject = await analyzer(owner([read('Ip', { AWS: '123456789012' }, `${BUCKET_ARN}/*`, { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })]));
    const answer = await subject.isAllowed({ principal: 'arn:aws:iam::123456789012:role/R', action: 's3:GetObject', bucket: BUCKET, key: 'k' });
    expect(answer).toMatchObject({ allowed: false, undecided: true });
    const found = await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER });
    expect(found?.assuming).toEqual([expect.stringMatching(/^operator IpAddress aws:SourceIp of .* holds$/)]);
  });

  test('a parameter the analyzer cannot resolve is an unknown of the answer', async () => {
    const stack = owner([read('Param', { AWS: { Ref: 'ConsumerAccount' } }, `${BUCKET_ARN}/*`)]);
    const subject = await analyzer({ ...stack, template: { ...stack.template, Parameters: { ConsumerAccount: { Type: 'String' } } } });
    const found = await subject.findAccess({ bucket: BUCKET, outsideAccount: OWNER });
    const account = /^arn:aws:iam::([0-9]{12}):/.exec(found!.principal)![1];
    expect(found?.assuming).toEqual([`Owner/parameter ConsumerAccount is "${account}"`]);
  });
});

describe('new access (CheckNoNewAccess)', () => {
  const base = [read('Reader', { AWS: 'arn:aws:iam::222222222222:role/Reader' }, `${BUCKET_ARN}/data/*`)];

  test('a widened statement is new access, with the request', async () => {
    const before = await analyzer(owner(base));
    const after = before.sibling(collectPolicies([owner([read('Reader', { AWS: 'arn:aws:iam::222222222222:role/Reader' }, `${BUCKET_ARN}/*`)])]));
    const [found, ...rest] = await after.findNewAccess(before, { bucket: BUCKET });
    expect(rest).toEqual([]);
    expect(found.principal).toBe('arn:aws:iam::222222222222:role/Reader');
    expect(found.resource).not.toMatch(/^arn:aws:s3:::analyzed-data-111111111111\/data\//);
    expect(found.allowedBy).toEqual(['Owner/Policy bucket policy, statement "Reader"']);
  });

  test('an added statement that grants nothing new is not new access', async () => {
    const before = await analyzer(owner(base));
    const cancelled = before.sibling(collectPolicies([owner([...base,
      read('Cancelled', { AWS: '999999999999' }, `${BUCKET_ARN}/*`),
      { Sid: 'DenyOthers', Effect: 'Deny', Principal: { AWS: '999999999999' }, Action: 's3:*', Resource: `${BUCKET_ARN}/*` }])]));
    expect(await cancelled.findNewAccess(before, { bucket: BUCKET })).toEqual([]);
    const impossible = before.sibling(collectPolicies([owner([...base,
      read('Never', { AWS: '999999999999' }, `${BUCKET_ARN}/*`, { Condition: { StringEquals: { 's3:prefix': 'a' }, Null: { 's3:prefix': 'true' } } })])]));
    expect(await impossible.findNewAccess(before, { bucket: BUCKET })).toEqual([]);
  });

  test('a grant that opens only later is new access; several new accesses are listed one per principal and action', async () => {
    const before = await analyzer(owner(base));
    const later = before.sibling(collectPolicies([owner([...base,
      read('Later', { AWS: '444444444444' }, `${BUCKET_ARN}/*`, { Condition: { DateGreaterThan: { 'aws:CurrentTime': '2031-01-01T00:00:00Z' } } }),
      { Sid: 'Two', Effect: 'Allow', Principal: { AWS: '555555555555' }, Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `${BUCKET_ARN}/x/*` }])]));
    const found = await later.findNewAccess(before, { bucket: BUCKET }, 10);
    expect(found.map(request => [request.principal.replace(/:(role|user)\/.*$|:root$/, ''), request.action]).sort()).toEqual([
      ['arn:aws:iam::444444444444', 's3:GetObject'],
      ['arn:aws:iam::555555555555', 's3:DeleteObject'],
      ['arn:aws:iam::555555555555', 's3:PutObject'],
    ]);
    const timed = found.find(request => request.principal.includes('444444444444'))!;
    expect(Date.parse(String(timed.context['aws:CurrentTime']))).toBeGreaterThan(Date.parse('2031-01-01T00:00:00Z'));
  });
});
