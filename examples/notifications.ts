/**
 * Notifications of new objects: the owner grants the consumer account the prefix `landing/` with
 * `notify`, and the consumer's queue gets an event for every object created under it, without
 * polling the bucket. `examples/app.ts` synthesizes both stacks beside the others.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeOwnerKeyWildcard, acknowledgePrefixWildcard, ExampleSetup, ExampleStackProps } from './stacks';
import { ConsumerReader, SharedBucket } from '../lib';

/** Fixed on both sides: the consumer role's name, listed in the owner's grant. */
export const LANDING_READER_ROLE = 'LandingReader';

/** A bucket of its own, so that the main example's templates stay as they are. */
export function notifiedBucketName(setup: ExampleSetup): string {
  return `cdk-cross-account-bucket-notified-${setup.ownerAccountId}`;
}

/** The owner: `landing/` shared with the consumer account, which is notified of what lands there. */
export class NotificationsOwnerStack extends Stack {
  public readonly sharedBucket: SharedBucket;

  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, { ...props, env: { account: props.setup.ownerAccountId, region: props.setup.region } });
    const { setup } = props;
    this.sharedBucket = new SharedBucket(this, 'SharedData', {
      bucketName: notifiedBucketName(setup),
      consumers: [{
        accountId: setup.consumerAccountId,
        prefix: 'landing/',
        principalArns: [`arn:aws:iam::${setup.consumerAccountId}:role/${LANDING_READER_ROLE}`],
        notify: true,
      }],
    });
  }
}

/** The consumer: a role that reads `landing/`, and a queue that gets an event for each new object there. */
export class NotificationsConsumerStack extends Stack {
  public readonly newObjects: sqs.Queue;

  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, { ...props, env: { account: props.setup.consumerAccountId, region: props.setup.region } });
    const { setup } = props;
    const reader = new ConsumerReader(this, 'LandingReader', {
      bucketName: notifiedBucketName(setup),
      bucketOwnerAccountId: setup.ownerAccountId,
      encryptionKeyArn: setup.encryptionKeyArn,
      prefix: 'landing/',
      roleName: LANDING_READER_ROLE,
      receiveNotifications: true,
    });
    acknowledgePrefixWildcard(reader, notifiedBucketName(setup), 'landing/');
    acknowledgeOwnerKeyWildcard(reader, setup);

    // Encrypted with SSE-SQS: EventBridge can send to it without a key policy of its own (a queue
    // encrypted with the AWS managed key aws/sqs would refuse EventBridge's messages).
    // Events the workload could not process end up in the second queue, kept for two weeks.
    const failed = new sqs.Queue(this, 'NewObjectsFailed', {
      enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14),
    });
    this.newObjects = new sqs.Queue(this, 'NewObjects', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      deadLetterQueue: { queue: failed, maxReceiveCount: 5 },
    });
    for (const queue of [failed, this.newObjects]) {
      (queue.node.defaultChild as sqs.CfnQueue).addMetadata('checkov', {
        skip: [{
          id: 'CKV_AWS_27',
          comment: 'Encrypted at rest with SSE-SQS (SqsManagedSseEnabled), which checkov 3.3.30 does not recognise; a customer-managed key ' +
            'would need a key policy for EventBridge and adds nothing the example needs.',
        }],
      });
    }
    reader.onObjectCreated('NewObjectsRule', new targets.SqsQueue(this.newObjects));
  }
}
