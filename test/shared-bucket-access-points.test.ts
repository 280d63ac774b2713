import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AccessLevel, ConsumerGrant, SharedBucket, SharedBucketProps, SharingMode } from '../lib';

const OWNER_ACCOUNT = '111111111111';
const CONSUMER_ACCOUNT = '222222222222';
const OTHER_ACCOUNT = '333333333333';
const THIRD_ACCOUNT = '444444444444';
const REGION = 'eu-west-1';
const BUCKET_NAME = 'shared-bucket-under-test';
const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const READER_ROLE_ARN = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/Reader`;
/** The default access point name of grant n of the SharedBucket 'Owner/Shared'. */
const DEFAULT_NAME = /^owner-shared-[0-9a-f]{8}-(\d+)$/;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Statement = Record<string, any>;

interface Built {
  readonly stack: Stack;
  readonly shared: SharedBucket;
  readonly template: Template;
}

function ownerStack(): Stack {
  return new Stack(new App(), 'Owner', { env: { account: OWNER_ACCOUNT, region: REGION } });
}

/** A SharedBucket 'Shared' in SharingMode.ACCESS_POINTS with a known name; `props` add to that. */
function build(consumers: ConsumerGrant[], props: SharedBucketProps = {}, stack: Stack = ownerStack()): Built {
  const shared = new SharedBucket(stack, 'Shared', {
    bucketName: BUCKET_NAME, sharingMode: SharingMode.ACCESS_POINTS, consumers, ...props,
  });
  return { stack, shared, template: Template.fromStack(stack) };
}

/** A thunk that builds a SharedBucket with the given props, for `toThrow`. */
function construct(props: SharedBucketProps): () => SharedBucket {
  return () => new SharedBucket(ownerStack(), 'Shared', props);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Matches a validation message: `<prop> is <value>: expected ...<expectation>...`. */
function problem(prop: string, value: string, expectation: string): RegExp {
  return new RegExp(`${escapeRegExp(prop)} is ${escapeRegExp(value)}: expected .*${escapeRegExp(expectation)}`);
}

/** `arn:<partition><rest>` as CDK renders it. */
function partitionArn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] };
}

function bucketArn(): unknown {
  return partitionArn(`:s3:::${BUCKET_NAME}`);
}

function objectsArn(pattern: string): unknown {
  return partitionArn(`:s3:::${BUCKET_NAME}/${pattern}`);
}

/** The ARN of the owner's access point `name` (with `rest` appended), as CDK renders it. */
function accessPointArn(name: string, rest = ''): unknown {
  return partitionArn(`:s3:${REGION}:${OWNER_ACCOUNT}:accesspoint/${name}${rest}`);
}

function actionsOf(statement: Statement): string[] {
  return ([] as string[]).concat(statement.Action);
}

/** The nested stacks that hold the access points, in order. */
function accessPointStacks(shared: SharedBucket): NestedStack[] {
  return shared.node.children.filter((child): child is NestedStack => child instanceof NestedStack);
}

/** The one nested stack's template. */
function accessPointTemplate(shared: SharedBucket): Template {
  const stacks = accessPointStacks(shared);
  expect(stacks).toHaveLength(1);
  return Template.fromStack(stacks[0]);
}

/** The access points of all nested stacks, by name. */
function accessPoints(shared: SharedBucket): Record<string, Statement> {
  const result: Record<string, Statement> = {};
  for (const nested of accessPointStacks(shared)) {
    for (const resource of Object.values(Template.fromStack(nested).findResources('AWS::S3::AccessPoint'))) {
      result[resource.Properties.Name] = resource.Properties;
    }
  }
  return result;
}

/** The name of the access point of grant `index` (0-based), from the construct's ARN list. */
function nameOf(shared: SharedBucket, index: number): string {
  const arn = Stack.of(shared).resolve(shared.accessPointArns[index]);
  const last: string = arn['Fn::Join'][1][2];
  return last.replace(/^.*:accesspoint\//, '');
}

function logicalIdOf(stack: Stack, bucket: s3.IBucket): string {
  return stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
}

function bucketPolicyStatements({ stack, shared, template }: Built): Statement[] {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy', {
    Properties: { Bucket: { Ref: logicalIdOf(stack, shared.bucket) } },
  }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

function keyPolicyStatements({ template }: Built): Statement[] {
  const keys = Object.values(template.findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return keys[0].Properties.KeyPolicy.Statement;
}

function statementWithSid(statements: Statement[], sid: string): Statement {
  const found = statements.filter(statement => statement.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The DelegateToAccessPoints statement as it must read, for `actions`. */
function delegation(actions: string[]): Statement {
  return {
    Sid: 'DelegateToAccessPoints',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: actions.length === 1 ? actions[0] : actions,
    Resource: [bucketArn(), objectsArn('*')],
    Condition: { StringEquals: { 's3:DataAccessPointAccount': OWNER_ACCOUNT } },
  };
}

/** A key statement for consumers through their access points, as it must read. */
function keyStatement(sid: string, action: string | string[], accounts: string[], extraStringEquals: Record<string, unknown> = {}): Statement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: action,
    Resource: '*',
    Condition: {
      StringEquals: {
        'kms:ViaService': `s3.${REGION}.amazonaws.com`,
        'kms:CallerAccount': accounts.length === 1 ? accounts[0] : accounts,
        ...extraStringEquals,
      },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(), objectsArn('*')] },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('SharedBucket in SharingMode.ACCESS_POINTS', () => {
  test('sharingMode defaults to BUCKET_POLICY, with no access points', () => {
    const stack = ownerStack();
    const shared = new SharedBucket(stack, 'Shared', { consumers: [{ accountId: CONSUMER_ACCOUNT }] });
    expect(shared.sharingMode).toEqual(SharingMode.BUCKET_POLICY);
    expect(shared.accessPointArns).toEqual([]);
    expect(accessPointStacks(shared)).toEqual([]);
    Template.fromStack(stack).resourceCountIs('AWS::CloudFormation::Stack', 0);
  });

  describe('bucket policy', () => {
    test('delegates the grants\' actions to the owner\'s access points, and holds no consumer statement', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }]);
      expect(built.shared.sharingMode).toEqual(SharingMode.ACCESS_POINTS);
      const statements = bucketPolicyStatements(built);
      expect(statementWithSid(statements, 'DelegateToAccessPoints')).toEqual(delegation(['s3:GetObject', 's3:ListBucket']));

      // The delegation is the only Allow: no per-consumer statement and no listing denial.
      expect(statements.filter(statement => statement.Effect === 'Allow').map(statement => statement.Sid))
        .toEqual(['DelegateToAccessPoints']);
      expect(statements.map(statement => statement.Sid)).not.toContain('DenyListingWithoutPrefix');
      expect(JSON.stringify(statements)).not.toContain(CONSUMER_ACCOUNT);
    });

    test('the delegated actions are the union of the grants\' actions, each once', () => {
      const built = build([
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/' },
        { accountId: OTHER_ACCOUNT, access: AccessLevel.WRITE, allowDelete: true },
        { accountId: THIRD_ACCOUNT, access: AccessLevel.READ_WRITE },
      ]);
      expect(statementWithSid(bucketPolicyStatements(built), 'DelegateToAccessPoints')).toEqual(delegation([
        's3:GetObject', 's3:ListBucket', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject',
      ]));
    });

    test('a WRITE-only share delegates no listing', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'in/', access: AccessLevel.WRITE }]);
      expect(statementWithSid(bucketPolicyStatements(built), 'DelegateToAccessPoints'))
        .toEqual(delegation(['s3:PutObject', 's3:AbortMultipartUpload']));
    });

    test('actions of grants added with addConsumer join the delegation', () => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', {
        bucketName: BUCKET_NAME, sharingMode: SharingMode.ACCESS_POINTS, consumers: [{ accountId: CONSUMER_ACCOUNT, access: AccessLevel.WRITE }],
      });
      shared.addConsumer({ accountId: OTHER_ACCOUNT, prefix: 'data/' });
      const built = { stack, shared, template: Template.fromStack(stack) };
      expect(statementWithSid(bucketPolicyStatements(built), 'DelegateToAccessPoints'))
        .toEqual(delegation(['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket']));
    });

    test('without consumers there is no delegation', () => {
      const built = build([]);
      expect(bucketPolicyStatements(built).map(statement => statement.Sid)).not.toContain('DelegateToAccessPoints');
      expect(accessPointStacks(built.shared)).toEqual([]);
    });

    test('no Allow statement of the bucket, key or access point policies grants a dangerous or wildcard action', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.READ_WRITE, allowDelete: true }]);
      const accessPointStatements = Object.values(accessPoints(built.shared)).flatMap(properties => properties.Policy.Statement);
      const allowed = [...bucketPolicyStatements(built), ...keyPolicyStatements(built), ...accessPointStatements]
        .filter(statement => statement.Effect === 'Allow');
      expect(allowed.map(statement => statement.Sid)).toEqual([
        'DelegateToAccessPoints', undefined, 'WritingConsumersKey', 'ConsumerObjects', 'ConsumerList',
      ]);
      // The consumer's access point and key statements hold exactly the table's actions.
      expect(allowed.filter(statement => /^Consumer|ConsumersKey$/.test(statement.Sid ?? '')).flatMap(actionsOf).sort()).toEqual([
        'kms:Decrypt', 'kms:GenerateDataKey',
        's3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject',
      ]);
      const actions = allowed.flatMap(actionsOf);
      const forbidden = actions.filter(action =>
        action === 's3:DeleteObjectVersion'
        || /Acl|Retention|LegalHold|VersionTagging/.test(action)
        || action.startsWith('s3:GetBucket')
        || action.startsWith('s3:PutBucket')
        || (action.startsWith('s3:') && action.includes('*')));
      expect(forbidden).toEqual([]);
    });
  });

  describe('access points', () => {
    test('one access point per grant, in a nested stack that depends on the bucket', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }, { accountId: OTHER_ACCOUNT }]);
      const template = accessPointTemplate(built.shared);
      template.resourceCountIs('AWS::S3::AccessPoint', 2);
      // The owner stack holds the nested stack, not the access points.
      built.template.resourceCountIs('AWS::S3::AccessPoint', 0);
      built.template.hasResource('AWS::CloudFormation::Stack', {
        DependsOn: Match.arrayWith([logicalIdOf(built.stack, built.shared.bucket)]),
      });
      expect(accessPointStacks(built.shared)[0].node.id).toEqual('AccessPoints1');
    });

    test('an access point names the bucket and its account and blocks all public access', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }]);
      accessPointTemplate(built.shared).hasResourceProperties('AWS::S3::AccessPoint', {
        Name: nameOf(built.shared, 0),
        Bucket: BUCKET_NAME,
        BucketAccountId: OWNER_ACCOUNT,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
        },
      });
    });

    test('READ with a prefix: GetObject on the access point objects under the prefix, ListBucket limited to the prefix', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }]);
      const name = nameOf(built.shared, 0);
      accessPointTemplate(built.shared).hasResourceProperties('AWS::S3::AccessPoint', {
        Name: name,
        Policy: Match.exact({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ConsumerObjects',
              Effect: 'Allow',
              Principal: { AWS: CONSUMER_ACCOUNT },
              Action: 's3:GetObject',
              Resource: accessPointArn(name, '/object/data/*'),
            },
            {
              Sid: 'ConsumerList',
              Effect: 'Allow',
              Principal: { AWS: CONSUMER_ACCOUNT },
              Action: 's3:ListBucket',
              Resource: accessPointArn(name),
              Condition: { StringLike: { 's3:prefix': ['data/*'] } },
            },
          ],
        }),
      });
    });

    test('WRITE with allowDelete and no prefix: object actions on every object, no listing', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, access: AccessLevel.WRITE, allowDelete: true }]);
      const name = nameOf(built.shared, 0);
      accessPointTemplate(built.shared).hasResourceProperties('AWS::S3::AccessPoint', {
        Policy: Match.exact({
          Version: '2012-10-17',
          Statement: [{
            Sid: 'ConsumerObjects',
            Effect: 'Allow',
            Principal: { AWS: CONSUMER_ACCOUNT },
            Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
            Resource: accessPointArn(name, '/object/*'),
          }],
        }),
      });
    });

    test('READ without a prefix lists without an s3:prefix condition', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT }]);
      const [properties] = Object.values(accessPoints(built.shared));
      const list = statementWithSid(properties.Policy.Statement, 'ConsumerList');
      expect(list.Resource).toEqual(accessPointArn(nameOf(built.shared, 0)));
      expect(list.Condition).toBeUndefined();
    });

    test('principalArns and organizationId narrow every statement of the access point policy', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'data/', principalArns: [READER_ROLE_ARN] }], { organizationId: ORGANIZATION_ID });
      const [properties] = Object.values(accessPoints(built.shared));
      const statements: Statement[] = properties.Policy.Statement;
      expect(statements.map(statement => statement.Sid)).toEqual(['ConsumerObjects', 'ConsumerList']);
      for (const statement of statements) {
        expect(statement.Condition.ArnEquals).toEqual({ 'aws:PrincipalArn': READER_ROLE_ARN });
        expect(statement.Condition.StringEquals).toEqual({ 'aws:PrincipalOrgID': ORGANIZATION_ID });
      }
    });

    test('each access point holds only its own grant', () => {
      const built = build([
        { accountId: CONSUMER_ACCOUNT, prefix: 'a/' },
        { accountId: OTHER_ACCOUNT, prefix: 'b/', access: AccessLevel.WRITE },
      ]);
      const points = accessPoints(built.shared);
      const first = points[nameOf(built.shared, 0)];
      const second = points[nameOf(built.shared, 1)];
      expect(JSON.stringify(first.Policy)).not.toContain(OTHER_ACCOUNT);
      expect(JSON.stringify(second.Policy)).not.toContain(CONSUMER_ACCOUNT);
      expect(statementWithSid(second.Policy.Statement, 'ConsumerObjects')).toEqual({
        Sid: 'ConsumerObjects',
        Effect: 'Allow',
        Principal: { AWS: OTHER_ACCOUNT },
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: accessPointArn(nameOf(built.shared, 1), '/object/b/*'),
      });
    });

    test('default names derive from the construct path and the grant number', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT }, { accountId: OTHER_ACCOUNT }, { accountId: THIRD_ACCOUNT }]);
      const names = [0, 1, 2].map(index => nameOf(built.shared, index));
      names.forEach((name, index) => {
        expect(name).toMatch(DEFAULT_NAME);
        expect(DEFAULT_NAME.exec(name)![1]).toEqual(String(index + 1));
      });
      // One base for all grants of the SharedBucket.
      expect(new Set(names.map(name => name.replace(/-\d+$/, ''))).size).toEqual(1);
      expect(Object.keys(accessPoints(built.shared)).sort()).toEqual([...names].sort());
    });

    test('default names stay valid access point names for long construct paths and odd characters', () => {
      const stack = new Stack(new App(), 'AVeryLongOwnerStackNameThatGoesOnAndOnAndOn', { env: { account: OWNER_ACCOUNT, region: REGION } });
      const shared = new SharedBucket(stack, 'My_Shared.Bucket_WithAnExtremelyLongConstructIdentifier', {
        sharingMode: SharingMode.ACCESS_POINTS, consumers: [{ accountId: CONSUMER_ACCOUNT }],
      });
      const [name] = Object.keys(accessPoints(shared));
      expect(name).toMatch(/^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/);
      expect(name).toMatch(/-1$/);
    });

    test('two SharedBuckets of one stack get different default names', () => {
      const stack = ownerStack();
      const first = new SharedBucket(stack, 'First', { sharingMode: SharingMode.ACCESS_POINTS, consumers: [{ accountId: CONSUMER_ACCOUNT }] });
      const second = new SharedBucket(stack, 'Second', { sharingMode: SharingMode.ACCESS_POINTS, consumers: [{ accountId: CONSUMER_ACCOUNT }] });
      expect(Object.keys(accessPoints(first))).not.toEqual(Object.keys(accessPoints(second)));
    });

    test('an explicit accessPointName is used as is, in the access point and its policy', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'data/', accessPointName: 'partner-a' }, { accountId: OTHER_ACCOUNT }]);
      const points = accessPoints(built.shared);
      expect(Object.keys(points)).toContain('partner-a');
      expect(statementWithSid(points['partner-a'].Policy.Statement, 'ConsumerObjects').Resource)
        .toEqual(accessPointArn('partner-a', '/object/data/*'));
      // The other grant keeps its default name, numbered by its place among the grants.
      expect(nameOf(built.shared, 1)).toMatch(DEFAULT_NAME);
      expect(nameOf(built.shared, 1)).toMatch(/-2$/);
    });

    test('401 grants make two nested stacks: 400 access points, then 1', () => {
      const consumers = Array.from({ length: 401 }, (_, index) => ({ accountId: String(100000000000 + index) }));
      const built = build(consumers);
      const stacks = accessPointStacks(built.shared);
      expect(stacks.map(nested => nested.node.id)).toEqual(['AccessPoints1', 'AccessPoints2']);
      Template.fromStack(stacks[0]).resourceCountIs('AWS::S3::AccessPoint', 400);
      Template.fromStack(stacks[1]).resourceCountIs('AWS::S3::AccessPoint', 1);
      Template.fromStack(stacks[1]).hasResourceProperties('AWS::S3::AccessPoint', {
        Name: nameOf(built.shared, 400),
        Policy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { AWS: '100000000400' } })]) },
      });
      built.template.resourceCountIs('AWS::CloudFormation::Stack', 2);
      expect(built.shared.accessPointArns).toHaveLength(401);
      // The owner stack's key policy lists every account once.
      const decrypt = statementWithSid(keyPolicyStatements(built), 'ReadingConsumersKey');
      expect(decrypt.Condition.StringEquals['kms:CallerAccount']).toEqual(consumers.map(grant => grant.accountId));
    });

    test('exactly 400 grants fit one nested stack', () => {
      const built = build(Array.from({ length: 400 }, (_, index) => ({ accountId: String(100000000000 + index) })));
      expect(accessPointStacks(built.shared).map(nested => nested.node.id)).toEqual(['AccessPoints1']);
    });
  });

  describe('key policy', () => {
    test('READ grants get ReadingConsumersKey (kms:Decrypt) for their accounts, through S3 only and for this bucket', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }]);
      const statements = keyPolicyStatements(built);
      expect(statements.map(statement => statement.Sid)).toEqual([undefined, 'ReadingConsumersKey']);
      expect(statementWithSid(statements, 'ReadingConsumersKey')).toEqual(keyStatement('ReadingConsumersKey', 'kms:Decrypt', [CONSUMER_ACCOUNT]));
    });

    test('each account is listed once per statement; writers and read-writers share WritingConsumersKey', () => {
      const built = build([
        { accountId: CONSUMER_ACCOUNT, prefix: 'a/' },
        { accountId: OTHER_ACCOUNT, access: AccessLevel.WRITE },
        { accountId: CONSUMER_ACCOUNT, prefix: 'b/', access: AccessLevel.READ_WRITE },
        { accountId: OTHER_ACCOUNT, prefix: 'c/', access: AccessLevel.WRITE },
      ]);
      const statements = keyPolicyStatements(built);
      expect(statements.map(statement => statement.Sid)).toEqual([undefined, 'ReadingConsumersKey', 'WritingConsumersKey']);
      expect(statementWithSid(statements, 'ReadingConsumersKey'))
        .toEqual(keyStatement('ReadingConsumersKey', 'kms:Decrypt', [CONSUMER_ACCOUNT]));
      expect(statementWithSid(statements, 'WritingConsumersKey'))
        .toEqual(keyStatement('WritingConsumersKey', ['kms:GenerateDataKey', 'kms:Decrypt'], [OTHER_ACCOUNT, CONSUMER_ACCOUNT]));
    });

    test('accounts of grants added with addConsumer join the key statements', () => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', {
        bucketName: BUCKET_NAME, sharingMode: SharingMode.ACCESS_POINTS, consumers: [{ accountId: CONSUMER_ACCOUNT }],
      });
      shared.addConsumer({ accountId: OTHER_ACCOUNT, prefix: 'data/' });
      shared.addConsumer({ accountId: OTHER_ACCOUNT, prefix: 'more/' });
      const built = { stack, shared, template: Template.fromStack(stack) };
      expect(statementWithSid(keyPolicyStatements(built), 'ReadingConsumersKey'))
        .toEqual(keyStatement('ReadingConsumersKey', 'kms:Decrypt', [CONSUMER_ACCOUNT, OTHER_ACCOUNT]));
    });

    test('organizationId: the key statements name the organization and list no account, whatever the number of consumers', () => {
      const consumers = Array.from({ length: 30 }, (_, index) => ({ accountId: `3${String(index).padStart(11, '0')}`, access: AccessLevel.WRITE }));
      const built = build(consumers, { organizationId: ORGANIZATION_ID });
      const writing = statementWithSid(keyPolicyStatements(built), 'WritingConsumersKey');
      expect(writing.Condition).toEqual({
        StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'aws:PrincipalOrgID': ORGANIZATION_ID },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(), objectsArn('*')] },
      });
      expect(JSON.stringify(writing)).not.toContain('kms:CallerAccount');
    });

    test('there are no per-grant key statements', () => {
      const built = build([{ accountId: CONSUMER_ACCOUNT, prefix: 'data/', principalArns: [READER_ROLE_ARN] }]);
      const sids = keyPolicyStatements(built).map(statement => statement.Sid);
      expect(sids.filter(sid => sid !== undefined && /^Grant|^Consumer\d/.test(sid))).toEqual([]);
    });
  });

  describe('accessPointArns', () => {
    test('lists the access point ARNs in the order of the grants, addConsumer included', () => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', {
        bucketName: BUCKET_NAME,
        sharingMode: SharingMode.ACCESS_POINTS,
        consumers: [{ accountId: CONSUMER_ACCOUNT, accessPointName: 'first-consumer' }, { accountId: OTHER_ACCOUNT }],
      });
      shared.addConsumer({ accountId: THIRD_ACCOUNT, accessPointName: 'third-consumer' });
      const arns = shared.accessPointArns.map(arn => stack.resolve(arn));
      expect(arns).toEqual([
        accessPointArn('first-consumer'), accessPointArn(nameOf(shared, 1)), accessPointArn('third-consumer'),
      ]);
      expect(nameOf(shared, 1)).toMatch(DEFAULT_NAME);
      expect(Object.keys(accessPoints(shared)).sort()).toEqual(['first-consumer', nameOf(shared, 1), 'third-consumer'].sort());
    });

    test('is a copy: changing it changes nothing', () => {
      const { shared } = build([{ accountId: CONSUMER_ACCOUNT }]);
      shared.accessPointArns.push('arn:aws:s3:eu-west-1:111111111111:accesspoint/intruder');
      expect(shared.accessPointArns).toHaveLength(1);
    });
  });

  describe('validation', () => {
    test('sharingMode must be a SharingMode value', () => {
      expect(construct({ sharingMode: 'PER_CONSUMER' as SharingMode }))
        .toThrow(problem('sharingMode', "'PER_CONSUMER'", 'one of SharingMode.BUCKET_POLICY, SharingMode.ACCESS_POINTS'));
    });

    test('accessPointName is refused in SharingMode.BUCKET_POLICY, also by default', () => {
      const expectation = 'no accessPointName unless sharingMode is SharingMode.ACCESS_POINTS';
      expect(construct({ sharingMode: SharingMode.BUCKET_POLICY, consumers: [{ accountId: CONSUMER_ACCOUNT, accessPointName: 'partner-a' }] }))
        .toThrow(problem('consumers[0].accessPointName', "'partner-a'", expectation));
      expect(construct({ consumers: [{ accountId: CONSUMER_ACCOUNT }, { accountId: OTHER_ACCOUNT, accessPointName: 'partner-b' }] }))
        .toThrow(problem('consumers[1].accessPointName', "'partner-b'", expectation));
      const shared = new SharedBucket(ownerStack(), 'Shared');
      expect(() => shared.addConsumer({ accountId: CONSUMER_ACCOUNT, accessPointName: 'partner-a' }))
        .toThrow(problem('addConsumer(grant).accessPointName', "'partner-a'", expectation));
      expect(shared.consumers).toEqual([]);
    });

    const NAME_RULE = "an S3 access point name: 3 to 50 lowercase letters, digits and hyphens, starting and ending with a letter or digit, not ending in '-s3alias'";
    test.each([
      ['capitals', 'Partner-A'],
      ['an underscore', 'partner_a'],
      ['a dot', 'partner.a'],
      ['too short', 'ab'],
      ['too long', 'a'.repeat(51)],
      ['a leading hyphen', '-partner'],
      ['a trailing hyphen', 'partner-'],
      ["the reserved suffix '-s3alias'", 'partner-s3alias'],
    ])('accessPointName with %s is refused', (_, name) => {
      expect(construct({ sharingMode: SharingMode.ACCESS_POINTS, consumers: [{ accountId: CONSUMER_ACCOUNT, accessPointName: name }] }))
        .toThrow(problem('consumers[0].accessPointName', `'${name}'`, NAME_RULE));
    });

    test.each([
      ['3 characters', 'abc'],
      ['50 characters', 'a'.repeat(50)],
      ['digits and inner hyphens', '1-partner--a-9'],
    ])('accessPointName of %s is accepted', (_, name) => {
      const { shared } = build([{ accountId: CONSUMER_ACCOUNT, accessPointName: name }]);
      expect(Object.keys(accessPoints(shared))).toEqual([name]);
    });

    test('two grants may not name the same access point', () => {
      expect(construct({
        sharingMode: SharingMode.ACCESS_POINTS,
        consumers: [{ accountId: CONSUMER_ACCOUNT, accessPointName: 'partner' }, { accountId: OTHER_ACCOUNT, accessPointName: 'partner' }],
      })).toThrow(problem('consumers[1].accessPointName', "'partner'", 'an access point name no other grant of this SharedBucket uses'));
    });

    test('addConsumer may not reuse an explicit or a default name', () => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', {
        sharingMode: SharingMode.ACCESS_POINTS,
        consumers: [{ accountId: CONSUMER_ACCOUNT, accessPointName: 'partner' }, { accountId: OTHER_ACCOUNT }],
      });
      const defaultName = nameOf(shared, 1);
      expect(() => shared.addConsumer({ accountId: THIRD_ACCOUNT, accessPointName: 'partner' }))
        .toThrow(problem('addConsumer(grant).accessPointName', "'partner'", 'an access point name no other grant of this SharedBucket uses'));
      expect(() => shared.addConsumer({ accountId: THIRD_ACCOUNT, accessPointName: defaultName }))
        .toThrow(problem('addConsumer(grant).accessPointName', `'${defaultName}'`, 'an access point name no other grant of this SharedBucket uses'));
      expect(shared.consumers).toHaveLength(2);
      expect(shared.accessPointArns).toHaveLength(2);
    });

    test('an explicit name that a later grant would get by default is reported on the later grant, with the name it would get', () => {
      // Learn the default name of grant 2 from a first app, then take it explicitly for grant 1.
      const { shared } = build([{ accountId: CONSUMER_ACCOUNT }, { accountId: OTHER_ACCOUNT }]);
      const secondDefault = nameOf(shared, 1);
      expect(construct({
        sharingMode: SharingMode.ACCESS_POINTS,
        consumers: [{ accountId: CONSUMER_ACCOUNT, accessPointName: secondDefault }, { accountId: OTHER_ACCOUNT }],
      })).toThrow(problem('consumers[1].accessPointName', `'${secondDefault}'`,
        "an access point name no other grant of this SharedBucket uses (unset, the grant gets its default name '<path>-2', which an earlier grant took): set one"));
    });

    test('every problem is reported in one error that names the construct path', () => {
      const attempt = construct({
        sharingMode: SharingMode.ACCESS_POINTS,
        consumers: [
          { accountId: CONSUMER_ACCOUNT, accessPointName: 'Bad_Name' },
          { accountId: OTHER_ACCOUNT, accessPointName: 'same' },
          { accountId: THIRD_ACCOUNT, accessPointName: 'same' },
        ],
      });
      expect(attempt).toThrow(/SharedBucket 'Owner\/Shared' has invalid props/);
      expect(attempt).toThrow(problem('consumers[0].accessPointName', "'Bad_Name'", 'an S3 access point name'));
      expect(attempt).toThrow(problem('consumers[2].accessPointName', "'same'", 'an access point name no other grant of this SharedBucket uses'));
    });
  });
});
