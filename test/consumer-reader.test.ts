import { Annotations as CoreAnnotations, App, CfnParameter, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel, ConsumerReader, ConsumerReaderProps, SharedBucket } from '../lib';
import { errorMessage, reportedProblems } from './setup/props-errors';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const REGION = 'eu-west-1';
const BUCKET_NAME = 'shared-data-bucket';
const KEY_ARN = `arn:aws:kms:${REGION}:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const THIRD_PARTY_ROLE_ARN = `arn:aws:iam::${OWNER}:role/VendorAccess`;
const ACCESS_POINT_ARN = `arn:aws:s3:${REGION}:${OWNER}:accesspoint/partner-a`;

/** What the owner granted in most tests: the 'partner-a/' prefix of a bucket encrypted with KEY_ARN. */
const PARTNER_A: Partial<ConsumerReaderProps> = { prefix: 'partner-a/', encryptionKeyArn: KEY_ARN };

/** `arn:<partition>:s3:::<rest>` as CloudFormation renders it. */
function s3Arn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${rest}`]] };
}

/** A fresh app with a consumer stack. */
function consumerStack(account: string = CONSUMER): Stack {
  return new Stack(new App(), 'Consumer', { env: { account, region: REGION } });
}

interface ReaderSetup {
  readonly stack: Stack;
  readonly reader: ConsumerReader;
}

/** A ConsumerReader of BUCKET_NAME, owned by OWNER; `props` override or add to that. */
function newReader(props: Partial<ConsumerReaderProps> = {}, stack: Stack = consumerStack()): ReaderSetup {
  const reader = new ConsumerReader(stack, 'Reader', {
    bucketName: BUCKET_NAME,
    bucketOwnerAccountId: OWNER,
    ...props,
  });
  return { stack, reader };
}

