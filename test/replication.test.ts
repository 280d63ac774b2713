/**
 * SharedBucket `replicateTo`: one replication rule per partner bucket and one replication role
 * limited to what replication needs (lib/private/replication.ts).
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ReplicaBucket, SharedBucket, SharedBucketProps } from '../lib';
import { errorMessage, reportedProblems } from './setup/props-errors';
import { readRecords } from '../lib/cli/assembly';

const OWNER = '111111111111';
const PARTNER = '444444444444';
const REGION = 'eu-west-1';
const PARTNER_REGION = 'eu-central-1';
const KEY = `arn:aws:kms:${PARTNER_REGION}:${PARTNER}:key/11111111-2222-3333-4444-555555555555`;
const ROLE = 'SharedDataReplication';

function ownerStack(app = new App()): Stack {
  return new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
}

function share(props: Partial<SharedBucketProps> = {}, stack = ownerStack()): { stack: Stack; template: Template } {
  new SharedBucket(stack, 'Shared', {
    bucketName: 'owner-shared',
    replicationRoleName: ROLE,
    replicateTo: [{ accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'data/' }],
    ...props,
  });
  return { stack, template: Template.fromStack(stack) };
}

const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

function replicationStatements(template: Template): any[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

function warningsOf(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(warning => String(warning.entry.data));
}

describe('SharedBucket replicateTo', () => {
  test('one rule per target: the prefix, SSE-KMS objects into the partner\'s key, delete markers, the partner as owner', () => {
    const { template } = share({
      replicateTo: [
        { accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'data/', storageClass: s3.StorageClass.INFREQUENT_ACCESS },
        { accountId: '555555555555', bucketName: 'other-replica', keyArn: `arn:aws:kms:${REGION}:555555555555:key/abc` },
      ],
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'owner-shared',
      ReplicationConfiguration: {
        Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SharedReplicationRole'), 'Arn'] },
        Rules: [
          {
            Id: 'ReplicateTo-partner-replica',
            Priority: 1,
            Status: 'Enabled',
            Filter: { Prefix: 'data/' },
            DeleteMarkerReplication: { Status: 'Enabled' },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: {
              Bucket: arn(':s3:::partner-replica'),
              Account: PARTNER,
              AccessControlTranslation: { Owner: 'Destination' },
              EncryptionConfiguration: { ReplicaKmsKeyID: KEY },
              StorageClass: 'STANDARD_IA',
            },
          },
          {
            Id: 'ReplicateTo-other-replica',
            Priority: 2,
            Status: 'Enabled',
            Filter: { Prefix: '' },
            DeleteMarkerReplication: { Status: 'Enabled' },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: {
              Bucket: arn(':s3:::other-replica'),
              Account: '555555555555',
              AccessControlTranslation: { Owner: 'Destination' },
              EncryptionConfiguration: { ReplicaKmsKeyID: `arn:aws:kms:${REGION}:555555555555:key/abc` },
            },
          },
        ],
      },
    });
  });

  test('the role: trusted by S3 only, with the name both sides agree on', () => {
    const { template } = share();
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: ROLE,
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' } }],
      },
    });
    template.hasOutput('*', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SharedReplicationRole'), 'Arn'] } });
  });

  test('the role\'s policy: versions for replication under the prefix, listing the source, replicating into the partner, each key through S3', () => {
    const { template } = share();
    expect(replicationStatements(template)).toEqual([
      {
        Sid: 'ReadReplicationConfiguration',
        Effect: 'Allow',
        Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        Resource: arn(':s3:::owner-shared'),
      },
      {
        Sid: 'ReadVersionsForReplication',
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        Resource: arn(':s3:::owner-shared/data/*'),
      },
      {
        Sid: 'DecryptSourceObjects',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SharedKey/), 'Arn'] },
        Condition: {
          StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [arn(':s3:::owner-shared'), arn(':s3:::owner-shared/data/*')] },
        },
      },
      {
        Sid: 'ReplicateToTarget1',
        Effect: 'Allow',
        Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
        Resource: arn(':s3:::partner-replica/data/*'),
        Condition: { StringEquals: { 's3:ResourceAccount': PARTNER } },
      },
      {
        Sid: 'EncryptReplicasTarget1',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: KEY,
        Condition: {
          StringEquals: { 'kms:ViaService': `s3.${PARTNER_REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [arn(':s3:::partner-replica'), arn(':s3:::partner-replica/data/*')] },
        },
      },
    ]);
  });

  test('no s3:GetObject, no wildcard action, no other bucket', () => {
    const text = JSON.stringify(replicationStatements(share().template));
    expect(text).not.toContain('s3:GetObject"');
    expect(text).not.toMatch(/"s3:\*|kms:\*|GenerateDataKey|ReEncrypt/);
  });

  test('a whole-bucket target reads every object: one resource for every prefix', () => {
    const { template } = share({
      replicateTo: [
        { accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'data/' },
        { accountId: PARTNER, bucketName: 'partner-archive', keyArn: KEY },
      ],
    });
    const statements = replicationStatements(template);
    expect(statements[1].Resource).toEqual(arn(':s3:::owner-shared/*'));
    expect(statements.map(statement => statement.Sid)).toEqual([
      'ReadReplicationConfiguration', 'ReadVersionsForReplication', 'DecryptSourceObjects',
      'ReplicateToTarget1', 'EncryptReplicasTarget1', 'ReplicateToTarget2', 'EncryptReplicasTarget2',
    ]);
    expect(statements[5].Resource).toEqual(arn(':s3:::partner-archive/*'));
  });

  test('without keyArn: no SSE-KMS selection and no key statement, and a warning that nothing replicates', () => {
    const { stack, template } = share({ replicateTo: [{ accountId: PARTNER, bucketName: 'partner-replica', prefix: 'data/' }] });
    const rules = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { BucketName: 'owner-shared' } }))[0]
      .Properties.ReplicationConfiguration.Rules;
    expect(rules[0].SourceSelectionCriteria).toBeUndefined();
    expect(rules[0].Destination.EncryptionConfiguration).toBeUndefined();
    expect(replicationStatements(template).map(statement => statement.Sid)).toEqual([
      'ReadReplicationConfiguration', 'ReadVersionsForReplication', 'DecryptSourceObjects', 'ReplicateToTarget1',
    ]);
    expect(warningsOf(stack)).toEqual([
      'The replication into partner-replica (account 444444444444) names no keyArn: the rule selects no SSE-KMS objects, and every object of a ' +
      'SharedBucket is SSE-KMS, so nothing replicates. Set keyArn to the EncryptionKeyArn output of the partner\'s ReplicaBucket once it is ' +
      'deployed, or acknowledge this warning while the partner side is not yet deployed. [ack: cdk-cross-account-bucket:replicationKeyMissing]',
    ]);
  });

  test('an imported key: a warning that its key policy must let the role decrypt', () => {
    const stack = ownerStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:${REGION}:${OWNER}:key/99999999-2222-3333-4444-555555555555`);
    share({ encryptionKey: key }, stack);
    expect(warningsOf(stack).filter(warning => warning.includes('replication role decrypts'))).toHaveLength(1);
  });

  test('without replicateTo nothing of replication is written', () => {
    const stack = ownerStack();
    new SharedBucket(stack, 'Shared', { bucketName: 'owner-shared' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('Replication');
  });

  describe('bad input: one error naming every problem', () => {
    test.each([
      ['accountId', { accountId: '4444' }, "replicateTo[0].accountId is '4444': expected an AWS account id of exactly 12 digits"],
      ['the owner account', { accountId: OWNER }, `replicateTo[0].accountId is '${OWNER}': expected a partner account other than this stack's ${OWNER}`],
      ['bucketName', { bucketName: 'Partner_Replica' }, "replicateTo[0].bucketName is 'Partner_Replica': expected an S3 bucket name"],
      ['keyArn alias', { keyArn: `arn:aws:kms:${REGION}:${PARTNER}:alias/replicas` }, 'replicateTo[0].keyArn is \'arn:aws:kms:eu-west-1:444444444444:alias/replicas\': expected the key ARN'],
      ['keyArn of another account', { keyArn: `arn:aws:kms:${REGION}:555555555555:key/abc` }, `expected a key of the partner account ${PARTNER}, not of account 555555555555`],
      ['prefix without /', { prefix: 'data' }, "replicateTo[0].prefix is 'data': expected a key prefix ending in '/'"],
      ['storageClass', { storageClass: new s3.StorageClass('REDUCED_REDUNDANCY') }, "replicateTo[0].storageClass is 'REDUCED_REDUNDANCY': expected a storage class replication accepts"],
    ])('%s', (_name, target, expected) => {
      const message = errorMessage(() => share({ replicateTo: [{ accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, ...target }] }));
      expect(message).toContain("SharedBucket 'Owner/Shared' has invalid props:");
      expect(reportedProblems(message)).toHaveLength(1);
      expect(reportedProblems(message)[0]).toContain(expected);
    });

    test('the same partner bucket twice', () => {
      const message = errorMessage(() => share({
        replicateTo: [
          { accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'a/' },
          { accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'b/' },
        ],
      }));
      expect(reportedProblems(message)).toEqual([
        "  - replicateTo[1].bucketName is 'partner-replica': expected each partner bucket once: it is already replicateTo[0]; one rule per bucket, with the prefix that covers both",
      ]);
    });

    test('an empty list, and a role name without targets', () => {
      expect(reportedProblems(errorMessage(() => share({ replicateTo: [] })))).toEqual([
        "  - replicateTo is '[]': expected at least one replication target; omit the property to replicate nowhere",
      ]);
      expect(reportedProblems(errorMessage(() => share({ replicateTo: undefined, replicationRoleName: 'Name' })))).toEqual([
        "  - replicationRoleName is 'Name': expected no replicationRoleName without replicateTo: without targets there is no replication role",
      ]);
      expect(reportedProblems(errorMessage(() => share({ replicationRoleName: 'bad name' })))).toEqual([
        "  - replicationRoleName is 'bad name': expected an IAM role name of 1 to 64 letters, digits and +=,.@-_",
      ]);
    });

    test('existingBucket: a synth error, the bucket\'s settings are never changed', () => {
      const stack = ownerStack();
      const key = new kms.Key(stack, 'TeamKey');
      const bucket = new s3.Bucket(stack, 'Team', { bucketName: 'team-bucket', encryptionKey: key, encryption: s3.BucketEncryption.KMS });
      const message = errorMessage(() => new SharedBucket(stack, 'Shared', {
        existingBucket: bucket,
        replicateTo: [{ accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY }],
      }));
      expect(reportedProblems(message)).toEqual([
        "  - replicateTo is '1 target(s)': expected no replicateTo together with existingBucket: replication is a setting of the bucket " +
        '(its ReplicationConfiguration), and this library never changes the settings of a bucket it did not create. Configure ' +
        'replicationRules on that bucket where it is defined, or share a new bucket',
      ]);
    });
  });
});

describe('agreement with the partner\'s ReplicaBucket in the same app', () => {
  interface ReplicaSide {
    readonly prefix?: string;
    readonly replicationRoleName?: string;
    readonly region?: string;
  }

  function app(replica: ReplicaSide = {}, target: object = {}, roleName: string | null = ROLE): Stack {
    const theApp = new App();
    new SharedBucket(ownerStack(theApp), 'Shared', {
      bucketName: 'owner-shared',
      replicationRoleName: roleName ?? undefined,
      replicateTo: [{ accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'data/', ...target }],
    });
    const partner = new Stack(theApp, 'Partner', { env: { account: PARTNER, region: replica.region ?? PARTNER_REGION } });
    new ReplicaBucket(partner, 'Replica', {
      bucketName: 'partner-replica',
      sourceAccountId: OWNER,
      sourceBucketName: 'owner-shared',
      replicationRoleName: replica.replicationRoleName ?? ROLE,
      prefix: replica.prefix ?? 'data/',
    });
    theApp.synth();
    return partner;
  }

  test('agreeing sides: no warning', () => {
    expect(warningsOf(app())).toEqual([]);
  });

  test('every difference named, with the change that makes them agree', () => {
    expect(warningsOf(app({ prefix: 'other/', replicationRoleName: 'Other', region: REGION }))).toEqual([
      'ReplicaBucket Partner/Replica and the replication of SharedBucket Owner/Shared into it differ in ' +
      "the role: the SharedBucket's replication role is 'SharedDataReplication', the ReplicaBucket lets in 'Other'; set replicationRoleName: 'SharedDataReplication' on the ReplicaBucket; " +
      "the prefix: the target replicates 'data/', the ReplicaBucket lets replicas in under 'other/' only; set prefix: 'other/' (or a prefix under it) on the target; " +
      `the key: keyArn ${KEY} is in region ${PARTNER_REGION}, the ReplicaBucket in ${REGION} (S3 encrypts replicas only with a key of the destination bucket's region); ` +
      "set keyArn to the ReplicaBucket's EncryptionKeyArn output. [ack: cdk-cross-account-bucket:replicationDisagrees]",
    ]);
  });

  test('a generated role name, a missing key, another account', () => {
    const warnings = warningsOf(app({}, { keyArn: undefined, accountId: '555555555555' }, null));
    expect(warnings).toEqual([
      'ReplicaBucket Partner/Replica and the replication of SharedBucket Owner/Shared into it differ in ' +
      'the account: the target names account 555555555555, the ReplicaBucket is in account 444444444444; set accountId: \'444444444444\' on the target; ' +
      "the role: the SharedBucket's replication role gets a generated name, the ReplicaBucket lets in 'SharedDataReplication'; set replicationRoleName: 'SharedDataReplication' on the SharedBucket; " +
      'the key: the target names no keyArn, so no object replicates (every object of a SharedBucket is SSE-KMS); set keyArn to the ReplicaBucket\'s EncryptionKeyArn output once it is deployed. ' +
      '[ack: cdk-cross-account-bucket:replicationDisagrees]',
    ]);
  });

  test('a SharedBucket that replicates nowhere', () => {
    const theApp = new App();
    new SharedBucket(ownerStack(theApp), 'Shared', { bucketName: 'owner-shared' });
    const partner = new Stack(theApp, 'Partner', { env: { account: PARTNER, region: PARTNER_REGION } });
    new ReplicaBucket(partner, 'Replica', {
      bucketName: 'partner-replica', sourceAccountId: OWNER, sourceBucketName: 'owner-shared', replicationRoleName: ROLE,
    });
    theApp.synth();
    expect(warningsOf(partner)).toEqual([
      'ReplicaBucket Partner/Replica expects replicas from SharedBucket Owner/Shared, which does not replicate into bucket partner-replica: add ' +
      "{ accountId: '444444444444', bucketName: 'partner-replica', keyArn: <its EncryptionKeyArn output> } to the SharedBucket's replicateTo. " +
      '[ack: cdk-cross-account-bucket:replicationDisagrees]',
    ]);
  });

  test('a SharedBucket that does not replicate into it', () => {
    expect(warningsOf(app({}, { bucketName: 'elsewhere' }))).toEqual([
      'ReplicaBucket Partner/Replica expects replicas from SharedBucket Owner/Shared, which does not replicate into bucket partner-replica: add ' +
      "{ accountId: '444444444444', bucketName: 'partner-replica', prefix: 'data/', keyArn: <its EncryptionKeyArn output> } to the SharedBucket's replicateTo. " +
      '[ack: cdk-cross-account-bucket:replicationDisagrees]',
    ]);
  });
});

describe('the review record', () => {
  test('the SharedBucket records its targets beside its grants; the ReplicaBucket records what it lets in', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'replication-record-'));
    try {
      const app = new App({ outdir });
      new SharedBucket(ownerStack(app), 'Shared', {
        bucketName: 'owner-shared',
        replicationRoleName: ROLE,
        replicateTo: [{ accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'data/' }],
      });
      new ReplicaBucket(new Stack(app, 'Partner', { env: { account: PARTNER, region: PARTNER_REGION } }), 'Replica', {
        bucketName: 'partner-replica', sourceAccountId: OWNER, sourceBucketName: 'owner-shared', replicationRoleName: ROLE, prefix: 'data/',
      });
      app.synth();
      const records = readRecords(outdir).map(record => record.data);
      expect(records.find(data => data.kind === 'SharedBucket')).toMatchObject({
        grants: [],
        replication: {
          roleArn: `arn:aws:iam::${OWNER}:role/${ROLE}`,
          targets: [{ accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'data/', storageClass: null }],
        },
      });
      expect(records.find(data => data.kind === 'ReplicaBucket')).toEqual({
        version: 1,
        kind: 'ReplicaBucket',
        accountId: PARTNER,
        region: PARTNER_REGION,
        bucketName: 'partner-replica',
        sourceAccountId: OWNER,
        sourceBucketName: 'owner-shared',
        replicationRoleArn: `arn:aws:iam::${OWNER}:role/${ROLE}`,
        prefix: 'data/',
        encryptionKeyArn: null,
      });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('without replicateTo the SharedBucket\'s record has no replication field: a version-1 reader sees what it always saw', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'replication-record-'));
    try {
      const app = new App({ outdir });
      new SharedBucket(ownerStack(app), 'Shared', { bucketName: 'owner-shared' });
      app.synth();
      expect(Object.keys(readRecords(outdir)[0].data)).not.toContain('replication');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
