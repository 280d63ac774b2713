/**
 * `review` across assemblies matches a SharedBucket's replicateTo target with the partner's
 * ReplicaBucket (lib/cli/replication-review.ts), with the rules of the synth-time check, and the
 * policy analysis explains the owner's replication role on the partner's bucket by the
 * ReplicaBucket's record.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ReplicaBucket, SharedBucket } from '../../lib';

const CLI = join(__dirname, '..', '..', 'build', 'cli', 'main.js');
const OWNER = '111111111111';
const PARTNER = '444444444444';
const KEY = `arn:aws:kms:eu-central-1:${PARTNER}:key/11111111-2222-3333-4444-555555555555`;
const folders: string[] = [];
afterAll(() => folders.forEach(folder => rmSync(folder, { recursive: true, force: true })));

/** The owner's app and the partner's app, each synthesized into a folder of its own. */
function assemblies(partnerRoleName: string): [string, string] {
  const [ownerDir, partnerDir] = ['owner', 'partner'].map(name => mkdtempSync(join(tmpdir(), `review-replication-${name}-`)));
  folders.push(ownerDir, partnerDir);
  const ownerApp = new App({ outdir: ownerDir });
  new SharedBucket(new Stack(ownerApp, 'Owner', { env: { account: OWNER, region: 'eu-west-1' } }), 'Shared', {
    bucketName: 'owner-shared',
    replicationRoleName: 'SharedDataReplication',
    replicateTo: [{ accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'data/' }],
  });
  ownerApp.synth();
  const partnerApp = new App({ outdir: partnerDir });
  new ReplicaBucket(new Stack(partnerApp, 'Partner', { env: { account: PARTNER, region: 'eu-central-1' } }), 'Replica', {
    bucketName: 'partner-replica', sourceAccountId: OWNER, sourceBucketName: 'owner-shared', replicationRoleName: partnerRoleName, prefix: 'data/',
  });
  partnerApp.synth();
  return [ownerDir, partnerDir];
}

function review(directories: string[]): { status: number | null; json: any } {
  const run = spawnSync(process.execPath, [CLI, 'review', ...directories, '--json'], { encoding: 'utf8' });
  return { status: run.status, json: JSON.parse(run.stdout) };
}

test('agreeing sides: no finding, and the role\'s access to the partner\'s bucket is explained by the ReplicaBucket', () => {
  const { status, json } = review(assemblies('SharedDataReplication'));
  expect(json.findings).toEqual([]);
  expect(json.unchecked).toEqual([]);
  expect(json.unexplained).toEqual([]);
  expect(status).toBe(0);
  expect(json.buckets.map((bucket: any) => bucket.replication)).toEqual([{
    roleArn: `arn:aws:iam::${OWNER}:role/SharedDataReplication`,
    targets: [{ accountId: PARTNER, bucketName: 'partner-replica', keyArn: KEY, prefix: 'data/', storageClass: null }],
  }]);
  const partner = json.access.find((bucket: any) => bucket.bucketName === 'partner-replica');
  expect(partner.access.map((access: any) => [access.principal, access.actions, access.recordedGrant])).toEqual([[
    `arn:aws:iam::${OWNER}:role/SharedDataReplication`,
    ['s3:ObjectOwnerOverrideToBucketOwner', 's3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
    'yes',
  ]]);
}, 120_000);

test('a role name that differs: a finding naming both sides and the change, exit 1', () => {
  const { status, json } = review(assemblies('OtherName'));
  expect(json.findings.map((finding: any) => [finding.consumer.kind, finding.owner.kind, finding.message])).toEqual([[
    'ReplicaBucket', 'SharedBucket',
    'ReplicaBucket Partner/Replica and the replication of SharedBucket Owner/Shared into it differ in the role: the SharedBucket\'s replication role ' +
    "is 'SharedDataReplication', the ReplicaBucket lets in 'OtherName'; set replicationRoleName: 'SharedDataReplication' on the ReplicaBucket.",
  ]]);
  expect(status).toBe(1);
}, 120_000);

test('the review table says what each bucket replicates where', () => {
  const run = spawnSync(process.execPath, [CLI, 'review', ...assemblies('SharedDataReplication')], { encoding: 'utf8' });
  expect(run.stdout.split('\n')).toContain(`  replicates data/ to bucket partner-replica (account ${PARTNER}), key ${KEY}, ` +
    `role arn:aws:iam::${OWNER}:role/SharedDataReplication`);
}, 120_000);

test('the partner\'s assembly alone: not checked, with the reason', () => {
  const [, partnerDir] = assemblies('SharedDataReplication');
  const { json } = review([partnerDir]);
  expect(json.unchecked.map((item: any) => item.reason)).toEqual([
    'no SharedBucket named owner-shared (account 111111111111) is in the assemblies given',
  ]);
}, 120_000);
