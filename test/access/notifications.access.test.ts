/**
 * The consumer's event bus policy (ConsumerReader `receiveNotifications`), by two engines: the
 * owner's account may put events on the consumer's default bus only through the rule that
 * forwards the shared bucket's events to it, and no other account may do anything on the bus.
 * The caller is the owner's forwarding role, with the owner stack's own identity policy for it; a
 * direct PutEvents call carries no `aws:SourceArn` (EventBridge sets it to the ARN of the rule
 * that sends the event: EventBridge User Guide, "Using IAM policy conditions in Amazon
 * EventBridge", eb-use-conditions.html).
 *
 * - @cloud-copilot/iam-simulate and our analyzer (lib/model/analyzer, isEventBusAllowed) answer
 *   the same on each request of a table, and as intended;
 * - completely, by z3 (findEventBusAccess): from the consumer's template alone, so that every
 *   principal of every other account may hold any identity policy, no request from outside the
 *   consumer's account (any principal, any EventBridge action on the bus or its rules, any
 *   aws:SourceArn or none, any other key) is allowed but PutEvents by the owner's account through
 *   the owner's rule; and with both templates, the owner's forwarding role is allowed that for
 *   every value of the keys the request does not fix.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConsumerReader, SharedBucket } from '../../lib';
import { PolicyAnalyzer } from '../../lib/model/analyzer/analyzer';
import { EventBusIntent } from '../../lib/model/analyzer/questions';
import { collectPolicies } from '../../lib/model/analyzer/template';
import { LoadedStack } from '../../lib/model/analyzer/template-files';
import { shutdownSolver } from '../../lib/model/analyzer/z3-runtime';
import { notificationRuleName } from '../../lib/model/notifications';

jest.setTimeout(60_000);
afterAll(() => shutdownSolver());

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
const ADMIN = `arn:aws:iam::${OWNER}:role/Admin`;
const STRANGER_ROLE = `arn:aws:iam::${STRANGER}:role/Anything`;
/** What the consumer means the bus to take from outside its account: PutEvents by the owner's account, through the owner's rule. */
const INTENT: EventBusIntent[] = [{ account: OWNER, actions: ['events:PutEvents'], sourceArn: RULE }];

function loaded(stack: Stack, template: object = Template.fromStack(stack).toJSON()): LoadedStack {
  return { id: stack.stackName, stackName: stack.stackName, environment: { account: stack.account, region: stack.region, partition: 'aws' }, template: template as any, source: 'notifications' };
}

/** The consumer's template with its bus policy's statement replaced. */
function consumerWith(statement: object): LoadedStack {
  const template = Template.fromStack(consumerStack).toJSON();
  const [logicalId] = Object.keys(Template.fromStack(consumerStack).findResources('AWS::Events::EventBusPolicy'));
  template.Resources[logicalId].Properties.Statement = statement;
  return loaded(consumerStack, template);
}

const { Condition: _condition, ...unconditioned } = busStatement as Record<string, unknown>;

let analyzers: Promise<{ both: PolicyAnalyzer; consumerOnly: PolicyAnalyzer; defective: PolicyAnalyzer }> | undefined;
function analyze() {
  analyzers ??= (async () => {
    const both = await PolicyAnalyzer.create(collectPolicies([loaded(ownerStack), loaded(consumerStack)]));
    return {
      both,
      consumerOnly: both.sibling(collectPolicies([loaded(consumerStack)])),
      // The deliberate defect: the bus policy without its aws:SourceArn condition.
      defective: both.sibling(collectPolicies([loaded(ownerStack), consumerWith(unconditioned)])),
    };
  })();
  return analyzers;
}

interface Row {
  readonly what: string;
  readonly principal: string;
  /** The caller's identity policy for iam-simulate; the analyzer holds a role of the owner's template to that template's and any other principal to "allows everything". */
  readonly identity: object;
  readonly sourceArn?: string;
  readonly action?: string;
  readonly expected: 'Allowed' | 'ImplicitlyDenied';
}

