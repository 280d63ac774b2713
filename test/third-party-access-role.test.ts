import { Annotations as CoreAnnotations, App, CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AccessLevel, SharedBucket, ThirdPartyAccessRole, ThirdPartyAccessRoleProps } from '../lib';
import { errorMessage, reportedProblems } from './setup/props-errors';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const THIRD_PARTY = '333333333333';
const REGION = 'eu-west-1';
const EXTERNAL_ID = 'vendor-integration-7f3a';
const BUCKET_NAME = 'shared-data-bucket';

interface OwnerSetup {
  readonly stack: Stack;
  readonly sharedBucket: SharedBucket;
}

/** A fresh app with the owner's stack and its SharedBucket. */
function ownerStack(account: string = OWNER): OwnerSetup {
  const stack = new Stack(new App(), 'Owner', { env: { account, region: REGION } });
  const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
  return { stack, sharedBucket };
}

interface RoleSetup extends OwnerSetup {
  readonly accessRole: ThirdPartyAccessRole;
}

/** An owner stack and its SharedBucket in `region`. */
function ownerStackIn(region: string): OwnerSetup {
  const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region } });
  return { stack, sharedBucket: new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME }) };
}

/** A ThirdPartyAccessRole for THIRD_PARTY in a fresh owner stack; `props` override the defaults. */
function newAccessRole(props: Partial<ThirdPartyAccessRoleProps> = {}, setup: OwnerSetup = ownerStack()): RoleSetup {
  const accessRole = new ThirdPartyAccessRole(setup.stack, 'Access', {
    sharedBucket: setup.sharedBucket,
    thirdPartyAccountId: THIRD_PARTY,
    externalId: EXTERNAL_ID,
    ...props,
  });
  return { ...setup, accessRole };
}

/** The statements of the role's inline SharedBucketAccess policy. */
function rolePolicyStatements(stack: Stack): any[] {
  const roles = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
  expect(roles).toHaveLength(1);
  const policies: any[] = roles[0].Properties.Policies;
  expect(policies.map(policy => policy.PolicyName)).toEqual(['SharedBucketAccess']);
  return policies[0].PolicyDocument.Statement;
}

function actionsOf(statement: any): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

function statementWithSid(statements: any[], sid: string): any {
  const found = statements.filter(statement => statement.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0];
}

/** `arn:<partition><rest>` as CDK renders it. */
function partitionArn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] };
}

function sorted(values: string[]): string[] {
  return [...values].sort();
}


/** Asserts that the role's one trust statement carries a Condition matching `condition`. */
function expectTrustCondition(stack: Stack, condition: Record<string, unknown>): void {
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Condition: condition })] },
  });
}

