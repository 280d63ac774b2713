/**
 * Unit tests of the access-proof harness itself: the intrinsic resolver, the World read from a
 * template, the request context, the simulator workaround and the intent functions. The proofs
 * are only as good as these; each case here is one the harness could plausibly get wrong.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PROOF_TIME, requestContext } from './context';
import { intends, Reach, TrustIntent, trustIntends } from './intent';
import { DeployEnvironment, physicalKeyId, TemplateResolver, TemplateResources } from './resolve';
import { deployedKeyArn, PolicyDocument, Principal, ResourceTarget, SimulatedRequest, World } from './world';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const REGION = 'eu-west-1';
const ENV: DeployEnvironment = { stackName: 'Owner', account: OWNER, region: REGION, partition: 'aws' };
const OWNER_ROOT = `arn:aws:iam::${OWNER}:root`;
const OWNER_ROLE = `arn:aws:iam::${OWNER}:role/OwnerReader`;
const CONSUMER_ROLE = `arn:aws:iam::${CONSUMER}:role/ConsumerReader`;
const BUCKET_ARN = 'arn:aws:s3:::data-bucket';
const KEY_ARN = `arn:aws:kms:${REGION}:${OWNER}:key/${physicalKeyId(ENV, 'Key')}`;
const VIA_S3 = `s3.${REGION}.amazonaws.com`;

function policy(...statements: any[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

function allow(action: string, resource: string, principal?: string | string[]): any {
  return { Effect: 'Allow', Action: action, Resource: resource, ...(principal === undefined ? {} : { Principal: { AWS: principal } }) };
}

describe('TemplateResolver', () => {
  const resources: TemplateResources = {
    Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'data-bucket' } },
    Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'Reader' } },
    TeamRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'Lead', Path: '/teams/' } },
    Key: { Type: 'AWS::KMS::Key', Properties: {} },
    Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
  };
  const resolver = new TemplateResolver(ENV, resources);
  const keyId = physicalKeyId(ENV, 'Key');

  test('physicalKeyId is a UUID-shaped id, distinct per logical id and per account', () => {
    expect(keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(physicalKeyId(ENV, 'OtherKey')).not.toEqual(keyId);
    expect(physicalKeyId({ ...ENV, account: CONSUMER }, 'Key')).not.toEqual(keyId);
  });

  test.each<[string, unknown, string]>([
    ['Ref AWS::Partition', { Ref: 'AWS::Partition' }, 'aws'],
    ['Ref AWS::AccountId', { Ref: 'AWS::AccountId' }, OWNER],
    ['Ref AWS::Region', { Ref: 'AWS::Region' }, REGION],
    ['Ref AWS::URLSuffix', { Ref: 'AWS::URLSuffix' }, 'amazonaws.com'],
    ['Ref AWS::StackName', { Ref: 'AWS::StackName' }, 'Owner'],
    ['Ref to a named bucket', { Ref: 'Bucket' }, 'data-bucket'],
    ['Ref to a named role', { Ref: 'Role' }, 'Reader'],
    ['Ref to a key', { Ref: 'Key' }, keyId],
    ['Fn::Join', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket' }, '/*']] }, `${BUCKET_ARN}/*`],
    ['Fn::GetAtt bucket Arn', { 'Fn::GetAtt': ['Bucket', 'Arn'] }, BUCKET_ARN],
    ['Fn::GetAtt role Arn (string form)', { 'Fn::GetAtt': 'Role.Arn' }, `arn:aws:iam::${OWNER}:role/Reader`],
    ['Fn::GetAtt role Arn with a path', { 'Fn::GetAtt': ['TeamRole', 'Arn'] }, `arn:aws:iam::${OWNER}:role/teams/Lead`],
    ['Fn::GetAtt key Arn', { 'Fn::GetAtt': 'Key.Arn' }, KEY_ARN],
    ['Fn::Sub pseudo parameter and Ref', { 'Fn::Sub': '${Bucket}-${AWS::Region}' }, `data-bucket-${REGION}`],
    ['Fn::Sub attribute', { 'Fn::Sub': '${Bucket.Arn}/data/*' }, `${BUCKET_ARN}/data/*`],
    ['Fn::Sub variables map', { 'Fn::Sub': ['${Name}@${AWS::AccountId}', { Name: { Ref: 'Role' } }] }, `Reader@${OWNER}`],
    ['Fn::Sub literal', { 'Fn::Sub': '${!Literal}/${AWS::Region}' }, `\${Literal}/${REGION}`],
  ])('resolves %s', (_name, value, expected) => {
    expect(resolver.resolve(value, 'Test')).toEqual(expected);
  });

  test('resolves intrinsics nested in a policy document and leaves other values alone', () => {
    expect(resolver.resolve({ Statement: [{ Effect: 'Allow', Resource: [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '*'], Condition: { Bool: { flag: true } } }] }, 'Doc'))
      .toEqual({ Statement: [{ Effect: 'Allow', Resource: [BUCKET_ARN, '*'], Condition: { Bool: { flag: true } } }] });
  });

  test.each<[string, unknown, RegExp]>([
    ['Fn::ImportValue', { 'Fn::ImportValue': 'SharedArn' }, /Test: cannot resolve Fn::ImportValue "SharedArn"/],
    ['Fn::If', { 'Fn::If': ['IsProd', 'a', 'b'] }, /cannot resolve Fn::If/],
    ['a non-Arn attribute', { 'Fn::GetAtt': 'Role.RoleId' }, /Fn::GetAtt Role\.RoleId \(only Arn/],
    ['a non-Arn attribute in Fn::Sub', { 'Fn::Sub': '${Bucket.DomainName}' }, /Bucket\.DomainName/],
    ['Ref to a missing resource', { Ref: 'Missing' }, /Ref Missing: no such resource in stack Owner/],
    ['an unknown pseudo parameter', { Ref: 'AWS::NotificationARNs' }, /pseudo parameter AWS::NotificationARNs/],
    ['Ref to an unmodelled type', { Ref: 'Topic' }, /Ref Topic.*AWS::SNS::Topic/],
    ['Arn of an unmodelled type', { 'Fn::GetAtt': ['Topic', 'Arn'] }, /Topic\.Arn.*AWS::SNS::Topic/],
    ['an intrinsic beside another key', { Ref: 'Bucket', Extra: 'x' }, /Test: an intrinsic must be alone.*Ref, Extra/],
    ['Fn::Join of a non-string', { 'Fn::Join': ['', ['a', 42]] }, /Test\.Fn::Join\[1\]: expected a string, got 42/],
  ])('fails loudly on %s', (_name, value, message) => {
    expect(() => resolver.resolve(value, 'Test')).toThrow(message);
  });
});

describe('World.addStack', () => {
  interface Owner { readonly stack: Stack; readonly key: kms.Key; readonly role: iam.Role }

  function ownerStack(): Owner {
    const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Bucket', {
      bucketName: 'owner-data', encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true,
    });
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'], principals: [new iam.AccountPrincipal(CONSUMER)], resources: [bucket.arnForObjects('shared/*')],
    }));
    const object = (action: string) => new iam.PolicyStatement({ actions: [action], resources: [bucket.arnForObjects('*')] });
    const role = new iam.Role(stack, 'Reader', {
      roleName: 'Reader',
      assumedBy: new iam.AccountPrincipal(CONSUMER),
      inlinePolicies: { Inline: new iam.PolicyDocument({ statements: [object('s3:GetObject')] }) },
    });
    new iam.Policy(stack, 'Attached', { policyName: 'attached', roles: [role], statements: [object('s3:PutObject')] });
    role.addManagedPolicy(new iam.ManagedPolicy(stack, 'Managed', { managedPolicyName: 'owner-managed', statements: [object('s3:DeleteObject')] }));
    return { stack, key, role };
  }

  test('reads buckets, keys and roles with every intrinsic resolved', () => {
    const { stack, key } = ownerStack();
    const world = new World().addStack(stack);
    const keyArn = `arn:aws:kms:${REGION}:${OWNER}:key/${physicalKeyId(ENV, stack.getLogicalId(key.node.defaultChild as kms.CfnKey))}`;

    expect([...world.buckets.keys()]).toEqual(['owner-data']);
    expect(world.bucket('owner-data')).toMatchObject({
      arn: 'arn:aws:s3:::owner-data', account: OWNER, region: REGION, keyArn, bucketKeyEnabled: true,
    });
    expect(world.bucket('owner-data').policy?.Statement).toContainEqual(expect.objectContaining({
      Action: 's3:GetObject', Principal: { AWS: `arn:aws:iam::${CONSUMER}:root` }, Resource: 'arn:aws:s3:::owner-data/shared/*',
    }));
    expect(world.key(keyArn).policy.Statement).toContainEqual(expect.objectContaining({ Principal: { AWS: OWNER_ROOT } }));

    const reader = world.principal(`arn:aws:iam::${OWNER}:role/Reader`);
    expect(reader.account).toEqual(OWNER);
    expect(reader.trustPolicy?.Statement).toContainEqual(expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${CONSUMER}:root` } }));
    expect(reader.identityPolicies.map(named => named.name).sort())
      .toEqual(['Inline', 'arn:aws:iam::111111111111:policy/owner-managed', 'attached']);
    expect(reader.identityPolicies.map(named => named.policy.Statement[0].Action).sort())
      .toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);

    const everything = JSON.stringify([...world.buckets.values(), ...world.keys.values(), ...world.principals.values()]);
    expect(everything).not.toContain('Fn::');
    expect(everything).not.toContain('"Ref"');
  });

  test('deployedKeyArn gives the ARN the bucket is encrypted with', () => {
    const { stack, key } = ownerStack();
    const world = new World().addStack(stack);
    expect(world.bucket('owner-data').keyArn).toEqual(deployedKeyArn(key));
    expect(world.keys.has(deployedKeyArn(key))).toBe(true);
  });

  test('refuses an AWS managed policy, whose document it does not know', () => {
    const { stack, role } = ownerStack();
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess'));
    expect(() => new World().addStack(stack)).toThrow(/arn:aws:iam::aws:policy\/ReadOnlyAccess is not defined in the template, so its document is unknown/);
  });

  test('attaches a policy to a role with a path, and a managed policy through its own Roles', () => {
    const { stack } = ownerStack();
    const lead = new iam.Role(stack, 'Lead', { roleName: 'Lead', path: '/teams/', assumedBy: new iam.AccountPrincipal(CONSUMER) });
    const statements = [new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::owner-data'] })];
    new iam.Policy(stack, 'LeadPolicy', { policyName: 'lead', roles: [lead], statements });
    new iam.ManagedPolicy(stack, 'LeadManaged', { managedPolicyName: 'lead-managed', roles: [lead], statements });
    const world = new World().addStack(stack);
    expect(world.principals.has(`arn:aws:iam::${OWNER}:role/Lead`)).toBe(false);
    expect(world.principal(`arn:aws:iam::${OWNER}:role/teams/Lead`).identityPolicies.map(named => named.name).sort())
      .toEqual(['arn:aws:iam::111111111111:policy/lead-managed', 'lead']);
  });

  test('refuses policies attached to users or groups', () => {
    const { stack } = ownerStack();
    new iam.ManagedPolicy(stack, 'UserManaged', {
      users: [new iam.User(stack, 'User')],
      statements: [new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: ['*'] })],
    });
    expect(() => new World().addStack(stack)).toThrow(/UserManaged\w*: policies attached to users or groups are not modelled/);
  });

  test('refuses a stack without an explicit account and region', () => {
    const stack = new Stack(new App(), 'Anywhere');
    new s3.Bucket(stack, 'Bucket');
    expect(() => new World().addStack(stack)).toThrow(/Stack Anywhere needs an explicit account and region/);
  });
});

describe('requestContext', () => {
  const consumer: Principal = { arn: CONSUMER_ROLE, account: CONSUMER, identityPolicies: [] };
  const inOwner: ResourceTarget = { account: OWNER, region: REGION, restrictPublicBuckets: false };

  test('a list request over HTTPS carries the prefix, TLS version and principal and resource keys', async () => {
    const context = await requestContext(new World(), consumer, 's3:ListBucket', BUCKET_ARN, inOwner, { listPrefix: 'data/' });
    expect(context).toMatchObject({
      's3:prefix': 'data/',
      's3:TlsVersion': '1.3',
      'aws:SecureTransport': 'true',
      'aws:PrincipalArn': CONSUMER_ROLE,
      'aws:PrincipalAccount': CONSUMER,
      'aws:ResourceAccount': OWNER,
      'aws:MultiFactorAuthPresent': 'false',
    });
    expect(context).not.toHaveProperty(['aws:PrincipalOrgID']);
    expect(context).not.toHaveProperty(['kms:CallerAccount']);
  });

  test('aws:PrincipalOrgID is set only for an account in an organization', async () => {
    const world = new World({ organizations: { [CONSUMER]: 'o-harness123' } });
    const member = await requestContext(world, consumer, 's3:ListBucket', BUCKET_ARN, inOwner, {});
    expect(member).toHaveProperty(['aws:PrincipalOrgID'], 'o-harness123');
    const owner: Principal = { arn: OWNER_ROLE, account: OWNER, identityPolicies: [] };
    expect(await requestContext(world, owner, 's3:ListBucket', BUCKET_ARN, inOwner, {})).not.toHaveProperty(['aws:PrincipalOrgID']);
  });

  test('plain HTTP has no TLS version', async () => {
    const context = await requestContext(new World(), consumer, 's3:GetObject', `${BUCKET_ARN}/data/x`, inOwner, { secureTransport: false });
    expect(context).toHaveProperty(['aws:SecureTransport'], 'false');
    expect(context).not.toHaveProperty(['s3:TlsVersion']);
  });

  test('a KMS request through S3 carries the service, caller account and encryption context', async () => {
    const context = await requestContext(new World(), consumer, 'kms:Decrypt', KEY_ARN, inOwner, {
      viaService: VIA_S3, encryptionContextArn: `${BUCKET_ARN}/data/x`,
    });
    expect(context).toMatchObject({
      'kms:ViaService': VIA_S3,
      'kms:CallerAccount': CONSUMER,
      'kms:EncryptionContext:aws:s3:arn': `${BUCKET_ARN}/data/x`,
      'aws:ViaAWSService': 'true',
    });
    expect(context).not.toHaveProperty(['s3:TlsVersion']);
  });

  test('AssumeRole carries the external id', async () => {
    const context = await requestContext(new World(), consumer, 'sts:AssumeRole', OWNER_ROLE, inOwner, { externalId: 'ext-1', mfa: true });
    expect(context).toMatchObject({ 'sts:ExternalId': 'ext-1', 'aws:MultiFactorAuthPresent': 'true' });
  });

  test('every request carries aws:CurrentTime: PROOF_TIME, or the time it states', async () => {
    for (const [action, resource] of [['s3:GetObject', `${BUCKET_ARN}/data/x`], ['kms:Decrypt', KEY_ARN], ['sts:AssumeRole', OWNER_ROLE]]) {
      expect(await requestContext(new World(), consumer, action, resource, inOwner, {})).toHaveProperty(['aws:CurrentTime'], PROOF_TIME);
      expect(await requestContext(new World(), consumer, action, resource, inOwner, { currentTime: '2030-01-01T00:00:00Z' }))
        .toHaveProperty(['aws:CurrentTime'], '2030-01-01T00:00:00Z');
    }
  });

  test('refuses a key the action does not carry', async () => {
    await expect(requestContext(new World(), consumer, 's3:GetObject', `${BUCKET_ARN}/data/x`, inOwner, { listPrefix: 'data/' }))
      .rejects.toThrow(/s3:GetObject on arn:aws:s3:::data-bucket\/data\/x does not carry s3:prefix/);
  });
});

/** A world with the owner's bucket and key as given, and an owner and a consumer role with no policies. */
function ownerWorld(bucketPolicy?: PolicyDocument, keyPolicy: PolicyDocument = policy(allow('kms:*', '*', `arn:aws:iam::${OWNER}:role/KeyAdmin`))): World {
  const resources: TemplateResources = {
    Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'data-bucket' } },
    Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: keyPolicy } },
    ...(bucketPolicy === undefined ? {} : { Policy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'Bucket' }, PolicyDocument: bucketPolicy } } }),
  };
  const world = new World().addTemplate({ Resources: resources }, ENV);
  world.addPrincipal(OWNER_ROLE);
  world.addPrincipal(CONSUMER_ROLE);
  return world;
}

