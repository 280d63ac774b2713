/**
 * SharedBucket organization grants: one statement per grant in the bucket policy (or an access
 * point of its own) and in the key policy, whatever the number of member accounts.
 */
import { App, Annotations as CoreAnnotations, CfnParameter, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AccessLevel, OrganizationGrant, SharedBucket, SharedBucketProps, SharingMode } from '../lib';
import { errorMessage, reportedProblems } from './setup/props-errors';

const OWNER = '111111111111';
const REGION = 'eu-west-1';
const BUCKET = 'organization-shared-data';
const ORGANIZATION = 'o-a1b2c3d4e5';
const OU = `${ORGANIZATION}/r-ab12/ou-ab12-11111111/`;

function build(props: Partial<SharedBucketProps> = {}): { stack: Stack; shared: SharedBucket; template: Template } {
  const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
  const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET, ...props });
  return { stack, shared, template: Template.fromStack(stack) };
}

const partitionArn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

/** The statements of the shared bucket's policy, or of its key's. */
function statements(template: Template, type: 'AWS::S3::BucketPolicy' | 'AWS::KMS::Key'): any[] {
  const resources = Object.values(template.findResources(type))
    .filter(resource => type === 'AWS::KMS::Key' || resource.Properties.Bucket.Ref.startsWith('SharedBucket'));
  expect(resources).toHaveLength(1);
  const resource = resources[0].Properties;
  return (type === 'AWS::KMS::Key' ? resource.KeyPolicy : resource.PolicyDocument).Statement;
}

function withSid(all: any[], sid: string): any {
  const found = all.filter(statement => statement.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0];
}

const GRANT: OrganizationGrant = { organizationId: ORGANIZATION, organizationalUnitPaths: [OU], roleName: 'SharedDataReader' };

