import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { ConsumerReader, OrganizationConsumers, SharedBucket, ThirdPartyAccessRole } from '../lib';
import { PropsValidator } from '../lib/private/validation';

// A validation error's stack trace must start where the user wrote the props: the package
// ships compiled files only, so a frame inside the library points at nothing the user can fix.

const OWNER = '111111111111';
const LIBRARY = path.resolve(__dirname, '..', 'lib') + path.sep;

function ownerStack(): Stack {
  return new Stack(new App(), 'Owner', { env: { account: OWNER, region: 'eu-west-1' } });
}

/** The file of each `at` frame of the error `build` throws, in order. */
function frameFiles(build: () => void): string[] {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(Error);
  const stack = (thrown as Error).stack ?? '';
  expect(stack).toContain('has invalid props');
  return stack.split('\n')
    .filter(line => /^\s+at /.test(line))
    // `at f (/path/file.ts:1:2)` or `at /path/file.ts:1:2`
    .map(line => /\(?([^\s()]+):\d+:\d+\)?$/.exec(line)?.[1] ?? line);
}

function expectStartsHere(build: () => void): void {
  const files = frameFiles(build);
  expect(files[0]).toBe(__filename);
  expect(files.filter(file => file.startsWith(LIBRARY))).toEqual([]);
}

test('new SharedBucket with bad props: the stack trace starts in the caller', () => {
  expectStartsHere(() => new SharedBucket(ownerStack(), 'Shared', { bucketName: 'Not_A_Bucket' }));
});

test('SharedBucket.addConsumer with a bad grant: the stack trace starts in the caller', () => {
  const shared = new SharedBucket(ownerStack(), 'Shared');
  expectStartsHere(() => shared.addConsumer({ accountId: '2222', prefix: 'data' }));
});

test('new ThirdPartyAccessRole with bad props: the stack trace starts in the caller', () => {
  const shared = new SharedBucket(ownerStack(), 'Shared');
  expectStartsHere(() => new ThirdPartyAccessRole(shared, 'Vendor', {
    sharedBucket: shared,
    thirdPartyAccountId: '333',
    externalId: 'x',
  }));
});

test('new ConsumerReader with bad props: the stack trace starts in the caller', () => {
  expectStartsHere(() => new ConsumerReader(ownerStack(), 'Reader', { bucketName: 'shared', bucketOwnerAccountId: 'owner' }));
});

test('new OrganizationConsumers with bad props: the stack trace starts in the caller', () => {
  expectStartsHere(() => new OrganizationConsumers(ownerStack(), 'Members', {
    bucketName: 'shared',
    bucketOwnerAccountId: OWNER,
    bucketRegion: 'eu-west-1',
    organizationalUnitIds: ['o-notanou'],
    roleName: 'Reader',
  }));
});

test("a subclass's constructor is the caller's code: its frame comes first", () => {
  class TeamBucket extends SharedBucket {
    constructor(scope: Construct, id: string) {
      super(scope, id, { minimumTlsVersion: 0.9 });
    }
  }
  const files = frameFiles(() => new TeamBucket(ownerStack(), 'Team'));
  expect(files[0]).toBe(__filename);
  expect(files.filter(file => file.startsWith(LIBRARY))).toEqual([]);
});

test('a validator whose calledThrough is not on the stack keeps the whole stack trace', () => {
  const scope = new Construct(ownerStack(), 'Scope');
  const validator = new PropsValidator(scope, 'Scope', function notOnTheStack() {});
  validator.fail('prop', 'value', 'something else');
  const files = frameFiles(() => validator.throwIfInvalid());
  expect(files[0]).toBe(path.join(LIBRARY, 'private', 'validation.ts'));
  expect(files).toContain(__filename);
});

describe("a warning's trace, called through jsii with host stack traces (JSII_HOST_STACK_TRACES=1)", () => {
  // What the jsii kernel holds while it runs a call from Python (jsii 1.136.0 or later): the
  // Python stack, most recent frame first, the first being the runtime's own call into the kernel.
  const HOST_TRACE = Symbol.for('jsii.context.hostStackTrace');
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[HOST_TRACE];
  });

  function grantToWholeAccountTrace(): string[] {
    const stack = ownerStack();
    new SharedBucket(stack, 'Shared', { consumers: [{ accountId: '222222222222', prefix: 'analytics/' }] });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-cross-account-bucket:grantToWholeAccount'));
    expect(warnings).toHaveLength(1);
    return warnings[0].entry.trace ?? [];
  }

  test('ends with the Python frames, without the runtime\'s own call into the kernel', () => {
    (globalThis as Record<symbol, unknown>)[HOST_TRACE] = [
      ['/venv/lib/python3.11/site-packages/cdk_cross_account_bucket/__init__.py', 900, 0, '__init__'],
      ['/home/user/app/owner_stack.py', 42, 0, 'OwnerStack.__init__'],
      ['/home/user/app/app.py', 12, 0, '<module>'],
    ];
    const trace = grantToWholeAccountTrace();
    expect(trace.slice(-2)).toEqual([
      'OwnerStack.__init__ (/home/user/app/owner_stack.py:42)',
      '<module> (/home/user/app/app.py:12)',
    ]);
    expect(trace.filter(frame => frame.includes('.py:'))).toHaveLength(2);
  });

  test('without a host trace (TypeScript, or the variable unset) the trace is the JavaScript one, which reaches the caller', () => {
    const trace = grantToWholeAccountTrace();
    expect(trace.some(frame => frame.includes(__filename))).toBe(true);
    expect(trace.some(frame => frame.includes('.py:'))).toBe(false);
  });
});
