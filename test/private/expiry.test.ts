/**
 * Grants that expire (`expires`), for every construct that takes one: the condition each allow
 * statement carries, grants of different ends kept apart, the refusal of an end that moves at
 * every synth, and the warnings. Warnings are tested with ends relative to the clock (rounded to
 * whole seconds), so that they never rot; what the conditions allow is proved in
 * test/access/expiring-grants.access.test.ts.
 */
import { App, Duration, Expiration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ConsumerReader, OrganizationConsumers, SharedBucket, SharingMode, ThirdPartyAccessRole } from '../../lib';
import { deployedPolicySize } from '../../lib/private/policy-size';
import { errorMessage, reportedProblems } from '../setup/props-errors';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const OTHER_CONSUMER = '333333333333';
const VENDOR = '444444444444';
const REGION = 'eu-west-1';
const BUCKET_NAME = 'expiring-bucket';
const ORGANIZATION = 'o-a1b2c3d4e5';
const END = '2027-06-30T00:00:00Z';
const LATER_END = '2028-01-01T00:00:00Z';
const UNTIL_END = { DateLessThan: { 'aws:CurrentTime': END } };
const DAY = 24 * 60 * 60 * 1000;

function at(time: string): Expiration {
  return Expiration.atDate(new Date(time));
}

/** An end `days` from now, in whole seconds (as a fixed end would be). */
function inDays(days: number): Expiration {
  return Expiration.atTimestamp(Math.floor((Date.now() + days * DAY) / 1000) * 1000);
}

function stackOf(account: string = OWNER): Stack {
  return new Stack(new App(), 'Stack', { env: { account, region: REGION } });
}

/** The statements of the only resource of `type` in the stack (the access log bucket's aside), under `property`. */
function statementsOf(stack: Stack, type: string, ...property: string[]): any[] {
  const resources = Object.entries(Template.fromStack(stack).findResources(type))
    .filter(([logicalId]) => !logicalId.includes('AccessLogs'))
    .map(([, resource]) => resource);
  expect(resources).toHaveLength(1);
  return property.reduce((value: any, name) => value[name], resources[0].Properties).Statement;
}

/** Whether `statement` carries the condition of `end`. */
function endsAt(statement: any, end: string): boolean {
  return statement.Condition?.DateLessThan?.['aws:CurrentTime'] === end;
}

function warningsOf(stack: Stack, id: string): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(`cdk-cross-account-bucket:${id}`))
    .map(message => String(message.entry.data));
}

