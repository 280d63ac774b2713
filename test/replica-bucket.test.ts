/**
 * ReplicaBucket: the partner's bucket that a SharedBucket replicates into.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ReplicaBucket, ReplicaBucketProps } from '../lib';
import { errorMessage, reportedProblems } from './setup/props-errors';

const OWNER = '111111111111';
const PARTNER = '444444444444';
const REGION = 'eu-central-1';
const ROLE_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${OWNER}:role/SharedDataReplication`]] };
const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

function replica(props: Partial<ReplicaBucketProps> = {}): { stack: Stack; replica: ReplicaBucket; template: Template } {
  const stack = new Stack(new App(), 'Partner', { env: { account: PARTNER, region: REGION } });
  const construct = new ReplicaBucket(stack, 'Replica', {
    bucketName: 'partner-replica',
    sourceAccountId: OWNER,
    sourceBucketName: 'owner-shared',
    replicationRoleName: 'SharedDataReplication',
    prefix: 'data/',
    ...props,
  });
  return { stack, replica: construct, template: Template.fromStack(stack) };
}

function statementsOf(template: Template, type: string, sid: string): any[] {
  const documents = type === 'AWS::KMS::Key'
    ? Object.values(template.findResources(type)).map(resource => resource.Properties.KeyPolicy)
    : Object.values(template.findResources(type)).map(resource => resource.Properties.PolicyDocument);
  return documents.flatMap(document => document.Statement).filter((statement: any) => statement.Sid === sid);
}

describe('ReplicaBucket', () => {
  test('the partner\'s bucket: versioned, its own rotated key with an S3 Bucket Key, Block Public Access, BucketOwnerEnforced, access logs, retained', () => {
    const { template } = replica();
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketName: 'partner-replica',
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplicaKey'), 'Arn'] }, SSEAlgorithm: 'aws:kms' },
          }],
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^ReplicaAccessLogs') } },
      }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the bucket policy lets exactly the owner\'s replication role replicate under the prefix, with the owner override', () => {
    expect(statementsOf(replica().template, 'AWS::S3::BucketPolicy', 'ReplicateFromSharedBucket')).toEqual([{
      Sid: 'ReplicateFromSharedBucket',
      Effect: 'Allow',
      Principal: { AWS: OWNER },
      Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
      Resource: arn(':s3:::partner-replica/data/*'),
      Condition: { ArnEquals: { 'aws:PrincipalArn': ROLE_ARN } },
    }]);
  });

  test('the key policy lets the same role encrypt (and check the S3 Bucket Key) through S3 in this region, for this bucket', () => {
    expect(statementsOf(replica().template, 'AWS::KMS::Key', 'ReplicateFromSharedBucketKey')).toEqual([{
      Sid: 'ReplicateFromSharedBucketKey',
      Effect: 'Allow',
      Principal: { AWS: OWNER },
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Resource: '*',
      Condition: {
        ArnEquals: { 'aws:PrincipalArn': ROLE_ARN },
        StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [arn(':s3:::partner-replica'), arn(':s3:::partner-replica/data/*')] },
      },
    }]);
  });

  test('no other statement names the owner\'s account; without a prefix the whole bucket', () => {
    const { template } = replica({ prefix: undefined });
    const text = JSON.stringify(template.toJSON());
    expect(text.split(`"${OWNER}"`).length - 1).toBe(2);
    expect(statementsOf(template, 'AWS::S3::BucketPolicy', 'ReplicateFromSharedBucket')[0].Resource).toEqual(arn(':s3:::partner-replica/*'));
  });

  test('outputs the key ARN for the owner\'s ReplicationTarget keyArn', () => {
    const { template } = replica();
    template.hasOutput('*', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplicaKey'), 'Arn'] } });
  });

  test('bad input: one error naming every problem', () => {
    const message = errorMessage(() => replica({
      bucketName: 'Bad_Name', sourceAccountId: '1111', sourceBucketName: 'x', replicationRoleName: 'bad name', prefix: '/data',
    }));
    expect(message).toContain("ReplicaBucket 'Partner/Replica' has invalid props:");
    expect(reportedProblems(message).map(line => line.replace(/: expected.*/, ''))).toEqual([
      "  - bucketName is 'Bad_Name'",
      "  - sourceAccountId is '1111'",
      "  - sourceBucketName is 'x'",
      "  - replicationRoleName is 'bad name'",
      "  - prefix is '/data'",
    ]);
    expect(reportedProblems(errorMessage(() => replica({ sourceAccountId: PARTNER, sourceBucketName: 'partner-replica' })))).toEqual([
      `  - sourceAccountId is '${PARTNER}': expected the account of the SharedBucket, another than this stack's: replication into a bucket of the same account needs no bucket policy`,
      "  - sourceBucketName is 'partner-replica': expected the name of the SharedBucket, not of this bucket: bucket names are unique",
    ]);
  });
});
