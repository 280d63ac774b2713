/**
 * SharingMode.ACCESS_POINTS (lib/private/sharing/access-point-sharing.ts), called directly with
 * normalised grants over a bare bucket and key: each grant's access point (its name, its nested
 * stack, its policy), the bucket policy's delegation, and the key statements consumers share.
 */
import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import {
  BUCKET_ARN, BUCKET_NAME, bucketPolicy, consumerGrant, keyPolicy, keyStatement, ORGANIZATION, organizationGrant, OWNER, READ_KEY_ACTIONS, REGION,
  sharingTarget, TargetOptions, WRITE_KEY_ACTIONS,
} from './target';
import { AccessLevel } from '../../../lib';
import {
  AccessPointSharing, defaultAccessPointName, defaultOrganizationAccessPointName,
} from '../../../lib/private/sharing/access-point-sharing';

const CONSUMER = '222222222222';
const OTHER_CONSUMER = '333333333333';
const READER = `arn:aws:iam::${CONSUMER}:role/Reader`;
const END = new Date('2027-06-30T00:00:00Z');
/** The default name of the access points of Owner/Shared: the path, its hash, and the grant's number. */
const DEFAULT_NAME = 'owner-shared-cd5d61ba';
const BLOCK_PUBLIC_ACCESS = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };

function sharing(options: TargetOptions = {}) {
  const target = sharingTarget(options);
  return { stack: target.stack, path: new AccessPointSharing(target) };
}

