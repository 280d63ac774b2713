/**
 * The checkov skips the library writes into the template metadata of the resources it creates
 * (lib/private/checkov.ts): on exactly the resources a check does not apply to, with the reason,
 * and never on a resource the user passed in. `npx projen checkov` runs the checks themselves.
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { AccessLevel, ConsumerReader, SharedBucket, SharedBucketProps, SharingMode, ThirdPartyAccessRole } from '../../lib';
import { CHECKOV_SKIPS, skipCheckovChecks } from '../../lib/private/checkov';

const OWNER_ACCOUNT = '111111111111';
const CONSUMER_ACCOUNT = '222222222222';
const REGION = 'eu-west-1';
const CONSUMERS = [{ accountId: CONSUMER_ACCOUNT, prefix: 'analytics/' }];

function ownerStack(): Stack {
  return new Stack(new App(), 'Owner', { env: { account: OWNER_ACCOUNT, region: REGION } });
}

function build(props: SharedBucketProps = {}, stack: Stack = ownerStack()): { shared: SharedBucket; template: Template } {
  const shared = new SharedBucket(stack, 'Shared', { bucketName: 'shared-bucket-under-test', consumers: CONSUMERS, ...props });
  return { shared, template: Template.fromStack(stack) };
}

/** The `checkov` metadata of a construct's CloudFormation resource, as synthesized. */
function checkovMetadata(template: Template, construct: IConstruct): unknown {
  const resource = construct.node.defaultChild as CfnResource;
  return template.toJSON().Resources[Stack.of(resource).getLogicalId(resource)].Metadata?.checkov;
}

function skipping(id: string, reason: RegExp): object {
  return { Metadata: Match.objectLike({ checkov: { skip: [{ id, comment: Match.stringLikeRegexp(reason.source) }] } }) };
}

describe('SharedBucket', () => {
  test('its own access log bucket skips CKV_AWS_18 (it does not log itself), and the shared bucket, which logs, skips nothing', () => {
    const { shared, template } = build();
    const logBucket = shared.node.findChild('AccessLogs') as s3.Bucket;
    expect(checkovMetadata(template, logBucket)).toEqual({ skip: CHECKOV_SKIPS.accessLogBucket });
    template.hasResource('AWS::S3::Bucket', skipping('CKV_AWS_18', /server access log bucket of the shared bucket/));
    expect(checkovMetadata(template, shared.bucket)).toBeUndefined();
  });

  test('a log bucket the user passes keeps its findings: no skip on it', () => {
    const stack = ownerStack();
    const logs = new s3.Bucket(stack, 'MyLogs');
    const { template } = build({ serverAccessLogsBucket: logs }, stack);
    expect(checkovMetadata(template, logs)).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('CKV_AWS_18');
  });

  test('in SharingMode.BUCKET_POLICY the key names the consumer accounts: no skip on it', () => {
    const { shared, template } = build();
    expect(checkovMetadata(template, shared.encryptionKey)).toBeUndefined();
  });

  test('in SharingMode.ACCESS_POINTS its own key skips CKV_AWS_33 for the Principal * its consumer statements bound by kms:CallerAccount', () => {
    const { shared, template } = build({
      sharingMode: SharingMode.ACCESS_POINTS,
      // A reader and a writer: two statements with Principal *, one skip.
      consumers: [...CONSUMERS, { accountId: '333333333333', prefix: 'ingest/', access: AccessLevel.WRITE }],
    });
    expect(checkovMetadata(template, shared.encryptionKey)).toEqual({ skip: CHECKOV_SKIPS.keyThroughAccessPoints });
    template.hasResource('AWS::KMS::Key', skipping('CKV_AWS_33', /kms:CallerAccount to the consumer accounts/));
  });

  test('in SharingMode.ACCESS_POINTS without consumers the key has no Principal * and skips nothing', () => {
    const { shared, template } = build({ sharingMode: SharingMode.ACCESS_POINTS, consumers: [] });
    expect(checkovMetadata(template, shared.encryptionKey)).toBeUndefined();
  });

  test('in SharingMode.ACCESS_POINTS a key the user passes keeps its finding: no skip on it', () => {
    const stack = ownerStack();
    const key = new kms.Key(stack, 'MyKey');
    const { template } = build({ sharingMode: SharingMode.ACCESS_POINTS, encryptionKey: key }, stack);
    expect(checkovMetadata(template, key)).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('CKV_AWS_33');
  });
});

test('ThirdPartyAccessRole and ConsumerReader pass every check: they skip nothing', () => {
  const owner = ownerStack();
  const shared = new SharedBucket(owner, 'Shared', { bucketName: 'shared-bucket-under-test', consumers: CONSUMERS });
  new ThirdPartyAccessRole(owner, 'Vendor', { sharedBucket: shared, thirdPartyAccountId: '333333333333', externalId: 'vendor-external-id' });
  const consumer = new Stack(new App(), 'Consumer', { env: { account: CONSUMER_ACCOUNT, region: REGION } });
  new ConsumerReader(consumer, 'Reader', {
    bucketName: 'shared-bucket-under-test',
    bucketOwnerAccountId: OWNER_ACCOUNT,
    encryptionKeyArn: `arn:aws:kms:${REGION}:${OWNER_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`,
    prefix: 'analytics/',
  });
  for (const type of ['AWS::IAM::Role', 'AWS::IAM::Policy']) {
    for (const template of [Template.fromStack(owner), Template.fromStack(consumer)]) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource.Metadata?.checkov).toBeUndefined();
      }
    }
  }
});

describe('skipCheckovChecks', () => {
  const first = { id: 'CKV_AWS_1', comment: 'first reason' };
  const second = { id: 'CKV_AWS_2', comment: 'second reason' };

  test('merges into the checkov metadata, keeping other metadata, other keys and the first reason of a check', () => {
    const stack = ownerStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    const resource = bucket.node.defaultChild as CfnResource;
    resource.addMetadata('other', { kept: true });
    resource.addMetadata('checkov', { skip: [first], note: 'kept' });
    expect(skipCheckovChecks(bucket, [{ id: 'CKV_AWS_1', comment: 'another reason' }, second])).toBe(bucket);
    skipCheckovChecks(resource, [second]);
    const metadata = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(resource)].Metadata;
    expect(metadata.other).toEqual({ kept: true });
    expect(metadata.checkov).toEqual({ note: 'kept', skip: [first, second] });
  });

  test('leaves a construct without a CloudFormation resource of its own (an imported key) alone', () => {
    const stack = ownerStack();
    const imported = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:${REGION}:${OWNER_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`);
    expect(skipCheckovChecks(imported, [first])).toBe(imported);
    expect(imported.node.defaultChild).toBeUndefined();
  });

  test('every skip the library writes names a check and gives a reason', () => {
    for (const skips of Object.values(CHECKOV_SKIPS)) {
      for (const skip of skips) {
        expect(skip.id).toMatch(/^CKV2?_AWS_\d+$/);
        expect(skip.comment.length).toBeGreaterThan(80);
      }
    }
  });
});