describe('simulator key alias for kms:EncryptionContext:aws:s3:arn', () => {
  // CANARY: when this fails, iam-simulate evaluates the real key: remove its entry from SIMULATOR_KEY_ALIASES in world.ts.
  test('iam-simulate still ignores kms:EncryptionContext:aws:s3:arn (remove the alias once this fails)', async () => {
    const response = await runSimulation({
      request: {
        principal: OWNER_ROLE,
        action: 'kms:Decrypt',
        resource: { resource: KEY_ARN, accountId: OWNER },
        contextVariables: { 'kms:EncryptionContext:aws:s3:arn': `${BUCKET_ARN}/data/x` },
      },
      identityPolicies: [],
      resourcePolicy: policy(allow('kms:Decrypt', '*', OWNER_ROLE)),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    expect(response.resultType).toEqual('single');
    expect(response.resultType === 'single' && response.result.ignoredContextKeys).toContain('kms:EncryptionContext:aws:s3:arn');
  });

  test('through the alias, a key policy conditioned on the encryption context matches it', async () => {
    const conditioned = { ...allow('kms:Decrypt', '*', OWNER_ROLE), Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': `${BUCKET_ARN}/data/*` } } };
    const world = ownerWorld(undefined, policy(conditioned));
    const decrypt = (encryptionContextArn?: string) =>
      world.simulate({ principal: OWNER_ROLE, action: 'kms:Decrypt', resource: KEY_ARN, options: { viaService: VIA_S3, encryptionContextArn } });
    expect((await decrypt(`${BUCKET_ARN}/data/x.csv`)).allowed).toBe(true);
    expect((await decrypt(`${BUCKET_ARN}/other/x.csv`)).allowed).toBe(false);
    expect((await decrypt(undefined)).allowed).toBe(false);
    // The deployed policy keeps the real key name; only the simulator sees the alias.
    expect(world.key(KEY_ARN).policy.Statement[0].Condition.StringLike).toHaveProperty(['kms:EncryptionContext:aws:s3:arn']);
  });
});

describe('cross-account evaluation', () => {
  const OBJECT = `${BUCKET_ARN}/data/x.csv`;
  const getObject = policy(allow('s3:GetObject', `${BUCKET_ARN}/*`));
  const decrypt = policy(allow('kms:Decrypt', '*'));

  // [identity policy allows, resource policy allows, allowed for the consumer, allowed for the owner's role]
  test.each([
    [true, true, true, true],
    [true, false, false, true],
    [false, true, false, true],
    [false, false, false, false],
  ])('S3: identity %s, bucket policy %s: cross-account %s, same account %s', async (identity, resource, crossAccount, sameAccount) => {
    const world = ownerWorld(resource
      ? policy(allow('s3:GetObject', `${BUCKET_ARN}/*`, [CONSUMER_ROLE, OWNER_ROLE]))
      : policy(allow('s3:GetObject', `${BUCKET_ARN}/*`, `arn:aws:iam::${OWNER}:role/Somebody`)));
    const get = (principal: string) => world.simulate({ principal, action: 's3:GetObject', resource: OBJECT }, identity ? [getObject] : []);
    expect((await get(CONSUMER_ROLE)).allowed).toBe(crossAccount);
    expect((await get(OWNER_ROLE)).allowed).toBe(sameAccount);
  });

  // KMS is stricter in the same account: the key policy must allow the principal itself, or the
  // account root (which delegates to identity policies); an identity policy alone is not enough.
  const keyPolicies: Record<string, PolicyDocument | undefined> = {
    'names both roles': policy(allow('kms:Decrypt', '*', [CONSUMER_ROLE, OWNER_ROLE])),
    'allows the owner root': policy(allow('kms:*', '*', OWNER_ROOT)),
    'allows neither': undefined,
  };
  test.each([
    ['names both roles', true, true, true],
    ['names both roles', false, false, true],
    ['allows the owner root', true, false, true],
    ['allows the owner root', false, false, false],
    ['allows neither', true, false, false],
    ['allows neither', false, false, false],
  ])('KMS: key policy %s, identity %s: cross-account %s, same account %s', async (keyPolicy, identity, crossAccount, sameAccount) => {
    const world = ownerWorld(undefined, keyPolicies[keyPolicy]);
    const run = (principal: string) => world.simulate({ principal, action: 'kms:Decrypt', resource: KEY_ARN }, identity ? [decrypt] : []);
    expect((await run(CONSUMER_ROLE)).allowed).toBe(crossAccount);
    expect((await run(OWNER_ROLE)).allowed).toBe(sameAccount);
  });
});

describe('intent', () => {
  const reach = (overrides: Partial<Reach> = {}): Reach => ({
    bucketArn: BUCKET_ARN, prefix: 'data/', level: 'read', allowDelete: false, keyArn: KEY_ARN, region: REGION, minimumTlsVersion: 1.2, ...overrides,
  });
  const request = (action: string, resource: string, options: SimulatedRequest['options'] = {}): SimulatedRequest =>
    ({ principal: CONSUMER_ROLE, action, resource, options });

  test.each<[string, Partial<Reach>, SimulatedRequest, boolean]>([
    ['a read in the prefix', {}, request('s3:GetObject', `${BUCKET_ARN}/data/x`), true],
    ['a read in a look-alike folder', {}, request('s3:GetObject', `${BUCKET_ARN}/data-archive/x`), false],
    ['a read of a look-alike key', {}, request('s3:GetObject', `${BUCKET_ARN}/datax`), false],
    ['a read over TLS 1.1', {}, request('s3:GetObject', `${BUCKET_ARN}/data/x`, { tlsVersion: '1.1' }), false],
    ['a read over plain HTTP', {}, request('s3:GetObject', `${BUCKET_ARN}/data/x`, { secureTransport: false }), false],
    ['a list under the prefix', {}, request('s3:ListBucket', BUCKET_ARN, { listPrefix: 'data/nested/' }), true],
    ['a list of the prefix stem', {}, request('s3:ListBucket', BUCKET_ARN, { listPrefix: 'data' }), false],
    ['a list of a look-alike prefix', {}, request('s3:ListBucket', BUCKET_ARN, { listPrefix: 'datax' }), false],
    ['a list without a prefix', {}, request('s3:ListBucket', BUCKET_ARN), false],
    ['a list by a writer', { level: 'write' }, request('s3:ListBucket', BUCKET_ARN, { listPrefix: 'data/' }), false],
    ['a write by a reader', {}, request('s3:PutObject', `${BUCKET_ARN}/data/x`), false],
    ['a write with the bucket key', { level: 'write' }, request('s3:PutObject', `${BUCKET_ARN}/data/x`, { sseAlgorithm: 'aws:kms', sseKeyId: KEY_ARN }), true],
    ['a write with AES256', { level: 'write' }, request('s3:PutObject', `${BUCKET_ARN}/data/x`, { sseAlgorithm: 'AES256' }), false],
    ['a write with another key', { level: 'write' }, request('s3:PutObject', `${BUCKET_ARN}/data/x`, { sseAlgorithm: 'aws:kms', sseKeyId: `${KEY_ARN}0` }), false],
    ['a write with a customer-provided key (SSE-C)', { level: 'write' }, request('s3:PutObject', `${BUCKET_ARN}/data/x`, { sseCustomerAlgorithm: 'AES256' }), false],
    ['a write with SSE-C to a bucket that does not refuse it', { level: 'write', refusesForeignEncryption: false },
      request('s3:PutObject', `${BUCKET_ARN}/data/x`, { sseCustomerAlgorithm: 'AES256' }), true],
    ['a delete without allowDelete', { level: 'read-write' }, request('s3:DeleteObject', `${BUCKET_ARN}/data/x`), false],
    ['a delete with allowDelete', { level: 'read-write', allowDelete: true }, request('s3:DeleteObject', `${BUCKET_ARN}/data/x`), true],
    ['Decrypt through S3 for an object in the prefix', {}, request('kms:Decrypt', KEY_ARN, { viaService: VIA_S3, encryptionContextArn: `${BUCKET_ARN}/data/x` }), true],
    ['Decrypt through S3 with the bucket as context', {}, request('kms:Decrypt', KEY_ARN, { viaService: VIA_S3, encryptionContextArn: BUCKET_ARN }), true],
    ['Decrypt for an object outside the prefix', {}, request('kms:Decrypt', KEY_ARN, { viaService: VIA_S3, encryptionContextArn: `${BUCKET_ARN}/other/x` }), false],
    ['Decrypt for a look-alike bucket', {}, request('kms:Decrypt', KEY_ARN, { viaService: VIA_S3, encryptionContextArn: `${BUCKET_ARN}-other/data/x` }), false],
    ['Decrypt through S3 in another region', {}, request('kms:Decrypt', KEY_ARN, { viaService: 's3.us-east-1.amazonaws.com', encryptionContextArn: BUCKET_ARN }), false],
    ['Decrypt called directly', {}, request('kms:Decrypt', KEY_ARN, { encryptionContextArn: BUCKET_ARN }), false],
    ['GenerateDataKey by a reader', {}, request('kms:GenerateDataKey', KEY_ARN, { viaService: VIA_S3, encryptionContextArn: BUCKET_ARN }), false],
    ['a read a second before the end', { expires: '2027-06-30T00:00:00Z' }, request('s3:GetObject', `${BUCKET_ARN}/data/x`, { currentTime: '2027-06-29T23:59:59Z' }), true],
    ['a read at the end', { expires: '2027-06-30T00:00:00Z' }, request('s3:GetObject', `${BUCKET_ARN}/data/x`, { currentTime: '2027-06-30T00:00:00Z' }), false],
    ['Decrypt after the end', { expires: '2027-06-30T00:00:00Z' },
      request('kms:Decrypt', KEY_ARN, { viaService: VIA_S3, encryptionContextArn: BUCKET_ARN, currentTime: '2028-01-01T00:00:00Z' }), false],
    ['a read at PROOF_TIME, before the end', { expires: '2027-06-30T00:00:00Z' }, request('s3:GetObject', `${BUCKET_ARN}/data/x`), true],
  ])('intends: %s', (_name, overrides, probe, expected) => {
    expect(intends([reach(overrides)], probe)).toBe(expected);
  });

  const trust: TrustIntent = { roleArn: OWNER_ROLE, trustedAccount: CONSUMER, externalId: 'ext-123', requireMfa: true };
  const assume = (principal: string, options: SimulatedRequest['options']): SimulatedRequest =>
    ({ principal, action: 'sts:AssumeRole', resource: OWNER_ROLE, options });

  test.each<[string, TrustIntent, SimulatedRequest, boolean]>([
    ['the exact external id with MFA', trust, assume(CONSUMER_ROLE, { externalId: 'ext-123', mfa: true }), true],
    ['no MFA when required', trust, assume(CONSUMER_ROLE, { externalId: 'ext-123' }), false],
    ['no MFA when not required', { ...trust, requireMfa: false }, assume(CONSUMER_ROLE, { externalId: 'ext-123' }), true],
    ['a longer external id', trust, assume(CONSUMER_ROLE, { externalId: 'ext-1234', mfa: true }), false],
    ['a shorter external id', trust, assume(CONSUMER_ROLE, { externalId: 'ext-12', mfa: true }), false],
    ['no external id', trust, assume(CONSUMER_ROLE, { mfa: true }), false],
    ['another account', trust, assume('arn:aws:iam::333333333333:role/ConsumerReader', { externalId: 'ext-123', mfa: true }), false],
    ['a principal not listed', { ...trust, principalArns: [`arn:aws:iam::${CONSUMER}:role/Other`] }, assume(CONSUMER_ROLE, { externalId: 'ext-123', mfa: true }), false],
    ['before the end', { ...trust, expires: '2027-06-30T00:00:00Z' }, assume(CONSUMER_ROLE, { externalId: 'ext-123', mfa: true, currentTime: '2027-06-29T23:59:59Z' }), true],
    ['at the end', { ...trust, expires: '2027-06-30T00:00:00Z' }, assume(CONSUMER_ROLE, { externalId: 'ext-123', mfa: true, currentTime: '2027-06-30T00:00:00Z' }), false],
  ])('trustIntends: %s', (_name, intent, probe, expected) => {
    expect(trustIntends(intent, probe)).toBe(expected);
  });
});