/** `arn:<partition>:s3:<region>:<owner>:accesspoint/<rest>`, as the template writes it. */
function accessPointArn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:${REGION}:${OWNER}:accesspoint/${rest}`]] };
}

/** The access points of `stack`'s nested stacks, by nested stack id and logical id. */
function nestedAccessPoints(stack: Stack): Record<string, Record<string, unknown>> {
  return Object.fromEntries(stack.node.findAll().filter(NestedStack.isNestedStack).map(nested =>
    [nested.node.id, Object.fromEntries(Object.entries(Template.fromStack(nested).findResources('AWS::S3::AccessPoint'))
      .map(([id, resource]) => [id, resource.Properties]))]));
}

/** An access point of the owner's on the bucket, with Block Public Access on, whose policy holds `statements`. */
function accessPointProperties(name: string, statements: unknown[]): unknown {
  return { Bucket: BUCKET_NAME, BucketAccountId: OWNER, Name: name, Policy: { Version: '2012-10-17', Statement: statements }, PublicAccessBlockConfiguration: BLOCK_PUBLIC_ACCESS };
}

function readerAccessPoint(name: string, principal: string, prefix: string, extra: Record<string, unknown> = {}): unknown {
  return accessPointProperties(name, [
    {
      Sid: 'ConsumerObjects',
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: 's3:GetObject',
      Resource: accessPointArn(`${name}/object/${prefix}*`),
      ...Object.keys(extra).length > 0 ? { Condition: extra } : {},
    },
    {
      Sid: 'ConsumerList',
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: 's3:ListBucket',
      Resource: accessPointArn(name),
      Condition: { ...extra, StringLike: { 's3:prefix': [`${prefix}*`] } },
    },
  ]);
}

function delegation(actions: string[]): unknown {
  return {
    Sid: 'DelegateToAccessPoints',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: actions,
    Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
    Condition: { StringEquals: { 's3:DataAccessPointAccount': OWNER } },
  };
}

/** The key statement of the consumer accounts that read (or, with `actions`, write) through access points. */
function consumersKey(accounts: string | string[], sid = 'ReadingConsumersKey', extra: Record<string, unknown> = {}, actions: string | string[] = READ_KEY_ACTIONS): unknown {
  return keyStatement(sid, '*', actions, '', { StringEquals: { 'kms:CallerAccount': accounts }, ...extra });
}

describe('a consumer grant', () => {
  test('gets an access point of its own in a nested stack, holding the grant; the bucket delegates; the key lists the account', () => {
    const { stack, path } = sharing();
    expect(path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/' }))).toEqual(['kms:Decrypt']);
    expect(nestedAccessPoints(stack)).toEqual({ AccessPoints1: { AccessPoint1: readerAccessPoint(`${DEFAULT_NAME}-1`, CONSUMER, 'data/') } });
    expect(bucketPolicy(stack)).toEqual([delegation(['s3:GetObject', 's3:ListBucket'])]);
    expect(keyPolicy(stack)).toEqual([consumersKey(CONSUMER)]);
    expect([stack.resolve(path.accessPointArns), [...path.accessPointNames]]).toEqual([[accessPointArn(`${DEFAULT_NAME}-1`)], [`${DEFAULT_NAME}-1`]]);
  });

  test('named principals and the end narrow the access point policy; the end has a key statement of its own', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/', principalArns: [READER], expires: END, accessPointName: 'analytics' }));
    path.addGrant(consumerGrant(2, OTHER_CONSUMER, { prefix: 'data/', accessPointName: 'reporting' }));
    const until = { DateLessThan: { 'aws:CurrentTime': '2027-06-30T00:00:00Z' } };
    expect(nestedAccessPoints(stack)).toEqual({
      AccessPoints1: {
        AccessPoint1: readerAccessPoint('analytics', CONSUMER, 'data/', { ArnEquals: { 'aws:PrincipalArn': READER }, ...until }),
        AccessPoint2: readerAccessPoint('reporting', OTHER_CONSUMER, 'data/'),
      },
    });
    expect(keyPolicy(stack)).toEqual([consumersKey(CONSUMER, 'ReadingConsumersKeyUntil20270630000000', until), consumersKey(OTHER_CONSUMER)]);
  });

  test('readers share one key statement, writers another; the delegation grows by the actions in use', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/' }));
    path.addGrant(consumerGrant(2, OTHER_CONSUMER, { prefix: 'data/' }));
    expect(path.addGrant(consumerGrant(3, CONSUMER, { prefix: 'in/', access: AccessLevel.WRITE, allowDelete: true })))
      .toEqual(WRITE_KEY_ACTIONS);
    path.addGrant(consumerGrant(4, CONSUMER, { prefix: 'other/' }));
    expect(bucketPolicy(stack)).toEqual([delegation(['s3:GetObject', 's3:ListBucket', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'])]);
    expect(keyPolicy(stack)).toEqual([
      consumersKey([CONSUMER, OTHER_CONSUMER]),
      consumersKey(CONSUMER, 'WritingConsumersKey', {}, WRITE_KEY_ACTIONS),
    ]);
    expect(nestedAccessPoints(stack).AccessPoints1.AccessPoint3).toEqual(accessPointProperties(`${DEFAULT_NAME}-3`, [{
      Sid: 'ConsumerObjects',
      Effect: 'Allow',
      Principal: { AWS: CONSUMER },
      Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
      Resource: accessPointArn(`${DEFAULT_NAME}-3/object/in/*`),
    }]));
  });

  test('with an organizationId, the key statement names the organization and no account', () => {
    const { stack, path } = sharing({ organizationId: ORGANIZATION });
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/' }));
    path.addGrant(consumerGrant(2, OTHER_CONSUMER, { prefix: 'data/' }));
    expect(keyPolicy(stack)).toEqual([keyStatement('ReadingConsumersKey', '*', READ_KEY_ACTIONS, '', { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } })]);
    expect(nestedAccessPoints(stack).AccessPoints1.AccessPoint2)
      .toEqual(readerAccessPoint(`${DEFAULT_NAME}-2`, OTHER_CONSUMER, 'data/', { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION } }));
  });

  test('a later share on the same bucket prefixes the delegation\'s and the key statements\' ids, not the access point\'s', () => {
    const { stack, path } = sharing({ statementIdPrefix: 'Share2' });
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/' }));
    expect(bucketPolicy(stack)).toEqual([{ ...delegation(['s3:GetObject', 's3:ListBucket']) as object, Sid: 'Share2DelegateToAccessPoints' }]);
    expect(keyPolicy(stack)).toEqual([consumersKey(CONSUMER, 'Share2ReadingConsumersKey')]);
    expect(nestedAccessPoints(stack)).toEqual({ AccessPoints1: { AccessPoint1: readerAccessPoint(`${DEFAULT_NAME}-1`, CONSUMER, 'data/') } });
  });
});

describe('access point naming and placement', () => {
  test('400 access points per nested stack: grant 401 opens the second', () => {
    const { stack, path } = sharing();
    path.addGrant(consumerGrant(400, CONSUMER, { prefix: 'data/' }));
    path.addGrant(consumerGrant(401, OTHER_CONSUMER, { prefix: 'data/' }));
    const nested = stack.node.findAll().filter(NestedStack.isNestedStack);
    expect(nested.map(child => [child.node.path, stack.resolve(child.templateOptions.description)])).toEqual([
      ['Owner/Shared/AccessPoints1', 'Access points 1 to 400 of the shared bucket Owner/Shared'],
      ['Owner/Shared/AccessPoints2', 'Access points 401 to 800 of the shared bucket Owner/Shared'],
    ]);
    expect(nestedAccessPoints(stack)).toEqual({
      AccessPoints1: { AccessPoint400: readerAccessPoint(`${DEFAULT_NAME}-400`, CONSUMER, 'data/') },
      AccessPoints2: { AccessPoint401: readerAccessPoint(`${DEFAULT_NAME}-401`, OTHER_CONSUMER, 'data/') },
    });
  });

  // A changed name replaces the deployed access point: these names are part of what a deployment keeps.
  test('the default name: the construct path in lower case with its hash, at most 40 characters, then the grant\'s number', () => {
    const stack = new Stack(undefined, 'Owner');
    const deep = new Construct(new Construct(stack, 'A_Very-Long_Construct_Identifier'), 'Shared.Bucket');
    const names = [defaultAccessPointName(deep, 7), defaultOrganizationAccessPointName(deep, 7), defaultAccessPointName(new Construct(stack, 'Shared'), 12)];
    expect(names).toEqual(['owner-averylongcer-sharedbucket-8a4d6c82-7', 'owner-averylongcer-sharedbucket-8a4d6c82-org7', `${DEFAULT_NAME}-12`]);
    expect(names[0].replace(/-7$/, '')).toHaveLength(40);
  });
});

describe('an organization grant', () => {
  test('gets one access point in the owner stack itself, named -org<n>, and a key statement of its own', () => {
    const { stack, path } = sharing();
    expect(path.addOrganizationGrant(organizationGrant(1, { organizationalUnitPaths: ['o-a1b2c3d4e5/r-ab12/ou-ab12-1/'], sharedPrefix: 'shared/' })))
      .toEqual(['kms:Decrypt']);
    const name = `${DEFAULT_NAME}-org1`;
    const members = {
      'StringEquals': { 'aws:PrincipalOrgID': ORGANIZATION },
      'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-1/*'] },
    };
    const ownerAccessPoints = Template.fromStack(stack).findResources('AWS::S3::AccessPoint');
    expect(Object.values(ownerAccessPoints).map(resource => [resource.Properties, resource.DependsOn])).toEqual([[accessPointProperties(name, [
      { Sid: 'Organization1Objects', Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: accessPointArn(`${name}/object/shared/*`), Condition: members },
      {
        Sid: 'Organization1List',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 's3:ListBucket',
        Resource: accessPointArn(name),
        Condition: { ...members, StringLike: { 's3:prefix': ['shared/*'] } },
      },
    ]), ['Bucket83908E77']]]);
    expect(nestedAccessPoints(stack)).toEqual({});
    expect(bucketPolicy(stack)).toEqual([delegation(['s3:GetObject', 's3:ListBucket'])]);
    expect(keyPolicy(stack)).toEqual([keyStatement('Organization1Key', '*', READ_KEY_ACTIONS, 'shared/', members)]);
    expect([stack.resolve(path.organizationAccessPointArns), path.accessPointArns, [...path.accessPointNames]])
      .toEqual([[accessPointArn(name)], [], [name]]);
  });

  test('every access point policy, in nested stacks and in the owner stack, has a budget', () => {
    const { path } = sharing();
    path.addGrant(consumerGrant(1, CONSUMER, { prefix: 'data/' }));
    path.addOrganizationGrant(organizationGrant(1, { accessPointName: 'members' }));
    expect(path.policyBudgets().map(budget => [budget.description, budget.limit])).toEqual([
      ['access point policy of Owner/Shared/AccessPoints1/AccessPoint1', 20_480],
      ['access point policy of Owner/Shared/OrganizationAccessPoint1', 20_480],
    ]);
  });
});
