/**
 * `explain` agrees with the evaluator: for every principal of the example app, and an outsider,
 * each action the library grants and its dangerous neighbours, on keys and list prefixes inside
 * and outside each shared prefix, explain's verdict (from the records in the synthesized cloud
 * assembly) is what the owner's policies allow (the evaluator, on the synthesized templates).
 *
 * "The owner's policies": a principal of another account is evaluated allowing itself everything,
 * so that only the bucket and key policies decide; the owner's third-party role with its own
 * policy, which the library writes. SSE-KMS requests count as allowed only when the KMS requests
 * S3 then makes are allowed too (dataRequests).
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { PROOF_TIME } from './context';
import { roleArn } from './scenario';
import { dataRequests, evaluate, Outcome, Probe, s3Requests } from './sweep';
import { ALLOW_EVERYTHING, describeRequest, SimulatedRequest, World } from './world';
import {
  addExampleStacks, ANALYTICS_READER_ROLE, exampleSetup, INGEST_WRITER_ROLE, VENDOR_ACCESS_ROLE, VENDOR_INTEGRATION_ROLE,
} from '../../examples/stacks';
import { readRecords } from '../../lib/cli/assembly';
import { explain } from '../../lib/cli/explain';

/** What each principal is probed with: each action any level grants, and neighbours it must not reach. */
const ACTIONS = [
  's3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListBucket',
  's3:DeleteObjectVersion', 's3:GetObjectVersion', 's3:PutObjectAcl', 's3:GetBucketPolicy',
];

let outdir: string;
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('explain\'s verdict is the evaluator\'s on the example stacks', async () => {
  const setup = exampleSetup();
  outdir = mkdtempSync(join(tmpdir(), 'explain-agreement-'));
  const app = new App({ outdir });
  const { owner, consumer, thirdParty } = addExampleStacks(app, setup);
  app.synth();
  const records = readRecords(outdir);
  const world = new World().addStack(owner).addStack(consumer).addStack(thirdParty);

  const outsider = world.addPrincipal('arn:aws:iam::444444444444:role/Outsider', ALLOW_EVERYTHING);
  const unnamedConsumerRole = world.addPrincipal(roleArn(setup.consumerAccountId, 'NotNamedInAnyGrant'), ALLOW_EVERYTHING);
  // [principal, identity to evaluate it with: undefined for its deployed policies]
  const principals: Array<[string, typeof ALLOW_EVERYTHING[] | undefined]> = [
    [roleArn(setup.consumerAccountId, ANALYTICS_READER_ROLE), [ALLOW_EVERYTHING]],
    [roleArn(setup.consumerAccountId, INGEST_WRITER_ROLE), [ALLOW_EVERYTHING]],
    [unnamedConsumerRole, undefined],
    [roleArn(setup.ownerAccountId, VENDOR_ACCESS_ROLE), undefined],
    [roleArn(setup.thirdPartyAccountId, VENDOR_INTEGRATION_ROLE), [ALLOW_EVERYTHING]],
    [outsider, undefined],
  ];
  const probe: Probe = {
    bucketName: setup.bucketName,
    objectKeys: ['analytics/report.csv', 'analytics-archive/report.csv', 'ingest/report.csv', 'vendor-exports/report.csv',
      'VENDOR-EXPORTS/report.csv', 'top-level.csv', 'unshared/secret.csv'],
    listPrefixes: [undefined, '', 'analytics/', 'analytics', 'ingest/', 'vendor-exports/', 'unshared/'],
    s3Actions: ACTIONS,
    variants: false,
  };

  const disagreements: string[] = [];
  const verdicts = { allowed: 0, denied: 0 };
  for (const [principal, identity] of principals) {
    const s3 = await evaluate(world, await s3Requests(world, principal, probe), () => false, { identity });
    const endToEnd = new Map((await dataRequests(world, s3, [], () => false, { identity }))
      .map(outcome => [requestKey({ ...outcome.request, action: outcome.request.action.split('+')[0] }), outcome]));
    for (const outcome of s3) {
      const evaluator: Outcome = endToEnd.get(requestKey(outcome.request)) ?? outcome;
      const explanation = explain(records, {
        principal,
        action: outcome.request.action,
        key: keyOf(outcome.request, setup.bucketName),
        at: new Date(PROOF_TIME),
      });
      verdicts[explanation.allowed ? 'allowed' : 'denied']++;
      if (explanation.allowed !== evaluator.allowed) {
        disagreements.push(`${describeRequest(outcome.request)}: explain says ${explanation.allowed ? 'allowed' : 'denied'} ` +
          `(${explanation.allowed ? explanation.grant?.summary : [...explanation.reasons, ...explanation.misses.flatMap(miss => miss.reasons)].join('; ')}), ` +
          `the evaluator ${evaluator.allowed ? 'allowed' : 'denied'} (${evaluator.explain()})`);
      }
    }
  }
  expect(disagreements).toEqual([]);
  // Not vacuous: each consumer role and the vendor's access role are allowed something, and most is denied.
  expect(verdicts.allowed).toBe(
    2 /* analytics: GetObject, ListBucket analytics/ */
    + 3 /* ingest: PutObject, AbortMultipartUpload, DeleteObject */
    + 2 /* vendor access: GetObject, ListBucket vendor-exports/ */);
  expect(verdicts.denied).toBeGreaterThan(300);
}, 120_000);

function requestKey(request: SimulatedRequest): string {
  return JSON.stringify([request.principal, request.action, request.resource, request.options?.listPrefix ?? null]);
}

/** What explain takes as --key: the object's key, or the prefix listed ('' for a listing without one or a bucket action). */
function keyOf(request: SimulatedRequest, bucketName: string): string {
  const bucketArn = `arn:aws:s3:::${bucketName}`;
  if (request.resource === bucketArn) {
    return request.options?.listPrefix ?? '';
  }
  if (!request.resource.startsWith(`${bucketArn}/`)) {
    throw new Error(`${request.resource} is not in bucket ${bucketName}`);
  }
  return request.resource.slice(bucketArn.length + 1);
}