describe('SharedBucket organization grants', () => {
  test('per-account prefixes: one bucket statement with the organization, its OUs, the role and ${aws:PrincipalAccount}', () => {
    const { template } = build({ organizationGrants: [GRANT] });
    expect(withSid(statements(template, 'AWS::S3::BucketPolicy'), 'Organization1')).toEqual({
      Sid: 'Organization1',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: [partitionArn(`:s3:::${BUCKET}`), partitionArn(`:s3:::${BUCKET}/\${aws:PrincipalAccount}/*`)],
      Condition: {
        'StringEquals': { 'aws:PrincipalOrgID': ORGANIZATION },
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${OU}*`] },
        'ArnLike': { 'aws:PrincipalArn': partitionArn(':iam::*:role/SharedDataReader') },
        'StringLikeIfExists': { 's3:prefix': '${aws:PrincipalAccount}/*' },
      },
    });
    // A listing that names no prefix is denied to everyone but the owner.
    expect(withSid(statements(template, 'AWS::S3::BucketPolicy'), 'DenyListingWithoutPrefix').Condition)
      .toEqual({ Null: { 's3:prefix': 'true' }, StringNotEquals: { 'aws:PrincipalAccount': OWNER } });
  });

  test('the key statement: through S3 for this bucket, narrowed like the bucket statement, with no policy variable', () => {
    const { template } = build({ organizationGrants: [GRANT] });
    const key = withSid(statements(template, 'AWS::KMS::Key'), 'Organization1Key');
    expect(key).toEqual({
      Sid: 'Organization1Key',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        'StringEquals': { 'aws:PrincipalOrgID': ORGANIZATION, 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
        'StringLike': { 'kms:EncryptionContext:aws:s3:arn': [partitionArn(`:s3:::${BUCKET}`), partitionArn(`:s3:::${BUCKET}/*`)] },
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${OU}*`] },
        'ArnLike': { 'aws:PrincipalArn': partitionArn(':iam::*:role/SharedDataReader') },
      },
    });
    expect(JSON.stringify(key)).not.toContain('${aws:');
  });

  test('a shared prefix: every member reaches it, and the key names its objects', () => {
    const { template } = build({ organizationGrants: [{ organizationId: ORGANIZATION, sharedPrefix: 'reference/', access: AccessLevel.READ_WRITE, allowDelete: true }] });
    const bucket = withSid(statements(template, 'AWS::S3::BucketPolicy'), 'Organization1');
    expect(bucket.Action).toEqual(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListBucket']);
    expect(bucket.Resource).toEqual([partitionArn(`:s3:::${BUCKET}`), partitionArn(`:s3:::${BUCKET}/reference/*`)]);
    // The whole organization: no OU paths, no role.
    expect(bucket.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION }, StringLikeIfExists: { 's3:prefix': 'reference/*' } });
    const key = withSid(statements(template, 'AWS::KMS::Key'), 'Organization1Key');
    expect(key.Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    expect(key.Condition.StringLike).toEqual({ 'kms:EncryptionContext:aws:s3:arn': [partitionArn(`:s3:::${BUCKET}`), partitionArn(`:s3:::${BUCKET}/reference/*`)] });
  });

  test('writers get no listing and no listing denial', () => {
    const { template } = build({ organizationGrants: [{ organizationId: ORGANIZATION, access: AccessLevel.WRITE }] });
    const all = statements(template, 'AWS::S3::BucketPolicy');
    expect(withSid(all, 'Organization1').Action).toEqual(['s3:PutObject', 's3:AbortMultipartUpload']);
    expect(all.map(statement => statement.Sid)).not.toContain('DenyListingWithoutPrefix');
  });

  test('a grant is one statement per policy, whatever the number of member accounts', () => {
    const count = (organizationGrants: OrganizationGrant[]) => {
      const { template } = build({ organizationGrants });
      return [statements(template, 'AWS::S3::BucketPolicy').length, statements(template, 'AWS::KMS::Key').length];
    };
    const [bucketBefore, keyBefore] = count([]);
    const writers = { organizationId: ORGANIZATION, access: AccessLevel.WRITE };
    expect(count([writers])).toEqual([bucketBefore + 1, keyBefore + 1]);
    // The reader also brings the denial of listings without a prefix, once.
    expect(count([writers, GRANT])).toEqual([bucketBefore + 3, keyBefore + 2]);
  });

  test('addOrganizationGrant adds a grant after construction', () => {
    const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
    const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET });
    shared.addOrganizationGrant(GRANT);
    expect(shared.organizationGrants).toEqual([GRANT]);
    expect(withSid(statements(Template.fromStack(Stack.of(shared)), 'AWS::S3::BucketPolicy'), 'Organization1').Action).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  test('several OUs are one condition, each path with the OUs below it', () => {
    const other = `${ORGANIZATION}/r-ab12/ou-ab12-22222222/ou-ab12-33333333/`;
    const { template } = build({ organizationGrants: [{ ...GRANT, organizationalUnitPaths: [OU, other] }] });
    expect(withSid(statements(template, 'AWS::S3::BucketPolicy'), 'Organization1').Condition['ForAnyValue:StringLike'])
      .toEqual({ 'aws:PrincipalOrgPaths': [`${OU}*`, `${other}*`] });
  });

  test('SharingMode.ACCESS_POINTS: the grant gets an access point of its own in the owner stack, and its own key statement', () => {
    const { template, shared } = build({ sharingMode: SharingMode.ACCESS_POINTS, organizationGrants: [{ ...GRANT, accessPointName: 'organization-readers' }] });
    expect(shared.organizationAccessPointArns).toHaveLength(1);
    expect(shared.accessPointArns).toEqual([]);
    const accessPointArn = partitionArn(`:s3:${REGION}:${OWNER}:accesspoint/organization-readers`);
    template.hasResourceProperties('AWS::S3::AccessPoint', {
      Name: 'organization-readers',
      Bucket: BUCKET,
      Policy: {
        Statement: [
          Match.objectLike({ Sid: 'Organization1Objects', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:${REGION}:${OWNER}:accesspoint/organization-readers/object/\${aws:PrincipalAccount}/*`]] } }),
          Match.objectLike({ Sid: 'Organization1List', Resource: accessPointArn, Condition: Match.objectLike({ StringLike: { 's3:prefix': ['${aws:PrincipalAccount}/*'] } }) }),
        ],
      },
    });
    expect(withSid(statements(template, 'AWS::S3::BucketPolicy'), 'DelegateToAccessPoints').Action).toEqual(['s3:GetObject', 's3:ListBucket']);
    withSid(statements(template, 'AWS::KMS::Key'), 'Organization1Key');
  });

  describe('a grant to the whole organization warns', () => {
    const wholeOrganization = (stack: Stack) => Annotations.fromStack(stack)
      .findWarning('/Owner/Shared', Match.stringLikeRegexp('organizationWideGrant')).map(warning => warning.entry.data);

    test('no roleName and no organizationalUnitPaths: any principal of every member account, and the warning says so', () => {
      const { stack } = build({ organizationGrants: [GRANT, { organizationId: ORGANIZATION, sharedPrefix: 'reference/' }] });
      expect(wholeOrganization(stack)).toEqual([
        `The organization grant 2 (organization ${ORGANIZATION}, prefix 'reference/') names neither roleName nor organizationalUnitPaths: ` +
        `any principal of every account of organization ${ORGANIZATION} that the account's own IAM policies allow may use it. ` +
        'Narrow it with roleName (the role each member account uses, which OrganizationConsumers deploys) or organizationalUnitPaths, ' +
        'or acknowledge this warning if the whole organization is meant. [ack: cdk-cross-account-bucket:organizationWideGrant]',
      ]);
    });

    test('addOrganizationGrant is warned about too, in both sharing modes; a grant narrowed by roleName or by OUs is not', () => {
      for (const sharingMode of [SharingMode.BUCKET_POLICY, SharingMode.ACCESS_POINTS]) {
        // Not build(): it synthesizes, and a grant added after synth cannot change the frozen policies.
        const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
        const shared = new SharedBucket(stack, 'Shared', {
          bucketName: BUCKET,
          sharingMode,
          organizationGrants: [
            { organizationId: ORGANIZATION, roleName: 'Reader' },
            { organizationId: ORGANIZATION, organizationalUnitPaths: [OU] },
          ],
        });
        shared.addOrganizationGrant({ organizationId: ORGANIZATION, access: AccessLevel.WRITE });
        expect(wholeOrganization(stack)).toEqual([expect.stringMatching(/^The organization grant 3 \(organization o-a1b2c3d4e5, each account's own prefix\) names neither/)]);
      }
    });

    test('its id acknowledges it', () => {
      const { stack, shared } = build({ organizationGrants: [{ organizationId: ORGANIZATION }] });
      expect(wholeOrganization(stack)).toHaveLength(1);
      CoreAnnotations.of(shared).acknowledgeWarning('cdk-cross-account-bucket:organizationWideGrant', 'reference data for every account');
      expect(wholeOrganization(stack)).toEqual([]);
    });
  });

  describe('invalid grants', () => {
    test.each([
      ['organizationId', { organizationId: 'o-short' }, /organizationGrants\[0\].organizationId is 'o-short': expected an AWS Organizations id/],
      ['a path without the trailing slash', { organizationalUnitPaths: [`${ORGANIZATION}/r-ab12/ou-ab12-11111111`] }, /organizationGrants\[0\].organizationalUnitPaths\[0\] is '[^']+': expected an organizational unit path/],
      ['a path with a wildcard', { organizationalUnitPaths: [`${ORGANIZATION}/r-ab12/*`] }, /organizationalUnitPaths\[0\] is '[^']+': expected an organizational unit path .*no wildcards/],
      ['a path without the root', { organizationalUnitPaths: [`${ORGANIZATION}/ou-ab12-11111111/`] }, /organizationalUnitPaths\[0\]/],
      ['a path of another organization', { organizationalUnitPaths: ['o-zzzzzzzzzz/r-ab12/'] }, /expected a path in the grant's own organization o-a1b2c3d4e5, not in o-zzzzzzzzzz/],
      ['no paths', { organizationalUnitPaths: [] }, /organizationalUnitPaths is '\[\]': expected at least one organizational unit path/],
      ['a role name', { roleName: 'no spaces allowed' }, /organizationGrants\[0\].roleName is 'no spaces allowed': expected an IAM role name/],
      ['a shared prefix', { sharedPrefix: 'reference' }, /organizationGrants\[0\].sharedPrefix is 'reference': expected a key prefix ending in '\/'/],
      ['an access level', { access: 'ADMIN' as AccessLevel }, /organizationGrants\[0\].access is 'ADMIN'/],
      ['an access point name in BUCKET_POLICY mode', { accessPointName: 'readers' }, /organizationGrants\[0\].accessPointName is 'readers': expected no accessPointName unless sharingMode/],
    ])('%s', (_, grant, expected) => {
      const message = errorMessage(() => build({ organizationGrants: [{ ...GRANT, ...grant } as OrganizationGrant] }));
      expect(message).toMatch(expected);
      expect(reportedProblems(message)).toHaveLength(1);
    });

    test('an organizationalUnitPaths list token is refused at construction, naming the prop and the way out', () => {
      // Before: aws-cdk-lib failed at synth with "Cannot concatenate strings in a tokenized string array".
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      const paths = new CfnParameter(stack, 'Paths', { type: 'CommaDelimitedList' }).valueAsList;
      const message = errorMessage(() => new SharedBucket(stack, 'Shared', { organizationGrants: [{ ...GRANT, organizationalUnitPaths: paths }] }));
      expect(message).toMatch(/^SharedBucket 'Owner\/Shared' has invalid props/);
      expect(reportedProblems(message)).toEqual([expect.stringMatching(
        /organizationGrants\[0\]\.organizationalUnitPaths is '\{"Ref":"Paths"\}': expected a list of organizational unit paths written item by item, not a list token.*Way out/)]);
    });

    test('organizationalUnitPaths items that are tokens are written as they are, each followed by *', () => {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      const path = new CfnParameter(stack, 'Path').valueAsString;
      new SharedBucket(stack, 'Shared', { bucketName: BUCKET, organizationGrants: [{ ...GRANT, organizationalUnitPaths: [path] }] });
      const paths = withSid(statements(Template.fromStack(stack), 'AWS::S3::BucketPolicy'), 'Organization1').Condition['ForAnyValue:StringLike'];
      expect(paths).toEqual({ 'aws:PrincipalOrgPaths': [{ 'Fn::Join': ['', [{ Ref: 'Path' }, '*']] }] });
    });

    test('a sharedPrefix token that resolves at synth is checked at synth like a literal one', () => {
      const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
      new SharedBucket(stack, 'Shared', { bucketName: BUCKET, organizationGrants: [{ ...GRANT, sharedPrefix: Lazy.string({ produce: () => '*' }) }] });
      expect(() => Template.fromStack(stack)).toThrow(
        "SharedBucket 'Owner/Shared' has an invalid prop: organizationGrants[0].sharedPrefix (a token, resolved at synth) is '*': expected a literal key prefix");
    });

    test("an organizationId on SharedBucketProps that contradicts the grant's", () => {
      expect(() => build({ organizationId: 'o-zzzzzzzzzz', organizationGrants: [GRANT] }))
        .toThrow(/organizationGrants\[0\].organizationId is 'o-a1b2c3d4e5': expected the organizationId of the SharedBucket, o-zzzzzzzzzz/);
    });

    test('addOrganizationGrant validates too', () => {
      const { shared } = build();
      expect(() => shared.addOrganizationGrant({ organizationId: 'not-an-org' }))
        .toThrow(/addOrganizationGrant\(grant\).organizationId is 'not-an-org'/);
    });

    test('access point names are unique across consumer and organization grants', () => {
      expect(() => build({
        sharingMode: SharingMode.ACCESS_POINTS,
        consumers: [{ accountId: '222222222222', accessPointName: 'shared-name', principalArns: ['arn:aws:iam::222222222222:role/R'] }],
        organizationGrants: [{ ...GRANT, accessPointName: 'shared-name' }],
      })).toThrow(/organizationGrants\[0\].accessPointName is 'shared-name': expected an access point name no other grant of this SharedBucket uses/);
    });
  });
});
