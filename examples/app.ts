/**
 * The example app: `npx cdk synth` from the repository root synthesizes an owner, a consumer
 * and a third-party stack, and an owner stack that shares a bucket it already had
 * (examples/existing-bucket.ts), an organization's owner and management stacks
 * (examples/organization.ts), and an owner that notifies its consumer of new objects with the
 * consumer's queue that receives them (examples/notifications.ts), into cdk.out without AWS
 * credentials.
 *
 * The account ids are placeholders; set these variables to deploy for real:
 *   OWNER_ACCOUNT_ID        (default 111111111111) the account that owns the bucket
 *   CONSUMER_ACCOUNT_ID     (default 222222222222) the account that reads and writes
 *   THIRD_PARTY_ACCOUNT_ID  (default 333333333333) the vendor that assumes a role
 *   SHARED_BUCKET_REGION    (default eu-west-1)
 *   SHARED_BUCKET_NAME      (default cdk-cross-account-bucket-example-<owner account>)
 *   SHARED_BUCKET_EXTERNAL_ID (default example-vendor-external-id)
 *   SHARED_BUCKET_KEY_ARN   optional: the EncryptionKeyArn output of the deployed owner stack, to
 *                           narrow the consumer roles to that one key (default: none; they may
 *                           use the owner's keys only through S3 for this bucket)
 *   PARTNER_ACCOUNT_ID      (default 444444444444) the partner that receives replicas (examples/replication.ts)
 *   PARTNER_REGION          (default eu-central-1) the partner's bucket's region
 *   REPLICA_BUCKET_NAME     (default cdk-cross-account-bucket-replica-<partner account>)
 *   REPLICA_KEY_ARN         the EncryptionKeyArn output of the deployed partner stack (default: a placeholder
 *                           key, which replicates nothing: set it before deploying the owner's replication)
 */
import { App } from 'aws-cdk-lib';
import { addExampleApp } from './example-app';

const app = new App();
addExampleApp(app, process.env);
app.synth();