describe('ThirdPartyAccessRole', () => {
  describe('trust policy', () => {
    test('trusts only the third-party account root, with the external id', () => {
      const { stack } = newAccessRole();

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: {
                AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${THIRD_PARTY}:root`]] },
              },
              Condition: Match.exact({ StringEquals: { 'sts:ExternalId': EXTERNAL_ID } }),
            },
          ],
        },
      });
    });

    test('thirdPartyPrincipalArns narrows the trust with aws:PrincipalArn', () => {
      const principalArns = [`arn:aws:iam::${THIRD_PARTY}:role/Ingest`, `arn:aws:iam::${THIRD_PARTY}:user/operator`];
      const { stack } = newAccessRole({ thirdPartyPrincipalArns: principalArns });

      expectTrustCondition(stack, {
        StringEquals: { 'sts:ExternalId': EXTERNAL_ID },
        ArnEquals: { 'aws:PrincipalArn': principalArns },
      });
    });

    test('without thirdPartyPrincipalArns and requireMfa there is no aws:PrincipalArn or MFA condition', () => {
      const { stack } = newAccessRole();

      expectTrustCondition(stack, { ArnEquals: Match.absent(), Bool: Match.absent() });
    });

    test('requireMfa adds aws:MultiFactorAuthPresent', () => {
      const { stack } = newAccessRole({ requireMfa: true });

      expectTrustCondition(stack, {
        StringEquals: { 'sts:ExternalId': EXTERNAL_ID },
        Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      });
    });
  });

  describe('role settings', () => {
    test('sessions last at most 1 hour by default', () => {
      const { stack } = newAccessRole();

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 3600 });
    });

    test('maxSessionDuration sets MaxSessionDuration', () => {
      const { stack } = newAccessRole({ maxSessionDuration: Duration.hours(4) });

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 14400 });
    });

    test('accepts the IAM limits of 1 and 12 hours', () => {
      const oneHour = newAccessRole({ maxSessionDuration: Duration.hours(1) });
      const twelveHours = newAccessRole({ maxSessionDuration: Duration.hours(12) });

      Template.fromStack(oneHour.stack).hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 3600 });
      Template.fromStack(twelveHours.stack).hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 43200 });
    });

    test('roleName sets RoleName', () => {
      const { stack } = newAccessRole({ roleName: 'VendorAccess' });

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { RoleName: 'VendorAccess' });
    });

    test('without roleName CloudFormation names the role', () => {
      const { stack } = newAccessRole();

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { RoleName: Match.absent() });
    });
  });

  describe('permissions', () => {
    test('READ: get objects and list under the prefix, decrypt through S3 only', () => {
      const { stack, sharedBucket } = newAccessRole({ prefix: 'partner-a/', access: AccessLevel.READ });
      // The role names the bucket by its name-built ARN, as the bucket and key policies do.
      const bucketArn = stack.resolve(sharedBucket.bucketArn);
      const objectArns = stack.resolve(`${sharedBucket.bucketArn}/partner-a/*`);

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        Policies: [
          {
            PolicyName: 'SharedBucketAccess',
            PolicyDocument: {
              Statement: [
                {
                  Sid: 'SharedBucketObjects',
                  Effect: 'Allow',
                  Action: 's3:GetObject',
                  Resource: objectArns,
                  Condition: Match.absent(),
                },
                {
                  Sid: 'SharedBucketList',
                  Effect: 'Allow',
                  Action: 's3:ListBucket',
                  Resource: bucketArn,
                  Condition: Match.exact({ StringLike: { 's3:prefix': ['partner-a/*'] } }),
                },
                {
                  Sid: 'SharedBucketKey',
                  Effect: 'Allow',
                  Action: 'kms:Decrypt',
                  Resource: stack.resolve(sharedBucket.encryptionKey.keyArn),
                  Condition: Match.exact({
                    StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
                    StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, objectArns] },
                  }),
                },
              ],
            },
          },
        ],
      });
    });

    test('READ is the default access level', () => {
      const { stack } = newAccessRole({ prefix: 'partner-a/' });
      const statements = rolePolicyStatements(stack);

      expect(actionsOf(statementWithSid(statements, 'SharedBucketObjects'))).toEqual(['s3:GetObject']);
      expect(actionsOf(statementWithSid(statements, 'SharedBucketList'))).toEqual(['s3:ListBucket']);
      expect(actionsOf(statementWithSid(statements, 'SharedBucketKey'))).toEqual(['kms:Decrypt']);
    });

    test('WRITE: put and abort multipart uploads, no listing, generate and decrypt data keys', () => {
      const { stack, sharedBucket } = newAccessRole({ prefix: 'partner-a/', access: AccessLevel.WRITE });
      const objectArns = stack.resolve(`${sharedBucket.bucketArn}/partner-a/*`);
      const statements = rolePolicyStatements(stack);

      expect(statements.map(statement => statement.Sid)).toEqual(['SharedBucketObjects', 'SharedBucketKey']);
      expect(statements.flatMap(actionsOf)).not.toContain('s3:ListBucket');
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        Policies: [
          Match.objectLike({
            PolicyDocument: {
              Statement: Match.arrayWith([
                Match.objectLike({
                  Sid: 'SharedBucketObjects',
                  Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
                  Resource: objectArns,
                }),
                Match.objectLike({
                  Sid: 'SharedBucketKey',
                  Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
                  Condition: Match.objectLike({ StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }),
                }),
              ]),
            },
          }),
        ],
      });
    });

    test('READ_WRITE: everything READ and WRITE grant', () => {
      const { stack } = newAccessRole({ prefix: 'partner-a/', access: AccessLevel.READ_WRITE });
      const statements = rolePolicyStatements(stack);

      expect(sorted(actionsOf(statementWithSid(statements, 'SharedBucketObjects'))))
        .toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject']);
      expect(actionsOf(statementWithSid(statements, 'SharedBucketList'))).toEqual(['s3:ListBucket']);
      expect(sorted(actionsOf(statementWithSid(statements, 'SharedBucketKey')))).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    });

    test.each([AccessLevel.READ, AccessLevel.WRITE, AccessLevel.READ_WRITE])('allowDelete adds s3:DeleteObject only, at %s', access => {
      const without = rolePolicyStatements(newAccessRole({ prefix: 'partner-a/', access }).stack);
      const withDelete = rolePolicyStatements(newAccessRole({ prefix: 'partner-a/', access, allowDelete: true }).stack);

      expect(sorted(actionsOf(statementWithSid(withDelete, 'SharedBucketObjects'))))
        .toEqual(sorted([...actionsOf(statementWithSid(without, 'SharedBucketObjects')), 's3:DeleteObject']));
      expect(withDelete.flatMap(actionsOf)).not.toContain('s3:DeleteObjectVersion');
      expect(sorted(withDelete.flatMap(actionsOf))).toEqual(sorted([...without.flatMap(actionsOf), 's3:DeleteObject']));
    });

    test('without a prefix the grant covers the whole bucket and listing is not narrowed', () => {
      const { stack, sharedBucket } = newAccessRole();
      const statements = rolePolicyStatements(stack);

      expect(statementWithSid(statements, 'SharedBucketObjects').Resource).toEqual(stack.resolve(`${sharedBucket.bucketArn}/*`));
      expect(statementWithSid(statements, 'SharedBucketList').Condition).toBeUndefined();
    });

    test('never grants wildcards, ACL, retention, legal-hold, version-delete or bucket-configuration actions', () => {
      const { stack } = newAccessRole({ prefix: 'partner-a/', access: AccessLevel.READ_WRITE, allowDelete: true });
      const actions = rolePolicyStatements(stack).flatMap(actionsOf);

      expect(sorted(actions)).toEqual([
        'kms:Decrypt',
        'kms:GenerateDataKey',
        's3:AbortMultipartUpload',
        's3:DeleteObject',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
      ]);
      for (const action of actions) {
        expect(action).not.toMatch(/\*/);
        expect(action).not.toMatch(/Acl|Retention|LegalHold|DeleteObjectVersion/);
        expect(action).not.toMatch(/^s3:(Get|Put|Delete)Bucket/);
      }
      for (const statement of rolePolicyStatements(stack)) {
        expect(statement.Effect).toEqual('Allow');
      }
    });

    test('the role does not touch the bucket policy or the key policy', () => {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER }] });
      newAccessRole({}, { stack, sharedBucket });
      const template = Template.fromStack(stack);

      const bucketPolicies = JSON.stringify(template.findResources('AWS::S3::BucketPolicy', {
        Properties: { Bucket: stack.resolve(sharedBucket.bucket.bucketName) },
      }));
      const keyPolicies = JSON.stringify(template.findResources('AWS::KMS::Key'));
      // The SharedBucket's own consumer shows that a grant would be visible here.
      const consumerPrincipal = JSON.stringify({ AWS: CONSUMER });
      expect(bucketPolicies).toContain(consumerPrincipal);
      expect(keyPolicies).toContain(consumerPrincipal);
      expect(bucketPolicies).not.toContain(THIRD_PARTY);
      expect(keyPolicies).not.toContain(THIRD_PARTY);
    });
  });

  describe('outputs', () => {
    test('the RoleArn output and the roleArn member are the role ARN', () => {
      const { stack, accessRole } = newAccessRole();
      const roleLogicalId = stack.getLogicalId(accessRole.role.node.defaultChild as iam.CfnRole);
      const roleArn = { 'Fn::GetAtt': [roleLogicalId, 'Arn'] };

      expect(stack.resolve(accessRole.roleArn)).toEqual(roleArn);
      const outputs = Template.fromStack(stack).findOutputs('*', { Value: roleArn });
      expect(Object.keys(outputs)).toEqual([expect.stringMatching(/^AccessRoleArn/)]);
    });
  });

  describe('validation', () => {
    test('thirdPartyAccountId must be 12 digits', () => {
      expect(() => newAccessRole({ thirdPartyAccountId: 'abc' }))
        .toThrow(/thirdPartyAccountId is 'abc': expected an AWS account id of exactly 12 digits/);
    });

    test('access must be an AccessLevel', () => {
      expect(() => newAccessRole({ access: 'ADMIN' as AccessLevel }))
        .toThrow(/access is 'ADMIN': expected one of READ, WRITE, READ_WRITE/);
    });

    test('an invalid third-party account does not also produce a misleading principal mismatch', () => {
      const message = errorMessage(() => newAccessRole({
        thirdPartyAccountId: 'abc',
        thirdPartyPrincipalArns: ['arn:aws:iam::333333333333:role/VendorIntegration'],
      }));

      expect(message).toMatch(/thirdPartyAccountId is 'abc'/);
      expect(message).not.toMatch(/thirdPartyPrincipalArns/);
    });

    test('externalId must have at least 2 characters', () => {
      expect(() => newAccessRole({ externalId: 'x' }))
        .toThrow(/externalId is 'x': expected an external id of 2 to 1,224 characters/);
    });

    test.each(['has space', 'has#hash'])('externalId %p with a character STS refuses is rejected', externalId => {
      expect(() => newAccessRole({ externalId }))
        .toThrow(new RegExp(`externalId is '${externalId}': expected an external id of 2 to 1,224 characters from letters, digits and \\+=,\\.@:/-_`));
    });

    test('externalId may have at most 1,224 characters', () => {
      const externalId = 'a'.repeat(1225);

      expect(() => newAccessRole({ externalId }))
        .toThrow(new RegExp(`externalId is '${externalId}': expected an external id of 2 to 1,224 characters`));
    });

    test('externalId of 2 and of 1,224 characters is accepted', () => {
      expect(() => newAccessRole({ externalId: 'ab' })).not.toThrow();
      expect(() => newAccessRole({ externalId: 'a'.repeat(1224) })).not.toThrow();
    });

    test('thirdPartyPrincipalArns must belong to the third-party account', () => {
      expect(() => newAccessRole({ thirdPartyPrincipalArns: ['arn:aws:iam::444444444444:role/Ingest'] }))
        .toThrow(/thirdPartyPrincipalArns\[0\] is 'arn:aws:iam::444444444444:role\/Ingest': expected a principal of account 333333333333, not of account 444444444444/);
    });

    test('thirdPartyPrincipalArns must be IAM role or user ARNs', () => {
      expect(() => newAccessRole({ thirdPartyPrincipalArns: [`arn:aws:iam::${THIRD_PARTY}:role/Ingest`, 'not-an-arn'] }))
        .toThrow(/thirdPartyPrincipalArns\[1\] is 'not-an-arn': expected an IAM role or user ARN such as 'arn:aws:iam::333333333333:role\/Reader'/);
    });

    test('thirdPartyPrincipalArns may not contain wildcards', () => {
      expect(() => newAccessRole({ thirdPartyPrincipalArns: [`arn:aws:iam::${THIRD_PARTY}:role/team/*`] }))
        .toThrow(/thirdPartyPrincipalArns\[0\] is 'arn:aws:iam::333333333333:role\/team\/\*': expected an IAM role or user ARN .*\(no wildcards/);
    });

    test('prefix must end with a slash', () => {
      expect(() => newAccessRole({ prefix: 'data' }))
        .toThrow(/prefix is 'data': expected a key prefix ending in '\/', such as 'data\/'/);
    });

    test('maxSessionDuration may not be under 1 hour', () => {
      expect(() => newAccessRole({ maxSessionDuration: Duration.minutes(30) }))
        .toThrow(/maxSessionDuration is '30 minutes': expected a duration from 1 hour to 12 hours/);
    });

    test('maxSessionDuration may not be over 12 hours', () => {
      expect(() => newAccessRole({ maxSessionDuration: Duration.hours(13) }))
        .toThrow(/maxSessionDuration is '13 hours': expected a duration from 1 hour to 12 hours/);
    });

    test('roleName may have at most 64 characters', () => {
      const roleName = 'r'.repeat(65);

      expect(() => newAccessRole({ roleName }))
        .toThrow(new RegExp(`roleName is '${roleName}': expected an IAM role name of 1 to 64 letters, digits and \\+=,\\.@-_`));
      expect(() => newAccessRole({ roleName: 'r'.repeat(64) })).not.toThrow();
    });

    test('roleName may not contain a space', () => {
      expect(() => newAccessRole({ roleName: 'Vendor Access' }))
        .toThrow(/roleName is 'Vendor Access': expected an IAM role name of 1 to 64 letters, digits/);
    });

    test("sharedBucket must belong to the stack's account", () => {
      const app = new App();
      const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
      const sharedBucket = new SharedBucket(owner, 'Shared', { bucketName: BUCKET_NAME });
      const other = new Stack(app, 'Other', { env: { account: '999999999999', region: REGION } });

      expect(() => newAccessRole({}, { stack: other, sharedBucket }))
        .toThrow(/sharedBucket is 'Owner\/Shared': expected a SharedBucket of this stack's account 999999999999; it belongs to account 111111111111/);
    });

    test('a sharedBucket in another stack of the same account is accepted', () => {
      const app = new App();
      const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
      const sharedBucket = new SharedBucket(owner, 'Shared', { bucketName: BUCKET_NAME });
      const access = new Stack(app, 'Access', { env: { account: OWNER, region: REGION } });

      newAccessRole({}, { stack: access, sharedBucket });

      Template.fromStack(access).resourceCountIs('AWS::IAM::Role', 1);
    });

    test('several problems are reported together in one error naming the construct path', () => {
      const message = errorMessage(() => newAccessRole({ thirdPartyAccountId: 'abc', externalId: 'x', prefix: 'data' }));

      expect(message).toMatch(/^ThirdPartyAccessRole 'Owner\/Access' has invalid props:/);
      expect(message).toMatch(/thirdPartyAccountId is 'abc'/);
      expect(message).toMatch(/externalId is 'x'/);
      expect(message).toMatch(/prefix is 'data'/);
      expect(reportedProblems(message)).toHaveLength(3);
    });
  });

  describe('warnings', () => {
    test('warns when the third party is the owner account', () => {
      const { stack } = newAccessRole({ thirdPartyAccountId: OWNER });

      Annotations.fromStack(stack).hasWarning('*',
        Match.stringLikeRegexp(`thirdPartyAccountId ${OWNER} is the account that owns the bucket.*cdk-cross-account-bucket:thirdPartyIsOwnerAccount`));
    });

    test('does not warn for another account', () => {
      const { stack } = newAccessRole();

      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('cdk-cross-account-bucket:thirdPartyIsOwnerAccount'));
    });

    /** The warnings of the role's stack, as the user sees them. */
    const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(warning => String(warning.entry.data));
    const NARROWED: Partial<ThirdPartyAccessRoleProps> = {
      thirdPartyPrincipalArns: [`arn:aws:iam::${THIRD_PARTY}:role/Integration`],
      roleName: 'VendorAccess',
    };

    test('a trust narrowed to named principals, with a fixed role name and a long external id: no warning', () => {
      expect(warningsOf(newAccessRole(NARROWED).stack)).toEqual([]);
    });

    test.each([
      ['thirdPartyTrustsWholeAccount', { thirdPartyPrincipalArns: undefined },
        /thirdPartyPrincipalArns is not set: any principal of account 333333333333 .* may try the external id. Narrow the trust with thirdPartyPrincipalArns/],
      ['externalIdEasyToGuess', { externalId: 'abc1234' },
        /externalId has 7 characters: an id of fewer than 8 is easy to guess. Use a longer externalId/],
      ['thirdPartyRoleNameGenerated', { roleName: undefined },
        /roleName is not set: CloudFormation generates the role's name, so the third party must wait for the deployed role's ARN .*Set roleName/],
    ])('%s', (id, props, expected) => {
      const warnings = warningsOf(newAccessRole({ ...NARROWED, ...props }).stack);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(expected);
      expect(warnings[0]).toContain(`[ack: cdk-cross-account-bucket:${id}]`);
    });

    test('an external id of exactly 8 characters is not warned about', () => {
      expect(warningsOf(newAccessRole({ ...NARROWED, externalId: 'abcd1234' }).stack)).toEqual([]);
    });

    test('an external id from a parameter is not judged', () => {
      const setup = ownerStack();
      const externalId = new CfnParameter(setup.stack, 'ExternalId').valueAsString;
      expect(warningsOf(newAccessRole({ ...NARROWED, externalId }, setup).stack)).toEqual([]);
    });

    test('an acknowledged warning is not shown', () => {
      const { stack, accessRole } = newAccessRole({ ...NARROWED, thirdPartyPrincipalArns: undefined });
      CoreAnnotations.of(accessRole).acknowledgeWarning('cdk-cross-account-bucket:thirdPartyTrustsWholeAccount', 'The vendor picks its roles.');
      expect(warningsOf(stack)).toEqual([]);
    });
  });

  describe('partitions', () => {
    test('a principal ARN of another partition than the stack\'s is an error', () => {
      expect(() => newAccessRole({ thirdPartyPrincipalArns: [`arn:aws-cn:iam::${THIRD_PARTY}:role/Integration`] }))
        .toThrow(/thirdPartyPrincipalArns\[0\] is 'arn:aws-cn:iam::333333333333:role\/Integration': expected an ARN of partition 'aws', this stack's \(region eu-west-1\): an ARN of partition 'aws-cn' can never match/);
    });

    test('in a China region, aws-cn ARNs are the ones that match', () => {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: 'cn-north-1' } });
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
      expect(() => newAccessRole({ thirdPartyPrincipalArns: [`arn:aws-cn:iam::${THIRD_PARTY}:role/Integration`] }, { stack, sharedBucket })).not.toThrow();
      expect(() => newAccessRole({ thirdPartyPrincipalArns: [`arn:aws:iam::${THIRD_PARTY}:role/Integration`] }, ownerStackIn('cn-north-1')))
        .toThrow(/expected an ARN of partition 'aws-cn'/);
    });

    test('where the region is not known, the partition is not judged', () => {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER } });
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
      expect(() => newAccessRole({ thirdPartyPrincipalArns: [`arn:aws-cn:iam::${THIRD_PARTY}:role/Integration`] }, { stack, sharedBucket })).not.toThrow();
    });
  });

  describe("the key policy of the SharedBucket's key", () => {
    /** An owner sharing an existing bucket whose key has `keyProps` (a key policy of its own, or the default). */
    function existingBucketOwner(keyProps: kms.KeyProps = {}): OwnerSetup & { key: kms.Key } {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      const key = new kms.Key(stack, 'TeamKey', keyProps);
      const bucket = new s3.Bucket(stack, 'TeamData', {
        bucketName: BUCKET_NAME, encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true,
      });
      return { stack, key, sharedBucket: new SharedBucket(stack, 'Shared', { existingBucket: bucket }) };
    }

    /** A key policy for one administrator role, with no statement for the account root. */
    const withoutAccountRoot = (): kms.KeyProps => ({
      policy: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({
          actions: ['kms:*'], principals: [new iam.ArnPrincipal(`arn:aws:iam::${OWNER}:role/KeyAdministrator`)], resources: ['*'],
        })],
      }),
    });

    function keyStatements(stack: Stack): any[] {
      const keys = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
      expect(keys).toHaveLength(1);
      return keys[0].Properties.KeyPolicy.Statement;
    }

    const VIA_S3 = {
      StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': [partitionArn(`:s3:::${BUCKET_NAME}`), partitionArn(`:s3:::${BUCKET_NAME}/exports/*`)] },
    };

    test('without a statement for the account root, the key policy allows the role itself: its actions, through S3, for its prefix', () => {
      const setup = existingBucketOwner(withoutAccountRoot());
      newAccessRole({ roleName: 'VendorAccess', prefix: 'exports/' }, setup);

      expect(keyStatements(setup.stack)).toContainEqual({
        Sid: 'OwnerAccessC074A263Key',
        Effect: 'Allow',
        Principal: { AWS: OWNER },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': partitionArn(`:iam::${OWNER}:role/VendorAccess`) }, ...VIA_S3 },
      });
      // The role's own policy is as before: IAM and the key policy must both allow.
      expect(statementWithSid(rolePolicyStatements(setup.stack), 'SharedBucketKey').Action).toBe('kms:Decrypt');
    });

    test('with a generated role name, the key policy names the role by its ARN, and the role\'s key statement is a policy apart (no cycle)', () => {
      const setup = existingBucketOwner(withoutAccountRoot());
      newAccessRole({ prefix: 'exports/' }, setup);
      const template = Template.fromStack(setup.stack);
      const roleId = Object.keys(template.findResources('AWS::IAM::Role'))[0];

      expect(keyStatements(setup.stack)).toContainEqual(expect.objectContaining({
        Principal: { AWS: OWNER },
        Condition: { ArnEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [roleId, 'Arn'] } }, ...VIA_S3 },
      }));
      expect(rolePolicyStatements(setup.stack).map(statement => statement.Sid)).toEqual(['SharedBucketObjects', 'SharedBucketList']);
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: roleId }],
        PolicyDocument: { Statement: [Match.objectLike({ Sid: 'SharedBucketKey', Action: 'kms:Decrypt', Resource: Match.anyValue() })] },
      });
    });

    test('a key policy that lets the account\'s IAM policies use the key (aws-cdk-lib\'s default) is left as it was', () => {
      const setup = existingBucketOwner();
      const before = keyStatements(existingBucketOwner().stack);
      newAccessRole({ roleName: 'VendorAccess', prefix: 'exports/' }, setup);

      expect(keyStatements(setup.stack)).toEqual(before);
      expect(Template.fromStack(setup.stack).findResources('AWS::IAM::Policy')).toEqual({});
    });

    test('a root statement with a condition does not count: the role gets its own statement', () => {
      const setup = existingBucketOwner({
        policy: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({
            actions: ['kms:*'],
            principals: [new iam.AccountRootPrincipal()],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:PrincipalTag/team': 'storage' } },
          })],
        }),
      });
      newAccessRole({ roleName: 'VendorAccess', prefix: 'exports/' }, setup);
      expect(keyStatements(setup.stack).map(statement => statement.Sid)).toContain('OwnerAccessC074A263Key');
    });

    test('an imported key: a warning that its key policy must let the role use it', () => {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      const encryptionKey = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:${REGION}:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, encryptionKey });
      newAccessRole({ roleName: 'VendorAccess' }, { stack, sharedBucket });
      Annotations.fromStack(stack).hasWarning('/Owner/Access', Match.stringLikeRegexp(
        "The SharedBucket's encryptionKey .* is imported.*allows this role kms:Decrypt through S3, the role cannot use the key.*keyPolicyNotManaged"));
    });
  });

  describe('tokens', () => {
    test('an externalId from a CfnParameter is used as is', () => {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
      const externalId = new CfnParameter(stack, 'ExternalId').valueAsString;

      newAccessRole({ externalId }, { stack, sharedBucket });

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } } })],
        },
      });
    });

    test('a prefix token that resolves at synth is checked at synth like a literal one', () => {
      const { stack } = newAccessRole({ prefix: Lazy.string({ produce: () => 'exports' }) });
      expect(() => Template.fromStack(stack)).toThrow(
        "ThirdPartyAccessRole 'Owner/Access' has an invalid prop: prefix (a token, resolved at synth) is 'exports': expected a key prefix ending in '/'");
    });

    test('a thirdPartyPrincipalArns list token is refused at construction, naming the prop and the way out', () => {
      // The trust policy would take it, but the review record then holds no list and `review` stopped with an internal error.
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
      const roles = new CfnParameter(stack, 'Roles', { type: 'CommaDelimitedList' }).valueAsList;
      expect(() => newAccessRole({ thirdPartyPrincipalArns: roles }, { stack, sharedBucket }))
        .toThrow(/ThirdPartyAccessRole 'Owner\/Access' has invalid props:\n {2}- thirdPartyPrincipalArns is '\{"Ref":"Roles"\}': expected a list of IAM role or user ARNs written item by item, not a list token.*Way out/);
    });

    test('thirdPartyPrincipalArns items that are tokens are written as they are', () => {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
      newAccessRole({ thirdPartyPrincipalArns: [new CfnParameter(stack, 'Role').valueAsString] }, { stack, sharedBucket });
      expectTrustCondition(stack, { ArnEquals: { 'aws:PrincipalArn': [{ Ref: 'Role' }] }, StringEquals: { 'sts:ExternalId': EXTERNAL_ID } });
    });

    test('a thirdPartyAccountId token is used as is, with literal thirdPartyPrincipalArns', () => {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
      const thirdPartyAccountId = new CfnParameter(stack, 'ThirdPartyAccount').valueAsString;

      newAccessRole({ thirdPartyAccountId, thirdPartyPrincipalArns: [`arn:aws:iam::${THIRD_PARTY}:role/Ingest`] }, { stack, sharedBucket });

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([{ Ref: 'ThirdPartyAccount' }])] } },
            }),
          ],
        },
      });
    });
  });
});
