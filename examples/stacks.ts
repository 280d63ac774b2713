import { Stack, StackProps, Stage, Validations } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { AccessLevel, ConsumerReader, SharedBucket, ThirdPartyAccessRole } from '../lib';

/** Who is who in the example: three accounts, one bucket, one third-party integration. */
export interface ExampleSetup {
  readonly ownerAccountId: string;
  readonly consumerAccountId: string;
  readonly thirdPartyAccountId: string;
  readonly region: string;
  /** A fixed bucket name, so the consumer stacks can name the bucket before the owner deploys. */
  readonly bucketName: string;
  /** Chosen by the third party, configured on both sides. */
  readonly externalId: string;
  /**
   * Optional: the EncryptionKeyArn output of the deployed owner stack, to narrow the consumer
   * roles' KMS permission to that one key. Without it they may use the owner account's keys only
   * through S3 and only for this bucket, so nothing has to be copied between accounts.
   */
  readonly encryptionKeyArn?: string;
}

/**
 * The example's setup: the placeholder values below, each replaced by its environment variable
 * when set (see examples/app.ts). Tests and scripts call it without variables.
 */
export function exampleSetup(environment: Record<string, string | undefined> = {}): ExampleSetup {
  const ownerAccountId = environment.OWNER_ACCOUNT_ID ?? '111111111111';
  const region = environment.SHARED_BUCKET_REGION ?? 'eu-west-1';
  return {
    ownerAccountId,
    consumerAccountId: environment.CONSUMER_ACCOUNT_ID ?? '222222222222',
    thirdPartyAccountId: environment.THIRD_PARTY_ACCOUNT_ID ?? '333333333333',
    region,
    bucketName: environment.SHARED_BUCKET_NAME ?? `cdk-cross-account-bucket-example-${ownerAccountId}`,
    externalId: environment.SHARED_BUCKET_EXTERNAL_ID ?? 'example-vendor-external-id',
    encryptionKeyArn: environment.SHARED_BUCKET_KEY_ARN,
  };
}

/** Fixed names both sides agree on up front, so the stacks deploy in any order. */
export const ANALYTICS_READER_ROLE = 'AnalyticsReader';
export const INGEST_WRITER_ROLE = 'IngestWriter';
export const VENDOR_ACCESS_ROLE = 'SharedDataVendorAccess';
export const VENDOR_INTEGRATION_ROLE = 'VendorIntegration';

/**
 * cdk-nag (AwsSolutions-IAM5) reports the object ARN of a prefix grant, `<bucket>/<prefix>*`,
 * as a wildcard. That wildcard is the prefix itself, the narrowest resource a prefix grant can
 * name, so it is acknowledged rather than removed.
 */
export function acknowledgePrefixWildcard(scope: IConstruct, bucketName: string, prefix: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucketName}/${prefix}*]`,
    reason: `Least privilege: the grant covers exactly the objects under the shared prefix '${prefix}'; ` +
      'the trailing wildcard is the prefix, not a wider resource.',
  });
}

/**
 * Without `encryptionKeyArn`, a ConsumerReader's KMS statement names the keys of the owner
 * account (`key/*`), usable only through S3 and only for this bucket's objects under the prefix:
 * key ids are random and exist only once the owner has deployed, and this lets the consumer
 * deploy first with nothing copied across accounts. cdk-nag (AwsSolutions-IAM5) reports the
 * wildcard; the conditions bound it.
 */
