import { App, CfnParameter, Fn, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AccessLevel, ConsumerGrant, SharedBucket, SharedBucketProps } from '../lib';

const OWNER_ACCOUNT = '111111111111';
const CONSUMER_ACCOUNT = '222222222222';
const OTHER_ACCOUNT = '333333333333';
const THIRD_ACCOUNT = '444444444444';
const REGION = 'eu-west-1';
const BUCKET_NAME = 'shared-bucket-under-test';
const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const READER_ROLE_ARN = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/Reader`;
const IMPORTED_KEY_ARN = `arn:aws:kms:${REGION}:${OWNER_ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** A fresh app and an owner stack with an explicit environment. */
function ownerStack(app: App = new App()): Stack {
  return new Stack(app, 'Owner', { env: { account: OWNER_ACCOUNT, region: REGION } });
}

interface Built {
  readonly stack: Stack;
  readonly shared: SharedBucket;
  readonly template: Template;
}

/** A SharedBucket 'Shared' in a fresh owner stack, synthesized. */
function build(props: SharedBucketProps = {}, stack: Stack = ownerStack()): Built {
  const shared = new SharedBucket(stack, 'Shared', props);
  return { stack, shared, template: Template.fromStack(stack) };
}

/** A SharedBucket with a known name and the given consumers. */
function buildWithConsumers(...consumers: ConsumerGrant[]): Built {
  return build({ bucketName: BUCKET_NAME, consumers });
}

/** A thunk that builds a SharedBucket with the given props, for `toThrow`. */
function construct(props: SharedBucketProps): () => SharedBucket {
  return () => new SharedBucket(ownerStack(), 'Shared', props);
}

/** `arn:<partition><rest>` as CDK renders it. */
function partitionArn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] };
}

function bucketArn(name = BUCKET_NAME): unknown {
  return partitionArn(`:s3:::${name}`);
}

function objectsArn(pattern: string, name = BUCKET_NAME): unknown {
  return partitionArn(`:s3:::${name}/${pattern}`);
}

/** A whole account as principal, in the short form `{"AWS": "<account>"}`; several as a list. */
function accountPrincipal(...accounts: string[]): unknown {
  return { AWS: accounts.length === 1 ? accounts[0] : accounts };
}

/** `arn:<partition>:iam::<account>:*`: every principal of an account, as the listing denial exempts it. */
function everyPrincipalOf(account: string): unknown {
  return partitionArn(`:iam::${account}:*`);
}

function logicalIdOf(stack: Stack, resource: s3.IBucket | kms.IKey): string {
  return stack.getLogicalId(resource.node.defaultChild as s3.CfnBucket | kms.CfnKey);
}

type Statement = Record<string, any>;

/** The statements of the shared bucket's bucket policy. */
function bucketPolicyStatements({ stack, shared, template }: Built): Statement[] {
  const policies = template.findResources('AWS::S3::BucketPolicy', {
    Properties: { Bucket: { Ref: logicalIdOf(stack, shared.bucket) } },
  });
  const documents = Object.values(policies).map(policy => policy.Properties.PolicyDocument.Statement);
  expect(documents).toHaveLength(1);
  return documents[0];
}

/** The statements of the (single) key policy in the template. */
function keyPolicyStatements({ template }: Built): Statement[] {
  const keys = Object.values(template.findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return keys[0].Properties.KeyPolicy.Statement;
}

function actionsOf(statement: Statement): string[] {
  return ([] as string[]).concat(statement.Action);
}

/** Asserts the shared bucket's policy contains a statement like `statement`. */
function expectBucketPolicyStatement({ stack, shared, template }: Built, statement: Record<string, unknown>): void {
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    Bucket: { Ref: logicalIdOf(stack, shared.bucket) },
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(statement)]) },
  });
}

/** Asserts the key policy contains a statement like `statement`. */
function expectKeyPolicyStatement({ template }: Built, statement: Record<string, unknown>): void {
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: { Statement: Match.arrayWith([Match.objectLike(statement)]) },
  });
}

/** Sids of the merged grant statements: `Grant<n>` in the bucket policy, `Grant<n>Key` in the key policy. */
const GRANT_SID = /^Grant\d+(Key)?$/;

/** The consumer grant statements (Sid Grant<n> and Grant<n>Key) of the bucket policy and the key policy. */
function consumerStatements(built: Built): Statement[] {
  return [...bucketPolicyStatements(built), ...keyPolicyStatements(built)]
    .filter(statement => typeof statement.Sid === 'string' && GRANT_SID.test(statement.Sid));
}

