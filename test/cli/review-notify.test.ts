/**
 * `cdk-cross-account-bucket review` and notifications: who is notified, a consumer that expects
 * notifications its grant does not send, and notify turned on as a change that grows what a
 * consumer learns. The compiled CLI (build/cli/main.js, `npx projen compile`) is spawned on cloud
 * assemblies synthesized here.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { Stack } from 'aws-cdk-lib';
import { ConsumerGrant, ConsumerReader, SharedBucket } from '../../lib';
import { notificationRuleName } from '../../lib/model/notifications';
import { AssemblyWorkspace } from '../assemblies';

jest.setTimeout(120_000);

const CLI = join(__dirname, '..', '..', 'build', 'cli', 'main.js');
const OWNER = '111111111111';
const CONSUMER = '222222222222';
const REGION = 'eu-west-1';
const BUCKET = 'review-notified-data';
const GRANT: ConsumerGrant = { accountId: CONSUMER, prefix: 'analytics/', principalArns: [`arn:aws:iam::${CONSUMER}:role/AnalyticsReader`] };
const RULE = notificationRuleName(BUCKET, CONSUMER);

const assemblies = new AssemblyWorkspace('cli-review-notify');
const workspace = assemblies.folder;
const synthesize = assemblies.synthesize;

function owner(grant: ConsumerGrant): string {
  return synthesize(app => new SharedBucket(new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } }), 'Shared', {
    bucketName: BUCKET, consumers: [grant],
  }));
}

function consumer(): string {
  return synthesize(app => new ConsumerReader(new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } }), 'AnalyticsReader', {
    bucketName: BUCKET, bucketOwnerAccountId: OWNER, bucketRegion: REGION, prefix: 'analytics/', roleName: 'AnalyticsReader', receiveNotifications: true,
  }));
}

function review(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, 'review', ...args], { encoding: 'utf8', cwd: workspace });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: compile the CLI first (npx projen compile)`);
  }
});

const NOTIFIED_LINE = `notified: ${CONSUMER}, prefix analytics/: Object Created and Object Deleted events to its default event bus in ${REGION}, by rule ${RULE}`;

test('the table, the markdown and the JSON say who is notified; a consumer that receives them is covered: exit 0', () => {
  const ownerAssembly = owner({ ...GRANT, notify: true });
  const consumerAssembly = consumer();
  const run = review(ownerAssembly, consumerAssembly);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain(`\n  ${NOTIFIED_LINE}\n`);
  expect(review(ownerAssembly, '--markdown').stdout).toContain(`\n- ${NOTIFIED_LINE}\n`);
  const json = JSON.parse(review(ownerAssembly, consumerAssembly, '--json').stdout);
  expect(json.buckets[0].grants[0].notifications).toEqual({ region: REGION, ruleName: RULE });
});

test('without notify no line is printed, and a consumer that expects notifications is a finding though the policies allow its access: exit 1', () => {
  const ownerAssembly = owner(GRANT);
  const run = review(ownerAssembly, consumer());
  expect(run.stdout).not.toContain('notified:');
  expect(run.status).toBe(1);
  expect(run.stdout).toContain('differs in notifications: the consumer expects them (receiveNotifications), the grant sends none; ' +
    'set notify: true on the grant, or remove receiveNotifications from the ConsumerReader');
  expect(JSON.parse(review(ownerAssembly, '--json').stdout).buckets[0].grants[0]).not.toHaveProperty('notifications');
});

test('--against: turning notify on is a change that grows what the consumer learns, though no policy allows more: exit 1', () => {
  const before = owner(GRANT);
  const after = owner({ ...GRANT, notify: true });
  const run = review(after, '--against', before);
  expect(run.stdout.trimEnd().split('\n')).toEqual([
    `~ ${BUCKET}: ${CONSUMER} via bucket policy, prefix analytics/: notified no -> yes (${REGION}) (grows)  [grows access]`,
    '1 change, 1 grows access.',
    '',
    `New notifications from ${BUCKET}: ${CONSUMER} is sent the keys of new and deleted objects under analytics/`,
  ]);
  expect(run.status).toBe(1);
  const json = JSON.parse(review(after, '--against', before, '--json').stdout);
  expect(json.growsAccess).toBe(true);
  expect(json.newAccess).toEqual([]);
  expect(json.newNotifications).toEqual([
    expect.objectContaining({ bucketName: BUCKET, accountId: CONSUMER, notifications: { region: REGION, ruleName: RULE } }),
  ]);
  // The other way round, notify turned off: nothing grows.
  expect(review(before, '--against', after).status).toBe(0);
});