export function acknowledgeOwnerKeyWildcard(scope: IConstruct, setup: ExampleSetup): void {
  if (setup.encryptionKeyArn !== undefined) {
    return;
  }
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:${setup.region}:${setup.ownerAccountId}:key/*]`,
    reason: 'The owner\'s key id is known only once the owner has deployed; the statement is usable only through S3 in the ' +
      'bucket\'s region (kms:ViaService) and only for this bucket\'s objects under the prefix (kms:EncryptionContext:aws:s3:arn).',
  });
}

export interface ExampleStackProps extends StackProps {
  readonly setup: ExampleSetup;
}

/**
 * The bucket owner's account: the shared bucket with two grants for the consumer account
 * (analytics reads `analytics/`, ingestion writes `ingest/`) and a role the vendor assumes with
 * an external id to read `vendor-exports/`.
 */
export class OwnerStack extends Stack {
  public readonly sharedBucket: SharedBucket;
  public readonly vendorAccess: ThirdPartyAccessRole;

  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, { ...props, env: { account: props.setup.ownerAccountId, region: props.setup.region } });
    const { setup } = props;

    this.sharedBucket = new SharedBucket(this, 'SharedData', {
      bucketName: setup.bucketName,
      consumers: [
        {
          accountId: setup.consumerAccountId,
          prefix: 'analytics/',
          principalArns: [`arn:aws:iam::${setup.consumerAccountId}:role/${ANALYTICS_READER_ROLE}`],
        },
      ],
    });

    // Grants can also be added after construction, for example from a list kept elsewhere.
    this.sharedBucket.addConsumer({
      accountId: setup.consumerAccountId,
      prefix: 'ingest/',
      access: AccessLevel.WRITE,
      allowDelete: true,
      principalArns: [`arn:aws:iam::${setup.consumerAccountId}:role/${INGEST_WRITER_ROLE}`],
    });

    this.vendorAccess = new ThirdPartyAccessRole(this, 'VendorAccess', {
      sharedBucket: this.sharedBucket,
      thirdPartyAccountId: setup.thirdPartyAccountId,
      externalId: setup.externalId,
      thirdPartyPrincipalArns: [`arn:aws:iam::${setup.thirdPartyAccountId}:role/${VENDOR_INTEGRATION_ROLE}`],
      prefix: 'vendor-exports/',
      roleName: VENDOR_ACCESS_ROLE,
    });
    acknowledgePrefixWildcard(this.vendorAccess, setup.bucketName, 'vendor-exports/');
  }
}

/** The consumer account: one role reads `analytics/`, another writes `ingest/`. */
export class ConsumerStack extends Stack {
  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, { ...props, env: { account: props.setup.consumerAccountId, region: props.setup.region } });
    const { setup } = props;

    const analytics = new ConsumerReader(this, 'AnalyticsReader', {
      bucketName: setup.bucketName,
      bucketOwnerAccountId: setup.ownerAccountId,
      encryptionKeyArn: setup.encryptionKeyArn,
      prefix: 'analytics/',
      roleName: ANALYTICS_READER_ROLE,
    });
    acknowledgePrefixWildcard(analytics, setup.bucketName, 'analytics/');
    acknowledgeOwnerKeyWildcard(analytics, setup);

    const ingest = new ConsumerReader(this, 'IngestWriter', {
      bucketName: setup.bucketName,
      bucketOwnerAccountId: setup.ownerAccountId,
      encryptionKeyArn: setup.encryptionKeyArn,
      prefix: 'ingest/',
      access: AccessLevel.WRITE,
      allowDelete: true,
      roleName: INGEST_WRITER_ROLE,
    });
    acknowledgePrefixWildcard(ingest, setup.bucketName, 'ingest/');
    acknowledgeOwnerKeyWildcard(ingest, setup);
  }
}

/**
 * The vendor's account: its integration role may only assume the owner's
 * ThirdPartyAccessRole; the owner's role decides what it can reach.
 */
export class ThirdPartyStack extends Stack {
  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, { ...props, env: { account: props.setup.thirdPartyAccountId, region: props.setup.region } });
    const { setup } = props;

    new ConsumerReader(this, 'VendorIntegration', {
      bucketName: setup.bucketName,
      bucketOwnerAccountId: setup.ownerAccountId,
      thirdPartyRoleArn: `arn:aws:iam::${setup.ownerAccountId}:role/${VENDOR_ACCESS_ROLE}`,
      roleName: VENDOR_INTEGRATION_ROLE,
    });
  }
}

/** The three example stacks, as the example app and the tests build them. */
export interface ExampleStacks {
  readonly owner: OwnerStack;
  readonly consumer: ConsumerStack;
  readonly thirdParty: ThirdPartyStack;
}

/** Adds the owner, consumer and third-party stacks to an app (or stage). */
export function addExampleStacks(scope: Stage, setup: ExampleSetup): ExampleStacks {
  return {
    owner: new OwnerStack(scope, 'SharedBucketOwner', { setup }),
    consumer: new ConsumerStack(scope, 'SharedBucketConsumer', { setup }),
    thirdParty: new ThirdPartyStack(scope, 'SharedBucketThirdParty', { setup }),
  };
}
