/**
 * SharingMode.BUCKET_POLICY (lib/private/sharing/bucket-policy-sharing.ts), called directly with
 * normalised grants over a bare bucket and key: the exact statements each grant writes, which
 * grants share a statement, and the denial of listings that name no prefix.
 */
import {
  BUCKET_ARN, bucketPolicy, consumerGrant, keyPolicy, keyStatement, listingDenial, ORGANIZATION, organizationGrant, READ_KEY_ACTIONS, sharingTarget,
  TargetOptions, WRITE_KEY_ACTIONS,
} from './target';
import { AccessLevel } from '../../../lib';
import { BucketPolicySharing } from '../../../lib/private/sharing/bucket-policy-sharing';

const CONSUMER = '222222222222';
const OTHER_CONSUMER = '333333333333';
const READER = `arn:aws:iam::${CONSUMER}:role/Reader`;
const OTHER_READER = `arn:aws:iam::${OTHER_CONSUMER}:role/Reader`;
const END = new Date('2027-06-30T00:00:00Z');
const LATER_END = new Date('2028-01-01T00:00:00Z');

function sharing(options: TargetOptions = {}) {
  const target = sharingTarget(options);
  return { stack: target.stack, path: new BucketPolicySharing(target) };
}

/** The compact bucket statement of a READ grant of `prefix`. */
function readStatement(sid: string, principal: string | string[], prefix: string, extra: Record<string, unknown> = {}): unknown {
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: ['s3:GetObject', 's3:ListBucket'],
    Resource: [BUCKET_ARN, `${BUCKET_ARN}/${prefix}*`],
    Condition: { StringLikeIfExists: { 's3:prefix': `${prefix}*` }, ...extra },
  };
}

function readKeyStatement(sid: string, principal: string | string[], prefix: string, conditions: Parameters<typeof keyStatement>[4] = {}): unknown {
  return keyStatement(sid, principal, READ_KEY_ACTIONS, prefix, conditions);
}

describe('one grant', () => {
  test('READ of a prefix: one bucket statement, one key statement, the listing denial; returns its KMS actions', () => {
    const { stack, path } = sharing();
    expect(path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/' }))).toEqual(['kms:Decrypt']);
    expect(bucketPolicy(stack)).toEqual([readStatement('Grant1', CONSUMER, 'data/'), listingDenial()]);
    expect(keyPolicy(stack)).toEqual([readKeyStatement('Grant1Key', CONSUMER, 'data/')]);
  });

  test('WRITE with delete, named principals: no listing, so no denial', () => {
    const { stack, path } = sharing();
    expect(path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'in/', access: AccessLevel.WRITE, allowDelete: true, principalArns: [READER] })))
      .toEqual(WRITE_KEY_ACTIONS);
    const narrowing = { ArnEquals: { 'aws:PrincipalArn': READER } };
    expect(bucketPolicy(stack)).toEqual([{
      Sid: 'Grant1',
      Effect: 'Allow',
      Principal: { AWS: CONSUMER },
      Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
      Resource: `${BUCKET_ARN}/in/*`,
      Condition: narrowing,
    }]);
    expect(keyPolicy(stack)).toEqual([keyStatement('Grant1Key', CONSUMER, WRITE_KEY_ACTIONS, 'in/', narrowing)]);
  });

  test('the organizationId and the end narrow both statements', () => {
    const { stack, path } = sharing({ organizationId: ORGANIZATION });
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/', expires: END }));
    const until = { DateLessThan: { 'aws:CurrentTime': '2027-06-30T00:00:00Z' } };
    expect(bucketPolicy(stack)).toEqual([
      readStatement('Grant1', CONSUMER, 'data/', { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION }, ...until }),
      listingDenial(),
    ]);
    expect(keyPolicy(stack)).toEqual([
      readKeyStatement('Grant1Key', CONSUMER, 'data/', { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION }, ...until }),
    ]);
  });

  test('a later share on the same bucket starts every statement id with its prefix', () => {
    const { stack, path } = sharing({ statementIdPrefix: 'Share2' });
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/' }));
    expect(bucketPolicy(stack)).toEqual([readStatement('Share2Grant1', CONSUMER, 'data/'), listingDenial('Share2DenyListingWithoutPrefix')]);
    expect(keyPolicy(stack)).toEqual([readKeyStatement('Share2Grant1Key', CONSUMER, 'data/')]);
  });
});

