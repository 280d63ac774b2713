import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aws, CfnParameter, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel, OrganizationConsumers, OrganizationConsumersProps, StackSetCallAs } from '../lib';
import { errorMessage, reportedProblems } from './setup/props-errors';
import { foreignReferences, reportMemberMessages, TEMPLATE_BODY_LIMIT, templateBodyProblem, templateBodySize } from '../lib/private/member-template';

const MANAGEMENT = '999999999999';
const OWNER = '111111111111';
const MANAGEMENT_REGION = 'us-east-1';
const BUCKET_REGION = 'eu-west-1';
const BUCKET_NAME = 'shared-data-bucket';
const ROLE_NAME = 'OrganizationReader';
const OU = 'ou-ab12-cd34ef56';
const ROOT = 'r-ab12';

interface Setup {
  readonly stack: Stack;
  readonly consumers: OrganizationConsumers;
}

/** A fresh management stack. */
function managementStack(): Stack {
  return new Stack(new App(), 'Management', { env: { account: MANAGEMENT, region: MANAGEMENT_REGION } });
}

/** An OrganizationConsumers for BUCKET_NAME of OWNER in BUCKET_REGION, role ROLE_NAME in OU; `props` override or add. */
function newConsumers(props: Partial<OrganizationConsumersProps> = {}, stack: Stack = managementStack()): Setup {
  const consumers = new OrganizationConsumers(stack, 'OrganizationConsumers', {
    bucketName: BUCKET_NAME,
    bucketOwnerAccountId: OWNER,
    bucketRegion: BUCKET_REGION,
    organizationalUnitIds: [OU],
    roleName: ROLE_NAME,
    ...props,
  });
  return { stack, consumers };
}

/** The member template, parsed from the StackSet's TemplateBody as synthesized. */
function memberTemplate(stack: Stack): any {
  const stackSets = Object.values(Template.fromStack(stack).findResources('AWS::CloudFormation::StackSet'));
  expect(stackSets).toHaveLength(1);
  return JSON.parse(stackSets[0].Properties.TemplateBody);
}

function resourcesOfType(template: any, type: string): any[] {
  return Object.values(template.Resources).filter((resource: any) => resource.Type === type);
}

