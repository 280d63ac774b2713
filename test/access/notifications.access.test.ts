/**
 * The consumer's event bus policy (ConsumerReader `receiveNotifications`), evaluated with
 * @cloud-copilot/iam-simulate: the owner's account may put events on the consumer's default bus
 * only through the rule that forwards the shared bucket's events to it, and no other account at
 * all. The caller is the owner's forwarding role, with the owner stack's own identity policy for
 * it; a direct PutEvents call carries no `aws:SourceArn` (EventBridge sets it to the ARN of the
 * rule that sends the event: EventBridge User Guide, "Using IAM policy conditions in Amazon
 * EventBridge"). Our analyzer (lib/model/analyzer) models S3 and KMS requests only, so this proof
 * has one engine.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConsumerReader, SharedBucket } from '../../lib';
import { notificationRuleName } from '../../lib/model/notifications';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const STRANGER = '999999999999';
const REGION = 'eu-west-1';
const BUCKET = 'notified-proof-111111111111';
const BUS = `arn:aws:events:${REGION}:${CONSUMER}:event-bus/default`;
const RULE = `arn:aws:events:${REGION}:${OWNER}:rule/${notificationRuleName(BUCKET, CONSUMER)}`;

/** CloudFormation's `Fn::Join` and `Ref: AWS::Partition` resolved for the aws partition. */
function resolved(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(resolved);
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('Fn::Join' in record) {
      const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
      return parts.map(resolved).join(separator);
    }
    if (record.Ref === 'AWS::Partition') {
      return 'aws';
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, resolved(item)]));
  }
  return value;
}

const app = new App();
const ownerStack = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
new SharedBucket(ownerStack, 'Shared', { bucketName: BUCKET, consumers: [{ accountId: CONSUMER, prefix: 'data/', notify: true }] });
const consumerStack = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } });
new ConsumerReader(consumerStack, 'Reader', { bucketName: BUCKET, bucketOwnerAccountId: OWNER, prefix: 'data/', receiveNotifications: true });

const busStatement = resolved(Object.values(Template.fromStack(consumerStack).findResources('AWS::Events::EventBusPolicy'))[0].Properties.Statement);
const busPolicy = { Version: '2012-10-17', Statement: [busStatement] };
/** The identity policy the owner's stack gives its forwarding role. */
const rolePolicy = resolved(Object.values(Template.fromStack(ownerStack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument) as object;
const ALLOW_EVERYTHING = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

async function allowed(principal: string, identityPolicy: object, sourceArn: string | undefined, action = 'events:PutEvents'): Promise<string> {
  const response = await runSimulation({
    request: {
      principal,
      action,
      resource: { resource: BUS, accountId: CONSUMER },
      contextVariables: sourceArn === undefined ? {} : { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceArn.split(':')[4] },
    },
    identityPolicies: [{ name: 'identity', policy: identityPolicy }],
    resourcePolicy: busPolicy,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {});
  if (response.resultType !== 'single') {
    throw new Error(`simulation failed: ${JSON.stringify(response)}`);
  }
  expect(response.result.ignoredContextKeys ?? []).toEqual([]);
  return response.overallResult;
}

const FORWARDING_ROLE = `arn:aws:iam::${OWNER}:role/Owner-SharedNotificationRole`;

describe('the consumer\'s bus policy, by iam-simulate', () => {
  test('the owner\'s forwarding role, through the owner\'s rule: allowed', async () => {
    expect(await allowed(FORWARDING_ROLE, rolePolicy, RULE)).toBe('Allowed');
  });

  test('the same role calling PutEvents directly, or through another rule of the owner\'s: denied', async () => {
    expect(await allowed(FORWARDING_ROLE, rolePolicy, undefined)).toBe('ImplicitlyDenied');
    expect(await allowed(FORWARDING_ROLE, rolePolicy, `arn:aws:events:${REGION}:${OWNER}:rule/another-rule`)).toBe('ImplicitlyDenied');
    expect(await allowed(FORWARDING_ROLE, rolePolicy, RULE.replace(`:${REGION}:`, ':us-east-1:'))).toBe('ImplicitlyDenied');
  });

  test('any principal of the owner\'s account that its own policies allow everything: PutEvents only through the rule, nothing else', async () => {
    const admin = `arn:aws:iam::${OWNER}:role/Admin`;
    expect(await allowed(admin, ALLOW_EVERYTHING, undefined)).toBe('ImplicitlyDenied');
    expect(await allowed(admin, ALLOW_EVERYTHING, RULE, 'events:DescribeEventBus')).toBe('ImplicitlyDenied');
  });

  test('another account: denied, even naming the owner\'s rule or a rule of the same name of its own', async () => {
    const stranger = `arn:aws:iam::${STRANGER}:role/Anything`;
    expect(await allowed(stranger, ALLOW_EVERYTHING, RULE)).toBe('ImplicitlyDenied');
    expect(await allowed(stranger, ALLOW_EVERYTHING, RULE.replace(`:${OWNER}:`, `:${STRANGER}:`))).toBe('ImplicitlyDenied');
    expect(await allowed(stranger, ALLOW_EVERYTHING, undefined)).toBe('ImplicitlyDenied');
  });

  test('the proof can fail: without the condition the owner\'s account could put events directly', async () => {
    const { Condition: _condition, ...unconditioned } = busStatement as Record<string, unknown>;
    const withoutCondition = { Version: '2012-10-17', Statement: [unconditioned] };
    const response = await runSimulation({
      request: { principal: FORWARDING_ROLE, action: 'events:PutEvents', resource: { resource: BUS, accountId: CONSUMER }, contextVariables: {} },
      identityPolicies: [{ name: 'identity', policy: rolePolicy }],
      resourcePolicy: withoutCondition,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    expect(response.resultType === 'single' && response.overallResult).toBe('Allowed');
  });
});