describe('grants of the same scope share statements', () => {
  test('two accounts granted the same prefix and level: one statement naming both', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/' }));
    path.addGrant(consumerGrant(2, OTHER_CONSUMER, { prefix: 'data/' }));
    expect(bucketPolicy(stack)).toEqual([readStatement('Grant1', [CONSUMER, OTHER_CONSUMER], 'data/'), listingDenial()]);
    expect(keyPolicy(stack)).toEqual([readKeyStatement('Grant1Key', [CONSUMER, OTHER_CONSUMER], 'data/')]);
  });

  test('named principals share with named principals, whole accounts with whole accounts; another prefix or level gets its own', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/', principalArns: [READER] }));
    path.addGrant(consumerGrant(2, OTHER_CONSUMER, { prefix: 'data/', principalArns: [OTHER_READER] }));
    path.addGrant(consumerGrant(3, OTHER_CONSUMER, { prefix: 'data/' }));
    path.addGrant(consumerGrant(4, CONSUMER, { prefix: 'other/' }));
    path.addGrant(consumerGrant(5, CONSUMER, { prefix: 'data/', access: AccessLevel.READ_WRITE }));
    const named = { ArnEquals: { 'aws:PrincipalArn': [READER, OTHER_READER] } };
    expect(bucketPolicy(stack)).toEqual([
      readStatement('Grant1', [CONSUMER, OTHER_CONSUMER], 'data/', named),
      listingDenial(),
      readStatement('Grant2', OTHER_CONSUMER, 'data/'),
      readStatement('Grant3', CONSUMER, 'other/'),
      {
        Sid: 'Grant4',
        Effect: 'Allow',
        Principal: { AWS: CONSUMER },
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListBucket'],
        Resource: [BUCKET_ARN, `${BUCKET_ARN}/data/*`],
        Condition: { StringLikeIfExists: { 's3:prefix': 'data/*' } },
      },
    ]);
    expect(keyPolicy(stack)).toEqual([
      readKeyStatement('Grant1Key', [CONSUMER, OTHER_CONSUMER], 'data/', named),
      readKeyStatement('Grant2Key', OTHER_CONSUMER, 'data/'),
      readKeyStatement('Grant3Key', CONSUMER, 'other/'),
      keyStatement('Grant4Key', CONSUMER, WRITE_KEY_ACTIONS, 'data/'),
    ]);
  });

  test('grants with different ends never share a statement; with the same end they do', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/', expires: END }));
    path.addGrant(consumerGrant(2, OTHER_CONSUMER, { prefix: 'data/', expires: LATER_END }));
    path.addGrant(consumerGrant(3, OTHER_CONSUMER, { prefix: 'data/' }));
    path.addGrant(consumerGrant(4, '444444444444', { prefix: 'data/', expires: new Date(END) }));
    const until = (end: string) => ({ DateLessThan: { 'aws:CurrentTime': end } });
    expect(bucketPolicy(stack)).toEqual([
      readStatement('Grant1', [CONSUMER, '444444444444'], 'data/', until('2027-06-30T00:00:00Z')),
      listingDenial(),
      readStatement('Grant2', OTHER_CONSUMER, 'data/', until('2028-01-01T00:00:00Z')),
      readStatement('Grant3', OTHER_CONSUMER, 'data/'),
    ]);
    expect(keyPolicy(stack)).toEqual([
      readKeyStatement('Grant1Key', [CONSUMER, '444444444444'], 'data/', until('2027-06-30T00:00:00Z')),
      readKeyStatement('Grant2Key', OTHER_CONSUMER, 'data/', until('2028-01-01T00:00:00Z')),
      readKeyStatement('Grant3Key', OTHER_CONSUMER, 'data/'),
    ]);
  });

  test('the same account granted twice is named once', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/', principalArns: [READER] }));
    path.addGrant(consumerGrant(2, CONSUMER, { prefix: 'data/', principalArns: [READER] }));
    expect(bucketPolicy(stack)).toEqual([readStatement('Grant1', CONSUMER, 'data/', { ArnEquals: { 'aws:PrincipalArn': READER } }), listingDenial()]);
  });

  test('each account\'s own prefix: ${aws:PrincipalAccount}/, one statement for every such grant', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: `${CONSUMER}/` }));
    path.addGrant(consumerGrant(2, OTHER_CONSUMER, { prefix: `${OTHER_CONSUMER}/` }));
    expect(bucketPolicy(stack)).toEqual([readStatement('Grant1', [CONSUMER, OTHER_CONSUMER], '${aws:PrincipalAccount}/'), listingDenial()]);
    expect(keyPolicy(stack)).toEqual([readKeyStatement('Grant1Key', [CONSUMER, OTHER_CONSUMER], '${aws:PrincipalAccount}/')]);
  });
});

