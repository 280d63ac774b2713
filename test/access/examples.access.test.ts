/**
 * The README's example (examples/stacks.ts), proved: the analytics role reads analytics/, the
 * ingestion role writes and deletes in ingest/, the vendor assumes the owner's role with its
 * external id and then reads vendor-exports/. Nobody reaches anything else: on the sweep of
 * iam-simulate, and for every request (the complete proof, complete.ts).
 */
import { App } from 'aws-cdk-lib';
import { isPrincipal, proveComplete } from './complete';
import { intends, Level, Reach, trustIntends } from './intent';
import { canonicalReaches, recordedOwnerReaches, recordedRoleReaches } from './recorded-intent';
import { roleArn, Share } from './scenario';
import { assumeRoleRequests, dataRequests, evaluate, expectExactly, kmsRequests, probeFor, s3Requests } from './sweep';
import { ALLOW_EVERYTHING, deployedKeyArn, World } from './world';
import {
  addExampleStacks, ANALYTICS_READER_ROLE, exampleSetup, INGEST_WRITER_ROLE, VENDOR_ACCESS_ROLE, VENDOR_INTEGRATION_ROLE,
} from '../../examples/stacks';
import { readRecords } from '../../lib/cli/assembly';

test.each([
  ['name no key (as written before the owner deployed)', false],
  ['name the owner key ARN (SHARED_BUCKET_KEY_ARN)', true],
])('the example stacks allow exactly what the README says; the consumer roles %s', async (_, namesKey) => {
  // The ARN this harness deploys the owner's key with, for the consumer to name when it does.
  const keyArn = deployedKeyArn(addExampleStacks(new App(), exampleSetup()).owner.sharedBucket.encryptionKey);
  const setup = exampleSetup(namesKey ? { SHARED_BUCKET_KEY_ARN: keyArn } : {});
  const app = new App();
  const { owner, consumer, thirdParty } = addExampleStacks(app, setup);
  const world = new World().addStack(owner).addStack(consumer).addStack(thirdParty);

  const reach = (prefix: string, level: Level, allowDelete: boolean = false): Reach => ({
    bucketArn: `arn:aws:s3:::${setup.bucketName}`, prefix, level, allowDelete, keyArn, region: setup.region, minimumTlsVersion: 1.2,
  });
  const vendorAccess = roleArn(setup.ownerAccountId, VENDOR_ACCESS_ROLE);
  const vendor = roleArn(setup.thirdPartyAccountId, VENDOR_INTEGRATION_ROLE);
  const expected: Array<[string, Reach[]]> = [
    [roleArn(setup.consumerAccountId, ANALYTICS_READER_ROLE), [reach('analytics/', 'read')]],
    [roleArn(setup.consumerAccountId, INGEST_WRITER_ROLE), [reach('ingest/', 'write', true)]],
    [vendorAccess, [reach('vendor-exports/', 'read')]],
    [vendor, []],
  ];
  // The review record says the same (recorded-intent.ts): what the evaluator allows below is what the CLI reports.
  const recorded = { records: readRecords(app.synth().directory), bucketArn: `arn:aws:s3:::${setup.bucketName}`, keyArn, config: {} };
  for (const [principal, reaches] of expected) {
    const fromRecord = principal === vendorAccess ? recordedRoleReaches(recorded, principal) : recordedOwnerReaches(recorded, principal);
    expect(canonicalReaches(fromRecord)).toEqual(canonicalReaches(reaches));
  }
  const probe = probeFor(setup.bucketName, ['analytics/', 'ingest/', 'vendor-exports/']);
  const allowedActions: Record<string, string[]> = {};
  for (const [principal, reaches] of expected) {
    const intended = (request: any) => intends(reaches, request);
    const s3 = await evaluate(world, await s3Requests(world, principal, probe), intended);
    const kms = await evaluate(world, await kmsRequests(world, principal, probe), intended);
    expectExactly(s3, `S3 for ${principal}`);
    expectExactly(kms, `KMS for ${principal}`);
    expectExactly(await dataRequests(world, s3, kms, intended), `data requests for ${principal}`);
    allowedActions[principal.split('/')[1]] = [...new Set(s3.filter(outcome => outcome.allowed).map(outcome => outcome.request.action))].sort();
  }
  expect(allowedActions).toEqual({
    [ANALYTICS_READER_ROLE]: ['s3:GetObject', 's3:ListBucket'],
    [INGEST_WRITER_ROLE]: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'],
    [VENDOR_ACCESS_ROLE]: ['s3:GetObject', 's3:ListBucket'],
    [VENDOR_INTEGRATION_ROLE]: [],
  });

  // The vendor, as deployed and allowing itself everything, assumes the role only with its external id.
  const trust = {
    roleArn: vendorAccess, trustedAccount: setup.thirdPartyAccountId, principalArns: [vendor], externalId: setup.externalId, requireMfa: false,
  };
  const requests = assumeRoleRequests(vendor, vendorAccess, setup.externalId);
  expectExactly(await evaluate(world, requests, request => trustIntends(trust, request)), 'the vendor assuming the access role');
  expectExactly(await evaluate(world, requests, request => trustIntends(trust, request), { identity: [ALLOW_EVERYTHING] }),
    'the vendor, allowing itself everything, assuming the access role');

  // Every request, not a sample (complete.ts): any principal of any account, allowing itself
  // everything or as deployed, reaches exactly the reaches above, and assumes the role as above.
  const consumers = expected.filter(([principal]) => principal !== vendorAccess && principal !== vendor);
  const share = { world, keyArn, probe: { bucketName: setup.bucketName, objectKeys: [], listPrefixes: [] } } as unknown as Share;
  const proof = await proveComplete(share, {
    accounts: [setup.ownerAccountId, setup.consumerAccountId, setup.thirdPartyAccountId],
    ownerAccount: setup.ownerAccountId,
    ownerSideAccounts: [setup.ownerAccountId],
    ownerRoles: [{ arn: vendorAccess, reaches: expected.find(([principal]) => principal === vendorAccess)![1] }],
    deployed: new Map(expected.filter(([principal]) => principal !== vendorAccess)),
    trusts: [trust],
    owner: model => consumers.flatMap(([principal, reaches]) => reaches.map(item => ({ who: isPrincipal(model, principal), reach: item }))),
  });
  expect(proof.questions).toBe(12);
}, 120_000);
