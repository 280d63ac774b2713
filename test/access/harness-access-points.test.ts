/**
 * Unit tests of the harness's model of S3 access points, on hand-written templates: access
 * points read from templates and nested stacks, the request context through an access point,
 * the two legs of the evaluation (access point policy, then bucket policy), the workarounds for
 * what the simulator does not know, and the intent and sweep of requests through access points.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { parseAccessPointResource } from './access-point-arn';
import { requestContext } from './context';
import { intends, Reach } from './intent';
import { DeployEnvironment, physicalKeyId, TemplateResources } from './resolve';
import { dataRequests, evaluate, probeFor, s3Actions, s3Requests } from './sweep';
import {
  ACCESS_POINT_MANAGEMENT_ACTIONS, ALLOW_EVERYTHING, PolicyDocument, Principal, ResourceTarget, SimulatedRequest, simulatorDeemsPublic, World,
} from './world';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const OUTSIDER = '999999999999';
const REGION = 'eu-west-1';
const ENV: DeployEnvironment = { stackName: 'Owner', account: OWNER, region: REGION, partition: 'aws' };
const BUCKET = 'ap-bucket';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const KEY_ARN = `arn:aws:kms:${REGION}:${OWNER}:key/${physicalKeyId(ENV, 'Key')}`;
const ACCESS_POINT = `arn:aws:s3:${REGION}:${OWNER}:accesspoint/consumer-ap`;
const OUTSIDER_ACCESS_POINT = `arn:aws:s3:${REGION}:${OUTSIDER}:accesspoint/outsider-ap`;
const CONSUMER_ROLE = `arn:aws:iam::${CONSUMER}:role/Reader`;
const OUTSIDER_ROLE = `arn:aws:iam::${OUTSIDER}:role/Outsider`;
const OBJECT_THROUGH_ACCESS_POINT = `${ACCESS_POINT}/object/data/x.csv`;

function policy(...statements: any[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

const partition = { Ref: 'AWS::Partition' };
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

const DENY_PLAIN_HTTP = {
  Sid: 'DenyPlainHttp',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 's3:*',
  Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};

/** The delegation to the access points of `accounts` (no condition at all when undefined). */
function delegation(accounts?: string[]): any {
  return {
    Sid: 'DelegateToAccessPoints',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: ['s3:GetObject', 's3:ListBucket'],
    Resource: [join('arn:', partition, ':s3:::', { Ref: 'Bucket' }), join('arn:', partition, ':s3:::', { Ref: 'Bucket' }, '/*')],
    ...(accounts === undefined ? {} : { Condition: { StringEquals: { 's3:DataAccessPointAccount': accounts } } }),
  };
}

