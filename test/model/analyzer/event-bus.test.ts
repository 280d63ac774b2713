/**
 * The analyzer's questions on event buses (lib/model/analyzer/event-bus.ts): policies read from
 * AWS::Events::EventBusPolicy (both forms) and AWS::Events::EventBus, keyed by the bus's ARN;
 * across accounts the bus's policy and the caller's identity policy must both allow; within the
 * bus's account the identity policy alone does; aws:SourceArn is the rule that sends the event.
 */
import { analyzerOf as analyzer, loadedStack, OWNER, REGION } from './fixtures';
import { LoadedStack } from '../../../lib/model/analyzer/template-files';
import { shutdownSolver } from '../../../lib/model/analyzer/z3-runtime';

jest.setTimeout(60_000);
afterAll(() => shutdownSolver());

const RECEIVER = '222222222222';
const STRANGER = '999999999999';
const BUS = `arn:aws:events:${REGION}:${RECEIVER}:event-bus/default`;
const RULE = `arn:aws:events:${REGION}:${OWNER}:rule/forward`;
const SENDER = `arn:aws:iam::${OWNER}:role/Sender`;

/** The receiver's stack: its default bus's policy of this statement (an AWS::Events::EventBusPolicy). */
function receiver(statement: object, more: Record<string, object> = {}): LoadedStack {
  return loadedStack('Receiver', {
    BusPolicy: { Type: 'AWS::Events::EventBusPolicy', Properties: { EventBusName: 'default', StatementId: 'from-owner', Statement: statement } },
    ...more,
  }, RECEIVER);
}

