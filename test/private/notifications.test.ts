/**
 * New-object notifications: the owner's grant `notify` (bucket events to EventBridge, one
 * forwarding rule per consumer account, its role) and the consumer's `receiveNotifications` (the
 * bus policy) and `onObjectCreated`. What the patterns match is proved in
 * test/model/notifications-pattern.test.ts, with AWS's matcher.
 */
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Expiration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ConsumerGrant, ConsumerReader, ConsumerReaderProps, OrganizationGrant, SharedBucket, SharedBucketProps } from '../../lib';
import { readRecords } from '../../lib/cli/assembly';
import { notificationRuleName } from '../../lib/model/notifications';
import { secureBucketProps } from '../existing-bucket-fixture';
import { errorMessage, reportedProblems } from '../setup/props-errors';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const OTHER_CONSUMER = '333333333333';
const REGION = 'eu-west-1';
const BUCKET = 'team-data-111111111111';
const READER_ROLE = `arn:aws:iam::${CONSUMER}:role/Reader`;
/** The rule name both sides compute: its hash is of the bucket name only. */
const RULE_NAME = notificationRuleName(BUCKET, CONSUMER);

/** `arn:<partition>:<rest>` as CloudFormation renders it. */
function arn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${rest}`]] };
}

function ownerStack(app = new App(), region = REGION): Stack {
  return new Stack(app, 'Owner', { env: { account: OWNER, region } });
}

function share(consumers: ConsumerGrant[], props: Partial<SharedBucketProps> = {}, stack = ownerStack()): { stack: Stack; shared: SharedBucket } {
  const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET, consumers, ...props });
  return { stack, shared };
}

const NOTIFIED: ConsumerGrant = { accountId: CONSUMER, principalArns: [READER_ROLE], prefix: 'data/', notify: true };

describe('owner: notify', () => {
  test('without notify, nothing of EventBridge is written', () => {
    const template = Template.fromStack(share([{ ...NOTIFIED, notify: undefined }]).stack);
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: BUCKET, NotificationConfiguration: Match.absent() });
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toEqual([]);
  });

  test('the bucket sends its events to EventBridge on its own resource, with no custom resource', () => {
    const template = Template.fromStack(share([NOTIFIED]).stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: BUCKET,
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('one rule forwards the grant\'s prefix to the consumer\'s default bus, through the role', () => {
    const template = Template.fromStack(share([NOTIFIED]).stack);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: RULE_NAME,
      State: 'ENABLED',
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted'],
        'detail': { bucket: { name: [BUCKET] }, object: { key: [{ prefix: 'data/' }] } },
      },
      Targets: [{
        Id: 'Target0',
        Arn: arn(`events:${REGION}:${CONSUMER}:event-bus/default`),
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SharedNotificationRole'), 'Arn'] },
      }],
    });
  });

  test('the role is EventBridge\'s and may put events on the notified buses only', () => {
    const template = Template.fromStack(share([NOTIFIED, { accountId: OTHER_CONSUMER, notify: true, notificationRegion: 'us-east-1' }]).stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } }],
        Version: '2012-10-17',
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 'events:PutEvents', Effect: 'Allow', Resource: arn(`events:${REGION}:${CONSUMER}:event-bus/default`) },
          { Action: 'events:PutEvents', Effect: 'Allow', Resource: arn(`events:us-east-1:${OTHER_CONSUMER}:event-bus/default`) },
        ],
        Version: '2012-10-17',
      },
    });
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::IAM::Policy', 1);
  });

  test('grants to one account share its rule: the union of their prefixes; a whole-bucket grant forwards every key', () => {
    const template = Template.fromStack(share([
      NOTIFIED,
      { ...NOTIFIED, prefix: 'more/' },
      { ...NOTIFIED, prefix: 'data/' },
      { accountId: OTHER_CONSUMER, notify: true },
      { accountId: OTHER_CONSUMER, prefix: 'x/', notify: true },
    ]).stack);
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: RULE_NAME,
      EventPattern: Match.objectLike({ detail: { bucket: { name: [BUCKET] }, object: { key: [{ prefix: 'data/' }, { prefix: 'more/' }] } } }),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: notificationRuleName(BUCKET, OTHER_CONSUMER),
      EventPattern: Match.objectLike({ detail: { bucket: { name: [BUCKET] } } }),
    });
  });

  test('a grant without notify to a notified account adds nothing to its rule; addConsumer notifies too', () => {
    const { stack, shared } = share([NOTIFIED, { accountId: CONSUMER, principalArns: [READER_ROLE], prefix: 'secret/' }]);
    shared.addConsumer({ accountId: OTHER_CONSUMER, prefix: 'later/', notify: true });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: RULE_NAME, EventPattern: Match.objectLike({ detail: { bucket: { name: [BUCKET] }, object: { key: [{ prefix: 'data/' }] } } }),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: notificationRuleName(BUCKET, OTHER_CONSUMER),
      EventPattern: Match.objectLike({ detail: { bucket: { name: [BUCKET] }, object: { key: [{ prefix: 'later/' }] } } }),
    });
  });

  test('notificationRegion sends to the consumer\'s bus in that region', () => {
    const template = Template.fromStack(share([{ ...NOTIFIED, notificationRegion: 'us-east-1' }]).stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: arn(`events:us-east-1:${CONSUMER}:event-bus/default`) })],
    });
  });

  test('every grant-level problem is named at construction', () => {
    const message = errorMessage(() => share([
      { ...NOTIFIED, expires: Expiration.atDate(new Date('2030-01-01T00:00:00Z')) },
      { ...NOTIFIED, prefix: 'a+b/' },
      { ...NOTIFIED, prefix: 'year=2026/' },
      { accountId: CONSUMER, notificationRegion: 'us-east-1' },
      { ...NOTIFIED, notificationRegion: 'mars' },
    ]));
    expect(reportedProblems(message)).toEqual([
      '  - consumers[0].notify is true: expected no notify together with expires: an EventBridge rule has no end date, so it would go on ' +
        'sending the consumer the keys of new objects after the grant has ended; leave notify off, or the grant without an end',
      "  - consumers[1].prefix is 'a+b/': expected with notify, a prefix of letters, digits and '. _ - ~ /' only: S3 URL-encodes the keys " +
        "of some event messages, and a prefix with other characters ('+', '%', a space...) could match the encoded key of an object outside it, " +
        'or miss keys under it',
      "  - consumers[2].prefix is 'year=2026/': expected with notify, a prefix of letters, digits and '. _ - ~ /' only: S3 URL-encodes the keys " +
        "of some event messages, and a prefix with other characters ('+', '%', a space...) could match the encoded key of an object outside it, " +
        'or miss keys under it',
      "  - consumers[3].notificationRegion is 'us-east-1': expected no notificationRegion unless notify is true: without notify no events are sent",
      "  - consumers[4].notificationRegion is 'mars': expected an AWS region such as 'eu-west-1'",
    ]);
  });

  test('an organization grant has no notify, and says so to a caller without types', () => {
    const message = errorMessage(() => share([], {
      organizationId: 'o-a1b2c3d4e5',
      organizationGrants: [{ organizationId: 'o-a1b2c3d4e5', roleName: 'Reader', notify: true } as OrganizationGrant],
    }));
    expect(reportedProblems(message)).toEqual([
      '  - organizationGrants[0].notify is true: expected no notify on an organization grant: notifications are sent per consumer account, ' +
        'and an organization grant names no accounts (use a ConsumerGrant with notify for each account to notify)',
    ]);
  });

  test('a grant to the owner\'s own account, two regions for one account and an environment-agnostic name fail at synth', () => {
    const ownAccount = share([{ accountId: OWNER, notify: true }]).stack;
    expect(() => Template.fromStack(ownAccount)).toThrow(/notify on a grant to account 111111111111, the account that owns the bucket: the rule would send the events back/);
    const twoRegions = share([NOTIFIED, { ...NOTIFIED, prefix: 'more/', notificationRegion: 'us-east-1' }]).stack;
    expect(() => Template.fromStack(twoRegions)).toThrow(
      /notify on grants to account 222222222222 with different notificationRegion \(eu-west-1, us-east-1\): one rule forwards/);
    const agnostic = new Stack(new App(), 'Agnostic');
    new SharedBucket(agnostic, 'Shared', { consumers: [NOTIFIED] });
    expect(() => Template.fromStack(agnostic)).toThrow(/notify needs a bucket name known at synth, and this bucket's name is known only at deployment/);
  });

  test('no other region in China or AWS GovCloud (US)', () => {
    const gov = share([{ accountId: CONSUMER, prefix: 'data/', notify: true, notificationRegion: 'us-gov-east-1' }], {}, ownerStack(new App(), 'us-gov-west-1')).stack;
    expect(() => Template.fromStack(gov)).toThrow(
      /notificationRegion us-gov-east-1 for account 222222222222: EventBridge does not route events to another region in partition aws-us-gov; expected the bucket's region us-gov-west-1/);
    const sameRegion = share([{ accountId: CONSUMER, prefix: 'data/', notify: true }], {}, ownerStack(new App(), 'cn-north-1')).stack;
    Template.fromStack(sameRegion).resourceCountIs('AWS::Events::Rule', 1);
  });
});

describe('owner: notify on an existing bucket', () => {
  function existing(bucketProps: Partial<s3.BucketProps>): Stack {
    const stack = ownerStack();
    const bucket = new s3.Bucket(stack, 'TeamData', { ...secureBucketProps(stack, BUCKET), ...bucketProps });
    new SharedBucket(stack, 'Shared', { existingBucket: bucket, consumers: [NOTIFIED] });
    return stack;
  }

  test('a bucket that does not send its events to EventBridge is an error naming the prop to set, and is not changed', () => {
    expect(() => Template.fromStack(existing({}))).toThrow(
      /notify needs existingBucket Owner\/TeamData to send its events to EventBridge, and it does not: set eventBridgeEnabled: true on that bucket/);
  });

  test('with eventBridgeEnabled the rule is written and the bucket resource is left as its owner wrote it', () => {
    const template = Template.fromStack(existing({ eventBridgeEnabled: true }));
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: BUCKET, NotificationConfiguration: Match.absent() });
  });
});

describe('consumer: receiveNotifications and onObjectCreated', () => {
  function reader(props: Partial<ConsumerReaderProps> = {}, app = new App()): { stack: Stack; reader: ConsumerReader } {
    const stack = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } });
    return {
      stack,
      reader: new ConsumerReader(stack, 'Reader', {
        bucketName: BUCKET, bucketOwnerAccountId: OWNER, bucketRegion: REGION, prefix: 'data/', roleName: 'Reader', receiveNotifications: true, ...props,
      }),
    };
  }

  test('the bus policy lets the owner account in only through its forwarding rule', () => {
    const template = Template.fromStack(reader().stack);
    template.resourceCountIs('AWS::Events::EventBusPolicy', 1);
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: 'default',
      StatementId: Match.stringLikeRegexp('^shared-bucket-events-[0-9a-f]{16}$'),
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: arn(`iam::${OWNER}:root`) },
        Action: 'events:PutEvents',
        Resource: arn(`events:${REGION}:${CONSUMER}:event-bus/default`),
        Condition: { ArnEquals: { 'aws:SourceArn': arn(`events:${REGION}:${OWNER}:rule/${RULE_NAME}`) } },
      },
    });
  });

  test('without receiveNotifications there is no bus policy, and onObjectCreated says what is missing', () => {
    const { stack, reader: plain } = reader({ receiveNotifications: undefined });
    Template.fromStack(stack).resourceCountIs('AWS::Events::EventBusPolicy', 0);
    expect(() => plain.onObjectCreated('New', new targets.SqsQueue(new sqs.Queue(stack, 'Queue')))).toThrow(
      "ConsumerReader 'Consumer/Reader': onObjectCreated('New') needs receiveNotifications: true, without which the owner's rule may not put " +
      "the bucket's events on this account's bus");
  });

  test('onObjectCreated: this bucket\'s Object Created events from the owner\'s account, under the prefix, to the target', () => {
    const { stack, reader: consumer } = reader();
    const rule = consumer.onObjectCreated('NewObjects', new targets.SqsQueue(new sqs.Queue(stack, 'Queue', { enforceSSL: true })));
    expect(rule).toBeInstanceOf(events.Rule);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created'],
        'account': [OWNER],
        'detail': { bucket: { name: [BUCKET] }, object: { key: [{ prefix: 'data/' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Queue'), 'Arn'] } })],
    });
    expect(template.findResources('AWS::Events::Rule', { Properties: { EventBusName: Match.anyValue() } })).toEqual({});
  });

  test('the rule\'s region follows the owner in the same app', () => {
    const app = new App();
    share([NOTIFIED], {}, ownerStack(app, 'eu-central-1'));
    const { stack } = reader({ bucketRegion: undefined }, app);
    Template.fromStack(stack).hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Condition: { ArnEquals: { 'aws:SourceArn': arn(`events:eu-central-1:${OWNER}:rule/${RULE_NAME}`) } } }),
    });
  });

  test('the bus policy names the rule the owner creates', () => {
    const app = new App();
    const owner = share([NOTIFIED], {}, ownerStack(app)).stack;
    const consumer = reader({}, app).stack;
    const ruleName = Object.values(Template.fromStack(owner).findResources('AWS::Events::Rule'))[0].Properties.Name;
    const policy = Object.values(Template.fromStack(consumer).findResources('AWS::Events::EventBusPolicy'))[0];
    expect(policy.Properties.Statement.Condition.ArnEquals['aws:SourceArn']).toEqual(arn(`events:${REGION}:${OWNER}:rule/${ruleName}`));
  });

  test('not with thirdPartyRoleArn, and not with a bucket name only deployment knows', () => {
    const app = new App();
    const message = errorMessage(() => reader({
      prefix: undefined, roleName: undefined, bucketRegion: undefined, thirdPartyRoleArn: `arn:aws:iam::${OWNER}:role/Vendor`,
    }, app));
    expect(reportedProblems(message)).toEqual([
      '  - receiveNotifications is true: expected no receiveNotifications together with thirdPartyRoleArn: notifications come with a ' +
        'consumer grant (ConsumerGrant notify), and a ThirdPartyAccessRole sends none',
    ]);
    const other = new Stack(app, 'Other', { env: { account: CONSUMER, region: REGION } });
    const token = new s3.Bucket(other, 'Named').bucketName;
    expect(errorMessage(() => new ConsumerReader(other, 'Reader', { bucketName: token, bucketOwnerAccountId: OWNER, receiveNotifications: true })))
      .toMatch(/bucketName is '\$\{Token\[TOKEN\.\d+\]\}': expected with receiveNotifications, a bucket name known at synth/);
  });
});

describe('agreement and record', () => {
  function pair(grant: ConsumerGrant, readerProps: Partial<ConsumerReaderProps> = {}, consumerRegion = REGION): { app: App; consumer: Stack } {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'notify-')) });
    share([grant], {}, ownerStack(app));
    const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: consumerRegion } });
    new ConsumerReader(consumer, 'Reader', {
      bucketName: BUCKET, bucketOwnerAccountId: OWNER, bucketRegion: REGION, prefix: 'data/', roleName: 'Reader', receiveNotifications: true, ...readerProps,
    });
    return { app, consumer };
  }

  function warnings(stack: Stack): string[] {
    return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('consumerNotGranted')).map(warning => String(warning.entry.data));
  }

  test('a consumer that expects notifications its grant does not send is warned', () => {
    expect(warnings(pair(NOTIFIED).consumer)).toEqual([]);
    expect(warnings(pair({ ...NOTIFIED, notify: undefined }).consumer)).toEqual([
      `ConsumerReader Consumer/Reader (account ${CONSUMER}) is covered only in part by SharedBucket Owner/Shared: the closest grant, ` +
      `{ accountId: '${CONSUMER}', principalArns: ['${READER_ROLE}'], prefix: 'data/', access: AccessLevel.READ }, differs in notifications: ` +
      'the consumer expects them (receiveNotifications), the grant sends none; set notify: true on the grant, or remove receiveNotifications ' +
      'from the ConsumerReader. [ack: cdk-cross-account-bucket:consumerNotGranted]',
    ]);
    expect(warnings(pair(NOTIFIED, {}, 'us-east-1').consumer)).toEqual([
      expect.stringContaining("differs in notifications: the grant sends them to the default event bus in eu-west-1, the consumer's bus policy " +
        "is in us-east-1; set notificationRegion: 'us-east-1' on the grant, or deploy the ConsumerReader in eu-west-1."),
    ]);
    expect(warnings(pair({ ...NOTIFIED, notify: undefined }, { receiveNotifications: undefined }).consumer)).toEqual([]);
  });

  test('the record says who is notified, where, by which rule; and which reader receives', () => {
    const { app } = pair({ ...NOTIFIED, notificationRegion: 'us-east-1' });
    share([{ accountId: OTHER_CONSUMER }], { bucketName: 'plain-bucket-111111111111' }, new Stack(app, 'Plain', { env: { account: OWNER, region: REGION } }));
    const records = readRecords(app.synth().directory);
    const owner = records.find(record => record.data.kind === 'SharedBucket' && record.data.bucketName === BUCKET)!.data;
    expect(owner.kind === 'SharedBucket' && owner.grants[0].notifications).toEqual({ region: 'us-east-1', ruleName: RULE_NAME });
    const plain = records.find(record => record.data.kind === 'SharedBucket' && record.data.bucketName !== BUCKET)!.data;
    expect(plain.kind === 'SharedBucket' && 'notifications' in plain.grants[0]).toBe(false);
    const consumer = records.find(record => record.data.kind === 'ConsumerReader')!.data;
    expect(consumer.kind === 'ConsumerReader' && consumer.receiveNotifications).toEqual({ region: REGION });
  });
});
