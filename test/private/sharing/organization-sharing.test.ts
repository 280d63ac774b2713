/**
 * What an organization grant writes (lib/private/sharing/organization-sharing.ts): the members'
 * conditions, their prefix, the bucket, access point and key statements, whole. Where the
 * sharing paths put them is in bucket-policy-sharing.test.ts and access-point-sharing.test.ts.
 */
import {
  BUCKET_ARN, bucketPolicy, keyPolicy, keyStatement, listingDenial, ORGANIZATION, organizationGrant, OWNER, READ_KEY_ACTIONS, sharingTarget,
  WRITE_KEY_ACTIONS,
} from './target';
import { AccessLevel } from '../../../lib';
import { BucketPolicySharing } from '../../../lib/private/sharing/bucket-policy-sharing';
import {
  memberConditions, organizationAccessPointStatements, organizationBucketStatement, organizationKeyStatement, organizationPrefix, organizationSid,
} from '../../../lib/private/sharing/organization-sharing';

const UNIT = `${ORGANIZATION}/r-ab12/ou-ab12-1/`;
const OTHER_UNIT = `${ORGANIZATION}/r-ab12/ou-ab12-2/`;
const ACCESS_POINT_ARN = `arn:aws:s3:eu-west-1:${OWNER}:accesspoint/members`;
const ROLE_PATTERN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/MemberReader']] };

describe('who, where and the statement ids', () => {
  test('the whole organization: aws:PrincipalOrgID only', () => {
    const target = sharingTarget();
    expect(memberConditions(target, organizationGrant(1))).toEqual([{ StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } }]);
  });

  test('units and a role: every unit with the units below it, the role in any member account', () => {
    const target = sharingTarget();
    const conditions = memberConditions(target, organizationGrant(1, { organizationalUnitPaths: [UNIT, OTHER_UNIT], roleName: 'MemberReader' }));
    expect(target.stack.resolve(conditions)).toEqual([
      { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } },
      { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${UNIT}*`, `${OTHER_UNIT}*`] } },
      { ArnLike: { 'aws:PrincipalArn': ROLE_PATTERN } },
    ]);
  });

  test('each member its own prefix, or the shared one; ids after the share\'s prefix', () => {
    const target = sharingTarget({ statementIdPrefix: 'Share3' });
    expect([
      organizationPrefix(organizationGrant(1)),
      organizationPrefix(organizationGrant(1, { sharedPrefix: 'shared/' })),
      organizationSid(target, organizationGrant(4)),
    ]).toEqual(['${aws:PrincipalAccount}/', 'shared/', 'Share3Organization4']);
  });
});

describe('the statements', () => {
  const grant = organizationGrant(2, {
    organizationalUnitPaths: [UNIT],
    roleName: 'MemberReader',
    access: AccessLevel.READ_WRITE,
    allowDelete: true,
    expires: new Date('2027-06-30T00:00:00Z'),
  });
  const members = {
    'StringEquals': { 'aws:PrincipalOrgID': ORGANIZATION },
    'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${UNIT}*`] },
    'ArnLike': { 'aws:PrincipalArn': ROLE_PATTERN },
    'DateLessThan': { 'aws:CurrentTime': '2027-06-30T00:00:00Z' },
  };
  const objectActions = ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'];

  test('the bucket policy statement: objects and listing of each member\'s own prefix, to anyone the conditions name', () => {
    const target = sharingTarget();
    expect(target.stack.resolve(organizationBucketStatement(target, grant).toStatementJson())).toEqual({
      Sid: 'Organization2',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: [...objectActions, 's3:ListBucket'],
      Resource: [BUCKET_ARN, `${BUCKET_ARN}/\${aws:PrincipalAccount}/*`],
      Condition: { ...members, StringLikeIfExists: { 's3:prefix': '${aws:PrincipalAccount}/*' } },
    });
  });

  test('the access point statements: the access point\'s objects and listing', () => {
    const target = sharingTarget();
    const statements = organizationAccessPointStatements(target, { ...grant, sharedPrefix: 'shared/' }, ACCESS_POINT_ARN);
    expect(target.stack.resolve(statements.map(statement => statement.toStatementJson()))).toEqual([
      { Sid: 'Organization2Objects', Effect: 'Allow', Principal: { AWS: '*' }, Action: objectActions, Resource: `${ACCESS_POINT_ARN}/object/shared/*`, Condition: members },
      {
        Sid: 'Organization2List',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 's3:ListBucket',
        Resource: ACCESS_POINT_ARN,
        Condition: { ...members, StringLike: { 's3:prefix': ['shared/*'] } },
      },
    ]);
  });

  test('the key statement: with each member\'s own prefix, the whole bucket as encryption context (a key policy has no policy variables)', () => {
    const target = sharingTarget();
    expect(target.stack.resolve(organizationKeyStatement(target, grant).toStatementJson())).toEqual(keyStatement('Organization2Key', '*', WRITE_KEY_ACTIONS, '', members));
  });

  test('the key statement with a shared prefix: that prefix\'s objects as encryption context', () => {
    const target = sharingTarget();
    expect(target.stack.resolve(organizationKeyStatement(target, organizationGrant(1, { sharedPrefix: 'shared/' })).toStatementJson()))
      .toEqual(keyStatement('Organization1Key', '*', READ_KEY_ACTIONS, 'shared/', { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } }));
  });
});

test('two organization grants in the bucket policy: a statement each, never merged, and one listing denial after the first', () => {
  const target = sharingTarget();
  const path = new BucketPolicySharing(target);
  path.addOrganizationGrant(organizationGrant(1));
  path.addOrganizationGrant(organizationGrant(2, { organizationalUnitPaths: [UNIT] }));
  const whole = { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } };
  const unit = { ...whole, 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${UNIT}*`] } };
  const ownPrefix = { StringLikeIfExists: { 's3:prefix': '${aws:PrincipalAccount}/*' } };
  const bucketStatement = (sid: string, condition: object) => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: ['s3:GetObject', 's3:ListBucket'],
    Resource: [BUCKET_ARN, `${BUCKET_ARN}/\${aws:PrincipalAccount}/*`],
    Condition: { ...condition, ...ownPrefix },
  });
  expect(bucketPolicy(target.stack)).toEqual([
    bucketStatement('Organization1', whole),
    listingDenial(),
    bucketStatement('Organization2', unit),
  ]);
  expect(keyPolicy(target.stack)).toEqual([
    keyStatement('Organization1Key', '*', READ_KEY_ACTIONS, '', whole), keyStatement('Organization2Key', '*', READ_KEY_ACTIONS, '', unit),
  ]);
});
