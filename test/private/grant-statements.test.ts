/**
 * The statement builders of lib/private/grant-statements.ts, called directly: for each access
 * level, with and without a prefix, through an access point, for named principals, an
 * organization and an end, the whole statement each one writes.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel } from '../../lib';
import { expiryConditions } from '../../lib/private/expiry';
import {
  accountPrincipal, compactS3Statement, GrantScope, keyGrantStatement, keyUseConditions, listsWithinPrefix, objectArnPattern, oneOrMany,
  principalConditions, s3GrantStatements,
} from '../../lib/private/grant-statements';

const CONSUMER = '222222222222';
const BUCKET_ARN = 'arn:aws:s3:::shared-bucket';
const ACCESS_POINT_ARN = 'arn:aws:s3:eu-west-1:111111111111:accesspoint/consumer-1';
const READER = `arn:aws:iam::${CONSUMER}:role/Reader`;
const OTHER_READER = `arn:aws:iam::${CONSUMER}:role/OtherReader`;
const ORGANIZATION = 'o-a1b2c3d4e5';
const END = new Date('2027-06-30T00:00:00Z');

function scope(access: AccessLevel, options: { prefix?: string; allowDelete?: boolean; accessPointArn?: string } = {}): GrantScope {
  return { bucketArn: BUCKET_ARN, access, allowDelete: options.allowDelete ?? false, prefix: options.prefix, accessPointArn: options.accessPointArn };
}

/** The statements as they are written into a policy. */
function json(statements: iam.PolicyStatement | iam.PolicyStatement[]): unknown {
  return new Stack().resolve((Array.isArray(statements) ? statements : [statements]).map(statement => statement.toStatementJson()));
}