/** The statements of the one identity policy in the stack. */
function policyStatements(stack: Stack): any[] {
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

function actionsOf(statement: any): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

function allActions(stack: Stack): string[] {
  return policyStatements(stack).flatMap(actionsOf).sort();
}

function statementWithSid(statements: any[], sid: string): any {
  const found = statements.filter(statement => statement.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0];
}


describe('ConsumerReader', () => {
  describe('default role and policy', () => {
    test('creates a role assumable by the consumer account root', () => {
      const { stack } = newReader(PARTNER_A);

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${CONSUMER}:root`]] } },
            },
          ],
        },
      });
    });

    test('attaches the policy to the created role', () => {
      const { stack, reader } = newReader(PARTNER_A);
      const template = Template.fromStack(stack);

      template.resourceCountIs('AWS::IAM::Role', 1);
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: stack.getLogicalId(reader.role.node.defaultChild as iam.CfnRole) }],
      });
    });

    test('READ: get objects under the prefix of the owner account bucket', () => {
      const { stack } = newReader(PARTNER_A);

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'SharedBucketObjects',
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: s3Arn(`${BUCKET_NAME}/partner-a/*`),
              Condition: Match.exact({ StringEquals: { 'aws:ResourceAccount': OWNER } }),
            },
          ]),
        },
      });
    });

    test('READ: list the bucket only under the prefix, only in the owner account', () => {
      const { stack } = newReader(PARTNER_A);

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'SharedBucketList',
              Effect: 'Allow',
              Action: 's3:ListBucket',
              Resource: s3Arn(BUCKET_NAME),
              Condition: Match.exact({
                StringEquals: { 'aws:ResourceAccount': OWNER },
                StringLike: { 's3:prefix': ['partner-a/*'] },
              }),
            },
          ]),
        },
      });
    });

    test('READ: decrypt with exactly the given key, through S3 in its region, for this bucket only', () => {
      const { stack } = newReader(PARTNER_A);

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'SharedBucketKey',
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: KEY_ARN,
              Condition: Match.exact({
                StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
                StringLike: { 'kms:EncryptionContext:aws:s3:arn': [s3Arn(BUCKET_NAME), s3Arn(`${BUCKET_NAME}/partner-a/*`)] },
              }),
            },
          ]),
        },
      });
    });

    test('every S3 statement is limited to the owner account', () => {
      const { stack } = newReader({ ...PARTNER_A, access: AccessLevel.READ_WRITE, allowDelete: true });
      const s3Statements = policyStatements(stack).filter(statement => actionsOf(statement).some(action => action.startsWith('s3:')));

      expect(s3Statements).toHaveLength(2);
      for (const statement of s3Statements) {
        expect(statement.Condition.StringEquals).toEqual({ 'aws:ResourceAccount': OWNER });
      }
    });

    test('without a prefix the grant covers the whole bucket and listing is not narrowed', () => {
      const { stack } = newReader({ encryptionKeyArn: KEY_ARN });
      const statements = policyStatements(stack);

      expect(statementWithSid(statements, 'SharedBucketObjects').Resource).toEqual(s3Arn(`${BUCKET_NAME}/*`));
      expect(statementWithSid(statements, 'SharedBucketList').Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': OWNER } });
    });
  });

  describe('access levels', () => {
    test('READ is the default', () => {
      expect(allActions(newReader(PARTNER_A).stack)).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
    });

    test('WRITE: put and abort multipart uploads, generate and decrypt data keys, no listing', () => {
      const { stack } = newReader({ ...PARTNER_A, access: AccessLevel.WRITE });
      const statements = policyStatements(stack);

      expect(statements.map(statement => statement.Sid)).toEqual(['SharedBucketObjects', 'SharedBucketKey']);
      expect(actionsOf(statementWithSid(statements, 'SharedBucketObjects')).sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
      expect(actionsOf(statementWithSid(statements, 'SharedBucketKey')).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(statements.flatMap(actionsOf)).not.toContain('s3:ListBucket');
    });

    test('READ_WRITE: everything READ and WRITE grant', () => {
      const { stack } = newReader({ ...PARTNER_A, access: AccessLevel.READ_WRITE });

      expect(allActions(stack)).toEqual([
        'kms:Decrypt',
        'kms:GenerateDataKey',
        's3:AbortMultipartUpload',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
      ]);
    });

    test.each([AccessLevel.READ, AccessLevel.WRITE, AccessLevel.READ_WRITE])('allowDelete adds s3:DeleteObject only, at %s', access => {
      const without = allActions(newReader({ ...PARTNER_A, access }).stack);
      const withDelete = newReader({ ...PARTNER_A, access, allowDelete: true }).stack;

      expect(allActions(withDelete)).toEqual([...without, 's3:DeleteObject'].sort());
      expect(actionsOf(statementWithSid(policyStatements(withDelete), 'SharedBucketObjects'))).toContain('s3:DeleteObject');
      expect(allActions(withDelete)).not.toContain('s3:DeleteObjectVersion');
    });
  });

  describe('role', () => {
    test('an existing role gets the policy and no role is created', () => {
      const stack = consumerStack();
      const role = iam.Role.fromRoleArn(stack, 'Existing', `arn:aws:iam::${CONSUMER}:role/Existing`);

      newReader({ ...PARTNER_A, role }, stack);

      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::IAM::Role', 0);
      template.hasResourceProperties('AWS::IAM::Policy', { Roles: ['Existing'] });
      template.hasOutput('*', { Value: `arn:aws:iam::${CONSUMER}:role/Existing` });
    });

    test('a role of another account is refused: the policy could only attach to a namesake here', () => {
      const stack = consumerStack();
      const role = iam.Role.fromRoleArn(stack, 'Elsewhere', 'arn:aws:iam::999999999999:role/E');

      expect(() => newReader({ ...PARTNER_A, role }, stack))
        .toThrow(/role is 'arn:aws:iam::999999999999:role\/E': expected a role of this stack's account 222222222222/);
    });

    test('an immutable imported role is not changed, and synth says the policy is unattached', () => {
      const stack = consumerStack();
      const role = iam.Role.fromRoleArn(stack, 'Existing', `arn:aws:iam::${CONSUMER}:role/Existing`, { mutable: false });
      newReader({ ...PARTNER_A, role }, stack);

      expect(() => Template.fromStack(stack)).toThrow(/Consumer\/Reader\/Policy.*must be attached to at least one principal/);
    });

    test('assumedBy sets who may assume the created role', () => {
      const { stack } = newReader({ ...PARTNER_A, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
          ],
        },
      });
    });

    test('roleName names the created role', () => {
      const { stack } = newReader({ ...PARTNER_A, roleName: 'PartnerAReader' });

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { RoleName: 'PartnerAReader' });
    });

    test('without roleName CloudFormation names the role', () => {
      const { stack } = newReader(PARTNER_A);

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { RoleName: Match.absent() });
    });
  });

  describe('through a ThirdPartyAccessRole', () => {
    test('grants only sts:AssumeRole on the owner role', () => {
      const { stack } = newReader({ thirdPartyRoleArn: THIRD_PARTY_ROLE_ARN });

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: THIRD_PARTY_ROLE_ARN },
          ],
        },
      });
      const actions = allActions(stack);
      expect(actions.filter(action => action.startsWith('s3:') || action.startsWith('kms:'))).toEqual([]);
    });
  });

  describe('through an access point (accessPointArn)', () => {
    const ALIAS = 'partner-a-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias';

    /** The error message for an accessPointArn that is not an access point ARN; `extra` is what follows it. */
    function notAnAccessPointArn(value: string, extra = ''): RegExp {
      return new RegExp(`accessPointArn is '${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}': expected an access point ARN ` +
        "'arn:aws:s3:<region>:<owner account>:accesspoint/<name>' \\(SharedBucket accessPointArns\\)" + extra + '$', 'm');
    }

    test('READ: the S3 statements name the access point and its objects under the prefix, the key statement the bucket', () => {
      const { stack } = newReader({ ...PARTNER_A, accessPointArn: ACCESS_POINT_ARN });

      expect(policyStatements(stack)).toEqual([
        {
          Sid: 'SharedBucketObjects',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: `${ACCESS_POINT_ARN}/object/partner-a/*`,
          Condition: { StringEquals: { 'aws:ResourceAccount': OWNER } },
        },
        {
          Sid: 'SharedBucketList',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: ACCESS_POINT_ARN,
          Condition: { StringEquals: { 'aws:ResourceAccount': OWNER }, StringLike: { 's3:prefix': ['partner-a/*'] } },
        },
        {
          // S3 names the bucket, not the access point, in the encryption context: unchanged.
          Sid: 'SharedBucketKey',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: KEY_ARN,
          Condition: {
            StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [s3Arn(BUCKET_NAME), s3Arn(`${BUCKET_NAME}/partner-a/*`)] },
          },
        },
      ]);
    });

    test('without a prefix: every object of the access point, listing not narrowed', () => {
      const { stack } = newReader({ encryptionKeyArn: KEY_ARN, accessPointArn: ACCESS_POINT_ARN });
      const statements = policyStatements(stack);

      expect(statementWithSid(statements, 'SharedBucketObjects').Resource).toEqual(`${ACCESS_POINT_ARN}/object/*`);
      expect(statementWithSid(statements, 'SharedBucketList').Resource).toEqual(ACCESS_POINT_ARN);
      expect(statementWithSid(statements, 'SharedBucketList').Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': OWNER } });
    });

    test('READ_WRITE with allowDelete: the same actions as through the bucket, and no S3 statement names the bucket', () => {
      const props: Partial<ConsumerReaderProps> = { ...PARTNER_A, access: AccessLevel.READ_WRITE, allowDelete: true };
      const { stack } = newReader({ ...props, accessPointArn: ACCESS_POINT_ARN });

      expect(allActions(stack)).toEqual(allActions(newReader(props).stack));
      const s3Statements = policyStatements(stack).filter(statement => actionsOf(statement).some(action => action.startsWith('s3:')));
      expect(s3Statements).toHaveLength(2);
      expect(JSON.stringify(s3Statements)).not.toContain(':s3:::');
      expect(statementWithSid(s3Statements, 'SharedBucketObjects').Resource).toEqual(`${ACCESS_POINT_ARN}/object/partner-a/*`);
    });

    test("kms:ViaService falls back to the access point's region when the key's region is not known", () => {
      const stack = consumerStack();
      const keyArn = new CfnParameter(stack, 'KeyArn').valueAsString;
      newReader({ encryptionKeyArn: keyArn, accessPointArn: `arn:aws:s3:us-east-2:${OWNER}:accesspoint/partner-a` }, stack);

      expect(statementWithSid(policyStatements(stack), 'SharedBucketKey').Condition.StringEquals)
        .toEqual({ 'kms:ViaService': 's3.us-east-2.amazonaws.com' });
    });

    test('a token is accepted and used as is', () => {
      const stack = consumerStack();
      const accessPointArn = new CfnParameter(stack, 'AccessPoint').valueAsString;
      newReader({ ...PARTNER_A, accessPointArn }, stack);

      const statements = policyStatements(stack);
      expect(statementWithSid(statements, 'SharedBucketList').Resource).toEqual({ Ref: 'AccessPoint' });
      expect(statementWithSid(statements, 'SharedBucketObjects').Resource)
        .toEqual({ 'Fn::Join': ['', [{ Ref: 'AccessPoint' }, '/object/partner-a/*']] });
    });

    test.each([
      ['a bucket ARN', `arn:aws:s3:::${BUCKET_NAME}`],
      ['an access point name', 'partner-a'],
      ['an object ARN of an access point', `${ACCESS_POINT_ARN}/object/partner-a/*`],
      ['an access point ARN without a region', `arn:aws:s3::${OWNER}:accesspoint/partner-a`],
      ['an access point name with capitals', `arn:aws:s3:${REGION}:${OWNER}:accesspoint/Partner-A`],
      ['a Multi-Region Access Point ARN', `arn:aws:s3::${OWNER}:accesspoint/mfzwi23gnjvgw.mrap`],
    ])('%s is refused', (_, value) => {
      const message = errorMessage(() => newReader({ ...PARTNER_A, accessPointArn: value }));
      expect(message).toMatch(notAnAccessPointArn(value));
      expect(message).not.toMatch(/alias/);
    });

    test('an access point alias is refused with the reason', () => {
      expect(() => newReader({ ...PARTNER_A, accessPointArn: ALIAS })).toThrow(notAnAccessPointArn(ALIAS,
        ', not its alias: IAM policies name access points only by ARN. Clients may still use the alias as the bucket name'));
    });

    test("an access point of another account than the bucket owner's is refused", () => {
      expect(() => newReader({ ...PARTNER_A, accessPointArn: `arn:aws:s3:${REGION}:444444444444:accesspoint/partner-a` }))
        .toThrow(/accessPointArn is 'arn:aws:s3:eu-west-1:444444444444:accesspoint\/partner-a': expected an access point of the bucket owner's account 111111111111, not of account 444444444444/);
    });

    test('an invalid owner account does not also produce a misleading account mismatch', () => {
      const message = errorMessage(() => newReader({ bucketOwnerAccountId: '12', accessPointArn: ACCESS_POINT_ARN }));
      expect(reportedProblems(message)).toEqual([expect.stringMatching(/bucketOwnerAccountId is '12'/)]);
    });

    test('an access point outside bucketRegion is refused', () => {
      expect(() => newReader({ prefix: 'partner-a/', bucketRegion: REGION, accessPointArn: `arn:aws:s3:us-east-2:${OWNER}:accesspoint/partner-a` }))
        .toThrow(/accessPointArn is 'arn:aws:s3:us-east-2:111111111111:accesspoint\/partner-a': expected an access point in the bucket's region eu-west-1: an access point lives in the region of its bucket/);
    });

    test("an access point outside the key's region is refused", () => {
      const message = errorMessage(() => newReader({ ...PARTNER_A, accessPointArn: `arn:aws:s3:us-east-2:${OWNER}:accesspoint/partner-a` }));
      expect(message).toMatch(/accessPointArn is 'arn:aws:s3:us-east-2:111111111111:accesspoint\/partner-a': expected an access point in the bucket's region eu-west-1/);
      expect(reportedProblems(message)).toHaveLength(1);
    });

    test('an access point in the region of the key and of bucketRegion is accepted', () => {
      expect(() => newReader({ ...PARTNER_A, bucketRegion: REGION, accessPointArn: ACCESS_POINT_ARN })).not.toThrow();
    });
  });

  describe('bucket region and key', () => {
    test("kms:ViaService defaults to the key ARN's region", () => {
      const keyInUsEast2 = `arn:aws:kms:us-east-2:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
      const { stack } = newReader({ prefix: 'partner-a/', encryptionKeyArn: keyInUsEast2 });

      const keyStatement = statementWithSid(policyStatements(stack), 'SharedBucketKey');
      expect(keyStatement.Resource).toEqual(keyInUsEast2);
      expect(keyStatement.Condition.StringEquals).toEqual({ 'kms:ViaService': 's3.us-east-2.amazonaws.com' });
    });

    test('an explicit bucketRegion is used when there is no key to take the region from', () => {
      const { stack } = newReader({ prefix: 'partner-a/', encryptionKeyArn: KEY_ARN, bucketRegion: REGION });

      expect(statementWithSid(policyStatements(stack), 'SharedBucketKey').Condition.StringEquals)
        .toEqual({ 'kms:ViaService': 's3.eu-west-1.amazonaws.com' });
    });

    test('a bucketRegion that contradicts the key region is an error, not silently preferred', () => {
      const keyInUsEast2 = `arn:aws:kms:us-east-2:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

      expect(() => newReader({ prefix: 'partner-a/', encryptionKeyArn: keyInUsEast2, bucketRegion: 'eu-central-1' }))
        .toThrow(/bucketRegion is 'eu-central-1': expected the region of encryptionKeyArn \(us-east-2\)/);
    });

    test('without a key, the KMS statement names the keys of the owner account in the bucket region, through S3 for this bucket only', () => {
      const { stack } = newReader({ prefix: 'partner-a/' });

      expect(statementWithSid(policyStatements(stack), 'SharedBucketKey')).toEqual({
        Sid: 'SharedBucketKey',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${REGION}:${OWNER}:key/*`]] },
        Condition: {
          StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [s3Arn(BUCKET_NAME), s3Arn(`${BUCKET_NAME}/partner-a/*`)] },
        },
      });
      // The owner is in no stack of this app: the only warning is that its region is assumed to be this stack's.
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(warning => warning.entry.data)).toEqual([
        expect.stringMatching(/^bucketRegion is not set, and no SharedBucket shared-data-bucket of account 111111111111 is in this app to take the region from: the bucket is assumed to be in this stack's region eu-west-1.*\[ack: cdk-cross-account-bucket:bucketRegionAssumed\]$/),
      ]);
    });

    describe('the bucket region, when no prop fixes it', () => {
      /** An owner SharedBucket in eu-west-1 and a consumer stack in us-east-1, in one app. */
      function crossRegion(readerProps: Partial<ConsumerReaderProps> = {}): { consumer: Stack } {
        const app = new App();
        const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
        new SharedBucket(owner, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER, prefix: 'partner-a/' }] });
        const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: 'us-east-1' } });
        newReader({ prefix: 'partner-a/', ...readerProps }, consumer);
        return { consumer };
      }

      test("is the owner's, when its SharedBucket is in this app: a consumer in another region can decrypt", () => {
        const { consumer } = crossRegion();

        const key = statementWithSid(policyStatements(consumer), 'SharedBucketKey');
        expect(key.Condition.StringEquals).toEqual({ 'kms:ViaService': `s3.${REGION}.amazonaws.com` });
        expect(key.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${REGION}:${OWNER}:key/*`]] });
        expect(Annotations.fromStack(consumer).findWarning('*', Match.anyValue())).toEqual([]);
      });

      test('is taken from an owner constructed after the reader too', () => {
        const app = new App();
        const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: 'us-east-1' } });
        newReader({ prefix: 'partner-a/' }, consumer);
        const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
        new SharedBucket(owner, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER, prefix: 'partner-a/' }] });

        expect(statementWithSid(policyStatements(consumer), 'SharedBucketKey').Condition.StringEquals)
          .toEqual({ 'kms:ViaService': `s3.${REGION}.amazonaws.com` });
      });

      test("a bucketRegion other than the owner's in this app is a consumerNotGranted warning naming the region", () => {
        const { consumer } = crossRegion({ bucketRegion: 'us-east-1' });

        expect(statementWithSid(policyStatements(consumer), 'SharedBucketKey').Condition.StringEquals)
          .toEqual({ 'kms:ViaService': 's3.us-east-1.amazonaws.com' });
        Annotations.fromStack(consumer).hasWarning('/Consumer/Reader', Match.stringLikeRegexp(
          `differs in the region: the consumer may use the key only through S3 in us-east-1 .*and the bucket is in ${REGION}, so its role can never decrypt; ` +
          `set bucketRegion: '${REGION}'.*consumerNotGranted`));
      });

      test('without an owner in this app, the warning names the region assumed, and may be acknowledged', () => {
        const stack = new Stack(new App(), 'Consumer', { env: { account: CONSUMER, region: 'us-east-1' } });
        newReader({ prefix: 'partner-a/' }, stack);
        Annotations.fromStack(stack).hasWarning('/Consumer/Reader',
          Match.stringLikeRegexp("the bucket is assumed to be in this stack's region us-east-1.*bucketRegionAssumed"));

        const acknowledged = new Stack(new App(), 'Consumer', { env: { account: CONSUMER, region: 'us-east-1' } });
        CoreAnnotations.of(newReader({ prefix: 'partner-a/' }, acknowledged).reader)
          .acknowledgeWarning('cdk-cross-account-bucket:bucketRegionAssumed', 'The bucket is in us-east-1.');
        expect(Annotations.fromStack(acknowledged).findWarning('*', Match.anyValue())).toEqual([]);
      });

      test('bucketRegion, or the region of encryptionKeyArn, fixes the region: no warning', () => {
        for (const props of [{ bucketRegion: 'us-east-2' }, { encryptionKeyArn: KEY_ARN }]) {
          const { stack } = newReader({ prefix: 'partner-a/', ...props });
          expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
        }
      });
    });

    test('without a key, writers get GenerateDataKey and Decrypt on the owner keys, for the whole bucket when there is no prefix', () => {
      const { stack } = newReader({ access: AccessLevel.WRITE });

      const keyStatement = statementWithSid(policyStatements(stack), 'SharedBucketKey');
      expect(keyStatement.Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
      expect(keyStatement.Condition.StringLike).toEqual({ 'kms:EncryptionContext:aws:s3:arn': [s3Arn(BUCKET_NAME), s3Arn(`${BUCKET_NAME}/*`)] });
    });

    test('without a key, bucketRegion sets the region of the key ARN and of kms:ViaService', () => {
      const { stack } = newReader({ prefix: 'partner-a/', bucketRegion: 'us-east-2' });

      const keyStatement = statementWithSid(policyStatements(stack), 'SharedBucketKey');
      expect(keyStatement.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:us-east-2:${OWNER}:key/*`]] });
      expect(keyStatement.Condition.StringEquals).toEqual({ 'kms:ViaService': 's3.us-east-2.amazonaws.com' });
    });

    test("without a key, an access point's region is the bucket's", () => {
      const { stack } = newReader({ prefix: 'partner-a/', accessPointArn: `arn:aws:s3:us-east-2:${OWNER}:accesspoint/partner-a` });

      expect(statementWithSid(policyStatements(stack), 'SharedBucketKey').Condition.StringEquals)
        .toEqual({ 'kms:ViaService': 's3.us-east-2.amazonaws.com' });
    });

    test('without a key in an environment-agnostic stack, the region is the deploy-time region', () => {
      const stack = new Stack(new App(), 'Agnostic');
      newReader({ prefix: 'partner-a/' }, stack);

      const keyStatement = statementWithSid(policyStatements(stack), 'SharedBucketKey');
      expect(keyStatement.Resource).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, `:${OWNER}:key/*`]],
      });
      expect(keyStatement.Condition.StringEquals)
        .toEqual({ 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } });
    });

    test('with a key, the KMS statement names exactly that key', () => {
      const { stack } = newReader(PARTNER_A);

      expect(statementWithSid(policyStatements(stack), 'SharedBucketKey').Resource).toEqual(KEY_ARN);
    });
  });

  describe('outputs', () => {
    test('the RoleArn output is the created role ARN', () => {
      const { stack, reader } = newReader(PARTNER_A);
      const roleArn = { 'Fn::GetAtt': [stack.getLogicalId(reader.role.node.defaultChild as iam.CfnRole), 'Arn'] };

      const outputs = Template.fromStack(stack).findOutputs('*', { Value: roleArn });
      expect(Object.keys(outputs)).toEqual([expect.stringMatching(/^ReaderRoleArn/)]);
    });
  });

  describe('validation', () => {
    test('bucketName must be an S3 bucket name', () => {
      expect(() => newReader({ bucketName: 'Bad_Bucket' }))
        .toThrow(/bucketName is 'Bad_Bucket': expected an S3 bucket name: 3 to 63 lowercase letters/);
    });

    test('bucketOwnerAccountId must be 12 digits', () => {
      expect(() => newReader({ bucketOwnerAccountId: '12' }))
        .toThrow(/bucketOwnerAccountId is '12': expected an AWS account id of exactly 12 digits/);
    });

    test.each([
      ['thirdPartyRoleArn', { thirdPartyRoleArn: `arn:aws-cn:iam::${OWNER}:role/VendorAccess` }],
      ['encryptionKeyArn', { encryptionKeyArn: `arn:aws-cn:kms:${REGION}:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab` }],
      ['accessPointArn', { accessPointArn: `arn:aws-cn:s3:${REGION}:${OWNER}:accesspoint/partner-a` }],
    ])('%s of another partition than the stack\'s is an error', (prop, props) => {
      const message = errorMessage(() => newReader(props as Partial<ConsumerReaderProps>));
      expect(message).toMatch(new RegExp(`${prop} is 'arn:aws-cn:[^']+': expected an ARN of partition 'aws', this stack's \\(region eu-west-1\\): an ARN of partition 'aws-cn' can never match`));
      expect(reportedProblems(message)).toHaveLength(1);
    });

    test('encryptionKeyArn may not be an alias ARN', () => {
      expect(() => newReader({ encryptionKeyArn: `arn:aws:kms:${REGION}:${OWNER}:alias/shared` }))
        .toThrow(/encryptionKeyArn is 'arn:aws:kms:eu-west-1:111111111111:alias\/shared': expected the key ARN .*not an alias: aliases do not resolve across accounts/);
    });

    test('encryptionKeyArn may not be an alias name', () => {
      expect(() => newReader({ encryptionKeyArn: 'alias/shared' }))
        .toThrow(/encryptionKeyArn is 'alias\/shared': expected the key ARN .*not an alias: aliases do not resolve across accounts/);
    });

    test('encryptionKeyArn must be a key ARN', () => {
      expect(() => newReader({ encryptionKeyArn: 'not-a-key' }))
        .toThrow(/encryptionKeyArn is 'not-a-key': expected a KMS key ARN 'arn:aws:kms:<region>:<account>:key\/<key-id>'/);
    });

    test('prefix may not start with a slash', () => {
      expect(() => newReader({ prefix: '/x/' }))
        .toThrow(/prefix is '\/x\/': expected a key prefix without a leading '\/'/);
    });

    test('prefix may not contain a wildcard', () => {
      expect(() => newReader({ prefix: 'x*/' }))
        .toThrow(/prefix is 'x\*\/': expected a literal key prefix without the policy wildcards '\*' or '\?'/);
    });

    test('prefix must end with a slash', () => {
      expect(() => newReader({ prefix: 'x' }))
        .toThrow(/prefix is 'x': expected a key prefix ending in '\/', such as 'x\/'/);
    });

    test('thirdPartyRoleArn must be a role of the bucket owner account', () => {
      expect(() => newReader({ thirdPartyRoleArn: 'arn:aws:iam::444444444444:role/VendorAccess' }))
        .toThrow(/thirdPartyRoleArn is 'arn:aws:iam::444444444444:role\/VendorAccess': expected a role of account 111111111111, not of account 444444444444/);
    });

    test('thirdPartyRoleArn must be a role ARN, not a user ARN', () => {
      expect(() => newReader({ thirdPartyRoleArn: `arn:aws:iam::${OWNER}:user/Vendor` }))
        .toThrow(/thirdPartyRoleArn is 'arn:aws:iam::111111111111:user\/Vendor': expected an IAM role ARN/);
    });

    test('role and assumedBy are exclusive', () => {
      const stack = consumerStack();
      const role = iam.Role.fromRoleArn(stack, 'Existing', `arn:aws:iam::${CONSUMER}:role/Existing`);

      expect(() => newReader({ ...PARTNER_A, role, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }, stack))
        .toThrow(/assumedBy is ServicePrincipal\(lambda\.amazonaws\.com\): expected no assumedBy together with role/);
    });

    test('role and roleName are exclusive', () => {
      const stack = consumerStack();
      const role = iam.Role.fromRoleArn(stack, 'Existing', `arn:aws:iam::${CONSUMER}:role/Existing`);

      expect(() => newReader({ ...PARTNER_A, role, roleName: 'PartnerAReader' }, stack))
        .toThrow(/roleName is 'PartnerAReader': expected no roleName together with role/);
    });

    test('roleName must be an IAM role name', () => {
      expect(() => newReader({ ...PARTNER_A, roleName: 'Partner A Reader' }))
        .toThrow(/roleName is 'Partner A Reader': expected an IAM role name of 1 to 64 letters, digits/);
    });

    test.each<[string, Partial<ConsumerReaderProps>, RegExp]>([
      ['prefix', { prefix: 'partner-a/' }, /prefix is 'partner-a\/': expected no prefix together with thirdPartyRoleArn/],
      ['access', { access: AccessLevel.WRITE }, /access is 'WRITE': expected no access together with thirdPartyRoleArn/],
      ['allowDelete', { allowDelete: true }, /allowDelete is true: expected no allowDelete together with thirdPartyRoleArn/],
      ['encryptionKeyArn', { encryptionKeyArn: KEY_ARN }, /encryptionKeyArn is 'arn:aws:kms:[^']+': expected no encryptionKeyArn together with thirdPartyRoleArn/],
      ['accessPointArn', { accessPointArn: ACCESS_POINT_ARN },
        /accessPointArn is 'arn:aws:s3:eu-west-1:111111111111:accesspoint\/partner-a': expected no accessPointArn together with thirdPartyRoleArn/],
    ])('%s is not allowed with thirdPartyRoleArn', (_prop, props, expected) => {
      expect(() => newReader({ thirdPartyRoleArn: THIRD_PARTY_ROLE_ARN, ...props })).toThrow(expected);
    });

    test('access must be an AccessLevel', () => {
      expect(() => newReader({ ...PARTNER_A, access: 'ADMIN' as AccessLevel }))
        .toThrow(/access is 'ADMIN': expected one of READ, WRITE, READ_WRITE/);
    });

    test('an invalid owner account does not also produce a misleading account mismatch', () => {
      const message = errorMessage(() => newReader({ bucketOwnerAccountId: '12', thirdPartyRoleArn: THIRD_PARTY_ROLE_ARN }));

      expect(message).toMatch(/bucketOwnerAccountId is '12'/);
      expect(message).not.toMatch(/thirdPartyRoleArn/);
    });

    test('bucketRegion must be a region', () => {
      expect(() => newReader({ ...PARTNER_A, bucketRegion: 'Europe' }))
        .toThrow(/bucketRegion is 'Europe': expected an AWS region such as 'eu-west-1'/);
    });

    test('several problems are reported together in one error naming the construct path', () => {
      const message = errorMessage(() => newReader({ bucketName: 'Bad_Bucket', bucketOwnerAccountId: '12', prefix: 'x' }));

      expect(message).toMatch(/^ConsumerReader 'Consumer\/Reader' has invalid props:/);
      expect(message).toMatch(/bucketName is 'Bad_Bucket'/);
      expect(message).toMatch(/bucketOwnerAccountId is '12'/);
      expect(message).toMatch(/prefix is 'x'/);
      expect(reportedProblems(message)).toHaveLength(3);
    });
  });

  describe('warnings', () => {
    test("warns when the bucket owner is the stack's own account", () => {
      const { stack } = newReader(PARTNER_A, consumerStack(OWNER));

      Annotations.fromStack(stack).hasWarning('*',
        Match.stringLikeRegexp(`bucketOwnerAccountId ${OWNER} is this stack's own account.*cdk-cross-account-bucket:consumerIsOwnerAccount`));
    });

    test('does not warn for another account', () => {
      const { stack } = newReader(PARTNER_A);

      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('cdk-cross-account-bucket:consumerIsOwnerAccount'));
    });
  });

  describe('tokens', () => {
    test('a prefix token that resolves at synth is checked at synth like a literal one', () => {
      const { stack } = newReader({ prefix: Lazy.string({ produce: () => '*' }) });
      expect(() => Template.fromStack(stack)).toThrow(
        "ConsumerReader 'Consumer/Reader' has an invalid prop: prefix (a token, resolved at synth) is '*': expected a literal key prefix without the policy wildcards");
    });

    test('bucketName, bucketOwnerAccountId, encryptionKeyArn and prefix may be tokens', () => {
      const stack = consumerStack();
      const parameter = (id: string) => new CfnParameter(stack, id).valueAsString;

      newReader({
        bucketName: parameter('BucketName'),
        bucketOwnerAccountId: parameter('BucketOwner'),
        encryptionKeyArn: parameter('KeyArn'),
        prefix: parameter('Prefix'),
      }, stack);

      const statements = policyStatements(stack);
      expect(statementWithSid(statements, 'SharedBucketObjects').Condition)
        .toEqual({ StringEquals: { 'aws:ResourceAccount': { Ref: 'BucketOwner' } } });
      expect(statementWithSid(statements, 'SharedBucketObjects').Resource).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'BucketName' }, '/', { Ref: 'Prefix' }, '*']],
      });
      const keyStatement = statementWithSid(statements, 'SharedBucketKey');
      expect(keyStatement.Resource).toEqual({ Ref: 'KeyArn' });
      // The key's region is unknown until deploy time: the stack's region is the fallback.
      expect(keyStatement.Condition.StringEquals).toEqual({ 'kms:ViaService': `s3.${REGION}.amazonaws.com` });
    });
  });
});
