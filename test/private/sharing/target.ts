/**
 * A sharing path's target over a bare stack: a bucket and a key of its own, and the construct a
 * SharedBucket would be, so that the sharing path tests write into policies nothing else touches.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLevel } from '../../../lib';
import { NormalizedGrant, NormalizedOrganizationGrant } from '../../../lib/model/grant';
import { SharingTarget } from '../../../lib/private/sharing/sharing-path';

export const OWNER = '111111111111';
export const REGION = 'eu-west-1';
export const BUCKET_NAME = 'shared-bucket';
export const BUCKET_ARN = `arn:aws:s3:::${BUCKET_NAME}`;
export const ORGANIZATION = 'o-a1b2c3d4e5';

export interface TargetOptions {
  readonly organizationId?: string;
  readonly statementIdPrefix?: string;
}

export function sharingTarget(options: TargetOptions = {}): SharingTarget & { readonly stack: Stack } {
  const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
  const encryptionKey = new kms.Key(stack, 'Key');
  const bucket = new s3.Bucket(stack, 'Bucket', { bucketName: BUCKET_NAME, encryption: s3.BucketEncryption.KMS, encryptionKey });
  return {
    stack,
    scope: new Construct(stack, 'Shared'),
    bucket,
    encryptionKey,
    bucketName: BUCKET_NAME,
    bucketArn: BUCKET_ARN,
    bucketRegion: REGION,
    organizationId: options.organizationId,
    statementIdPrefix: options.statementIdPrefix ?? '',
  };
}

/** Grant `number` of account `accountId`, READ of the whole bucket unless `grant` says otherwise. */
export function consumerGrant(number: number, accountId: string, grant: Partial<NormalizedGrant> = {}): NormalizedGrant {
  return { number, accountId, access: AccessLevel.READ, allowDelete: false, ...grant };
}

export function organizationGrant(number: number, grant: Partial<NormalizedOrganizationGrant> = {}): NormalizedOrganizationGrant {
  return { number, organizationId: ORGANIZATION, access: AccessLevel.READ, allowDelete: false, ...grant };
}

/** The statements of the stack's only resource of `type` (its policy document under `property`). */
export function policyStatements(stack: Stack, type: string, property = 'PolicyDocument'): unknown[] {
  const resources = Object.values(Template.fromStack(stack).findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0].Properties[property].Statement;
}

export function bucketPolicy(stack: Stack): unknown[] {
  return policyStatements(stack, 'AWS::S3::BucketPolicy');
}

/** The key policy without the statement kms.Key writes for the owner account. */
export function keyPolicy(stack: Stack): unknown[] {
  const statements = policyStatements(stack, 'AWS::KMS::Key', 'KeyPolicy');
  expect(statements[0]).toEqual(expect.objectContaining({ Principal: { AWS: expect.anything() } }));
  return statements.slice(1);
}

export const READ_KEY_ACTIONS = 'kms:Decrypt';
export const WRITE_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

type Conditions = Record<string, Record<string, unknown>>;

/**
 * A key policy statement for `principal`: the key through S3 in the bucket's region, with the
 * bucket or its objects under `prefix` ('' for every object) as encryption context, and `conditions`.
 */
export function keyStatement(sid: string, principal: unknown, actions: string | string[], prefix: string, conditions: Conditions = {}): unknown {
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: actions,
    Resource: '*',
    Condition: {
      ...conditions,
      StringEquals: { ...conditions.StringEquals, 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': [BUCKET_ARN, `${BUCKET_ARN}/${prefix}*`] },
    },
  };
}

/** The bucket policy's denial of listings that name no prefix, to everyone outside the owner account but `conditions`' exceptions. */
export function listingDenial(sid = 'DenyListingWithoutPrefix', conditions: Conditions = {}): unknown {
  return {
    Sid: sid,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:ListBucket',
    Resource: BUCKET_ARN,
    Condition: { Null: { 's3:prefix': 'true' }, StringNotEquals: { 'aws:PrincipalAccount': OWNER }, ...conditions },
  };
}