describe('s3GrantStatements: object actions, and listing for readers', () => {
  test('READ of the whole bucket, for an identity policy (no principal)', () => {
    expect(json(s3GrantStatements(scope(AccessLevel.READ), { sidPrefix: 'Reader' }))).toEqual([
      { Sid: 'ReaderObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` },
      { Sid: 'ReaderList', Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET_ARN },
    ]);
  });

  test('READ of a prefix: the listing is held to the prefix with StringLike s3:prefix', () => {
    expect(json(s3GrantStatements(scope(AccessLevel.READ, { prefix: 'data/' }), { sidPrefix: 'Reader' }))).toEqual([
      { Sid: 'ReaderObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET_ARN}/data/*` },
      { Sid: 'ReaderList', Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET_ARN, Condition: { StringLike: { 's3:prefix': ['data/*'] } } },
    ]);
  });

  test('WRITE: put and abort, no listing, no read', () => {
    expect(json(s3GrantStatements(scope(AccessLevel.WRITE, { prefix: 'in/' }), { sidPrefix: 'Writer' }))).toEqual([
      { Sid: 'WriterObjects', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: `${BUCKET_ARN}/in/*` },
    ]);
  });

  test('READ_WRITE with allowDelete: s3:DeleteObject, never s3:DeleteObjectVersion', () => {
    expect(json(s3GrantStatements(scope(AccessLevel.READ_WRITE, { prefix: 'work/', allowDelete: true }), { sidPrefix: 'Both' }))).toEqual([
      {
        Sid: 'BothObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
        Resource: `${BUCKET_ARN}/work/*`,
      },
      { Sid: 'BothList', Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET_ARN, Condition: { StringLike: { 's3:prefix': ['work/*'] } } },
    ]);
  });

  test('through an access point: the access point\'s objects and the access point itself', () => {
    expect(json(s3GrantStatements(scope(AccessLevel.READ, { prefix: 'data/', accessPointArn: ACCESS_POINT_ARN }), { sidPrefix: 'Consumer' }))).toEqual([
      { Sid: 'ConsumerObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: `${ACCESS_POINT_ARN}/object/data/*` },
      { Sid: 'ConsumerList', Effect: 'Allow', Action: 's3:ListBucket', Resource: ACCESS_POINT_ARN, Condition: { StringLike: { 's3:prefix': ['data/*'] } } },
    ]);
  });

  test('for a resource policy: the account as principal, named principals, the organization and the end on every statement', () => {
    const statements = s3GrantStatements(scope(AccessLevel.READ, { prefix: 'data/' }), {
      sidPrefix: 'Grant1',
      principals: [accountPrincipal(CONSUMER)],
      conditions: [...principalConditions([READER], ORGANIZATION), ...expiryConditions(END)],
    });
    const narrowing = {
      ArnEquals: { 'aws:PrincipalArn': READER },
      StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION },
      DateLessThan: { 'aws:CurrentTime': '2027-06-30T00:00:00Z' },
    };
    expect(json(statements)).toEqual([
      { Sid: 'Grant1Objects', Effect: 'Allow', Principal: { AWS: CONSUMER }, Action: 's3:GetObject', Resource: `${BUCKET_ARN}/data/*`, Condition: narrowing },
      {
        Sid: 'Grant1List',
        Effect: 'Allow',
        Principal: { AWS: CONSUMER },
        Action: 's3:ListBucket',
        Resource: BUCKET_ARN,
        Condition: { ...narrowing, StringLike: { 's3:prefix': ['data/*'] } },
      },
    ]);
  });
});

describe('compactS3Statement: the grant as one bucket policy statement', () => {
  test('READ of a prefix: objects and listing together, the listing held by StringLikeIfExists', () => {
    const statement = compactS3Statement(scope(AccessLevel.READ, { prefix: 'data/' }), { sidPrefix: 'Grant1', principals: [accountPrincipal(CONSUMER)] });
    expect(json(statement)).toEqual([{
      Sid: 'Grant1',
      Effect: 'Allow',
      Principal: { AWS: CONSUMER },
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: [BUCKET_ARN, `${BUCKET_ARN}/data/*`],
      Condition: { StringLikeIfExists: { 's3:prefix': 'data/*' } },
    }]);
  });

  test('READ of the whole bucket: no prefix condition', () => {
    expect(json(compactS3Statement(scope(AccessLevel.READ), { sidPrefix: 'Grant1', principals: [accountPrincipal(CONSUMER)] }))).toEqual([{
      Sid: 'Grant1',
      Effect: 'Allow',
      Principal: { AWS: CONSUMER },
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
    }]);
  });

  test('WRITE with allowDelete: the objects only, no listing and no prefix condition', () => {
    const statement = compactS3Statement(scope(AccessLevel.WRITE, { prefix: 'in/', allowDelete: true }), {
      sidPrefix: 'Share2Grant3',
      principals: [accountPrincipal(CONSUMER)],
      conditions: principalConditions([READER, OTHER_READER], undefined),
    });
    expect(json(statement)).toEqual([{
      Sid: 'Share2Grant3',
      Effect: 'Allow',
      Principal: { AWS: CONSUMER },
      Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
      Resource: `${BUCKET_ARN}/in/*`,
      Condition: { ArnEquals: { 'aws:PrincipalArn': [READER, OTHER_READER] } },
    }]);
  });

  test('listsWithinPrefix: only a prefixed grant that lists relies on the denial of prefix-less listings', () => {
    expect([
      listsWithinPrefix(scope(AccessLevel.READ, { prefix: 'data/' })),
      listsWithinPrefix(scope(AccessLevel.READ_WRITE, { prefix: 'data/' })),
      listsWithinPrefix(scope(AccessLevel.WRITE, { prefix: 'data/' })),
      listsWithinPrefix(scope(AccessLevel.READ)),
    ]).toEqual([true, true, false, false]);
  });
});

describe('keyGrantStatement: the key through S3, for this bucket', () => {
  test('READ of a prefix, in a key policy: kms:Decrypt on the key, the bucket or the prefix\'s objects as encryption context', () => {
    const statement = keyGrantStatement(scope(AccessLevel.READ, { prefix: 'data/' }), {
      sidPrefix: 'Grant1',
      principals: [accountPrincipal(CONSUMER)],
      keyArn: '*',
      bucketRegion: 'eu-west-1',
    });
    expect(json(statement)).toEqual([{
      Sid: 'Grant1Key',
      Effect: 'Allow',
      Principal: { AWS: CONSUMER },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [BUCKET_ARN, `${BUCKET_ARN}/data/*`] },
      },
    }]);
  });

  test('WRITE of the whole bucket, in an identity policy with an end: data keys and decrypt on the key ARN', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const statement = keyGrantStatement(scope(AccessLevel.WRITE), { sidPrefix: 'Writer', keyArn, bucketRegion: 'us-east-1', conditions: expiryConditions(END) });
    expect(json(statement)).toEqual([{
      Sid: 'WriterKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: keyArn,
      Condition: {
        DateLessThan: { 'aws:CurrentTime': '2027-06-30T00:00:00Z' },
        StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [BUCKET_ARN, `${BUCKET_ARN}/*`] },
      },
    }]);
  });

  test('with an organization: StringEquals holds both kms:ViaService and aws:PrincipalOrgID', () => {
    const statement = keyGrantStatement(scope(AccessLevel.READ_WRITE, { prefix: 'data/' }), {
      sidPrefix: 'Grant2',
      principals: [accountPrincipal(CONSUMER)],
      keyArn: '*',
      bucketRegion: 'eu-west-1',
      conditions: principalConditions(undefined, ORGANIZATION),
    });
    expect(json(statement)).toEqual([{
      Sid: 'Grant2Key',
      Effect: 'Allow',
      Principal: { AWS: CONSUMER },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION, 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [BUCKET_ARN, `${BUCKET_ARN}/data/*`] },
      },
    }]);
  });

  test('keyUseConditions names the bucket, never the access point', () => {
    expect(keyUseConditions(scope(AccessLevel.READ, { prefix: 'data/', accessPointArn: ACCESS_POINT_ARN }), 'eu-west-1')).toEqual({
      StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': [BUCKET_ARN, `${BUCKET_ARN}/data/*`] },
    });
  });
});