describe('SharedBucket consumer grants with expires', () => {
  test('the grant\'s bucket and key statements carry DateLessThan aws:CurrentTime, to the second with a Z', () => {
    const stack = stackOf();
    new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER, prefix: 'a/', expires: at(END) }] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'Grant1', Effect: 'Allow', Condition: Match.objectLike(UNTIL_END) })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'Grant1Key', Condition: Match.objectLike(UNTIL_END) })]) },
    });
  });

  test('deny statements and the owner\'s own statements carry no end', () => {
    const stack = stackOf();
    new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER, prefix: 'a/', expires: at(END) }] });
    const bucketStatements = statementsOf(stack, 'AWS::S3::BucketPolicy', 'PolicyDocument');
    const keyStatements = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
    const ending = [...bucketStatements, ...keyStatements].filter(statement => endsAt(statement, END)).map(statement => statement.Sid);
    expect(ending.sort()).toEqual(['Grant1', 'Grant1Key']);
  });

  test('grants of the same scope with different ends never share a statement; with the same end they do', () => {
    const stack = stackOf();
    new SharedBucket(stack, 'Shared', {
      bucketName: BUCKET_NAME,
      consumers: [
        { accountId: CONSUMER, prefix: 'a/', expires: at(END) },
        { accountId: OTHER_CONSUMER, prefix: 'a/', expires: at(LATER_END) },
        { accountId: '555555555555', prefix: 'a/' },
        { accountId: '666666666666', prefix: 'a/', expires: at(END) },
      ],
    });
    const grants = statementsOf(stack, 'AWS::S3::BucketPolicy', 'PolicyDocument').filter(statement => statement.Effect === 'Allow');
    expect(grants.map(statement => [statement.Sid, statement.Principal.AWS, statement.Condition?.DateLessThan?.['aws:CurrentTime']])).toEqual([
      ['Grant1', [CONSUMER, '666666666666'], END],
      ['Grant2', OTHER_CONSUMER, LATER_END],
      ['Grant3', '555555555555', undefined],
    ]);
  });

  test('SharingMode.ACCESS_POINTS: the access point policy ends; the key policy lists accounts per set of KMS actions and end', () => {
    const stack = stackOf();
    new SharedBucket(stack, 'Shared', {
      bucketName: BUCKET_NAME,
      sharingMode: SharingMode.ACCESS_POINTS,
      consumers: [
        { accountId: CONSUMER, prefix: 'a/', expires: at(END) },
        { accountId: OTHER_CONSUMER, prefix: 'b/' },
        { accountId: '555555555555', prefix: 'c/', expires: at(END) },
      ],
    });
    const nested = stack.node.findAll().find(child => child instanceof Stack && child !== stack) as Stack;
    const accessPoints = Object.values(Template.fromStack(nested).findResources('AWS::S3::AccessPoint'));
    const ends = accessPoints.map(accessPoint => accessPoint.Properties.Policy.Statement.map((statement: any) => endsAt(statement, END)));
    expect(ends).toEqual([[true, true], [false, false], [true, true]]);
    const keyStatements = statementsOf(stack, 'AWS::KMS::Key', 'KeyPolicy').slice(1);
    expect(keyStatements.map(statement => [statement.Sid, statement.Condition.StringEquals['kms:CallerAccount'], statement.Condition.DateLessThan])).toEqual([
      ['ReadingConsumersKeyUntil20270630000000', [CONSUMER, '555555555555'], { 'aws:CurrentTime': END }],
      ['ReadingConsumersKey', OTHER_CONSUMER, undefined],
    ]);
  });

  test('the end is recorded for the review record (the consumers getter keeps it)', () => {
    const stack = stackOf();
    const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
    shared.addConsumer({ accountId: CONSUMER, expires: at(END) });
    expect(shared.consumers[0].expires?.date.toISOString()).toBe('2027-06-30T00:00:00.000Z');
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'Grant1', Condition: UNTIL_END })]) },
    });
  });

  test('Expiration.after is refused, naming the prop, the value, what is expected and why', () => {
    const message = errorMessage(() => new SharedBucket(stackOf(), 'Shared', {
      bucketName: BUCKET_NAME,
      // A timestamp with milliseconds, as Expiration.after gives at all but one synth in a thousand.
      consumers: [{ accountId: CONSUMER }, { accountId: OTHER_CONSUMER, expires: Expiration.atTimestamp(Date.UTC(2027, 5, 30, 0, 0, 0, 123)) }],
    }));
    expect(reportedProblems(message)).toEqual([
      expect.stringMatching(/^ {2}- consumers\[1\]\.expires is '2027-06-30T00:00:00\.123Z': expected a fixed time to the second, for example Expiration\.atDate\(new Date\('2027-06-30T00:00:00Z'\)\) or Expiration\.fromString\(.*moves at every synth.*access would never end$/),
    ]);
    expect(message).toMatch(/^SharedBucket 'Stack\/Shared' has invalid props/);
  });

  test('Expiration.after itself is refused (unless the clock stands on a whole second)', () => {
    let after = Expiration.after(Duration.days(90));
    while (after.date.getUTCMilliseconds() === 0) {
      after = Expiration.after(Duration.days(90));
    }
    expect(() => new SharedBucket(stackOf(), 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER, expires: after }] }))
      .toThrow(/consumers\[0\]\.expires is '.*': expected a fixed time to the second/);
  });

  test.each([
    ['ten thousand years from now', Date.UTC(10000, 0, 1), '+010000-01-01T00:00:00.000Z'],
    ['before the year 0', Date.UTC(-1, 0, 1), '-000001-01-01T00:00:00.000Z'],
  ])('a time no policy can parse (%s) is refused: IAM dates have four-digit years', (_, timestamp, shown) => {
    const message = errorMessage(() => new SharedBucket(stackOf(), 'Shared', {
      bucketName: BUCKET_NAME,
      consumers: [{ accountId: CONSUMER, expires: Expiration.atTimestamp(timestamp) }],
      organizationGrants: [{ organizationId: 'o-a1b2c3d4e5', expires: Expiration.atTimestamp(timestamp) }],
    }));
    expect(message).toMatch(/^SharedBucket 'Stack\/Shared' has invalid props/);
    expect(reportedProblems(message)).toEqual(['consumers[0]', 'organizationGrants[0]'].map(prop => expect.stringMatching(
      new RegExp(`^ {2}- ${escapeRegExp(prop)}\\.expires is '${escapeRegExp(shown)}': expected a time from the year 0000 to 9999`))));
  });

  test('the last second of the year 9999 is accepted, and written as IAM reads it', () => {
    const stack = stackOf();
    new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER, expires: Expiration.fromString('9999-12-31T23:59:59Z') }] });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'Grant1', Condition: Match.objectLike({ DateLessThan: { 'aws:CurrentTime': '9999-12-31T23:59:59Z' } }) })]) },
    });
  });

  test('addConsumer names its argument; an invalid time is refused', () => {
    const shared = new SharedBucket(stackOf(), 'Shared', { bucketName: BUCKET_NAME });
    expect(() => shared.addConsumer({ accountId: CONSUMER, expires: Expiration.fromString('next tuesday') }))
      .toThrow(/addConsumer\(grant\)\.expires is 'Invalid Date': expected a valid time/);
  });

  test('an ended grant warns grantExpired and still synthesizes; one ending within 30 days warns grantExpiresSoon', () => {
    const stack = stackOf();
    new SharedBucket(stack, 'Shared', {
      bucketName: BUCKET_NAME,
      consumers: [
        { accountId: CONSUMER, prefix: 'ended/', principalArns: [`arn:aws:iam::${CONSUMER}:role/R`], expires: inDays(-1) },
        { accountId: OTHER_CONSUMER, prefix: 'soon/', principalArns: [`arn:aws:iam::${OTHER_CONSUMER}:role/R`], expires: inDays(29.5) },
        { accountId: '555555555555', prefix: 'later/', principalArns: ['arn:aws:iam::555555555555:role/R'], expires: inDays(31) },
      ],
    });
    expect(warningsOf(stack, 'grantExpired')).toEqual([
      expect.stringMatching(/^The grant to account 222222222222 \(prefix 'ended\/'\) ended at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: it is still written.*AWS denies its access/),
    ]);
    expect(warningsOf(stack, 'grantExpiresSoon')).toEqual([
      expect.stringMatching(/^The grant to account 333333333333 \(prefix 'soon\/'\) ends at \S+Z, in 30 days/),
    ]);
    // Still written: the ended grant's statement is there, with its end.
    expect(statementsOf(stack, 'AWS::S3::BucketPolicy', 'PolicyDocument').filter(statement => statement.Effect === 'Allow')).toHaveLength(3);
  });

  test('without expires, no statement carries an end and nothing warns of one', () => {
    const stack = stackOf();
    new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER, prefix: 'a/' }] });
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('aws:CurrentTime');
    expect(warningsOf(stack, 'grantExp')).toEqual([]);
  });
});