const ROWS: Row[] = [
  { what: 'the forwarding role through the owner\'s rule', principal: FORWARDING_ROLE, identity: rolePolicy, sourceArn: RULE, expected: 'Allowed' },
  { what: 'the forwarding role calling PutEvents directly', principal: FORWARDING_ROLE, identity: rolePolicy, expected: 'ImplicitlyDenied' },
  {
    what: 'the forwarding role through another rule of the owner\'s',
    principal: FORWARDING_ROLE,
    identity: rolePolicy,
    sourceArn: `arn:aws:events:${REGION}:${OWNER}:rule/another-rule`,
    expected: 'ImplicitlyDenied',
  },
  {
    what: 'the forwarding role through a rule of the same name in another region',
    principal: FORWARDING_ROLE,
    identity: rolePolicy,
    sourceArn: RULE.replace(`:${REGION}:`, ':us-east-1:'),
    expected: 'ImplicitlyDenied',
  },
  { what: 'an administrator of the owner\'s through the rule', principal: ADMIN, identity: ALLOW_EVERYTHING, sourceArn: RULE, expected: 'Allowed' },
  { what: 'an administrator of the owner\'s, directly', principal: ADMIN, identity: ALLOW_EVERYTHING, expected: 'ImplicitlyDenied' },
  {
    what: 'an administrator of the owner\'s, DescribeEventBus',
    principal: ADMIN,
    identity: ALLOW_EVERYTHING,
    sourceArn: RULE,
    action: 'events:DescribeEventBus',
    expected: 'ImplicitlyDenied',
  },
  { what: 'another account naming the owner\'s rule', principal: STRANGER_ROLE, identity: ALLOW_EVERYTHING, sourceArn: RULE, expected: 'ImplicitlyDenied' },
  {
    what: 'another account through a rule of the same name of its own',
    principal: STRANGER_ROLE,
    identity: ALLOW_EVERYTHING,
    sourceArn: RULE.replace(`:${OWNER}:`, `:${STRANGER}:`),
    expected: 'ImplicitlyDenied',
  },
  { what: 'another account, directly', principal: STRANGER_ROLE, identity: ALLOW_EVERYTHING, expected: 'ImplicitlyDenied' },
];

async function byAnalyzer(analyzer: PolicyAnalyzer, row: Pick<Row, 'principal' | 'sourceArn' | 'action'>): Promise<string> {
  const answer = await analyzer.isEventBusAllowed({ principal: row.principal, busArn: BUS, sourceArn: row.sourceArn, action: row.action });
  expect(answer).toBeDefined();
  expect(answer!.undecided).toBe(false);
  return answer!.allowed ? 'Allowed' : 'ImplicitlyDenied';
}

describe('the consumer\'s bus policy, by iam-simulate and our analyzer', () => {
  test.each(ROWS)('$what: both engines say $expected', async row => {
    const { both } = await analyze();
    expect(await allowed(row.principal, row.identity, row.sourceArn, row.action)).toBe(row.expected);
    expect(await byAnalyzer(both, row)).toBe(row.expected);
  });

  test('completely, by z3: from outside the consumer\'s account, the bus takes PutEvents by the owner\'s account through the owner\'s rule, and nothing else', async () => {
    const { both, consumerOnly } = await analyze();
    expect(await consumerOnly.findEventBusAccess(BUS, INTENT)).toBeUndefined();
    // The intent is not empty: without it, z3 finds the owner's account through the rule.
    expect(await consumerOnly.findEventBusAccess(BUS)).toMatchObject({ action: 'events:PutEvents', context: { 'aws:SourceArn': RULE } });
    // And the owner's forwarding role is allowed it whatever the keys the request leaves open.
    const forwarding = await both.isEventBusAllowed({ principal: FORWARDING_ROLE, busArn: BUS, sourceArn: RULE }, { otherKeys: 'any' });
    expect(forwarding).toMatchObject({ allowed: true, undecided: false });
  });

  test('the proof can fail: without the condition the owner\'s account could put events directly, and both engines say so', async () => {
    const withoutCondition = { Version: '2012-10-17', Statement: [unconditioned] };
    const response = await runSimulation({
      request: { principal: FORWARDING_ROLE, action: 'events:PutEvents', resource: { resource: BUS, accountId: CONSUMER }, contextVariables: {} },
      identityPolicies: [{ name: 'identity', policy: rolePolicy }],
      resourcePolicy: withoutCondition,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    expect(response.resultType === 'single' && response.overallResult).toBe('Allowed');
    const { defective } = await analyze();
    expect(await byAnalyzer(defective, { principal: FORWARDING_ROLE })).toBe('Allowed');
    const found = await defective.findEventBusAccess(BUS, INTENT);
    expect(found).toBeDefined();
    expect(found!.principal).toMatch(new RegExp(`^arn:aws:iam::${OWNER}:`));
    expect(found!.context['aws:SourceArn']).not.toBe(RULE);
  });
});