/** The one statement with Sid `sid` among `statements`. */
function statementWithSid(statements: Statement[], sid: string): Statement {
  const found = statements.filter(statement => statement.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The Sids of `statements`, in order (undefined for a statement without one). */
function sidsOf(statements: Statement[]): Array<string | undefined> {
  return statements.map(statement => statement.Sid);
}

/** The bucket policy's DenyListingWithoutPrefix statement, or undefined. */
function listingDenial(built: Built): Statement | undefined {
  const found = bucketPolicyStatements(built).filter(statement => statement.Sid === 'DenyListingWithoutPrefix');
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0];
}

/** The DenyListingWithoutPrefix statement as it must read; `exemptions` are its ArnNotLike values, if any. */
function expectedListingDenial(exemptions?: unknown): Statement {
  return {
    Sid: 'DenyListingWithoutPrefix',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:ListBucket',
    Resource: bucketArn(),
    Condition: {
      Null: { 's3:prefix': 'true' },
      StringNotEquals: { 'aws:PrincipalAccount': OWNER_ACCOUNT },
      ...(exemptions === undefined ? {} : { ArnNotLike: { 'aws:PrincipalArn': exemptions } }),
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Matches a validation message: `<prop> is <value>: expected ...<expectation>...`. */
function problem(prop: string, value: string, expectation: string): RegExp {
  return new RegExp(`${escapeRegExp(prop)} is ${escapeRegExp(value)}: expected .*${escapeRegExp(expectation)}`);
}

const BUCKET_NAME_RULE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('SharedBucket', () => {
  describe('bucket', () => {
    test('blocks all public access', () => {
      const { template, stack, shared } = build();
      const bucket = template.findResources('AWS::S3::Bucket')[logicalIdOf(stack, shared.bucket)];
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      });
    });

    test('enforces bucket-owner object ownership (no ACLs) and is versioned', () => {
      const built = build();
      const bucket = built.template.findResources('AWS::S3::Bucket')[logicalIdOf(built.stack, built.shared.bucket)];
      expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.AccessControl).toBeUndefined();
    });

    test('encrypts with SSE-KMS under its key, with an S3 Bucket Key', () => {
      const { template, stack, shared } = build();
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: Match.anyValue(),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(stack, shared.encryptionKey), 'Arn'] },
            },
          }],
        },
      });
    });

    test('blocks uploads with customer-provided keys (SSE-C) in its encryption settings', () => {
      const { template, stack, shared } = build();
      const bucket = template.findResources('AWS::S3::Bucket')[logicalIdOf(stack, shared.bucket)];
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{
          BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(stack, shared.encryptionKey), 'Arn'] },
          },
        }],
      });
    });

    test('logs server access to the log bucket', () => {
      const { template, stack, shared } = build();
      const buckets = template.findResources('AWS::S3::Bucket');
      const sharedId = logicalIdOf(stack, shared.bucket);
      const logBucketIds = Object.keys(buckets).filter(id => id !== sharedId);
      expect(logBucketIds).toHaveLength(1);
      expect(buckets[sharedId].Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logBucketIds[0] } });
    });

    test('retains the bucket, the log bucket and the key by default', () => {
      const { template } = build();
      const retained = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };
      template.resourceCountIs('AWS::S3::Bucket', 2);
      template.allResources('AWS::S3::Bucket', retained);
      template.hasResource('AWS::KMS::Key', retained);
    });

    test('removalPolicy DESTROY deletes the bucket, the log bucket and the key', () => {
      const { template } = build({ removalPolicy: RemovalPolicy.DESTROY });
      const deleted = { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' };
      template.resourceCountIs('AWS::S3::Bucket', 2);
      template.allResources('AWS::S3::Bucket', deleted);
      template.hasResource('AWS::KMS::Key', deleted);
    });
  });

  describe('encryption key', () => {
    test('a new key has rotation enabled', () => {
      const { template } = build();
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    test('a user-supplied key is used and no second key is created', () => {
      const stack = ownerStack();
      const key = new kms.Key(stack, 'MyKey');
      const built = build({ encryptionKey: key, consumers: [{ accountId: CONSUMER_ACCOUNT }] }, stack);

      built.template.resourceCountIs('AWS::KMS::Key', 1);
      expect(built.shared.encryptionKey).toBe(key);
      built.template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(stack, key), 'Arn'] } },
          })],
        },
      });
      // The consumer's grant goes into the user's key policy.
      expectKeyPolicyStatement(built, { Sid: 'Grant1Key', Principal: accountPrincipal(CONSUMER_ACCOUNT), Action: 'kms:Decrypt' });
    });

    test('an imported key is used, and a consumer grant warns that its key policy is not managed', () => {
      const stack = ownerStack();
      const key = kms.Key.fromKeyArn(stack, 'ImportedKey', IMPORTED_KEY_ARN);
      const { template } = build({ encryptionKey: key, consumers: [{ accountId: CONSUMER_ACCOUNT }] }, stack);

      template.resourceCountIs('AWS::KMS::Key', 0);
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: IMPORTED_KEY_ARN },
          })],
        },
      });
      const annotations = Annotations.fromStack(stack);
      annotations.hasWarning('/Owner/Shared', Match.stringLikeRegexp('cdk-cross-account-bucket:keyPolicyNotManaged'));
      annotations.hasWarning('/Owner/Shared', Match.stringLikeRegexp(`kms:Decrypt through S3 for account ${CONSUMER_ACCOUNT}`));
    });

    test('an imported key without consumers gives no key policy warning', () => {
      const stack = ownerStack();
      const key = kms.Key.fromKeyArn(stack, 'ImportedKey', IMPORTED_KEY_ARN);
      build({ encryptionKey: key }, stack);
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('keyPolicyNotManaged'));
    });
  });

  describe('server access log bucket', () => {
    function logBucket({ template, stack, shared }: Built): { id: string; resource: Record<string, any> } {
      const sharedId = logicalIdOf(stack, shared.bucket);
      const [entry] = Object.entries(template.findResources('AWS::S3::Bucket')).filter(([id]) => id !== sharedId);
      return { id: entry[0], resource: entry[1] };
    }

    test('is SSE-S3 encrypted, blocks public access and enforces bucket-owner ownership', () => {
      const { resource } = logBucket(build());
      expect(resource.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] }, ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(resource.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      });
      expect(resource.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    });

    test.each([
      ['no feature flags set', {}],
      ['the bucket-policy feature flag explicitly off', { [cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY]: false }],
    ])('allows log delivery by bucket policy, not by ACL, with %s in the app', (_, context) => {
      const built = build({}, ownerStack(new App({ context })));
      const { id, resource } = logBucket(built);

      expect(resource.Properties.AccessControl).toBeUndefined();
      built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
          })]),
        },
      });
    });

    test('is TLS only', () => {
      const built = build();
      built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logBucket(built).id },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          })]),
        },
      });
    });

    test('a user-supplied log bucket without the bucket-policy feature flag gets a warning, not a silent ACL', () => {
      const stack = ownerStack();
      const userLogs = new s3.Bucket(stack, 'MyLogs', { encryption: s3.BucketEncryption.S3_MANAGED });
      build({ serverAccessLogsBucket: userLogs }, stack);

      Annotations.fromStack(stack).hasWarning('/Owner/Shared', Match.stringLikeRegexp(
        `Owner/MyLogs.*LogDeliveryWrite ACL.*${cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY}.*cdk-cross-account-bucket:logBucketUsesAcl`));
    });

    test('a user-supplied log bucket with the feature flag gets no warning', () => {
      const stack = ownerStack(new App({ context: { [cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY]: true } }));
      const userLogs = new s3.Bucket(stack, 'MyLogs', { encryption: s3.BucketEncryption.S3_MANAGED });
      build({ serverAccessLogsBucket: userLogs }, stack);

      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('logBucketUsesAcl'));
    });

    test('a user-supplied log bucket is used and no other log bucket is created', () => {
      // As documented on serverAccessLogsBucket: a BucketOwnerEnforced log bucket defined outside
      // the construct needs the bucket-policy feature flag where it is defined.
      const stack = ownerStack(new App({ context: { [cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY]: true } }));
      const userLogs = new s3.Bucket(stack, 'MyLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      });
      const { template, shared } = build({ serverAccessLogsBucket: userLogs }, stack);

      template.resourceCountIs('AWS::S3::Bucket', 2); // the shared bucket and the user's
      template.hasResourceProperties('AWS::S3::Bucket', {
        LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(stack, userLogs) } },
      });
      expect(logicalIdOf(stack, shared.bucket)).not.toEqual(logicalIdOf(stack, userLogs));
    });
  });

  describe('bucket policy denies', () => {
    test('requests without TLS', () => {
      expectBucketPolicyStatement(build(), {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    });

    test('TLS older than 1.2 by default', () => {
      expectBucketPolicyStatement(build(), {
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
      });
    });

    test('TLS older than minimumTlsVersion when set', () => {
      const built = build({ minimumTlsVersion: 1.3 });
      expectBucketPolicyStatement(built, {
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.3 } },
      });
      const tlsStatements = bucketPolicyStatements(built).filter(statement => statement.Condition?.NumericLessThan);
      expect(tlsStatements).toHaveLength(1);
    });

    test('uploads that name another server-side encryption', () => {
      const built = build();
      expectBucketPolicyStatement(built, {
        Sid: 'DenyOtherServerSideEncryption',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Condition: {
          Null: { 's3:x-amz-server-side-encryption': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        },
      });
    });

    test('uploads that name another encryption key', () => {
      const built = build();
      expectBucketPolicyStatement(built, {
        Sid: 'DenyOtherEncryptionKey',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Condition: {
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
          StringNotEquals: {
            's3:x-amz-server-side-encryption-aws-kms-key-id': { 'Fn::GetAtt': [logicalIdOf(built.stack, built.shared.encryptionKey), 'Arn'] },
          },
        },
      });
    });

    test('uploads with a customer-provided key (SSE-C), copies and multipart uploads included', () => {
      const built = build();
      expectBucketPolicyStatement(built, {
        Sid: 'DenyCustomerProvidedKeys',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(built.stack, built.shared.bucket), 'Arn'] }, '/*']] },
        Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
      });
    });
  });

  describe('consumer grants in the bucket policy', () => {
    test('READ with a prefix: one statement, GetObject on the prefix and ListBucket on the bucket limited to the prefix', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.READ });
      expectBucketPolicyStatement(built, {
        Sid: 'Grant1',
        Effect: 'Allow',
        Principal: accountPrincipal(CONSUMER_ACCOUNT),
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [bucketArn(), objectsArn('data/*')],
        // IfExists: object requests carry no s3:prefix; a listing of another prefix fails.
        Condition: Match.exact({ StringLikeIfExists: { 's3:prefix': 'data/*' } }),
      });
      // One statement per grant: no separate object or list statement.
      expect(sidsOf(bucketPolicyStatements(built)).filter(sid => sid !== undefined && GRANT_SID.test(sid))).toEqual(['Grant1']);
    });

    test('READ without a prefix: the whole bucket, without an s3:prefix condition and without a listing denial', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, access: AccessLevel.READ });
      expectBucketPolicyStatement(built, {
        Sid: 'Grant1',
        Principal: accountPrincipal(CONSUMER_ACCOUNT),
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [bucketArn(), objectsArn('*')],
        Condition: Match.absent(),
      });
      expect(listingDenial(built)).toBeUndefined();
    });

    test('access defaults to READ', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/' });
      expectBucketPolicyStatement(built, { Sid: 'Grant1', Action: ['s3:GetObject', 's3:ListBucket'] });
      expectKeyPolicyStatement(built, { Sid: 'Grant1Key', Action: 'kms:Decrypt' });
    });

    test('WRITE: PutObject and AbortMultipartUpload on the objects only, no listing and no s3:prefix condition', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.WRITE });
      expectBucketPolicyStatement(built, {
        Sid: 'Grant1',
        Principal: accountPrincipal(CONSUMER_ACCOUNT),
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: objectsArn('data/*'),
        Condition: Match.absent(),
      });
      expect(bucketPolicyStatements(built).filter(statement => actionsOf(statement).includes('s3:ListBucket'))).toEqual([]);
    });

    test('READ_WRITE: the union of READ and WRITE', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.READ_WRITE });
      expectBucketPolicyStatement(built, {
        Sid: 'Grant1',
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListBucket'],
        Resource: [bucketArn(), objectsArn('data/*')],
        Condition: Match.exact({ StringLikeIfExists: { 's3:prefix': 'data/*' } }),
      });
    });

    test('allowDelete adds exactly s3:DeleteObject', () => {
      const withDelete = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.WRITE, allowDelete: true });
      expectBucketPolicyStatement(withDelete, {
        Sid: 'Grant1',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
      });
      const readWithDelete = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, access: AccessLevel.READ, allowDelete: true });
      expectBucketPolicyStatement(readWithDelete, { Sid: 'Grant1', Action: ['s3:GetObject', 's3:DeleteObject', 's3:ListBucket'] });
    });

    test('no Allow statement of the bucket or key policy grants a dangerous or wildcard action', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.READ_WRITE, allowDelete: true });
      // Deny statements legitimately use 's3:*' (TLS rules), and the owner's key statement is 'kms:*':
      // only what is allowed matters here.
      const allowed = [...bucketPolicyStatements(built), ...keyPolicyStatements(built)]
        .filter(statement => statement.Effect === 'Allow');
      // Every Allow statement is either the owner's key statement or one of the consumer's.
      expect(sidsOf(allowed)).toEqual(['Grant1', undefined, 'Grant1Key']);
      const actions = allowed.flatMap(actionsOf);
      expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket', 'kms:Decrypt']));

      const forbidden = actions.filter(action =>
        action === 's3:*'
        || action === 's3:DeleteObjectVersion'
        || action === 's3:List*'
        || /Acl|Retention|LegalHold|VersionTagging/.test(action)
        || action.startsWith('s3:GetBucket')
        || action.startsWith('s3:PutBucket')
        || (action.startsWith('s3:') && action.includes('*')));
      expect(forbidden).toEqual([]);

      // The consumer's statements hold exactly the table's actions.
      expect(consumerStatements(built).flatMap(actionsOf).sort()).toEqual([
        'kms:Decrypt', 'kms:GenerateDataKey',
        's3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject',
      ]);
    });

    test('principalArns narrows every consumer statement with ArnEquals aws:PrincipalArn', () => {
      const principalArns = [READER_ROLE_ARN, `arn:aws:iam::${CONSUMER_ACCOUNT}:user/ops/alice`];
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', principalArns });
      const statements = consumerStatements(built);
      expect(sidsOf(statements)).toEqual(['Grant1', 'Grant1Key']);
      for (const statement of statements) {
        expect(statement.Principal).toEqual(accountPrincipal(CONSUMER_ACCOUNT));
        expect(statement.Condition.ArnEquals).toEqual({ 'aws:PrincipalArn': principalArns });
      }
    });

    test('a single principal ARN is rendered as a string, not a list', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', principalArns: [READER_ROLE_ARN] });
      const statements = consumerStatements(built);
      expect(statements).toHaveLength(2);
      for (const statement of statements) {
        expect(statement.Condition.ArnEquals).toEqual({ 'aws:PrincipalArn': READER_ROLE_ARN });
      }
    });

    test('without principalArns there is no aws:PrincipalArn condition', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/' });
      // The prefix and key conditions, and nothing else.
      expect(consumerStatements(built).map(statement => [statement.Sid, statement.Condition])).toEqual([
        ['Grant1', { StringLikeIfExists: { 's3:prefix': 'data/*' } }],
        ['Grant1Key', {
          StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(), objectsArn('data/*')] },
        }],
      ]);
    });

    test('organizationId adds StringEquals aws:PrincipalOrgID to every consumer statement', () => {
      const built = build({
        bucketName: BUCKET_NAME,
        organizationId: ORGANIZATION_ID,
        consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }, { accountId: OTHER_ACCOUNT, access: AccessLevel.WRITE }],
      });
      const statements = consumerStatements(built);
      expect(sidsOf(statements).sort()).toEqual(['Grant1', 'Grant1Key', 'Grant2', 'Grant2Key']);
      for (const statement of statements) {
        expect(statement.Condition.StringEquals['aws:PrincipalOrgID']).toEqual(ORGANIZATION_ID);
      }
      // Not on the owner's own statements.
      const ownerKeyStatement = keyPolicyStatements(built).find(statement => statement.Sid === undefined);
      expect(JSON.stringify(ownerKeyStatement)).not.toContain('PrincipalOrgID');
    });
  });

  describe('consumer grants in the key policy', () => {
    test('READ: kms:Decrypt, only through S3 in the bucket region, for this bucket and prefix', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.READ });
      expectKeyPolicyStatement(built, {
        Sid: 'Grant1Key',
        Effect: 'Allow',
        Principal: accountPrincipal(CONSUMER_ACCOUNT),
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: Match.exact({
          StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(), objectsArn('data/*')] },
        }),
      });
    });

    test('WRITE: kms:GenerateDataKey and kms:Decrypt', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.WRITE });
      expectKeyPolicyStatement(built, {
        Sid: 'Grant1Key',
        Principal: accountPrincipal(CONSUMER_ACCOUNT),
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
      });
    });

    /** Every condition key a statement uses, whatever its operator. */
    function conditionKeys(statement: Statement): string[] {
      return Object.values(statement.Condition as Record<string, Record<string, unknown>>).flatMap(Object.keys).sort();
    }

    test('the condition keys are exactly ViaService and the S3 encryption context (no kms:CallerAccount)', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT });
      const keyStatement = statementWithSid(keyPolicyStatements(built), 'Grant1Key');
      expect(keyStatement.Condition).toEqual({
        StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(), objectsArn('*')] },
      });
      expect(conditionKeys(keyStatement)).toEqual(['kms:EncryptionContext:aws:s3:arn', 'kms:ViaService']);
    });

    test('named principals and an organization add exactly aws:PrincipalArn and aws:PrincipalOrgID', () => {
      const built = build({
        bucketName: BUCKET_NAME,
        organizationId: ORGANIZATION_ID,
        consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'data/', principalArns: [READER_ROLE_ARN] }],
      });
      const keyStatement = statementWithSid(keyPolicyStatements(built), 'Grant1Key');
      expect(conditionKeys(keyStatement)).toEqual([
        'aws:PrincipalArn', 'aws:PrincipalOrgID', 'kms:EncryptionContext:aws:s3:arn', 'kms:ViaService',
      ]);
      expect(keyStatement.Condition).toEqual({
        ArnEquals: { 'aws:PrincipalArn': READER_ROLE_ARN },
        StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'aws:PrincipalOrgID': ORGANIZATION_ID },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(), objectsArn('data/*')] },
      });
    });
  });

  describe('merging grants of the same scope', () => {
    test('two named-principal grants of one scope in different accounts share one bucket and one key statement', () => {
      const otherRole = `arn:aws:iam::${OTHER_ACCOUNT}:role/Analyst`;
      const built = buildWithConsumers(
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/', principalArns: [READER_ROLE_ARN] },
        { accountId: OTHER_ACCOUNT, prefix: 'data/', principalArns: [otherRole] },
      );
      expect(sidsOf(consumerStatements(built))).toEqual(['Grant1', 'Grant1Key']);
      expectBucketPolicyStatement(built, {
        Sid: 'Grant1',
        Principal: accountPrincipal(CONSUMER_ACCOUNT, OTHER_ACCOUNT),
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [bucketArn(), objectsArn('data/*')],
        Condition: Match.exact({
          ArnEquals: { 'aws:PrincipalArn': [READER_ROLE_ARN, otherRole] },
          StringLikeIfExists: { 's3:prefix': 'data/*' },
        }),
      });
      expectKeyPolicyStatement(built, {
        Sid: 'Grant1Key',
        Principal: accountPrincipal(CONSUMER_ACCOUNT, OTHER_ACCOUNT),
        Action: 'kms:Decrypt',
        Condition: Match.exact({
          ArnEquals: { 'aws:PrincipalArn': [READER_ROLE_ARN, otherRole] },
          StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(), objectsArn('data/*')] },
        }),
      });
    });

    test('two whole-account grants of one scope share one statement listing both accounts', () => {
      const built = buildWithConsumers(
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.WRITE },
        { accountId: OTHER_ACCOUNT, prefix: 'data/', access: AccessLevel.WRITE },
      );
      expect(sidsOf(consumerStatements(built))).toEqual(['Grant1', 'Grant1Key']);
      for (const statement of consumerStatements(built)) {
        expect(statement.Principal).toEqual(accountPrincipal(CONSUMER_ACCOUNT, OTHER_ACCOUNT));
        expect(statement.Condition?.ArnEquals).toBeUndefined();
      }
    });

    test('an account granted twice in one scope is listed once, and its new principals are added', () => {
      const alice = `arn:aws:iam::${CONSUMER_ACCOUNT}:user/alice`;
      const built = buildWithConsumers(
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/', principalArns: [READER_ROLE_ARN] },
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/', principalArns: [READER_ROLE_ARN, alice] },
      );
      for (const statement of consumerStatements(built)) {
        expect(statement.Principal).toEqual(accountPrincipal(CONSUMER_ACCOUNT));
        expect(statement.Condition.ArnEquals).toEqual({ 'aws:PrincipalArn': [READER_ROLE_ARN, alice] });
      }
    });

    test('different prefixes stay separate statements', () => {
      const built = buildWithConsumers(
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/' },
        { accountId: OTHER_ACCOUNT, prefix: 'other/' },
      );
      expect(sidsOf(consumerStatements(built))).toEqual(['Grant1', 'Grant2', 'Grant1Key', 'Grant2Key']);
      expectBucketPolicyStatement(built, {
        Sid: 'Grant1', Principal: accountPrincipal(CONSUMER_ACCOUNT), Resource: [bucketArn(), objectsArn('data/*')],
      });
      expectBucketPolicyStatement(built, {
        Sid: 'Grant2', Principal: accountPrincipal(OTHER_ACCOUNT), Resource: [bucketArn(), objectsArn('other/*')],
      });
      expectKeyPolicyStatement(built, {
        Sid: 'Grant2Key',
        Principal: accountPrincipal(OTHER_ACCOUNT),
        Condition: Match.objectLike({ StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(), objectsArn('other/*')] } }),
      });
    });

    test.each<[string, ConsumerGrant]>([
      ['access level', { accountId: OTHER_ACCOUNT, prefix: 'data/', access: AccessLevel.READ_WRITE }],
      ['allowDelete', { accountId: OTHER_ACCOUNT, prefix: 'data/', allowDelete: true }],
      ['prefix against the whole bucket', { accountId: OTHER_ACCOUNT }],
    ])('a different %s stays a separate statement', (_, second) => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }, second);
      expect(sidsOf(consumerStatements(built))).toEqual(['Grant1', 'Grant2', 'Grant1Key', 'Grant2Key']);
      expectBucketPolicyStatement(built, { Sid: 'Grant1', Principal: accountPrincipal(CONSUMER_ACCOUNT) });
      expectBucketPolicyStatement(built, { Sid: 'Grant2', Principal: accountPrincipal(OTHER_ACCOUNT) });
    });

    test('a whole-account grant and a named-role grant of the same scope stay separate', () => {
      const built = buildWithConsumers(
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/' },
        { accountId: OTHER_ACCOUNT, prefix: 'data/', principalArns: [`arn:aws:iam::${OTHER_ACCOUNT}:role/Analyst`] },
      );
      const statements = consumerStatements(built);
      expect(sidsOf(statements)).toEqual(['Grant1', 'Grant2', 'Grant1Key', 'Grant2Key']);
      // Merged, the account-wide grant would be narrowed to the role, or the role's account widened to all of it.
      for (const sid of ['Grant1', 'Grant1Key']) {
        const statement = statementWithSid(statements, sid);
        expect(statement.Principal).toEqual(accountPrincipal(CONSUMER_ACCOUNT));
        expect(statement.Condition.ArnEquals).toBeUndefined();
      }
      for (const sid of ['Grant2', 'Grant2Key']) {
        const statement = statementWithSid(statements, sid);
        expect(statement.Principal).toEqual(accountPrincipal(OTHER_ACCOUNT));
        expect(statement.Condition.ArnEquals).toEqual({ 'aws:PrincipalArn': `arn:aws:iam::${OTHER_ACCOUNT}:role/Analyst` });
      }
    });

    test('the groups are numbered in order of first appearance, also for grants added later', () => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', {
        bucketName: BUCKET_NAME,
        consumers: [
          { accountId: CONSUMER_ACCOUNT, prefix: 'data/' },
          { accountId: OTHER_ACCOUNT, prefix: 'other/' },
        ],
      });
      shared.addConsumer({ accountId: THIRD_ACCOUNT, prefix: 'data/' });
      const built = { stack, shared, template: Template.fromStack(stack) };

      expect(sidsOf(consumerStatements(built))).toEqual(['Grant1', 'Grant2', 'Grant1Key', 'Grant2Key']);
      expectBucketPolicyStatement(built, { Sid: 'Grant1', Principal: accountPrincipal(CONSUMER_ACCOUNT, THIRD_ACCOUNT) });
      expectKeyPolicyStatement(built, { Sid: 'Grant1Key', Principal: accountPrincipal(CONSUMER_ACCOUNT, THIRD_ACCOUNT) });
      expectBucketPolicyStatement(built, { Sid: 'Grant2', Principal: accountPrincipal(OTHER_ACCOUNT) });
    });

    test('merged statements keep the organization condition', () => {
      const built = build({
        bucketName: BUCKET_NAME,
        organizationId: ORGANIZATION_ID,
        consumers: [{ accountId: CONSUMER_ACCOUNT }, { accountId: OTHER_ACCOUNT }],
      });
      const statements = consumerStatements(built);
      expect(sidsOf(statements)).toEqual(['Grant1', 'Grant1Key']);
      for (const statement of statements) {
        expect(statement.Principal).toEqual(accountPrincipal(CONSUMER_ACCOUNT, OTHER_ACCOUNT));
        expect(statement.Condition.StringEquals['aws:PrincipalOrgID']).toEqual(ORGANIZATION_ID);
      }
    });
  });

  describe('listing without a prefix', () => {
    test('a prefix READ grant adds DenyListingWithoutPrefix for every principal outside the owner account', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/' });
      expect(listingDenial(built)).toEqual(expectedListingDenial());
    });

    test('a prefix READ_WRITE grant adds it too', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.READ_WRITE });
      expect(listingDenial(built)).toEqual(expectedListingDenial());
    });

    test('several prefix grants share one denial', () => {
      const built = buildWithConsumers(
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/' },
        { accountId: OTHER_ACCOUNT, prefix: 'other/', principalArns: [`arn:aws:iam::${OTHER_ACCOUNT}:role/Analyst`] },
      );
      expect(bucketPolicyStatements(built).filter(statement => statement.Sid === 'DenyListingWithoutPrefix')).toHaveLength(1);
      expect(listingDenial(built)).toEqual(expectedListingDenial());
    });

    test('WRITE-only shares have no DenyListingWithoutPrefix', () => {
      const built = buildWithConsumers(
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/', access: AccessLevel.WRITE },
        { accountId: OTHER_ACCOUNT, prefix: 'other/', access: AccessLevel.WRITE, allowDelete: true },
      );
      expect(listingDenial(built)).toBeUndefined();
    });

    test('a whole-bucket named-role grant is exempt by its principal ARNs', () => {
      const alice = `arn:aws:iam::${OTHER_ACCOUNT}:user/alice`;
      const built = buildWithConsumers(
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/' },
        { accountId: OTHER_ACCOUNT, principalArns: [alice] },
      );
      expect(listingDenial(built)).toEqual(expectedListingDenial(alice));
    });

    test('a whole-bucket whole-account grant is exempt by arn:<partition>:iam::<account>:*', () => {
      const built = buildWithConsumers(
        { accountId: OTHER_ACCOUNT },
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/' },
      );
      expect(listingDenial(built)).toEqual(expectedListingDenial(everyPrincipalOf(OTHER_ACCOUNT)));
    });

    test('several exemptions are listed in order', () => {
      const alice = `arn:aws:iam::${THIRD_ACCOUNT}:user/alice`;
      const built = buildWithConsumers(
        { accountId: OTHER_ACCOUNT, access: AccessLevel.READ_WRITE },
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/' },
        { accountId: THIRD_ACCOUNT, principalArns: [alice] },
      );
      expect(listingDenial(built)).toEqual(expectedListingDenial([everyPrincipalOf(OTHER_ACCOUNT), alice]));
    });

    test('a whole-bucket grant added after a prefix grant with addConsumer is exempt too', () => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }] });
      shared.addConsumer({ accountId: OTHER_ACCOUNT, principalArns: [`arn:aws:iam::${OTHER_ACCOUNT}:role/Analyst`] });
      shared.addConsumer({ accountId: THIRD_ACCOUNT });
      const built = { stack, shared, template: Template.fromStack(stack) };
      expect(listingDenial(built)).toEqual(expectedListingDenial([
        `arn:aws:iam::${OTHER_ACCOUNT}:role/Analyst`, everyPrincipalOf(THIRD_ACCOUNT),
      ]));
    });

    test('a prefix grant added after a whole-bucket grant with addConsumer creates the denial with the exemption', () => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: OTHER_ACCOUNT }] });
      shared.addConsumer({ accountId: CONSUMER_ACCOUNT, prefix: 'data/' });
      const built = { stack, shared, template: Template.fromStack(stack) };
      expect(listingDenial(built)).toEqual(expectedListingDenial(everyPrincipalOf(OTHER_ACCOUNT)));
    });

    test('a whole-bucket WRITE grant lists nothing and is not exempt', () => {
      const built = buildWithConsumers(
        { accountId: OTHER_ACCOUNT, access: AccessLevel.WRITE },
        { accountId: CONSUMER_ACCOUNT, prefix: 'data/' },
      );
      expect(listingDenial(built)).toEqual(expectedListingDenial());
    });

    test('whole-bucket grants alone need no denial', () => {
      const built = buildWithConsumers({ accountId: CONSUMER_ACCOUNT }, { accountId: OTHER_ACCOUNT, principalArns: [`arn:aws:iam::${OTHER_ACCOUNT}:role/Analyst`] });
      expect(listingDenial(built)).toBeUndefined();
    });
  });

  describe('addConsumer', () => {
    test('adds Grant2 statements after construction for a grant of another scope', () => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER_ACCOUNT }] });
      shared.addConsumer({ accountId: OTHER_ACCOUNT, prefix: 'other/', access: AccessLevel.WRITE });
      const built = { stack, shared, template: Template.fromStack(stack) };

      expectBucketPolicyStatement(built, {
        Sid: 'Grant2',
        Principal: accountPrincipal(OTHER_ACCOUNT),
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: objectsArn('other/*'),
      });
      expectKeyPolicyStatement(built, {
        Sid: 'Grant2Key',
        Principal: accountPrincipal(OTHER_ACCOUNT),
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Condition: Match.objectLike({
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(), objectsArn('other/*')] },
        }),
      });
      expectBucketPolicyStatement(built, { Sid: 'Grant1', Principal: accountPrincipal(CONSUMER_ACCOUNT) });
      expect(shared.consumers.map(grant => grant.accountId)).toEqual([CONSUMER_ACCOUNT, OTHER_ACCOUNT]);
    });

    test('a bad grant throws naming addConsumer(grant) and records nothing', () => {
      const shared = new SharedBucket(ownerStack(), 'Shared');
      expect(() => shared.addConsumer({ accountId: '1234' }))
        .toThrow(problem('addConsumer(grant).accountId', "'1234'", 'exactly 12 digits'));
      expect(() => shared.addConsumer({ accountId: CONSUMER_ACCOUNT, prefix: 'data' }))
        .toThrow(problem('addConsumer(grant).prefix', "'data'", "ending in '/', such as 'data/'"));
      expect(() => shared.addConsumer({ accountId: CONSUMER_ACCOUNT, access: 'ADMIN' as any }))
        .toThrow(problem('addConsumer(grant).access', "'ADMIN'", 'one of READ, WRITE, READ_WRITE'));
      expect(shared.consumers).toEqual([]);
    });
  });

  describe('bucket name', () => {
    test('bucketName and bucketArn members are known at synth time, without a reference to the bucket', () => {
      const { stack, shared } = build({ bucketName: BUCKET_NAME });

      expect(shared.bucketName).toEqual(BUCKET_NAME);
      expect(stack.resolve(shared.bucketArn)).toEqual(bucketArn());
    });

    function bucketNameOf({ template, stack, shared }: Built): unknown {
      return template.findResources('AWS::S3::Bucket')[logicalIdOf(stack, shared.bucket)].Properties.BucketName;
    }

    test('defaults to a valid, lower-case name ending in the account and region', () => {
      const name = bucketNameOf(build());
      expect(typeof name).toBe('string');
      expect(name).toMatch(/-111111111111-eu-west-1$/);
      expect(name).toEqual((name as string).toLowerCase());
      expect((name as string).length).toBeLessThanOrEqual(63);
      expect(name).toMatch(BUCKET_NAME_RULE);
      // Derived from the construct path 'Owner/Shared', lower-cased, with a hash of the path.
      expect(name).toMatch(/^owner-shared-[0-9a-f]{8}-111111111111-eu-west-1$/);
    });

    test('the default stays a valid bucket name for long construct paths and odd characters', () => {
      const app = new App();
      const stack = new Stack(app, 'AVeryLongOwnerStackNameThatGoesOnAndOnAndOn', { env: { account: OWNER_ACCOUNT, region: 'ap-southeast-2' } });
      const shared = new SharedBucket(stack, 'My_Shared.Bucket_WithAnExtremelyLongConstructIdentifier');
      const name = bucketNameOf({ stack, shared, template: Template.fromStack(stack) }) as string;
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(BUCKET_NAME_RULE);
      expect(name).not.toContain('..');
      expect(name).toMatch(/-111111111111-ap-southeast-2$/);
    });

    test('the default differs between two SharedBuckets of one stack', () => {
      const stack = ownerStack();
      const first = new SharedBucket(stack, 'First');
      const second = new SharedBucket(stack, 'Second');
      const template = Template.fromStack(stack);
      const buckets = template.findResources('AWS::S3::Bucket');
      const names = [first, second].map(shared => buckets[logicalIdOf(stack, shared.bucket)].Properties.BucketName);
      expect(names[0]).not.toEqual(names[1]);
    });

    test('an explicit bucketName is used as is, also in the policies', () => {
      const built = build({ bucketName: 'my-explicit-bucket', consumers: [{ accountId: CONSUMER_ACCOUNT }] });
      expect(bucketNameOf(built)).toEqual('my-explicit-bucket');
      expectBucketPolicyStatement(built, {
        Sid: 'Grant1',
        Resource: [bucketArn('my-explicit-bucket'), objectsArn('*', 'my-explicit-bucket')],
      });
      expectKeyPolicyStatement(built, {
        Sid: 'Grant1Key',
        Condition: Match.objectLike({
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn('my-explicit-bucket'), objectsArn('*', 'my-explicit-bucket')] },
        }),
      });
    });

    test('the key policy names the bucket without referring to the bucket resource (no dependency cycle)', () => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', { consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }] });
      let template: Template | undefined;
      expect(() => { template = Template.fromStack(stack); }).not.toThrow();
      const bucketId = logicalIdOf(stack, shared.bucket);
      const key = Object.values(template!.findResources('AWS::KMS::Key'))[0];
      expect(JSON.stringify(key)).not.toContain(bucketId);
      expect(key.DependsOn).toBeUndefined();
      // ...while the bucket does refer to the key.
      expect(JSON.stringify(template!.findResources('AWS::S3::Bucket')[bucketId])).toContain(logicalIdOf(stack, shared.encryptionKey));
    });
  });

  describe('outputs', () => {
    test('exports the bucket name, the bucket ARN and the key ARN', () => {
      const { template, stack, shared } = build();
      const outputs = template.findOutputs('*');
      const keys = Object.keys(outputs);
      expect(keys).toEqual(expect.arrayContaining([
        expect.stringMatching(/BucketName/), expect.stringMatching(/BucketArn/), expect.stringMatching(/EncryptionKeyArn/),
      ]));
      const bucketId = logicalIdOf(stack, shared.bucket);

      const bucketNameKey = keys.find(key => /BucketName/.test(key));
      const bucketArnKey = keys.find(key => /BucketArn/.test(key));
      const keyArnKey = keys.find(key => /EncryptionKeyArn/.test(key));
      expect([bucketNameKey, bucketArnKey, keyArnKey]).not.toContain(undefined);
      template.hasOutput(bucketNameKey!, { Value: { Ref: bucketId } });
      template.hasOutput(bucketArnKey!, { Value: { 'Fn::GetAtt': [bucketId, 'Arn'] } });
      template.hasOutput(keyArnKey!, { Value: { 'Fn::GetAtt': [logicalIdOf(stack, shared.encryptionKey), 'Arn'] } });
    });
  });

  describe('invalid props', () => {
    const cases: Array<[string, SharedBucketProps, string, string, string]> = [
      ['an account id that is not 12 digits',
        { consumers: [{ accountId: '1234' }] },
        'consumers[0].accountId', "'1234'", 'an AWS account id of exactly 12 digits'],
      ['a prefix with a leading slash',
        { consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: '/data/' }] },
        'consumers[0].prefix', "'/data/'", "without a leading '/'"],
      ["a prefix with the wildcard '*'",
        { consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'data/*' }] },
        'consumers[0].prefix', "'data/*'", "without the policy wildcards '*' or '?'"],
      ["a prefix with the wildcard '?'",
        { consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'da?a/' }] },
        'consumers[0].prefix', "'da?a/'", "without the policy wildcards '*' or '?'"],
      ["a prefix that does not end in '/'",
        { consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'data' }] },
        'consumers[0].prefix', "'data'", "a key prefix ending in '/', such as 'data/'"],
      ['an empty prefix',
        { consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: '' }] },
        'consumers[0].prefix', "''", 'omit the property to share the whole bucket'],
      ['a prefix with a policy variable',
        { consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: '${aws:username}/' }] },
        'consumers[0].prefix', "'${aws:username}/'", "without '${', which IAM reads as a policy variable"],
      ['an empty principalArns list',
        { consumers: [{ accountId: CONSUMER_ACCOUNT, principalArns: [] }] },
        'consumers[0].principalArns', "'[]'", 'at least one IAM role or user ARN'],
      ['an assumed-role session ARN',
        { consumers: [{ accountId: CONSUMER_ACCOUNT, principalArns: [`arn:aws:sts::${CONSUMER_ACCOUNT}:assumed-role/R/s`] }] },
        'consumers[0].principalArns[0]', `'arn:aws:sts::${CONSUMER_ACCOUNT}:assumed-role/R/s'`, 'no assumed-role session ARNs'],
      ['a principal ARN of another account',
        { consumers: [{ accountId: CONSUMER_ACCOUNT, principalArns: [`arn:aws:iam::${OTHER_ACCOUNT}:role/Reader`] }] },
        'consumers[0].principalArns[0]', `'arn:aws:iam::${OTHER_ACCOUNT}:role/Reader'`,
        `a principal of account ${CONSUMER_ACCOUNT}, not of account ${OTHER_ACCOUNT}`],
      ['a principal ARN with a wildcard',
        { consumers: [{ accountId: CONSUMER_ACCOUNT, principalArns: [READER_ROLE_ARN, `arn:aws:iam::${CONSUMER_ACCOUNT}:role/Read*`] }] },
        'consumers[0].principalArns[1]', `'arn:aws:iam::${CONSUMER_ACCOUNT}:role/Read*'`, 'no wildcards'],
      ['an imported key named by an alias ARN',
        { encryptionKey: kms.Key.fromKeyArn(new Stack(), 'Alias', `arn:aws:kms:${REGION}:${OWNER_ACCOUNT}:alias/shared`) },
        'encryptionKey', `'arn:aws:kms:${REGION}:${OWNER_ACCOUNT}:alias/shared'`, 'aliases do not resolve across accounts'],
      ['a principal ARN with a wildcard in its path',
        { consumers: [{ accountId: CONSUMER_ACCOUNT, principalArns: [`arn:aws:iam::${CONSUMER_ACCOUNT}:role/*/Reader`] }] },
        'consumers[0].principalArns[0]', `'arn:aws:iam::${CONSUMER_ACCOUNT}:role/*/Reader'`, 'no wildcards'],
      ["a principal ARN with a '?' in its path",
        { consumers: [{ accountId: CONSUMER_ACCOUNT, principalArns: [`arn:aws:iam::${CONSUMER_ACCOUNT}:role/team?/Reader`] }] },
        'consumers[0].principalArns[0]', `'arn:aws:iam::${CONSUMER_ACCOUNT}:role/team?/Reader'`, 'no wildcards'],
      ['a bucket name with capitals and an underscore',
        { bucketName: 'Invalid_Name' },
        'bucketName', "'Invalid_Name'", 'an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens'],
      ['a bucket name that is too short',
        { bucketName: 'ab' },
        'bucketName', "'ab'", '3 to 63'],
      ['a bucket name that is an IP address',
        { bucketName: '192.168.1.1' },
        'bucketName', "'192.168.1.1'", 'not an IP address'],
      ['a bucket name with a reserved prefix',
        { bucketName: 'xn--abc' },
        'bucketName', "'xn--abc'", "not using the reserved 'xn--'"],
      ['a malformed organization id',
        { organizationId: 'org-123' },
        'organizationId', "'org-123'", "an AWS Organizations id such as 'o-"],
      ['an unknown TLS version',
        { minimumTlsVersion: 1.4 },
        'minimumTlsVersion', '1.4', 'one of 1.0, 1.1, 1.2, 1.3'],
      ['an unknown access level',
        { consumers: [{ accountId: CONSUMER_ACCOUNT, access: 'ADMIN' as any }] },
        'consumers[0].access', "'ADMIN'", 'one of READ, WRITE, READ_WRITE'],
    ];

    test.each(cases)('rejects %s', (_, props, prop, value, expectation) => {
      expect(construct(props)).toThrow(problem(prop, value, expectation));
    });

    test('a valid grant with every optional property builds', () => {
      // The counterpart of the table above: the rules reject only what is wrong.
      expect(construct({
        bucketName: 'my.valid-bucket-1',
        organizationId: ORGANIZATION_ID,
        minimumTlsVersion: 1.3,
        consumers: [{
          accountId: CONSUMER_ACCOUNT,
          prefix: 'partner-a/in/',
          access: AccessLevel.WRITE,
          allowDelete: true,
          principalArns: [READER_ROLE_ARN, `arn:aws:iam::${CONSUMER_ACCOUNT}:user/ops/alice`],
        }],
      })).not.toThrow();
    });

    test('reports every problem in one error that names the construct path', () => {
      const attempt = construct({
        bucketName: 'Invalid_Name',
        consumers: [{ accountId: '1234' }, { accountId: CONSUMER_ACCOUNT, prefix: '/data/' }],
      });
      expect(attempt).toThrow(/SharedBucket 'Owner\/Shared' has invalid props/);
      expect(attempt).toThrow(problem('bucketName', "'Invalid_Name'", 'an S3 bucket name'));
      expect(attempt).toThrow(problem('consumers[0].accountId', "'1234'", 'exactly 12 digits'));
      expect(attempt).toThrow(problem('consumers[1].prefix', "'/data/'", "without a leading '/'"));
    });
  });

  describe('warnings', () => {
    test('a consumer that is the owner account gets a consumerIsOwnerAccount warning', () => {
      const { stack } = build({ consumers: [{ accountId: OWNER_ACCOUNT }] });
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('cdk-cross-account-bucket:consumerIsOwnerAccount'));
      Annotations.fromStack(stack).hasWarning('/Owner/Shared', Match.stringLikeRegexp(`Consumer ${OWNER_ACCOUNT} is the account that owns the bucket`));
    });

    test('a consumer in another account gets no warning', () => {
      const { stack } = build({ consumers: [{ accountId: CONSUMER_ACCOUNT }] });
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('consumerIsOwnerAccount'));
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('keyPolicyNotManaged'));
    });

    test('a grant without principalArns: the whole consumer account decides, and a warning says so', () => {
      const { stack } = build({ consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }] });
      const warnings = Annotations.fromStack(stack).findWarning('/Owner/Shared', Match.stringLikeRegexp('grantToWholeAccount'));
      expect(warnings.map(warning => warning.entry.data)).toEqual([
        `The grant to account ${CONSUMER_ACCOUNT} (prefix 'data/') names no principalArns: any principal of account ${CONSUMER_ACCOUNT} ` +
        "that the account's own IAM policies allow may use it. Narrow it with principalArns (the consumer's roles), or acknowledge this " +
        'warning if the whole account is meant. [ack: cdk-cross-account-bucket:grantToWholeAccount]',
      ]);
    });

    test('a grant added with addConsumer is warned about too; one narrowed by principalArns is not', () => {
      const { shared, stack } = build({ consumers: [{ accountId: CONSUMER_ACCOUNT, principalArns: [READER_ROLE_ARN] }] });
      shared.addConsumer({ accountId: OTHER_ACCOUNT, access: AccessLevel.WRITE });
      const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('grantToWholeAccount'));
      expect(warnings.map(warning => String(warning.entry.data))).toEqual([expect.stringMatching(new RegExp(`^The grant to account ${OTHER_ACCOUNT} names no principalArns`))]);
    });

    test('a principal ARN of another partition than the stack\'s is an error', () => {
      expect(construct({ consumers: [{ accountId: CONSUMER_ACCOUNT, principalArns: [`arn:aws-us-gov:iam::${CONSUMER_ACCOUNT}:role/Reader`] }] }))
        .toThrow(problem('consumers[0].principalArns[0]', `'arn:aws-us-gov:iam::${CONSUMER_ACCOUNT}:role/Reader'`,
          "an ARN of partition 'aws', this stack's (region eu-west-1): an ARN of partition 'aws-us-gov' can never match"));
    });
  });

  describe('unresolved tokens', () => {
    test('a principalArns list token is refused at construction, naming the prop and the way out', () => {
      // Before: aws-cdk-lib failed at synth with "Found an encoded list token string in a scalar string context".
      const stack = ownerStack();
      const roles = new CfnParameter(stack, 'Roles', { type: 'CommaDelimitedList' }).valueAsList;
      expect(() => new SharedBucket(stack, 'Shared', { consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'data/', principalArns: roles }] }))
        .toThrow(/SharedBucket 'Owner\/Shared' has invalid props:\n {2}- consumers\[0\]\.principalArns is '\{"Ref":"Roles"\}': expected a list of IAM role or user ARNs written item by item, not a list token.*Way out: list the items, each of which may be a token of its own/);
      const shared = new SharedBucket(ownerStack(), 'Shared');
      const later = new CfnParameter(Stack.of(shared), 'Roles', { type: 'CommaDelimitedList' }).valueAsList;
      expect(() => shared.addConsumer({ accountId: CONSUMER_ACCOUNT, principalArns: later }))
        .toThrow(/addConsumer\(grant\)\.principalArns is '\{"Ref":"Roles"\}': expected a list of IAM role or user ARNs written item by item/);
    });

    test('principalArns items that are tokens are written as they are', () => {
      const stack = ownerStack();
      const roles = new CfnParameter(stack, 'Roles', { type: 'CommaDelimitedList' }).valueAsList;
      const built = build({
        bucketName: BUCKET_NAME,
        consumers: [{ accountId: CONSUMER_ACCOUNT, principalArns: [Fn.select(0, roles), new CfnParameter(stack, 'Role').valueAsString] }],
      }, stack);
      const written = { ArnEquals: { 'aws:PrincipalArn': [{ 'Fn::Select': [0, { Ref: 'Roles' }] }, { Ref: 'Role' }] } };
      expectBucketPolicyStatement(built, { Sid: 'Grant1', Condition: Match.objectLike(written) });
      expectKeyPolicyStatement(built, { Sid: 'Grant1Key', Condition: Match.objectLike(written) });
    });

    test('an account id parameter is accepted and used as the principal of the bucket and key statements', () => {
      const stack = ownerStack();
      const accountId = new CfnParameter(stack, 'Acct').valueAsString;
      const built = build({ bucketName: BUCKET_NAME, consumers: [{ accountId, principalArns: [READER_ROLE_ARN] }] }, stack);
      expectBucketPolicyStatement(built, { Sid: 'Grant1', Principal: { AWS: { Ref: 'Acct' } } });
      expectKeyPolicyStatement(built, { Sid: 'Grant1Key', Principal: { AWS: { Ref: 'Acct' } } });
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('consumerIsOwnerAccount'));
    });

    test('a prefix parameter is accepted and used in the resources', () => {
      const stack = ownerStack();
      const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
      const built = build({ bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER_ACCOUNT, prefix }] }, stack);
      expectBucketPolicyStatement(built, {
        Sid: 'Grant1',
        Resource: [bucketArn(), { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET_NAME}/`, { Ref: 'Prefix' }, '*']] }],
        Condition: Match.exact({ StringLikeIfExists: { 's3:prefix': { 'Fn::Join': ['', [{ Ref: 'Prefix' }, '*']] } } }),
      });
      expect(listingDenial(built)).toEqual(expectedListingDenial());
    });

    test.each([
      ['*', "expected a literal key prefix without the policy wildcards '*' or '?'"],
      ['data', "expected a key prefix ending in '/', such as 'data/'"],
    ])('a prefix token that resolves at synth to %p is checked at synth like a literal one', (resolved, expected) => {
      const stack = ownerStack();
      const shared = new SharedBucket(stack, 'Shared', { consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: Lazy.string({ produce: () => resolved }) }] });
      shared.addConsumer({ accountId: OTHER_ACCOUNT, prefix: Lazy.string({ produce: () => resolved }) });
      let message = '';
      try {
        Template.fromStack(stack);
      } catch (error) {
        message = (error as Error).message;
      }
      const expectedProblem = (prop: string) =>
        `SharedBucket 'Owner/Shared' has an invalid prop: ${prop} (a token, resolved at synth) is '${resolved}': ${expected}`;
      expect(message).toContain(expectedProblem('consumers[0].prefix'));
      expect(message).toContain(expectedProblem('addConsumer(grant).prefix'));
    });

    test('a prefix token that resolves at synth to a valid prefix is written as that prefix', () => {
      const stack = ownerStack();
      const built = build({ bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: Lazy.string({ produce: () => 'data/' }) }] }, stack);
      expectBucketPolicyStatement(built, { Sid: 'Grant1', Resource: [bucketArn(), objectsArn('data/*')] });
    });

    test('a bucket name parameter is accepted and used as the bucket name', () => {
      const stack = ownerStack();
      const bucketName = new CfnParameter(stack, 'Name').valueAsString;
      const { template } = build({ bucketName, consumers: [{ accountId: CONSUMER_ACCOUNT }] }, stack);
      template.hasResourceProperties('AWS::S3::Bucket', { BucketName: { Ref: 'Name' } });
    });

    test('an organization id parameter is accepted and used in the conditions', () => {
      const stack = ownerStack();
      const organizationId = new CfnParameter(stack, 'Org').valueAsString;
      const built = build({ bucketName: BUCKET_NAME, organizationId, consumers: [{ accountId: CONSUMER_ACCOUNT }] }, stack);
      expectBucketPolicyStatement(built, {
        Sid: 'Grant1',
        Condition: Match.exact({ StringEquals: { 'aws:PrincipalOrgID': { Ref: 'Org' } } }),
      });
      expectKeyPolicyStatement(built, {
        Sid: 'Grant1Key',
        Condition: Match.objectLike({ StringEquals: Match.objectLike({ 'aws:PrincipalOrgID': { Ref: 'Org' } }) }),
      });
    });

    test('an environment-agnostic stack works and the default name uses the account and region pseudo parameters', () => {
      const stack = new Stack(new App(), 'Owner');
      const built = build({ consumers: [{ accountId: CONSUMER_ACCOUNT }] }, stack);
      built.template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: { 'Fn::Join': ['', Match.arrayWith([{ Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }])] },
      });
      expectKeyPolicyStatement(built, {
        Sid: 'Grant1Key',
        Condition: Match.objectLike({
          StringEquals: Match.objectLike({ 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } }),
        }),
      });
    });

    test('in an environment-agnostic stack the listing denial exempts the owner account by its pseudo parameter', () => {
      const stack = new Stack(new App(), 'Owner');
      const built = build({ bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER_ACCOUNT, prefix: 'data/' }] }, stack);
      expect(listingDenial(built)?.Condition.StringNotEquals).toEqual({ 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } });
    });
  });
});
