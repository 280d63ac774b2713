/**
 * Integration test: an owner account shares a bucket with a consumer account, and the consumer
 * account writes, lists and reads its prefix across the account boundary.
 *
 * `npx projen integ` verifies the committed snapshot (test/integ.cross-account.ts.snapshot)
 * without deploying; `npx projen integ:update` rewrites it after an intended change.
 *
 * The accounts come from SHARED_BUCKET_INTEG_* variables, not integ-runner's CDK_INTEG_*
 * ones: for snapshots integ-runner sets those to dummy values that are not account ids, which
 * the constructs rightly refuse. To deploy for real (two accounts, credentials for both):
 *   1. export SHARED_BUCKET_INTEG_OWNER_ACCOUNT=<owner> SHARED_BUCKET_INTEG_CONSUMER_ACCOUNT=<consumer>
 *      npx cdk deploy --app 'npx ts-node test/integ.cross-account.ts' CrossAccountOwner
 *   2. export SHARED_BUCKET_INTEG_KEY_ARN=<its EncryptionKeyArn output> (key ids are random, so
 *      the consumer learns the key ARN from the owner's deployment), then
 *      npx integ-runner --update-on-failed --force integ.cross-account
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel, ConsumerReader, SharedBucket } from '../lib';
import { CheckovSkip, skipCheckovChecks } from '../lib/private/checkov';

const region = process.env.SHARED_BUCKET_INTEG_REGION ?? 'eu-west-1';
const ownerAccount = process.env.SHARED_BUCKET_INTEG_OWNER_ACCOUNT ?? '111111111111';
const consumerAccount = process.env.SHARED_BUCKET_INTEG_CONSUMER_ACCOUNT ?? '222222222222';
const keyArn = process.env.SHARED_BUCKET_INTEG_KEY_ARN
  ?? `arn:aws:kms:${region}:${ownerAccount}:key/00000000-0000-0000-0000-000000000000`;
const bucketName = `cdk-cross-account-bucket-integ-${ownerAccount}-${region}`;
const prefix = 'integ/';
const key = `${prefix}hello.txt`;
const body = 'hello from the consumer account';

const app = new App();

const owner = new Stack(app, 'CrossAccountOwner', { env: { account: ownerAccount, region } });
new SharedBucket(owner, 'Shared', {
  bucketName,
  // The whole consumer account: the assertion handler's role is created by the test framework.
  consumers: [{ accountId: consumerAccount, prefix, access: AccessLevel.READ_WRITE }],
});

const consumer = new Stack(app, 'CrossAccountConsumer', { env: { account: consumerAccount, region } });
consumer.addDependency(owner);

const integ = new IntegTest(app, 'CrossAccountBucket', {
  testCases: [owner, consumer],
  // Assertions run in the consumer account: every call below crosses the account boundary.
  assertionStack: consumer,
  // The bucket is retained on delete: the test never replaces it.
  stackUpdateWorkflow: false,
});

const write = integ.assertions.awsApiCall('S3', 'putObject', { Bucket: bucketName, Key: key, Body: body });
const list = integ.assertions.awsApiCall('S3', 'listObjectsV2', { Bucket: bucketName, Prefix: prefix });
const read = integ.assertions.awsApiCall('S3', 'getObject', { Bucket: bucketName, Key: key });

// The assertion handler's role gets its access from the library itself, as any consumer role would.
new ConsumerReader(consumer, 'AssertionAccess', {
  bucketName,
  bucketOwnerAccountId: ownerAccount,
  encryptionKeyArn: keyArn,
  prefix,
  access: AccessLevel.READ_WRITE,
  role: iam.Role.fromRoleArn(consumer, 'AssertionRole', write.provider.handlerRoleArn.toString()),
});

list.expect(ExpectedResult.objectLike({ KeyCount: 1, Contents: [{ Key: key }] }));
read.expect(ExpectedResult.objectLike({ Body: body }));
write.next(list).next(read);

// integ-tests-alpha salts every call with Date.now() so that a redeploy re-runs it. Pin the salt:
// integ-runner compares snapshots literally, and the snapshot should change only when the test does.
for (const resource of consumer.node.findAll()) {
  if (CfnResource.isCfnResource(resource) && resource.cfnResourceType.startsWith('Custom::DeployAssert')) {
    resource.addPropertyOverride('salt', 'snapshot');
  }
}

// checkov (npx projen checkov) over this snapshot: the Lambda function and role in the consumer
// stack are integ-tests-alpha's assertion handler, test machinery that integ-runner alone deploys
// into the consumer test account. Its checks that do not apply, and why:
const ASSERTION_HANDLER = 'integ-tests-alpha\'s assertion handler, deployed only by integ-runner into the consumer test account';
const assertionHandlerSkips: Record<string, CheckovSkip[]> = {
  'AWS::IAM::Role': [
    {
      id: 'CKV_AWS_111',
      comment: `${ASSERTION_HANDLER}: the framework grants each awsApiCall's action on Resource '*'. The one bucket the test ` +
        'writes is the shared bucket of the owner account, where the bucket and key policies under test bound the writes to integ/.',
    },
    {
      id: 'CKV_AWS_108',
      comment: `${ASSERTION_HANDLER}: the framework grants each awsApiCall's action on Resource '*'. The one bucket the test ` +
        'reads is the shared bucket of the owner account, where the bucket and key policies under test bound the reads to integ/.',
    },
  ],
  'AWS::Lambda::Function': [
    {
      id: 'CKV_AWS_115',
      comment: `${ASSERTION_HANDLER}: CloudFormation runs its three calls one after another (write, list, read) once per test ` +
        'deployment; reserved concurrency would guard nothing.',
    },
    {
      id: 'CKV_AWS_116',
      comment: `${ASSERTION_HANDLER}: it reports every outcome to CloudFormation, so a failed call fails the deployment and the ` +
        'integ test; there is no event to keep for a retry.',
    },
    {
      id: 'CKV_AWS_117',
      comment: `${ASSERTION_HANDLER}: it calls S3 in the owner account and answers CloudFormation's response URL; the test ` +
        'creates no VPC, and one would add NAT or endpoints to a test that holds one test object.',
    },
  ],
};
for (const resource of consumer.node.findAll()) {
  if (CfnResource.isCfnResource(resource) && resource.cfnResourceType in assertionHandlerSkips) {
    skipCheckovChecks(resource, assertionHandlerSkips[resource.cfnResourceType]);
  }
}