describe('policy budgets count the end', () => {
  test('each statement that ends is larger by exactly its condition, as the budgets size it', () => {
    const sizes = (expires?: Expiration) => {
      const stack = stackOf();
      const shared = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, consumers: [{ accountId: CONSUMER, prefix: 'a/', expires }] });
      const key = shared.encryptionKey.node.defaultChild as any;
      return [deployedPolicySize(stack, shared.bucket.policy!.document), deployedPolicySize(stack, key.keyPolicy)];
    };
    const condition = '"DateLessThan":{"aws:CurrentTime":"2027-06-30T00:00:00Z"},'.length;
    const [bucketWithout, keyWithout] = sizes();
    expect(sizes(at(END))).toEqual([bucketWithout + condition, keyWithout + condition]);
  });
});

describe('SharedBucket organization grants with expires', () => {
  test.each([SharingMode.BUCKET_POLICY, SharingMode.ACCESS_POINTS])('%s: every statement of the grant carries the end', mode => {
    const stack = stackOf();
    new SharedBucket(stack, 'Shared', {
      bucketName: BUCKET_NAME,
      sharingMode: mode,
      organizationGrants: [{ organizationId: ORGANIZATION, roleName: 'Reader', expires: at(END) }, { organizationId: ORGANIZATION, sharedPrefix: 'ref/' }],
    });
    const json = Template.fromStack(stack).toJSON();
    const statements = Object.values<any>(json.Resources).flatMap(resource =>
      (resource.Properties?.PolicyDocument ?? resource.Properties?.KeyPolicy ?? resource.Properties?.Policy)?.Statement ?? []);
    const sidsEnding = statements.filter(statement => endsAt(statement, END)).map(statement => statement.Sid).sort();
    expect(sidsEnding).toEqual(mode === SharingMode.BUCKET_POLICY
      ? ['Organization1', 'Organization1Key']
      : ['Organization1Key', 'Organization1List', 'Organization1Objects']);
    expect(statements.filter(statement => statement.Sid?.startsWith('Organization2')).some(statement => statement.Condition?.DateLessThan)).toBe(false);
  });

  test('refused with the property path; warns when ended', () => {
    expect(() => new SharedBucket(stackOf(), 'Shared', {
      bucketName: BUCKET_NAME, organizationGrants: [{ organizationId: ORGANIZATION, expires: Expiration.atTimestamp(Date.UTC(2027, 0, 1) + 1) }],
    })).toThrow(/organizationGrants\[0\]\.expires is '2027-01-01T00:00:00\.001Z': expected a fixed time to the second/);
    const stack = stackOf();
    new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME, organizationGrants: [{ organizationId: ORGANIZATION, roleName: 'Reader', expires: inDays(-3) }] });
    expect(warningsOf(stack, 'grantExpired')).toEqual([expect.stringMatching(/^The organization grant 1 \(organization o-a1b2c3d4e5\) ended at/)]);
  });
});

