/**
 * Sharing a bucket the app already has: a team's data bucket, defined with aws-cdk-lib as it
 * always was, shared with the consumer account without a second bucket, key or log bucket.
 * `examples/app.ts` synthesizes it beside the owner, consumer and third-party stacks.
 */
import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { ANALYTICS_READER_ROLE, ExampleStackProps } from './stacks';
import { SharedBucket } from '../lib';

export class ExistingBucketOwnerStack extends Stack {
  /** The team's bucket, as it was before it was shared. */
  public readonly teamBucket: s3.Bucket;
  public readonly sharedBucket: SharedBucket;

  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, { ...props, env: { account: props.setup.ownerAccountId, region: props.setup.region } });
    const { setup } = props;
    // Log delivery by bucket policy rather than the LogDeliveryWrite ACL (as in cdk.json of a new CDK app).
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    const teamKey = new kms.Key(this, 'TeamKey', { enableKeyRotation: true, description: 'Encrypts the team data bucket' });
    const teamLogs = new s3.Bucket(this, 'TeamAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
    });
    // checkov (CKV_AWS_18) asks every bucket for access logs; this one receives them.
    (teamLogs.node.defaultChild as s3.CfnBucket).addMetadata('checkov', {
      skip: [{ id: 'CKV_AWS_18', comment: 'The log bucket of the team bucket: it receives the server access logs, and logging it would need another log bucket.' }],
    });
    this.teamBucket = new s3.Bucket(this, 'TeamData', {
      // A fixed name: the key policy names the bucket, so the name must be known at synth.
      bucketName: existingBucketName(setup.ownerAccountId),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: teamKey,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: teamLogs,
      enforceSSL: true,
    });

    this.sharedBucket = new SharedBucket(this, 'Sharing', {
      existingBucket: this.teamBucket,
      consumers: [{
        accountId: setup.consumerAccountId,
        prefix: 'analytics/',
        principalArns: [`arn:aws:iam::${setup.consumerAccountId}:role/${ANALYTICS_READER_ROLE}`],
      }],
    });
  }
}

/** The team bucket's name in the example. */
export function existingBucketName(ownerAccountId: string): string {
  return `team-data-example-${ownerAccountId}`;
}
