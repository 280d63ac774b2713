import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
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