describe('ThirdPartyAccessRole with expires', () => {
  function accessRole(expires: Expiration): Stack {
    const stack = stackOf();
    const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: BUCKET_NAME });
    new ThirdPartyAccessRole(stack, 'Vendor', {
      sharedBucket, thirdPartyAccountId: VENDOR, externalId: 'vendor-7f3a9c', roleName: 'VendorAccess', prefix: 'vendor/', expires,
    });
    return stack;
  }

  test('the trust policy and every statement of the role\'s own policy carry the end', () => {
    const stack = accessRole(at(END));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'vendor-7f3a9c' }, ...UNTIL_END },
        })],
      },
    });
    const role = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))[0];
    const statements = role.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements.map((statement: any) => [statement.Sid, endsAt(statement, END)])).toEqual([
      ['SharedBucketObjects', true], ['SharedBucketList', true], ['SharedBucketKey', true],
    ]);
  });

  test('refused beyond the year 9999', () => {
    expect(() => accessRole(Expiration.atTimestamp(Date.UTC(10000, 0, 1)))).toThrow(/ThirdPartyAccessRole 'Stack\/Vendor' has invalid props:\n {2}- expires is '\+010000-01-01T00:00:00\.000Z': expected a time from the year 0000 to 9999/);
  });

  test('refused with fractions of a second; warns when ending soon', () => {
    expect(() => accessRole(Expiration.atTimestamp(Date.UTC(2027, 0, 1) + 500))).toThrow(/ThirdPartyAccessRole 'Stack\/Vendor' has invalid props:\n {2}- expires is '2027-01-01T00:00:00\.500Z': expected a fixed time to the second/);
    const stack = accessRole(inDays(2));
    expect(warningsOf(stack, 'grantExpiresSoon')).toEqual([expect.stringMatching(/^The access of account 444444444444 through this role ends at \S+Z, in 2 days/)]);
  });
});

