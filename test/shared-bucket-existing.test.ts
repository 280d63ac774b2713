/**
 * SharedBucket with `existingBucket`: a bucket the app already defines, shared as it is.
 */
import { App, CfnParameter, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AccessLevel, SharedBucket, SharedBucketProps, SharingMode } from '../lib';
import { secureBucketProps as secureBucketPropsOf } from './existing-bucket-fixture';
import { errorMessage, reportedProblems } from './setup/props-errors';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const REGION = 'eu-west-1';
const NAME = 'team-data-111111111111';

function ownerStack(account = OWNER, region = REGION, app = new App()): Stack {
  return new Stack(app, `Owner${account}${region}`, { env: { account, region } });
}

function secureBucketProps(stack: Stack): s3.BucketProps {
  return secureBucketPropsOf(stack, NAME);
}

interface Shared {
  readonly stack: Stack;
  readonly bucket: s3.Bucket;
  readonly shared: SharedBucket;
}

/** Shares a bucket 'TeamData' defined in the same stack; `bucketProps` override the secure ones. */
function share(bucketProps: Partial<s3.BucketProps> = {}, props: Partial<SharedBucketProps> = {}, stack = ownerStack()): Shared {
  const bucket = new s3.Bucket(stack, 'TeamData', { ...secureBucketProps(stack), ...bucketProps });
  const shared = new SharedBucket(stack, 'Shared', {
    existingBucket: bucket,
    consumers: [{ accountId: CONSUMER, prefix: 'analytics/', principalArns: [`arn:aws:iam::${CONSUMER}:role/Reader`] }],
    ...props,
  });
  return { stack, bucket, shared };
}

function bucketPolicy(template: Template): any[] {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: Match.stringLikeRegexp('^TeamData') } } }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

function warningsOf(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(warning => String(warning.entry.data));
}

const partitionArn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