const FROM_RULE = {
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${OWNER}:root` },
  Action: 'events:PutEvents',
  Resource: BUS,
  Condition: { ArnEquals: { 'aws:SourceArn': RULE } },
};

/** The sender's stack: the role Sender, allowed events:PutEvents on `resource` by its own policy. */
function sender(resource = BUS): LoadedStack {
  return loadedStack('Sender', {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: { RoleName: 'Sender', AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
    },
    Policy: {
      Type: 'AWS::IAM::Policy',
      Properties: { PolicyName: 'p', Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: resource }] } },
    },
  });
}

describe('reading bus policies', () => {
  test('an EventBusPolicy\'s statement, an EventBus\'s Policy and the older Principal/Condition form, each keyed by its bus\'s ARN', async () => {
    const stack = loadedStack('Receiver', {
      Statement: { Type: 'AWS::Events::EventBusPolicy', Properties: { StatementId: 's', Statement: FROM_RULE } },
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'custom', Policy: { Version: '2012-10-17', Statement: [{ ...FROM_RULE, Resource: '*' }] } } },
      Legacy: {
        Type: 'AWS::Events::EventBusPolicy',
        Properties: {
          EventBusName: { Ref: 'Bus' },
          StatementId: 'org',
          Action: 'events:PutEvents',
          Principal: '*',
          Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: 'o-abc' },
        },
      },
    }, RECEIVER);
    const subject = await analyzer(stack);
    const custom = BUS.replace(/default$/, 'custom');
    expect(subject.eventBusArns()).toEqual([custom, BUS]);
    // The older form: anyone of organization o-abc, on the custom bus only.
    const member = { principal: `arn:aws:iam::${STRANGER}:role/Member`, busArn: custom };
    expect((await subject.isEventBusAllowed({ ...member, context: { 'aws:PrincipalOrgID': 'o-abc' } }))?.allowed).toBe(true);
    expect((await subject.isEventBusAllowed(member))?.allowed).toBe(false);
    expect((await subject.isEventBusAllowed({ ...member, busArn: BUS, context: { 'aws:PrincipalOrgID': 'o-abc' } }))?.allowed).toBe(false);
    expect(await subject.isEventBusAllowed({ ...member, busArn: BUS.replace(/default$/, 'unknown') })).toBeUndefined();
  });
});

describe('one request', () => {
  test('across accounts, the bus\'s policy and the sender\'s identity policy must both allow; aws:SourceArn is the rule\'s', async () => {
    const subject = await analyzer(receiver(FROM_RULE), sender());
    const allowed = await subject.isEventBusAllowed({ principal: SENDER, busArn: BUS, sourceArn: RULE });
    expect(allowed).toMatchObject({ allowed: true, undecided: false });
    expect(allowed!.allowedBy.join('\n')).toMatch(/event bus policy/);
    expect((await subject.isEventBusAllowed({ principal: SENDER, busArn: BUS }))?.allowed).toBe(false);
    expect((await subject.isEventBusAllowed({ principal: SENDER, busArn: BUS, sourceArn: `${RULE}-other` }))?.allowed).toBe(false);
    expect((await subject.isEventBusAllowed({ principal: SENDER, busArn: BUS, sourceArn: RULE, action: 'events:DescribeEventBus' }))?.allowed).toBe(false);
    // The sender's own policy names another bus: the bus's policy alone is not enough.
    const elsewhere = await analyzer(receiver(FROM_RULE), sender(BUS.replace(/default$/, 'other')));
    const denied = await elsewhere.isEventBusAllowed({ principal: SENDER, busArn: BUS, sourceArn: RULE });
    expect(denied).toMatchObject({ allowed: false, missing: ['identity policy'] });
  });

  test('within the bus\'s account, the identity policy alone allows', async () => {
    const own = loadedStack('Own', {
      Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'Own', AssumeRolePolicyDocument: { Statement: [] } } },
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: { PolicyName: 'p', Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS }] } },
      },
    }, RECEIVER);
    const subject = await analyzer(receiver(FROM_RULE), own);
    expect((await subject.isEventBusAllowed({ principal: `arn:aws:iam::${RECEIVER}:role/Own`, busArn: BUS }))?.allowed).toBe(true);
  });

  test('aws:SourceAccount is in the request exactly when a rule sends it, the rule\'s account', async () => {
    const fromAccount = { ...FROM_RULE, Condition: { StringEquals: { 'aws:SourceAccount': OWNER } } };
    const subject = await analyzer(receiver(fromAccount), sender());
    expect((await subject.isEventBusAllowed({ principal: SENDER, busArn: BUS, sourceArn: RULE }))?.allowed).toBe(true);
    expect((await subject.isEventBusAllowed({ principal: SENDER, busArn: BUS }))?.allowed).toBe(false);
    expect((await subject.isEventBusAllowed({ principal: SENDER, busArn: BUS, sourceArn: RULE.replace(OWNER, STRANGER) }))?.allowed).toBe(false);
    expect(await subject.findEventBusAccess(BUS, [{ account: OWNER, actions: ['events:PutEvents'] }])).toBeUndefined();
    const found = await subject.findEventBusAccess(BUS, [{ account: OWNER, actions: ['events:PutEvents'], sourceArn: RULE }]);
    expect(found?.context).toMatchObject({ 'aws:SourceAccount': OWNER });
  });
});

describe('requests from outside the bus\'s account', () => {
  test('the owner\'s account through its rule, and nothing else: found without the intent, none beyond it', async () => {
    const subject = await analyzer(receiver(FROM_RULE), sender());
    const found = await subject.findEventBusAccess(BUS);
    expect(found).toMatchObject({ action: 'events:PutEvents', resource: BUS, context: { 'aws:SourceArn': RULE } });
    expect(found!.principal).toMatch(new RegExp(`^arn:aws:iam::${OWNER}:`));
    expect(await subject.findEventBusAccess(BUS, [{ account: OWNER, actions: ['events:PutEvents'], sourceArn: RULE }])).toBeUndefined();
  });

  test('without the aws:SourceArn condition, a direct call of the owner\'s account is found', async () => {
    const { Condition: _condition, ...unconditioned } = FROM_RULE;
    const subject = await analyzer(receiver(unconditioned), sender());
    const found = await subject.findEventBusAccess(BUS, [{ account: OWNER, actions: ['events:PutEvents'], sourceArn: RULE }]);
    expect(found).toMatchObject({ action: 'events:PutEvents', resource: BUS });
    expect(found!.context['aws:SourceArn']).not.toBe(RULE);
  });

  test('a rule of the bus opened to another account is found, on the rule\'s ARN', async () => {
    const rules = {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${STRANGER}:root` },
      Action: 'events:PutRule',
      Resource: `arn:aws:events:${REGION}:${RECEIVER}:rule/partner-*`,
    };
    const subject = await analyzer(receiver(FROM_RULE, {
      Rules: { Type: 'AWS::Events::EventBusPolicy', Properties: { StatementId: 'rules', Statement: rules } },
    }), sender());
    const found = await subject.findEventBusAccess(BUS, [{ account: OWNER, actions: ['events:PutEvents'], sourceArn: RULE }]);
    expect(found).toMatchObject({ action: 'events:PutRule' });
    expect(found!.resource).toMatch(new RegExp(`^arn:aws:events:${REGION}:${RECEIVER}:rule/partner-`));
    expect(found!.principal).toMatch(new RegExp(`^arn:aws:iam::${STRANGER}:`));
    expect(await subject.findEventBusAccess(BUS, [
      { account: OWNER, actions: ['events:PutEvents'], sourceArn: RULE }, { account: STRANGER, actions: ['events:PutRule'] },
    ])).toBeUndefined();
  });
});