describe('ConsumerReader with expires', () => {
  test('every statement of the identity policy carries the end, direct or through the owner\'s role', () => {
    const stack = stackOf(CONSUMER);
    new ConsumerReader(stack, 'Direct', { bucketName: BUCKET_NAME, bucketOwnerAccountId: OWNER, prefix: 'a/', expires: at(END) });
    new ConsumerReader(stack, 'ThroughRole', {
      bucketName: BUCKET_NAME, bucketOwnerAccountId: OWNER, thirdPartyRoleArn: `arn:aws:iam::${OWNER}:role/VendorAccess`, expires: at(END),
    });
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const ends = policies.map(policy => policy.Properties.PolicyDocument.Statement.map((statement: any) => [statement.Sid, endsAt(statement, END)]));
    expect(ends).toEqual([
      [['SharedBucketObjects', true], ['SharedBucketList', true], ['SharedBucketKey', true]],
      [['AssumeThirdPartyAccessRole', true]],
    ]);
  });

  test('refused with fractions of a second; warns when ended', () => {
    expect(() => new ConsumerReader(stackOf(CONSUMER), 'Reader', {
      bucketName: BUCKET_NAME, bucketOwnerAccountId: OWNER, expires: Expiration.atTimestamp(Date.UTC(2027, 0, 1, 12, 0, 0, 7)),
    })).toThrow(/ConsumerReader 'Stack\/Reader' has invalid props:\n {2}- expires is '2027-01-01T12:00:00\.007Z'/);
    const stack = stackOf(CONSUMER);
    new ConsumerReader(stack, 'Reader', { bucketName: BUCKET_NAME, bucketOwnerAccountId: OWNER, expires: inDays(-10) });
    expect(warningsOf(stack, 'grantExpired')).toEqual([expect.stringMatching(/^The access of Stack\/Reader to bucket expiring-bucket ended at/)]);
  });
});

describe('OrganizationConsumers with expires', () => {
  function members(expires: Expiration): { stack: Stack; consumers: OrganizationConsumers } {
    const stack = new Stack(new App(), 'Management', { env: { account: '777777777777', region: REGION } });
    const consumers = new OrganizationConsumers(stack, 'Members', {
      bucketName: BUCKET_NAME, bucketOwnerAccountId: OWNER, bucketRegion: REGION, organizationalUnitIds: ['ou-ab12-cd34ef56'], roleName: 'Reader', expires,
    });
    return { stack, consumers };
  }

  test('the member template\'s identity policy carries the end', () => {
    const { consumers } = members(at(END));
    const template = JSON.parse(consumers.memberTemplateBody);
    const policy = Object.values<any>(template.Resources).find(resource => resource.Type === 'AWS::IAM::Policy');
    expect(policy.Properties.PolicyDocument.Statement.every((statement: any) => endsAt(statement, END))).toBe(true);
  });

  test('refused on the OrganizationConsumers itself; an ended one warns, through the member template', () => {
    expect(() => members(Expiration.atTimestamp(Date.UTC(2027, 0, 1) + 1)))
      .toThrow(/OrganizationConsumers 'Management\/Members' has invalid props:\n {2}- expires is '2027-01-01T00:00:00\.001Z'/);
    const { stack } = members(inDays(-1));
    expect(warningsOf(stack, 'grantExpired')).toEqual([expect.stringMatching(/^In the member template, \/Member\/Consumer: The access of Member\/Consumer to bucket expiring-bucket ended at/)]);
  });
});