describe('SharedBucket with existingBucket', () => {
  describe('what it writes', () => {
    test('no second bucket, key or log bucket: the grants go into the existing bucket policy and key policy', () => {
      const { stack, shared, bucket } = share();
      const template = Template.fromStack(stack);

      // The team's bucket and log bucket, the team's key: nothing else.
      template.resourceCountIs('AWS::S3::Bucket', 2);
      template.resourceCountIs('AWS::KMS::Key', 1);
      expect(shared.bucket).toBe(bucket);
      expect(shared.encryptionKey).toBe(bucket.encryptionKey);
      expect(shared.bucketName).toBe(NAME);
      expect(shared.bucketArn).toBe(`arn:${stack.partition}:s3:::${NAME}`);
      expect(bucketPolicy(template)).toEqual(expect.arrayContaining([
        expect.objectContaining({
          Sid: 'Grant1',
          Principal: { AWS: CONSUMER },
          Action: ['s3:GetObject', 's3:ListBucket'],
          Resource: [partitionArn(`:s3:::${NAME}`), partitionArn(`:s3:::${NAME}/analytics/*`)],
        }),
      ]));
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Sid: 'Grant1Key',
            Principal: { AWS: CONSUMER },
            Action: 'kms:Decrypt',
            Condition: Match.objectLike({ StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }),
          })]),
        },
      });
    });

    test('the bucket itself is left as the team defined it', () => {
      const app = new App();
      const alone = ownerStack(OWNER, REGION, app);
      new s3.Bucket(alone, 'TeamData', secureBucketProps(alone));
      const { stack } = share({}, {}, ownerStack(OWNER, REGION, new App()));

      const bucketOf = (template: Template) => Object.entries(template.findResources('AWS::S3::Bucket'))
        .find(([logicalId]) => logicalId.startsWith('TeamData'))![1];
      expect(bucketOf(Template.fromStack(stack))).toEqual(bucketOf(Template.fromStack(alone)));
    });

    test('the deny statements this library always writes: plain HTTP, old TLS, another encryption, another key', () => {
      const { stack } = share({}, { minimumTlsVersion: 1.3 });
      const statements = bucketPolicy(Template.fromStack(stack));
      const everything = [partitionArn(`:s3:::${NAME}`), partitionArn(`:s3:::${NAME}/*`)];

      expect(statements).toEqual(expect.arrayContaining([
        { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: everything, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        { Sid: 'DenyTlsBelowMinimum', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: everything, Condition: { NumericLessThan: { 's3:TlsVersion': 1.3 } } },
        expect.objectContaining({ Sid: 'DenyOtherServerSideEncryption', Effect: 'Deny' }),
        expect.objectContaining({ Sid: 'DenyOtherEncryptionKey', Effect: 'Deny' }),
      ]));
    });

    test('a bucket with the secure defaults: no warning', () => {
      expect(warningsOf(share().stack)).toEqual([]);
    });

    test('SharingMode.ACCESS_POINTS: the access points name the existing bucket, which delegates to them', () => {
      const { stack, shared } = share({}, { sharingMode: SharingMode.ACCESS_POINTS });

      expect(shared.accessPointArns).toHaveLength(1);
      const nested = stack.node.findAll().find(child => child.node.id === 'AccessPoints1') as Stack;
      Template.fromStack(nested).hasResourceProperties('AWS::S3::AccessPoint', { Bucket: NAME, BucketAccountId: OWNER });
      expect(bucketPolicy(Template.fromStack(stack))).toEqual(expect.arrayContaining([
        expect.objectContaining({ Sid: 'DelegateToAccessPoints', Condition: { StringEquals: { 's3:DataAccessPointAccount': OWNER } } }),
      ]));
    });

    test('a bucket in another stack of the same environment is shared from there', () => {
      const app = new App();
      const storage = new Stack(app, 'Storage', { env: { account: OWNER, region: REGION } });
      const bucket = new s3.Bucket(storage, 'TeamData', secureBucketProps(storage));
      const sharing = new Stack(app, 'Sharing', { env: { account: OWNER, region: REGION } });
      new SharedBucket(sharing, 'Shared', { existingBucket: bucket, consumers: [{ accountId: CONSUMER, access: AccessLevel.WRITE }] });
      // Every statement lands in the bucket's stack, leaving this one without a resource.
      Validations.of(sharing).acknowledge({ id: 'CloudFormation-Validate::F0001', reason: 'the test looks at where the statements land' });

      // The bucket policy belongs to the bucket, so it lands in the bucket's stack.
      Template.fromStack(storage).hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'Grant1', Action: ['s3:PutObject', 's3:AbortMultipartUpload'] })]) },
      });
      expect(() => app.synth()).not.toThrow();
    });
  });

  describe('two SharedBuckets on one bucket (or one key)', () => {
    /** Every statement id of every bucket and key policy of the stack, per policy. */
    function sidsPerPolicy(stack: Stack): Record<string, string[]> {
      const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
      return Object.fromEntries(Object.entries(resources)
        .filter(([, resource]) => ['AWS::S3::BucketPolicy', 'AWS::KMS::Key'].includes(resource.Type))
        .map(([id, resource]) => [id, (resource.Properties.PolicyDocument ?? resource.Properties.KeyPolicy).Statement
          .map((statement: any) => statement.Sid).filter((sid: unknown) => sid !== undefined)]));
    }
    const duplicates = (sids: string[]) => sids.filter((sid, index) => sids.indexOf(sid) !== index);

    test.each([
      ['SharingMode.BUCKET_POLICY', SharingMode.BUCKET_POLICY],
      ['SharingMode.ACCESS_POINTS', SharingMode.ACCESS_POINTS],
    ])('every statement id stays unique in the bucket and key policies (%s); the first share keeps its ids', (_, sharingMode) => {
      const stack = ownerStack();
      const bucket = new s3.Bucket(stack, 'TeamData', secureBucketProps(stack));
      const grants = (account: string, prefix: string, minimumTlsVersion: number): SharedBucketProps => ({
        existingBucket: bucket,
        sharingMode,
        minimumTlsVersion,
        consumers: [{ accountId: account, prefix, access: AccessLevel.READ_WRITE }],
        organizationGrants: [{ organizationId: 'o-a1b2c3d4e5', sharedPrefix: `${prefix}reference/`, access: prefix === 'a/' ? AccessLevel.READ : AccessLevel.WRITE }],
      });
      new SharedBucket(stack, 'First', grants(CONSUMER, 'a/', 1.2));
      new SharedBucket(stack, 'Second', grants('333333333333', 'b/', 1.3));

      const sids = sidsPerPolicy(stack);
      for (const [policy, ids] of Object.entries(sids)) {
        expect({ policy, duplicates: duplicates(ids) }).toEqual({ policy, duplicates: [] });
      }
      const all = Object.values(sids).flat();
      // The first share writes what a single share writes; the second's ids say which share they are.
      expect(all).toEqual(expect.arrayContaining(['DenyTlsBelowMinimum', 'Share2DenyTlsBelowMinimum', 'Organization1Key', 'Share2Organization1Key']));
      expect(all).toEqual(expect.arrayContaining(sharingMode === SharingMode.BUCKET_POLICY
        ? ['Grant1', 'Grant1Key', 'Share2Grant1', 'Share2Grant1Key', 'Organization1', 'Share2Organization1']
        : ['DelegateToAccessPoints', 'Share2DelegateToAccessPoints', 'WritingConsumersKey', 'Share2WritingConsumersKey']));
      expect(() => App.of(stack)!.synth()).not.toThrow();
    });

    test('two new buckets under one key: unique statement ids in the key policy', () => {
      const stack = ownerStack();
      const key = new kms.Key(stack, 'TeamKey');
      new SharedBucket(stack, 'First', { bucketName: 'first-bucket-111111111111', encryptionKey: key, consumers: [{ accountId: CONSUMER, prefix: 'a/' }] });
      new SharedBucket(stack, 'Second', { bucketName: 'second-bucket-111111111111', encryptionKey: key, consumers: [{ accountId: CONSUMER, prefix: 'b/' }] });

      const sids = sidsPerPolicy(stack);
      for (const [policy, ids] of Object.entries(sids)) {
        expect({ policy, duplicates: duplicates(ids) }).toEqual({ policy, duplicates: [] });
      }
      expect(Object.values(sids).flat()).toEqual(expect.arrayContaining(['Grant1Key', 'Share2Grant1Key']));
    });
  });

  describe('what would break sharing is an error', () => {
    const cases: Array<[string, (stack: Stack) => Partial<s3.BucketProps>, RegExp]> = [
      ['SSE-S3', () => ({ encryption: s3.BucketEncryption.S3_MANAGED, encryptionKey: undefined, bucketKeyEnabled: undefined }), /but it has SSE-S3 \(BucketEncryption.S3_MANAGED\)/],
      ['no default encryption', () => ({ encryption: undefined, encryptionKey: undefined, bucketKeyEnabled: undefined }), /but it has no default encryption set/],
      ['the AWS-managed key aws/s3', () => ({ encryption: s3.BucketEncryption.KMS_MANAGED, encryptionKey: undefined }), /but it has the AWS-managed key aws\/s3 \(BucketEncryption.KMS_MANAGED\), whose key policy cannot be changed/],
      ['an imported key', stack => ({ encryptionKey: kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:${REGION}:${OWNER}:key/11111111-2222-3333-4444-555555555555`) }),
        /but it has the imported key arn:aws:kms:eu-west-1:111111111111:key\/11111111-2222-3333-4444-555555555555, whose key policy cannot be changed from this app/],
      ['DSSE-KMS', () => ({ encryption: s3.BucketEncryption.DSSE }), /but it has aws:kms:dsse \(for example DSSE-KMS\)/],
      ['ObjectWriter', () => ({ objectOwnership: s3.ObjectOwnership.OBJECT_WRITER }), /objectOwnership BUCKET_OWNER_ENFORCED, but it has ObjectWriter: consumers who write would own their objects/],
      ['BucketOwnerPreferred', () => ({ objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED }), /but it has BucketOwnerPreferred/],
      ['a generated name', () => ({ bucketName: undefined }), /its name is generated at deploy time: the key policy names the bucket \(kms:EncryptionContext:aws:s3:arn\)/],
    ];
    test.each(cases)('%s', (_, bucketProps, expected) => {
      const message = errorMessage(() => share(bucketProps(ownerStack())));
      expect(message).toMatch(new RegExp(`SharedBucket '[^']*Shared' has invalid props:\\n  - existingBucket is '[^']*TeamData': expected .*${expected.source}`));
      expect(reportedProblems(message)).toHaveLength(1);
    });

    test.each([
      ['fromBucketName', (stack: Stack) => s3.Bucket.fromBucketName(stack, 'Imported', NAME)],
      ['fromBucketAttributes', (stack: Stack) => s3.Bucket.fromBucketAttributes(stack, 'Imported', { bucketName: NAME })],
    ])('a bucket imported with %s: a new bucket policy would replace the one it has', (_, imported) => {
      const stack = ownerStack();
      expect(() => new SharedBucket(stack, 'Shared', { existingBucket: imported(stack) as s3.Bucket }))
        .toThrow(/existingBucket is '[^']*Imported': expected a bucket defined in this CDK app .* a new AWS::S3::BucketPolicy would replace the policy the bucket has today/);
    });

    test.each([
      ['bucketName', { bucketName: 'another-name' }, /bucketName is 'another-name': expected no bucketName together with existingBucket: the existing bucket keeps its own name/],
      ['encryptionKey', (stack: Stack) => ({ encryptionKey: new kms.Key(stack, 'Other') }), /encryptionKey is '[^']*Other': expected no encryptionKey together with existingBucket/],
      ['serverAccessLogsBucket', (stack: Stack) => ({ serverAccessLogsBucket: new s3.Bucket(stack, 'Logs') }), /serverAccessLogsBucket is '[^']*Logs': expected no serverAccessLogsBucket together with existingBucket/],
      ['removalPolicy', { removalPolicy: RemovalPolicy.DESTROY }, /removalPolicy is 'destroy': expected no removalPolicy together with existingBucket: the existing bucket keeps its own removal policy/],
    ])('%s contradicts existingBucket', (_, props, expected) => {
      const stack = ownerStack();
      const message = errorMessage(() => share({}, typeof props === 'function' ? props(stack) : props, stack));
      expect(message).toMatch(expected);
      expect(reportedProblems(message)).toHaveLength(1);
    });

    test('a bucket of another account or region', () => {
      const app = new App();
      const elsewhere = ownerStack('999999999999', 'us-east-2', app);
      const bucket = new s3.Bucket(elsewhere, 'TeamData', secureBucketProps(elsewhere));
      const message = errorMessage(() => new SharedBucket(ownerStack(OWNER, REGION, app), 'Shared', { existingBucket: bucket }));
      expect(message).toMatch(/existingBucket is '[^']*TeamData': expected a bucket of this SharedBucket's account 111111111111, not of 999999999999/);
      expect(message).toMatch(/expected a bucket of this SharedBucket's region eu-west-1, not of us-east-2/);
    });

    test('every problem at once', () => {
      const message = errorMessage(() => share(
        {
          encryption: s3.BucketEncryption.S3_MANAGED,
          encryptionKey: undefined,
          bucketKeyEnabled: undefined,
          objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
          bucketName: undefined,
        },
        { removalPolicy: RemovalPolicy.DESTROY }));
      expect(reportedProblems(message)).toHaveLength(4);
    });
  });

  describe('what it lacks of the secure defaults is a warning naming the prop', () => {
    test.each([
      ['existingBucketNotVersioned', { versioned: false }, 'is not versioned', 'versioned: true'],
      ['existingBucketPublicAccessNotBlocked', { blockPublicAccess: new s3.BlockPublicAccess({ blockPublicPolicy: false }) }, 'does not block all public access', 'blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL'],
      ['existingBucketNoAccessLogs', { serverAccessLogsBucket: undefined }, 'writes no server access logs', 'serverAccessLogsBucket'],
      ['existingBucketNoBucketKey', { bucketKeyEnabled: false }, 'has no S3 Bucket Key', 'bucketKeyEnabled: true'],
      ['existingBucketObjectOwnershipUnset', { objectOwnership: undefined }, 'does not set object ownership', 'objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED'],
    ])('%s', (id, bucketProps, lacks, prop) => {
      const { stack } = share(bucketProps as Partial<s3.BucketProps>);
      const warnings = warningsOf(stack);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`existingBucket \\S*TeamData ${lacks}.*set ${prop.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} on the bucket`));
      expect(warnings[0]).toContain(`[ack: cdk-cross-account-bucket:${id}]`);
    });

    test('nothing is changed on the bucket to make up for it', () => {
      const { stack } = share({ versioned: false, bucketKeyEnabled: false });
      Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
        BucketName: NAME,
        VersioningConfiguration: Match.absent(),
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ BucketKeyEnabled: false })] },
      });
    });

    test('a setting CloudFormation decides at deploy time is not judged', () => {
      const stack = ownerStack();
      const flag = new CfnParameter(stack, 'BlockPublicPolicy', { type: 'String' });
      const bucket = new s3.Bucket(stack, 'TeamData', secureBucketProps(stack));
      (bucket.node.defaultChild as s3.CfnBucket).publicAccessBlockConfiguration = flag.valueAsString as any;
      Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W9003', reason: 'a parameter in place of the settings is the point of the test' });
      new SharedBucket(stack, 'Shared', { existingBucket: bucket });
      expect(warningsOf(stack)).toEqual([]);
    });
  });
});