function memberStatements(template: any): any[] {
  const policies = resourcesOfType(template, 'AWS::IAM::Policy');
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

function statementWithSid(statements: any[], sid: string): any {
  const found = statements.filter(statement => statement.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0];
}

/** `arn:<partition>:s3:::<rest><more...>` as CloudFormation renders it, `more` being intrinsics or literals. */
function s3Arn(rest: string, ...more: unknown[]): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${rest}`, ...more]] };
}

describe('OrganizationConsumers', () => {
  describe('the StackSet', () => {
    test('service-managed, created as the management account, with the member template inlined', () => {
      const { stack, consumers } = newConsumers();

      Template.fromStack(stack).resourceCountIs('AWS::CloudFormation::StackSet', 1);
      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        PermissionModel: 'SERVICE_MANAGED',
        CallAs: 'SELF',
        Capabilities: ['CAPABILITY_NAMED_IAM'],
        TemplateBody: consumers.memberTemplateBody,
        TemplateURL: Match.absent(),
        AdministrationRoleARN: Match.absent(),
        ExecutionRoleName: Match.absent(),
        Parameters: Match.absent(),
      });
    });

    test('automatic deployment: accounts that join the units get the role, accounts that leave lose it', () => {
      const { stack } = newConsumers();

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        AutoDeployment: Match.exact({ Enabled: true, RetainStacksOnAccountRemoval: false }),
      });
    });

    test('retainStacksOnAccountRemoval keeps the role in accounts that leave', () => {
      const { stack } = newConsumers({ retainStacksOnAccountRemoval: true });

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        AutoDeployment: Match.exact({ Enabled: true, RetainStacksOnAccountRemoval: true }),
      });
    });

    test('the units as targets, in exactly one region: the bucket\'s, by default', () => {
      const { stack } = newConsumers({ organizationalUnitIds: [OU, 'ou-ab12-99998888'] });

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        StackInstancesGroup: Match.exact([{
          DeploymentTargets: { OrganizationalUnitIds: [OU, 'ou-ab12-99998888'] },
          Regions: [BUCKET_REGION],
        }]),
      });
    });

    test('the organization\'s root as target', () => {
      const { stack } = newConsumers({ organizationalUnitIds: [ROOT] });

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: [ROOT] } }],
      });
    });

    test('stackInstanceRegion sets the one region', () => {
      const { stack } = newConsumers({ stackInstanceRegion: 'us-west-2' });

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        StackInstancesGroup: [{ Regions: ['us-west-2'] }],
      });
    });

    test('a delegated administrator creates it with CallAs DELEGATED_ADMIN', () => {
      const { stack } = newConsumers({ callAs: StackSetCallAs.DELEGATED_ADMIN });

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', { CallAs: 'DELEGATED_ADMIN' });
    });

    test('operation preferences: a quarter of the accounts at a time, stopping at the first failure', () => {
      const { stack } = newConsumers();

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        OperationPreferences: Match.exact({
          ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
          MaxConcurrentPercentage: 25,
          FailureTolerancePercentage: 0,
        }),
        ManagedExecution: { Active: true },
      });
    });

    test('maxConcurrentPercentage and failureTolerancePercentage set the operation preferences', () => {
      const { stack } = newConsumers({ maxConcurrentPercentage: 100, failureTolerancePercentage: 10 });

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        OperationPreferences: Match.exact({
          ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
          MaxConcurrentPercentage: 100,
          FailureTolerancePercentage: 10,
        }),
      });
    });

    test('the default name is derived from the construct path, valid and distinct per construct', () => {
      const stack = managementStack();
      const first = newConsumers({}, stack).consumers;
      const second = new OrganizationConsumers(stack, 'Other', {
        bucketName: BUCKET_NAME, bucketOwnerAccountId: OWNER, bucketRegion: BUCKET_REGION, organizationalUnitIds: [OU], roleName: ROLE_NAME,
      });

      expect(first.stackSetName).toMatch(/^Management-OrganizationConsumers-[0-9A-F]{8}$/);
      expect(second.stackSetName).toMatch(/^Management-Other-[0-9A-F]{8}$/);
      // The same path gives the same name in a new app: the StackSet is not replaced on the next deploy.
      expect(newConsumers().consumers.stackSetName).toBe(first.stackSetName);
      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', { StackSetName: first.stackSetName });
    });

    test('stackSetName names it', () => {
      const { stack, consumers } = newConsumers({ stackSetName: 'analytics-readers' });

      expect(consumers.stackSetName).toBe('analytics-readers');
      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', { StackSetName: 'analytics-readers' });
    });

    test('organizationalUnitIds may be a list token: the StackSet targets are one list, and nothing is written item by item', () => {
      const stack = managementStack();
      const units = new CfnParameter(stack, 'Units', { type: 'CommaDelimitedList' });
      newConsumers({ organizationalUnitIds: units.valueAsList }, stack);

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: { Ref: 'Units' } } }],
      });
    });

    test('organizational unit ids may be tokens of this app: the StackSet is a resource of this stack', () => {
      const stack = managementStack();
      const unit = new CfnParameter(stack, 'Unit');
      newConsumers({ organizationalUnitIds: [unit.valueAsString] }, stack);

      Template.fromStack(stack).hasResourceProperties('AWS::CloudFormation::StackSet', {
        StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: [{ Ref: 'Unit' }] } }],
      });
    });
  });

  describe('the member template', () => {
    test('no bootstrap version parameter or rule, no CDK metadata, no assets: nothing but the role, its policy and its ARN', () => {
      const template = memberTemplate(newConsumers().stack);

      expect(template.Parameters).toBeUndefined();
      expect(template.Rules).toBeUndefined();
      expect(template.Conditions).toBeUndefined();
      expect(template.Metadata).toBeUndefined();
      expect(Object.values(template.Resources).map((resource: any) => resource.Type).sort()).toEqual(['AWS::IAM::Policy', 'AWS::IAM::Role']);
      for (const resource of Object.values(template.Resources) as any[]) {
        expect(resource.Metadata).toBeUndefined();
      }
      expect(Object.keys(template.Outputs)).toEqual([expect.stringMatching(/^ConsumerRoleArn/)]);
      expect(template.Description).toMatch(new RegExp(`^The role ${ROLE_NAME}, which uses the S3 bucket ${BUCKET_NAME} shared by account ${OWNER}`));
    });

    test('the body is the template as JSON without white space, and all its tokens are resolved', () => {
      const { consumers } = newConsumers();

      expect(consumers.memberTemplateBody).toBe(JSON.stringify(JSON.parse(consumers.memberTemplateBody)));
      expect(consumers.memberTemplateBody).not.toMatch(/\$\{Token\[|\s\s/);
    });

    test('one role, named exactly roleName, without a path, assumable by the member account\'s root', () => {
      const roles = resourcesOfType(memberTemplate(newConsumers().stack), 'AWS::IAM::Role');

      expect(roles).toHaveLength(1);
      expect(roles[0].Properties.RoleName).toBe(ROLE_NAME);
      expect(roles[0].Properties.Path).toBeUndefined();
      expect(roles[0].Properties.AssumeRolePolicyDocument.Statement).toEqual([{
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
      }]);
    });

    test('the identity policy reads the member\'s own prefix <account id>/, only in the owner\'s bucket', () => {
      const statements = memberStatements(memberTemplate(newConsumers().stack));

      expect(statements.map(statement => statement.Sid).sort()).toEqual(['SharedBucketKey', 'SharedBucketList', 'SharedBucketObjects']);
      expect(statementWithSid(statements, 'SharedBucketObjects')).toEqual({
        Sid: 'SharedBucketObjects',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: s3Arn(`${BUCKET_NAME}/`, { Ref: 'AWS::AccountId' }, '/*'),
        Condition: { StringEquals: { 'aws:ResourceAccount': OWNER } },
      });
      expect(statementWithSid(statements, 'SharedBucketList')).toEqual({
        Sid: 'SharedBucketList',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: s3Arn(BUCKET_NAME),
        Condition: {
          StringEquals: { 'aws:ResourceAccount': OWNER },
          StringLike: { 's3:prefix': [{ 'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, '/*']] }] },
        },
      });
    });

    test('the key: any key of the owner in the bucket\'s region, only through S3 there, only for the member\'s own prefix', () => {
      const key = statementWithSid(memberStatements(memberTemplate(newConsumers().stack)), 'SharedBucketKey');

      expect(key.Action).toBe('kms:Decrypt');
      expect(key.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${BUCKET_REGION}:${OWNER}:key/*`]] });
      expect(key.Condition).toEqual({
        StringEquals: { 'kms:ViaService': `s3.${BUCKET_REGION}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [s3Arn(BUCKET_NAME), s3Arn(`${BUCKET_NAME}/`, { Ref: 'AWS::AccountId' }, '/*')] },
      });
    });

    test('sharedPrefix: every member asks for the same prefix', () => {
      const statements = memberStatements(memberTemplate(newConsumers({ sharedPrefix: 'shared/' }).stack));

      expect(statementWithSid(statements, 'SharedBucketObjects').Resource).toEqual(s3Arn(`${BUCKET_NAME}/shared/*`));
      expect(statementWithSid(statements, 'SharedBucketList').Condition.StringLike).toEqual({ 's3:prefix': ['shared/*'] });
      expect(JSON.stringify(statements)).not.toContain('AWS::AccountId');
    });

    test('access and allowDelete set the actions', () => {
      const statements = memberStatements(memberTemplate(newConsumers({ access: AccessLevel.READ_WRITE, allowDelete: true }).stack));

      expect(statementWithSid(statements, 'SharedBucketObjects').Action)
        .toEqual(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject']);
      expect(statementWithSid(statements, 'SharedBucketKey').Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    });

    test('assumedBy: a service principal, or a principal named by ARN in each member account', () => {
      const trust = (principal: iam.IPrincipal) =>
        resourcesOfType(memberTemplate(newConsumers({ assumedBy: principal }).stack), 'AWS::IAM::Role')[0].Properties.AssumeRolePolicyDocument.Statement[0].Principal;

      expect(trust(new iam.ServicePrincipal('lambda.amazonaws.com'))).toEqual({ Service: 'lambda.amazonaws.com' });
      expect(trust(new iam.ArnPrincipal(`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/Admin`))).toEqual({
        AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/Admin']] },
      });
      expect(trust(new iam.ArnPrincipal('arn:aws:iam::444455556666:role/Auditor'))).toEqual({ AWS: 'arn:aws:iam::444455556666:role/Auditor' });
    });

    test('accessPointArn: every member goes through the organization grant\'s access point, also when named with the owner\'s partition token', () => {
      const accessPoint = (partition: string) => `arn:${partition}:s3:${BUCKET_REGION}:${OWNER}:accesspoint/organization-readers`;
      for (const arn of [accessPoint('aws'), accessPoint(Aws.PARTITION)]) {
        const statements = memberStatements(memberTemplate(newConsumers({ accessPointArn: arn }).stack));

        expect(JSON.stringify(statementWithSid(statements, 'SharedBucketObjects').Resource)).toContain(`${accessPoint('aws')}/object/`);
        expect(statementWithSid(statements, 'SharedBucketList').Resource).toBe(accessPoint('aws'));
        // Only the key's encryption context names the bucket itself.
        expect(JSON.stringify(statements.filter(statement => statement.Sid !== 'SharedBucketKey'))).not.toContain(`:s3:::${BUCKET_NAME}`);
      }
    });

    test('accessPointArn must be an access point ARN of the owner, in the bucket\'s region', () => {
      expect(() => newConsumers({ accessPointArn: 'organization-readers-s3alias' }))
        .toThrow(/accessPointArn.*organization-readers-s3alias.*\(SharedBucket organizationAccessPointArns\), not its alias/);
      expect(() => newConsumers({ accessPointArn: `arn:aws:s3:${BUCKET_REGION}:999999999999:accesspoint/other-point` }))
        .toThrow(/accessPointArn.*an access point of the bucket owner's account 111111111111, not of account 999999999999/);
      expect(() => newConsumers({ accessPointArn: `arn:aws:s3:us-west-2:${OWNER}:accesspoint/other-point` }))
        .toThrow(new RegExp(`accessPointArn.*an access point in the bucket's region ${BUCKET_REGION}`));
    });

    test('a token that resolves to a plain string is written as that string', () => {
      const { consumers } = newConsumers({ roleName: Lazy.string({ produce: () => 'LazyReader' }) });

      expect(consumers.memberTemplateBody).toContain('"RoleName":"LazyReader"');
    });

    test('the same body under the CDK CLI, which passes path metadata and version reporting in the context, and nothing written to its cloud assembly', () => {
      const outside = newConsumers().consumers.memberTemplateBody;
      const cloudAssembly = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-assembly-'));
      const saved = { context: process.env.CDK_CONTEXT_JSON, outdir: process.env.CDK_OUTDIR };
      process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:enable-path-metadata': true, 'aws:cdk:version-reporting': true });
      process.env.CDK_OUTDIR = cloudAssembly;
      try {
        const underCli = new OrganizationConsumers(new Stack(new App({ autoSynth: false }), 'Management'), 'OrganizationConsumers', {
          bucketName: BUCKET_NAME, bucketOwnerAccountId: OWNER, bucketRegion: BUCKET_REGION, organizationalUnitIds: [OU], roleName: ROLE_NAME,
        });
        expect(underCli.memberTemplateBody).toBe(outside);
        expect(fs.readdirSync(cloudAssembly)).toEqual([]);
      } finally {
        restore('CDK_CONTEXT_JSON', saved.context);
        restore('CDK_OUTDIR', saved.outdir);
        fs.rmSync(cloudAssembly, { recursive: true, force: true });
      }
    });

    test('its temporary cloud assembly is removed', () => {
      const temporary = () => fs.readdirSync(os.tmpdir()).filter(name => name.startsWith('cdk-cross-account-bucket-member-'));
      const before = temporary();
      newConsumers();
      expect(() => newConsumers({ roleName: 'bad/name' })).toThrow();
      expect(temporary()).toEqual(before);
    });

    test('the member template is a few kilobytes, far below the limit', () => {
      const { consumers } = newConsumers({ sharedPrefix: `${'p'.repeat(1000)}/`, access: AccessLevel.READ_WRITE, allowDelete: true });

      expect(templateBodySize(consumers.memberTemplateBody)).toBeLessThan(TEMPLATE_BODY_LIMIT / 5);
    });
  });

  describe('the size of the template body', () => {
    test('bytes of UTF-8, not characters', () => {
      expect(templateBodySize('{}')).toBe(2);
      expect(templateBodySize('{"Description":"é"}')).toBe(20);
      expect(templateBodySize('{"Description":"€"}')).toBe(21);
    });

    test('a body of 51,200 bytes is accepted, one byte more is refused with its size and the limit', () => {
      const document = (bytes: number) => {
        const empty = JSON.stringify({ Description: '' });
        return JSON.stringify({ Description: 'x'.repeat(bytes - empty.length) });
      };
      expect(templateBodySize(document(51_200))).toBe(51_200);
      expect(templateBodyProblem('member template', document(51_200))).toBeUndefined();
      expect(templateBodyProblem('member template', document(51_201)))
        .toBe("The member template would be 51,201 bytes, over CloudFormation's limit of 51,200 bytes for a StackSet's TemplateBody.");
    });

    test('multi-byte characters count by their bytes', () => {
      // 17,067 characters of 3 bytes each: fewer than 51,200 characters, more than 51,200 bytes.
      const body = JSON.stringify({ Description: '€'.repeat(17_067) });
      expect(body.length).toBeLessThan(TEMPLATE_BODY_LIMIT);
      expect(templateBodyProblem('member template', body)).toMatch(/would be 51,219 bytes, over/);
    });

    test('synth checks the TemplateBody the StackSet has, escape hatches included', () => {
      const { stack, consumers } = newConsumers();
      consumers.stackSet.templateBody = JSON.stringify({ Description: 'x'.repeat(TEMPLATE_BODY_LIMIT), Resources: {} });

      expect(() => Template.fromStack(stack)).toThrow(
        /The member template of Management\/OrganizationConsumers \(the StackSet's TemplateBody\) would be 51,233 bytes, over CloudFormation's limit of 51,200 bytes/);
    });

    test('the StackSet as built passes the check', () => {
      const { stack } = newConsumers();
      expect(() => Template.fromStack(stack)).not.toThrow();
    });
  });

  describe('one region', () => {
    test('synth refuses a StackSet changed to deploy to a second region', () => {
      const { stack, consumers } = newConsumers();
      consumers.stackSet.stackInstancesGroup = [
        { deploymentTargets: { organizationalUnitIds: [OU] }, regions: [BUCKET_REGION, 'us-east-1'] },
      ];

      expect(() => Template.fromStack(stack)).toThrow(
        /The StackSet of Management\/OrganizationConsumers deploys to 2 regions \(eu-west-1, us-east-1\): exactly one, since the role is global \(IAM\)/);
    });

    test('also across stack instance groups', () => {
      const { stack, consumers } = newConsumers();
      consumers.stackSet.stackInstancesGroup = [
        { deploymentTargets: { organizationalUnitIds: [OU] }, regions: [BUCKET_REGION] },
        { deploymentTargets: { organizationalUnitIds: ['ou-ab12-99998888'] }, regions: ['us-east-1'] },
      ];

      expect(() => Template.fromStack(stack)).toThrow(/deploys to 2 regions/);
    });
  });

  describe('validation', () => {
    test.each<[string, Partial<OrganizationConsumersProps>, RegExp]>([
      ['bucketName', { bucketName: 'Bad_Bucket' }, /bucketName is 'Bad_Bucket': expected an S3 bucket name/],
      ['bucketOwnerAccountId', { bucketOwnerAccountId: '12' }, /bucketOwnerAccountId is '12': expected an AWS account id of exactly 12 digits/],
      ['bucketRegion', { bucketRegion: 'europe' }, /bucketRegion is 'europe': expected an AWS region such as 'eu-west-1'/],
      ['roleName with a path', { roleName: 'path/Reader' }, /roleName is 'path\/Reader': expected an IAM role name of 1 to 64 letters, digits and \+=,\.@-_/],
      ['roleName too long', { roleName: 'r'.repeat(65) }, /roleName is 'r{65}': expected an IAM role name/],
      ['sharedPrefix without a slash', { sharedPrefix: 'shared' }, /sharedPrefix is 'shared': expected a key prefix ending in '\/'/],
      ['sharedPrefix with a policy variable', { sharedPrefix: '${aws:PrincipalAccount}/' }, /sharedPrefix is '\$\{aws:PrincipalAccount\}\/': expected a literal key prefix without '\$\{'/],
      ['access', { access: 'everything' as AccessLevel }, /access is 'everything': expected one of READ, WRITE, READ_WRITE/],
      ['no organizational units', { organizationalUnitIds: [] }, /organizationalUnitIds is '\[\]': expected at least one organizational unit id \('ou-\.\.\.'\) or the organization's root id \('r-\.\.\.'\)/],
      ['an account id as a unit', { organizationalUnitIds: [OU, '222222222222'] }, /organizationalUnitIds\[1\] is '222222222222': expected an organizational unit id such as 'ou-ab12-cd34ef56'/],
      ['an organization id as a unit', { organizationalUnitIds: ['o-a1b2c3d4e5'] }, /organizationalUnitIds\[0\] is 'o-a1b2c3d4e5': expected an organizational unit id/],
      ['an upper-case unit', { organizationalUnitIds: ['ou-AB12-CD34EF56'] }, /organizationalUnitIds\[0\] is 'ou-AB12-CD34EF56'/],
      ['a short unit suffix', { organizationalUnitIds: ['ou-ab12-cd34'] }, /organizationalUnitIds\[0\] is 'ou-ab12-cd34'/],
      ['a short root id', { organizationalUnitIds: ['r-ab1'] }, /organizationalUnitIds\[0\] is 'r-ab1'/],
      ['a repeated unit', { organizationalUnitIds: [OU, ROOT, OU] }, /organizationalUnitIds\[2\] is 'ou-ab12-cd34ef56': expected each id once: it is already organizationalUnitIds\[0\]/],
      ['stackSetName with an underscore', { stackSetName: 'analytics_readers' }, /stackSetName is 'analytics_readers': expected a StackSet name of 1 to 128 letters, digits and hyphens, starting with a letter/],
      ['stackSetName starting with a digit', { stackSetName: '1readers' }, /stackSetName is '1readers'/],
      ['stackSetName too long', { stackSetName: `a${'b'.repeat(128)}` }, /stackSetName is 'ab{128}'/],
      ['callAs', { callAs: 'ORGANIZATION' as StackSetCallAs }, /callAs is 'ORGANIZATION': expected one of StackSetCallAs\.SELF, StackSetCallAs\.DELEGATED_ADMIN/],
      ['stackInstanceRegion', { stackInstanceRegion: 'global' }, /stackInstanceRegion is 'global': expected an AWS region/],
      ['maxConcurrentPercentage of 0', { maxConcurrentPercentage: 0 }, /maxConcurrentPercentage is 0: expected a whole percentage from 1 to 100/],
      ['maxConcurrentPercentage over 100', { maxConcurrentPercentage: 101 }, /maxConcurrentPercentage is 101: expected a whole percentage from 1 to 100/],
      ['maxConcurrentPercentage not whole', { maxConcurrentPercentage: 12.5 }, /maxConcurrentPercentage is 12.5: expected a whole percentage/],
      ['failureTolerancePercentage', { failureTolerancePercentage: -1 }, /failureTolerancePercentage is -1: expected a whole percentage from 0 to 100/],
    ])('%s', (_name, props, expected) => {
      const message = errorMessage(() => newConsumers(props));
      expect(message).toMatch(/^OrganizationConsumers 'Management\/OrganizationConsumers' has invalid props:\n/);
      expect(message).toMatch(expected);
      expect(reportedProblems(message)).toHaveLength(1);
    });

    test('every problem at once', () => {
      const message = errorMessage(() => newConsumers({ bucketName: 'Bad_Bucket', organizationalUnitIds: [], maxConcurrentPercentage: 0 }));
      expect(reportedProblems(message)).toHaveLength(3);
    });

    test('the edges of the ranges are valid', () => {
      expect(() => newConsumers({ maxConcurrentPercentage: 1, failureTolerancePercentage: 100 })).not.toThrow();
      expect(() => newConsumers({ maxConcurrentPercentage: 100, failureTolerancePercentage: 0 })).not.toThrow();
      expect(() => newConsumers({ stackSetName: `a${'b'.repeat(127)}`, organizationalUnitIds: [`ou-${'a'.repeat(32)}-${'b'.repeat(32)}`, `r-${'c'.repeat(32)}`] }))
        .not.toThrow();
    });

    test.each<[string, (stack: Stack) => Partial<OrganizationConsumersProps>]>([
      ['bucketName', stack => ({ bucketName: new CfnParameter(stack, 'Bucket').valueAsString })],
      ['bucketOwnerAccountId', stack => ({ bucketOwnerAccountId: stack.account })],
      ['bucketRegion', () => ({ bucketRegion: Aws.REGION })],
      ['roleName', stack => ({ roleName: new iam.Role(stack, 'Named', { assumedBy: new iam.AccountRootPrincipal() }).roleName })],
      ['sharedPrefix', stack => ({ sharedPrefix: `${new CfnParameter(stack, 'Prefix').valueAsString}/` })],
    ])('%s must be known at synth: a reference of this app would mean nothing, or something else, in the member accounts', (prop, props) => {
      // Environment-agnostic, so that the stack's account is the pseudo parameter AWS::AccountId.
      const stack = new Stack(new App(), 'Management');
      const message = errorMessage(() => newConsumers(props(stack), stack));
      expect(message).toMatch(new RegExp(`${prop} is '\\{"(Ref|Fn::Join)".*': expected a value known at synth: it is written into the template every member account deploys`));
      expect(reportedProblems(message)).toHaveLength(1);
    });

    test('assumedBy may not refer to resources of this app', () => {
      // Environment-agnostic, so that aws-cdk-lib resolves the role's ARN to its Fn::GetAtt.
      const stack = new Stack(new App(), 'Management');
      const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });

      const message = errorMessage(() => newConsumers({ assumedBy: admin }, stack));
      expect(message).toMatch(/assumedBy is '\{"Fn::GetAtt":\["Admin[0-9A-F]{8}","Arn"\]\}': expected a principal that every member account can name in its own template: it refers to a resource of this app/);
      expect(message).toMatch(/new iam\.AccountRootPrincipal\(\) for each member account's own root/);
      expect(reportedProblems(message)).toHaveLength(1);
    });

    test('nor to a resource of a stack with an environment, which aws-cdk-lib will not name elsewhere', () => {
      const stack = managementStack();
      const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });

      const message = errorMessage(() => newConsumers({ assumedBy: admin }, stack));
      expect(message).toMatch(/assumedBy is 'Management\/Admin': expected a principal that every member account can name in its own template, but it cannot be named outside this app \(.*cross-environment/);
      expect(reportedProblems(message)).toHaveLength(1);
    });

    test('nor in its conditions', () => {
      const stack = managementStack();
      const tag = new CfnParameter(stack, 'Team');
      const principal = new iam.AccountRootPrincipal().withConditions({ StringEquals: { 'aws:PrincipalTag/team': tag.valueAsString } });

      expect(() => newConsumers({ assumedBy: principal }, stack)).toThrow(/assumedBy is '\{"Ref":"Team"\}'/);
    });
  });

  describe('what the member\'s synth reports', () => {
    test('a warning is handed on with its id, so that it can be acknowledged', () => {
      const { stack, consumers } = newConsumers();
      reportMemberMessages(consumers, [
        { level: 'warning', path: '/Member/Consumer', text: 'The role inline policies are large. [ack: cdk-cross-account-bucket:policySize]' },
        { level: 'info', path: '/Member/Consumer', text: 'not handed on' },
      ]);

      const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
      expect(warnings.map(warning => warning.entry.data)).toEqual([
        'In the member template, /Member/Consumer: The role inline policies are large. [ack: cdk-cross-account-bucket:policySize]',
      ]);
    });

    test('an error is handed on as an error', () => {
      const { stack, consumers } = newConsumers();
      reportMemberMessages(consumers, [{ level: 'error', path: '/Member/Consumer', text: 'broken' }]);

      Annotations.fromStack(stack).hasError('/Management/OrganizationConsumers', 'In the member template, /Member/Consumer: broken');
    });

    test('a member template as built reports nothing', () => {
      const { stack } = newConsumers({ sharedPrefix: 'shared/', access: AccessLevel.WRITE });
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    });
  });

  describe('foreign references', () => {
    test('pseudo parameters deploy in every member account; references to this app\'s resources do not', () => {
      expect(foreignReferences({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] })).toEqual([]);
      expect(foreignReferences({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${!Literal}' })).toEqual([]);
      expect(foreignReferences({ 'Fn::Sub': ['${Name}-x', { Name: 'literal' }] })).toEqual([]);
      expect(foreignReferences([{ Ref: 'Bucket' }, { 'Fn::GetAtt': ['Role', 'Arn'] }, { 'Fn::ImportValue': 'Export' }]))
        .toEqual(['{"Ref":"Bucket"}', '{"Fn::GetAtt":["Role","Arn"]}', '{"Fn::ImportValue":"Export"}']);
      expect(foreignReferences({ AWS: { 'Fn::Sub': 'arn:aws:iam::${Account}:root' } })).toEqual(['{"Fn::Sub":"...${Account}..."}']);
      expect(foreignReferences({ 'Fn::Sub': ['${Name}', { Name: { Ref: 'Param' } }] })).toEqual(['{"Ref":"Param"}']);
      expect(foreignReferences({ 'Fn::FindInMap': ['Map', 'a', 'b'] })).toHaveLength(1);
      expect(foreignReferences({ 'Fn::If': ['Condition', 'a', 'b'] })).toHaveLength(1);
    });
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) {
    delete process.env[name];
  } else {
    process.env[name] = value;
  }
}