/** The consumer's grant on the access point, written the way CDK writes it (pseudo parameters, literals). */
function accessPointGrant(principal: unknown = { AWS: `arn:aws:iam::${CONSUMER}:root` }): PolicyDocument {
  const accessPoint = ['arn:', partition, ':s3:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':accesspoint/consumer-ap'];
  return policy(
    { Sid: 'Objects', Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: join(...accessPoint, '/object/data/*') },
    {
      Sid: 'List',
      Effect: 'Allow',
      Principal: principal,
      Action: 's3:ListBucket',
      Resource: join(...accessPoint),
      Condition: { StringLike: { 's3:prefix': 'data/*' } },
    },
  );
}

interface Fixture {
  readonly bucketPolicy?: PolicyDocument;
  readonly accessPointPolicy?: PolicyDocument;
  readonly consumerIdentity?: PolicyDocument;
}

/**
 * The owner's bucket (SSE-KMS, Block Public Access) and the consumer's access point in the
 * owner's account; an outsider's access point on the same bucket, allowing the outsider
 * everything; the consumer role allowed to read through its access point.
 */
function world(fixture: Fixture = {}): World {
  const resources: TemplateResources = {
    Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: 'kms:*', Resource: '*' }) } },
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: BUCKET,
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } }, BucketKeyEnabled: true }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      },
    },
    Policy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: { Bucket: { Ref: 'Bucket' }, PolicyDocument: fixture.bucketPolicy ?? policy(DENY_PLAIN_HTTP, delegation([OWNER])) },
    },
    AccessPoint: {
      Type: 'AWS::S3::AccessPoint',
      Properties: {
        Name: 'consumer-ap',
        Bucket: BUCKET,
        BucketAccountId: OWNER,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        Policy: fixture.accessPointPolicy ?? accessPointGrant(),
      },
    },
  };
  const result = new World().addTemplate({ Resources: resources }, ENV);
  result.addTemplate({
    Resources: {
      OutsiderAccessPoint: {
        Type: 'AWS::S3::AccessPoint',
        Properties: {
          Name: 'outsider-ap',
          Bucket: BUCKET,
          BucketAccountId: OWNER,
          Policy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OUTSIDER}:root` }, Action: 's3:*', Resource: join('arn:aws:s3:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':accesspoint/outsider-ap/object/*') }),
        },
      },
    },
  }, { stackName: 'Outsider', account: OUTSIDER, region: REGION, partition: 'aws' });
  result.addPrincipal(CONSUMER_ROLE, fixture.consumerIdentity ?? policy({ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [ACCESS_POINT, `${ACCESS_POINT}/object/*`] }));
  result.addPrincipal(OUTSIDER_ROLE, ALLOW_EVERYTHING);
  return result;
}

const get = (resource: string = OBJECT_THROUGH_ACCESS_POINT, principal: string = CONSUMER_ROLE, options: SimulatedRequest['options'] = {}): SimulatedRequest =>
  ({ principal, action: 's3:GetObject', resource, options });

describe('access points in the World', () => {
  test('reads an access point with its policy resolved, its bucket and Block Public Access', () => {
    const accessPoint = world().accessPoint(ACCESS_POINT);
    expect(accessPoint).toMatchObject({
      name: 'consumer-ap', account: OWNER, region: REGION, bucketName: BUCKET, bucketAccount: OWNER, networkOrigin: 'Internet', restrictPublicBuckets: true,
    });
    expect(accessPoint.policy?.Statement[0].Resource).toEqual(`${ACCESS_POINT}/object/data/*`);
    expect(JSON.stringify(accessPoint.policy)).not.toMatch(/Fn::|"Ref"/);
    expect(world().bucketOf(OBJECT_THROUGH_ACCESS_POINT).name).toEqual(BUCKET);
  });

  test('an access point without Name, BucketAccountId or Block Public Access settings gets the defaults AWS gives it', () => {
    const result = new World().addTemplate({
      Resources: {
        Bare: { Type: 'AWS::S3::AccessPoint', Properties: { Bucket: BUCKET } },
        Vpc: { Type: 'AWS::S3::AccessPoint', Properties: { Name: 'in-vpc', Bucket: BUCKET, VpcConfiguration: { VpcId: 'vpc-1' } } },
        Ref: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: BUCKET, PolicyDocument: policy({ Effect: 'Allow', Action: 's3:*', Resource: { 'Fn::GetAtt': ['Bare', 'Arn'] } }) } },
        Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: BUCKET } },
      },
    }, ENV);
    const bare = `arn:aws:s3:${REGION}:${OWNER}:accesspoint/owner-bare-generated`;
    expect(result.accessPoint(bare)).toMatchObject({ bucketAccount: OWNER, restrictPublicBuckets: true, networkOrigin: 'Internet' });
    expect(result.accessPoint(`arn:aws:s3:${REGION}:${OWNER}:accesspoint/in-vpc`).networkOrigin).toEqual('VPC');
    expect(result.bucket(BUCKET).policy?.Statement[0].Resource).toEqual(bare);
  });

  test('addStack reads the access points of nested stacks, at any depth, and refuses a nested stack alone', () => {
    const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
    new s3.Bucket(stack, 'Bucket', { bucketName: BUCKET });
    const nested = new NestedStack(stack, 'AccessPoints1');
    new s3.CfnAccessPoint(nested, 'First', { bucket: BUCKET, name: 'first', bucketAccountId: OWNER });
    const deeper = new NestedStack(nested, 'Deeper');
    new s3.CfnAccessPoint(deeper, 'Second', { bucket: BUCKET, name: 'second', policy: { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CONSUMER}:root` }, Action: 's3:GetObject', Resource: `arn:${stack.partition}:s3:${stack.region}:${stack.account}:accesspoint/second/object/*` }] } });
    const result = new World().addStack(stack);
    expect([...result.accessPoints.keys()].sort()).toEqual([
      `arn:aws:s3:${REGION}:${OWNER}:accesspoint/first`,
      `arn:aws:s3:${REGION}:${OWNER}:accesspoint/second`,
    ]);
    expect(result.accessPoint(`arn:aws:s3:${REGION}:${OWNER}:accesspoint/second`).policy?.Statement[0].Resource)
      .toEqual(`arn:aws:s3:${REGION}:${OWNER}:accesspoint/second/object/*`);
    expect(() => new World().addStack(nested)).toThrow(/Owner\/AccessPoints1 is a nested stack: add the top-level stack/);
  });

  test('refuses an access point whose bucket is not in the account it names', async () => {
    const result = world();
    result.addTemplate({ Resources: { Wrong: { Type: 'AWS::S3::AccessPoint', Properties: { Name: 'wrong', Bucket: BUCKET, BucketAccountId: CONSUMER } } } }, { ...ENV, stackName: 'Wrong' });
    await expect(result.simulate(get(`arn:aws:s3:${REGION}:${OWNER}:accesspoint/wrong/object/x`)))
      .rejects.toThrow(/names bucket ap-bucket of account 222222222222, but that bucket is in 111111111111/);
  });

  test.each<[string, ReturnType<typeof parseAccessPointResource>]>([
    [ACCESS_POINT, { accessPointArn: ACCESS_POINT }],
    [`${ACCESS_POINT}/object/data/x.csv`, { accessPointArn: ACCESS_POINT, objectKey: 'data/x.csv' }],
    [`${ACCESS_POINT}/object/a/object/b`, { accessPointArn: ACCESS_POINT, objectKey: 'a/object/b' }],
    [`${BUCKET_ARN}/accesspoint/x`, undefined],
    [BUCKET_ARN, undefined],
    [KEY_ARN, undefined],
  ])('parseAccessPointResource(%s)', (resource, expected) => {
    expect(parseAccessPointResource(resource)).toEqual(expected);
  });

  test('parseAccessPointResource refuses an access point ARN with anything but /object/ after the name', () => {
    expect(() => parseAccessPointResource(`${ACCESS_POINT}/data/x`)).toThrow(/goes on with \/object\/<key> or not at all/);
  });
});

describe('request context through an access point', () => {
  const consumer: Principal = { arn: CONSUMER_ROLE, account: CONSUMER, identityPolicies: [] };
  const accessPoint = world().accessPoint(ACCESS_POINT);
  const viaAccessPoint: ResourceTarget = { account: OWNER, region: REGION, restrictPublicBuckets: false, accessPoint };

  test.each([
    ['an object through the access point', 's3:GetObject', OBJECT_THROUGH_ACCESS_POINT, {}],
    ['listing through the access point', 's3:ListBucket', ACCESS_POINT, { listPrefix: 'data/' }],
    ['the object behind the access point (bucket leg)', 's3:GetObject', `${BUCKET_ARN}/data/x.csv`, {}],
    ['the bucket behind the access point (bucket leg)', 's3:ListBucket', BUCKET_ARN, { listPrefix: 'data/' }],
  ])('%s carries the access point keys', async (_name, action, resource, options) => {
    const context = await requestContext(new World(), consumer, action, resource, viaAccessPoint, options);
    expect(context).toMatchObject({
      's3:DataAccessPointAccount': OWNER,
      's3:DataAccessPointArn': ACCESS_POINT,
      's3:AccessPointNetworkOrigin': 'Internet',
      'aws:ResourceAccount': OWNER,
      'aws:SecureTransport': 'true',
    });
  });

  test('a request straight to the bucket carries none of them', async () => {
    const context = await requestContext(new World(), consumer, 's3:GetObject', `${BUCKET_ARN}/data/x.csv`, { account: OWNER, region: REGION, restrictPublicBuckets: true }, {});
    expect(Object.keys(context).filter(key => /AccessPoint/i.test(key))).toEqual([]);
  });

  test('the simulator recognises them on access point resources, for every action a grant uses', async () => {
    const response = await runSimulation({
      request: {
        principal: CONSUMER_ROLE,
        action: 's3:ListBucket',
        resource: { resource: ACCESS_POINT, accountId: OWNER },
        contextVariables: await requestContext(new World(), consumer, 's3:ListBucket', ACCESS_POINT, viaAccessPoint, { listPrefix: 'data/' }),
      },
      identityPolicies: [],
      resourcePolicy: accessPoint.policy,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    expect(response.resultType === 'single' && response.result.ignoredContextKeys).toEqual([]);
    const actions = ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'];
    // The bucket delegates every one of them, so that both legs are evaluated and allow.
    const bucketPolicy = policy(DENY_PLAIN_HTTP, { ...delegation([OWNER]), Action: actions });
    const decisions: Array<[string, boolean, string]> = [];
    for (const action of actions) {
      const result = world({ bucketPolicy, accessPointPolicy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CONSUMER}:root` }, Action: action, Resource: `${ACCESS_POINT}/object/*` }) });
      // World.simulate throws on any ignored key, in either leg.
      const decision = await result.simulate({ principal: CONSUMER_ROLE, action, resource: OBJECT_THROUGH_ACCESS_POINT }, [ALLOW_EVERYTHING]);
      decisions.push([action, decision.allowed, decision.result]);
    }
    expect(decisions).toEqual(actions.map(action => [action, true, 'Allowed']));
  });
});

describe('simulator workarounds for access points', () => {
  const grantToConsumer = { Sid: 'Consumer', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CONSUMER}:root` }, Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` };
  const delegating = { Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*`, Condition: { StringEquals: { 's3:DataAccessPointAccount': OWNER } } };

  // CANARY: when this fails, iam-simulate evaluates s3:DataAccessPointAccount on buckets: remove
  // BUCKET_REQUEST_KEY_ALIASES in world.ts (and check the next canary).
  test('iam-simulate still ignores s3:DataAccessPointAccount on an object request (remove the alias once this fails)', async () => {
    const response = await runSimulation({
      request: {
        principal: CONSUMER_ROLE,
        action: 's3:GetObject',
        resource: { resource: `${BUCKET_ARN}/data/x.csv`, accountId: OWNER },
        contextVariables: { 's3:DataAccessPointAccount': OWNER, 's3:DataAccessPointArn': ACCESS_POINT, 's3:AccessPointNetworkOrigin': 'Internet' },
      },
      identityPolicies: [{ name: 'all', policy: ALLOW_EVERYTHING }],
      resourcePolicy: policy(delegating),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    expect(response.resultType === 'single' && [...response.result.ignoredContextKeys ?? []].sort())
      .toEqual(['s3:AccessPointNetworkOrigin', 's3:DataAccessPointAccount', 's3:DataAccessPointArn']);
  });

  // CANARY: when this fails, the simulator's Block Public Access classifier knows the access point
  // keys; the aliases need no longer be keys it counts as limiting.
  test('iam-simulate still deems public a wildcard statement limited by s3:DataAccessPointAccount (AWS does not)', async () => {
    const response = await runSimulation({
      request: { principal: CONSUMER_ROLE, action: 's3:GetObject', resource: { resource: `${BUCKET_ARN}/data/x.csv`, accountId: OWNER }, contextVariables: {} },
      identityPolicies: [{ name: 'all', policy: ALLOW_EVERYTHING }],
      resourcePolicy: policy(grantToConsumer, delegating),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      additionalSettings: { s3: { blockPublicAccess: true } },
    }, {});
    expect(response.resultType === 'single' && response.overallResult).toEqual('ExplicitlyDenied');
  });

  const { Condition: _none, ...unconditional } = delegating;
  test.each<[string, boolean, any]>([
    ['a grant to one account', false, grantToConsumer],
    ['a delegation to the access points of one account', false, delegating],
    ['a delegation to the access point ARNs of one account', false, { ...delegating, Condition: { ArnEquals: { 's3:DataAccessPointArn': ACCESS_POINT } } }],
    ['a wildcard principal without condition', true, unconditional],
    ['a delegation to the access points of any account', true, { ...delegating, Condition: { StringLike: { 's3:DataAccessPointAccount': '*' } } }],
    ['a wildcard principal limited by the caller\'s organization', false, { ...delegating, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } }],
  ])('through the aliases, Block Public Access classifies %s: public %s', async (_name, expected, statement) => {
    expect(await simulatorDeemsPublic(policy(statement))).toBe(expected);
  });

  test('a policy that uses an alias key itself is refused, not conflated', async () => {
    const result = world({ bucketPolicy: policy({ ...grantToConsumer, Condition: { StringEquals: { 'aws:VpceAccount': OWNER } } }) });
    await expect(result.simulate(get(`${BUCKET_ARN}/data/x.csv`), [ALLOW_EVERYTHING])).rejects.toThrow(/uses aws:VpceAccount, which the harness uses as an alias/);
  });
});

describe('a request through an access point: both legs must allow', () => {
  test('the access point policy and the delegating bucket policy allow: allowed, and only through the access point', async () => {
    const result = world();
    expect((await result.simulate(get())).allowed).toBe(true);
    expect((await result.simulate({ principal: CONSUMER_ROLE, action: 's3:ListBucket', resource: ACCESS_POINT, options: { listPrefix: 'data/' } })).allowed).toBe(true);
    expect((await result.simulate({ principal: CONSUMER_ROLE, action: 's3:ListBucket', resource: ACCESS_POINT, options: { listPrefix: 'other/' } })).allowed).toBe(false);
    // Straight to the bucket, the delegation does not apply: no access point keys.
    expect((await result.simulate(get(`${BUCKET_ARN}/data/x.csv`), [ALLOW_EVERYTHING])).allowed).toBe(false);
    // Outside the access point policy's prefix.
    expect((await result.simulate(get(`${ACCESS_POINT}/object/other/x.csv`), [ALLOW_EVERYTHING])).allowed).toBe(false);
  });

  test('BROKEN bucket leg: the access point policy allows, but the bucket policy does not delegate: denied by the bucket leg', async () => {
    const result = world({ bucketPolicy: policy(DENY_PLAIN_HTTP) });
    const decision = await result.simulate(get());
    expect(decision.allowed).toBe(false);
    expect(decision.explain()).toMatch(/bucket leg \(arn:aws:s3:::ap-bucket\/data\/x\.csv\)/);
  });

  test('BROKEN access point leg: the bucket delegates, but the access point policy does not allow: denied by the access point leg', async () => {
    const result = world({ accessPointPolicy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CONSUMER}:root` }, Action: 's3:PutObject', Resource: `${ACCESS_POINT}/object/*` }) });
    const decision = await result.simulate(get(), [ALLOW_EVERYTHING]);
    expect(decision.allowed).toBe(false);
    expect(decision.explain()).toMatch(/^access point leg: /);
    expect(decision.explain()).not.toMatch(/bucket leg/);
  });

  test('a delegation to the access points of another account does not serve this one', async () => {
    expect((await world({ bucketPolicy: policy(delegation([CONSUMER])) }).simulate(get())).allowed).toBe(false);
  });

  test('the caller\'s own identity policy must allow the access point resource (across accounts)', async () => {
    const bucketArnOnly = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` });
    expect((await world({ consumerIdentity: bucketArnOnly }).simulate(get())).allowed).toBe(false);
  });

  test('an explicit deny of the bucket policy denies through the access point', async () => {
    const decision = await world().simulate(get(OBJECT_THROUGH_ACCESS_POINT, CONSUMER_ROLE, { secureTransport: false }));
    expect(decision).toMatchObject({ allowed: false, result: 'ExplicitlyDenied' });
  });

  test('another account\'s access point on the bucket: the delegation to the owner\'s access points keeps it out', async () => {
    const outsiderRead = get(`${OUTSIDER_ACCESS_POINT}/object/data/x.csv`, OUTSIDER_ROLE);
    expect((await world().simulate(outsiderRead)).allowed).toBe(false);
    // Delegating without condition makes the bucket policy public: RestrictPublicBuckets keeps
    // other accounts out of the bucket, but spares the account that owns the access point.
    const delegatesToAll = world({ bucketPolicy: policy(DENY_PLAIN_HTTP, delegation()) });
    expect((await delegatesToAll.simulate(outsiderRead)).allowed).toBe(true);
    expect((await delegatesToAll.simulate(get(`${BUCKET_ARN}/data/x.csv`, OUTSIDER_ROLE))).allowed).toBe(false);
    expect((await world({ bucketPolicy: policy(DENY_PLAIN_HTTP, delegation([OWNER, OUTSIDER])) }).simulate(outsiderRead)).allowed).toBe(true);
  });

  test('a public access point policy serves only its own account (RestrictPublicBuckets of the access point)', async () => {
    const decision = await world({ accessPointPolicy: accessPointGrant({ AWS: '*' }) }).simulate(get());
    expect(decision.allowed).toBe(false);
    expect(decision.explain()).toMatch(/Block Public Access .* policy of arn:aws:s3:eu-west-1:111111111111:accesspoint\/consumer-ap is public/);
  });

  test('managing the access point itself is decided by the access point policy, not the bucket policy', async () => {
    const managing = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CONSUMER}:root` }, Action: 's3:PutAccessPointPolicy', Resource: ACCESS_POINT });
    const put = { principal: CONSUMER_ROLE, action: 's3:PutAccessPointPolicy', resource: ACCESS_POINT };
    const withoutDelegation = world({ accessPointPolicy: managing, bucketPolicy: policy(DENY_PLAIN_HTTP) });
    expect((await withoutDelegation.simulate(put, [ALLOW_EVERYTHING])).allowed).toBe(true);
    expect((await world().simulate(put, [ALLOW_EVERYTHING])).allowed).toBe(false);
  });
});

describe('intent through an access point', () => {
  const reach = (overrides: Partial<Reach> = {}): Reach => ({
    bucketArn: BUCKET_ARN,
    prefix: 'data/',
    level: 'read',
    allowDelete: false,
    keyArn: KEY_ARN,
    region: REGION,
    minimumTlsVersion: 1.2,
    accessPointArn: ACCESS_POINT,
    keyScope: 'bucket',
    ...overrides,
  });
  const request = (action: string, resource: string, options: SimulatedRequest['options'] = {}): SimulatedRequest =>
    ({ principal: CONSUMER_ROLE, action, resource, options });
  const viaS3 = `s3.${REGION}.amazonaws.com`;

  test.each<[string, Partial<Reach>, SimulatedRequest, boolean]>([
    ['a read in the prefix, through the access point', {}, request('s3:GetObject', `${ACCESS_POINT}/object/data/x`), true],
    ['the same read straight to the bucket', {}, request('s3:GetObject', `${BUCKET_ARN}/data/x`), false],
    ['the same read through another access point', {}, request('s3:GetObject', `${OUTSIDER_ACCESS_POINT}/object/data/x`), false],
    ['a read outside the prefix, through the access point', {}, request('s3:GetObject', `${ACCESS_POINT}/object/data-archive/x`), false],
    ['a read over TLS 1.1, through the access point', {}, request('s3:GetObject', `${ACCESS_POINT}/object/data/x`, { tlsVersion: '1.1' }), false],
    ['a list of the prefix, through the access point', {}, request('s3:ListBucket', ACCESS_POINT, { listPrefix: 'data/' }), true],
    ['a list of the prefix, straight to the bucket', {}, request('s3:ListBucket', BUCKET_ARN, { listPrefix: 'data/' }), false],
    ['a list without a prefix, through the access point', {}, request('s3:ListBucket', ACCESS_POINT), false],
    ['managing the access point', {}, request('s3:PutAccessPointPolicy', ACCESS_POINT), false],
    ['a write with another key, through the access point', { level: 'write' }, request('s3:PutObject', `${ACCESS_POINT}/object/data/x`, { sseAlgorithm: 'aws:kms', sseKeyId: `${KEY_ARN}0` }), false],
    ['a write with the bucket key, through the access point', { level: 'write' }, request('s3:PutObject', `${ACCESS_POINT}/object/data/x`, { sseAlgorithm: 'aws:kms', sseKeyId: KEY_ARN }), true],
    ['Decrypt for an object outside the prefix, key scope bucket', {}, request('kms:Decrypt', KEY_ARN, { viaService: viaS3, encryptionContextArn: `${BUCKET_ARN}/other/x` }), true],
    ['Decrypt for an object outside the prefix, key scope prefix', { keyScope: 'prefix' }, request('kms:Decrypt', KEY_ARN, { viaService: viaS3, encryptionContextArn: `${BUCKET_ARN}/other/x` }), false],
    ['Decrypt for a look-alike bucket, key scope bucket', {}, request('kms:Decrypt', KEY_ARN, { viaService: viaS3, encryptionContextArn: `${BUCKET_ARN}-other/x` }), false],
    ['Decrypt called directly, key scope bucket', {}, request('kms:Decrypt', KEY_ARN, { encryptionContextArn: BUCKET_ARN }), false],
  ])('intends: %s', (_name, overrides, probe, expected) => {
    expect(intends([reach(overrides)], probe)).toBe(expected);
  });
});

describe('sweeps through access points', () => {
  test('s3Requests goes through each access point (listing on its ARN, objects under /object/) and, unless told not to, straight to the bucket', async () => {
    const result = world();
    const probe = { ...probeFor(BUCKET, ['data/'], true), accessPointArns: [ACCESS_POINT, OUTSIDER_ACCESS_POINT] };
    const requests = await s3Requests(result, CONSUMER_ROLE, probe);
    const resources = new Set(requests.map(request => request.resource));
    for (const base of [BUCKET_ARN, ACCESS_POINT, OUTSIDER_ACCESS_POINT]) {
      expect(resources).toContain(base);
    }
    expect(resources).toContain(`${ACCESS_POINT}/object/data/report.csv`);
    expect(resources).toContain(`${BUCKET_ARN}/data/report.csv`);
    expect(requests.filter(request => request.resource === ACCESS_POINT).map(request => request.options?.listPrefix)).toContain('data/');

    const throughOnly = await s3Requests(result, CONSUMER_ROLE, { ...probe, direct: false });
    expect(throughOnly.filter(request => request.resource.startsWith(BUCKET_ARN))).toEqual([]);
    expect(throughOnly.length).toBe(requests.length * 2 / 3);
  });

  test('the full catalogue through an access point includes managing it', async () => {
    const requests = await s3Requests(world(), CONSUMER_ROLE, { ...probeFor(BUCKET, ['data/']), accessPointArns: [ACCESS_POINT], direct: false });
    const onAccessPoint = new Set(requests.filter(request => request.resource === ACCESS_POINT).map(request => request.action));
    expect([...onAccessPoint]).toEqual(expect.arrayContaining(['s3:ListBucket', 's3:ListBucketVersions', 's3:PutAccessPointPolicy', 's3:DeleteAccessPoint']));
  });

  test('ACCESS_POINT_MANAGEMENT_ACTIONS are the catalogue\'s actions on access points but not buckets, and tagging', async () => {
    const onAccessPointsOnly = (await s3Actions()).filter(action => action.onAccessPoint && !action.onBucket).map(action => action.action);
    expect([...ACCESS_POINT_MANAGEMENT_ACTIONS].sort()).toEqual([...onAccessPointsOnly, 's3:TagResource', 's3:UntagResource', 's3:ListTagsForResource'].sort());
  });

  test('s3Requests refuses an access point of another bucket', async () => {
    const result = world();
    result.addTemplate({ Resources: { Other: { Type: 'AWS::S3::AccessPoint', Properties: { Name: 'other', Bucket: 'other-bucket' } } } }, { ...ENV, stackName: 'Other' });
    await expect(s3Requests(result, CONSUMER_ROLE, { ...probeFor(BUCKET, []), accessPointArns: [`arn:aws:s3:${REGION}:${OWNER}:accesspoint/other`] }))
      .rejects.toThrow(/does not serve bucket ap-bucket/);
  });

  test('a data request through an access point needs the KMS decision for the object behind it', async () => {
    const result = world();
    const request = get();
    const s3Outcomes = await evaluate(result, [request], () => true);
    expect(s3Outcomes[0].allowed).toBe(true);
    const data = await dataRequests(result, s3Outcomes, [], () => true);
    expect(data).toHaveLength(1);
    expect(data[0].request.action).toEqual('s3:GetObject+kms:Decrypt');
    // The fixture's key policy allows only the owner account: the consumer cannot decrypt.
    expect(data[0].allowed).toBe(false);
    expect(data[0].explain()).toMatch(/kms:Decrypt: denied/);
  });
});