describe('the denial of listings that name no prefix', () => {
  test('readers of the whole bucket are its exceptions, added before or after it exists', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER));
    path.addGrant(consumerGrant(2, OTHER_CONSUMER, { prefix: 'data/' }));
    path.addGrant(consumerGrant(3, '444444444444', { principalArns: ['arn:aws:iam::444444444444:role/Auditor'] }));
    expect(bucketPolicy(stack)).toEqual([
      {
        Sid: 'Grant1',
        Effect: 'Allow',
        Principal: { AWS: CONSUMER },
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
      },
      readStatement('Grant2', OTHER_CONSUMER, 'data/'),
      listingDenial('DenyListingWithoutPrefix', {
        ArnNotLike: { 'aws:PrincipalArn': [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${CONSUMER}:*`]] }, 'arn:aws:iam::444444444444:role/Auditor'] },
      }),
      {
        Sid: 'Grant3',
        Effect: 'Allow',
        Principal: { AWS: '444444444444' },
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
        Condition: { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::444444444444:role/Auditor' } },
      },
    ]);
  });

  test('writers of the whole bucket neither need it nor are its exceptions', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER, { access: AccessLevel.WRITE }));
    expect(bucketPolicy(stack)).toEqual([{
      Sid: 'Grant1',
      Effect: 'Allow',
      Principal: { AWS: CONSUMER },
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: `${BUCKET_ARN}/*`,
    }]);
  });
});

describe('organization grants', () => {
  test('one bucket statement and one key statement for the members, each its own prefix, and the listing denial', () => {
    const { stack, path } = sharing();
    expect(path.addOrganizationGrant(organizationGrant(1, { roleName: 'MemberReader' }))).toEqual(['kms:Decrypt']);
    const members = {
      StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION },
      ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/MemberReader']] } },
    };
    expect(bucketPolicy(stack)).toEqual([
      {
        Sid: 'Organization1',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [BUCKET_ARN, `${BUCKET_ARN}/\${aws:PrincipalAccount}/*`],
        Condition: { ...members, StringLikeIfExists: { 's3:prefix': '${aws:PrincipalAccount}/*' } },
      },
      listingDenial(),
    ]);
    expect(keyPolicy(stack)).toEqual([keyStatement('Organization1Key', '*', READ_KEY_ACTIONS, '', members)]);
  });

  test('a writing organization grant: no listing denial', () => {
    const { stack, path } = sharing();
    expect(path.addOrganizationGrant(organizationGrant(2, { sharedPrefix: 'drop/', access: AccessLevel.WRITE }))).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    expect(bucketPolicy(stack)).toEqual([{
      Sid: 'Organization2',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: `${BUCKET_ARN}/drop/*`,
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } },
    }]);
  });
});

test('the path has no access points and no policies of its own to budget', () => {
  const { path } = sharing();
  path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/' }));
  expect([path.accessPointArns, [...path.accessPointNames], path.organizationAccessPointArns, path.policyBudgets()]).toEqual([[], [], [], []]);
});
