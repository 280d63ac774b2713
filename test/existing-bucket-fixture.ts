import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** An existing bucket as a team that follows every secure default would define it (SharedBucketProps.existingBucket). */
export function secureBucketProps(stack: Stack, bucketName: string): s3.BucketProps {
  return {
    bucketName,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: new kms.Key(stack, 'TeamKey', { enableKeyRotation: true }),
    bucketKeyEnabled: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: new s3.Bucket(stack, 'TeamLogs', { enforceSSL: true }),
    enforceSSL: true,
  };
}