describe('the small builders', () => {
  test('objectArnPattern: the bucket\'s objects, or the access point\'s', () => {
    expect([
      objectArnPattern(scope(AccessLevel.READ)),
      objectArnPattern(scope(AccessLevel.READ, { prefix: 'data/' })),
      objectArnPattern(scope(AccessLevel.READ, { accessPointArn: ACCESS_POINT_ARN })),
    ]).toEqual([`${BUCKET_ARN}/*`, `${BUCKET_ARN}/data/*`, `${ACCESS_POINT_ARN}/object/*`]);
  });

  test('accountPrincipal: the short form of the whole account', () => {
    expect(new Stack().resolve(accountPrincipal(CONSUMER).policyFragment.principalJson)).toEqual({ AWS: [CONSUMER] });
  });

  test('principalConditions: one principal as a string, several as a list, the organization apart; nothing without either', () => {
    expect(principalConditions([READER], undefined)).toEqual([{ ArnEquals: { 'aws:PrincipalArn': READER } }]);
    expect(principalConditions([READER, OTHER_READER], ORGANIZATION)).toEqual([
      { ArnEquals: { 'aws:PrincipalArn': [READER, OTHER_READER] } },
      { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } },
    ]);
    expect(principalConditions(undefined, undefined)).toEqual([]);
  });

  test('oneOrMany copies a list, so that adding to it later changes no statement', () => {
    const values = [READER, OTHER_READER];
    const rendered = oneOrMany(values);
    values.push('arn:aws:iam::222222222222:role/Third');
    expect([oneOrMany([READER]), rendered]).toEqual([READER, [READER, OTHER_READER]]);
  });
});
