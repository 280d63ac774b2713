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
import { App, Expiration, Stack } from 'aws-cdk-lib';
import { parseAccessPointResource } from './access-point-arn';
import { PROOF_TIME } from './context';
import { roleArn } from './scenario';
import { dataRequests, evaluate, Outcome, Probe, s3Requests } from './sweep';
import { ALLOW_EVERYTHING, describeRequest, PolicyDocument, SimulatedRequest, World } from './world';
import {
  addExampleStacks, ANALYTICS_READER_ROLE, exampleSetup, INGEST_WRITER_ROLE, VENDOR_ACCESS_ROLE, VENDOR_INTEGRATION_ROLE,
} from '../../examples/stacks';
import { AccessLevel, SharedBucket, SharingMode } from '../../lib';
import { FoundRecord, readRecords } from '../../lib/cli/assembly';
import { explain } from '../../lib/cli/explain-grants';

/** What each principal is probed with: each action any level grants, and neighbours it must not reach. */
const ACTIONS = [
  's3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListBucket',
  's3:DeleteObjectVersion', 's3:GetObjectVersion', 's3:PutObjectAcl', 's3:GetBucketPolicy',
];

const folders: string[] = [];
afterAll(() => folders.forEach(folder => rmSync(folder, { recursive: true, force: true })));

/** An app synthesized into a temporary cloud assembly, and the records read back from it. */
function synthesized(build: (app: App) => void): FoundRecord[] {
  const outdir = mkdtempSync(join(tmpdir(), 'explain-agreement-'));
  folders.push(outdir);
  const app = new App({ outdir });
  build(app);
  app.synth();
  return readRecords(outdir);
}

test('explain\'s verdict is the evaluator\'s on the example stacks', async () => {
  const setup = exampleSetup();
  let stacks: ReturnType<typeof addExampleStacks> | undefined;
  const records = synthesized(app => {
    stacks = addExampleStacks(app, setup);
  });
  const { owner, consumer, thirdParty } = stacks!;
  const world = new World().addStack(owner).addStack(consumer).addStack(thirdParty);

  const outsider = world.addPrincipal('arn:aws:iam::444444444444:role/Outsider', ALLOW_EVERYTHING);
  const unnamedConsumerRole = world.addPrincipal(roleArn(setup.consumerAccountId, 'NotNamedInAnyGrant'), ALLOW_EVERYTHING);
  const principals: Probed = [
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

  const { disagreements, verdicts } = await compare(world, records, principals, probe);
  expect(disagreements).toEqual([]);
  // Not vacuous: each consumer role and the vendor's access role are allowed something, and most is denied.
  expect(verdicts.allowed).toBe(
    2 /* analytics: GetObject, ListBucket analytics/ */
    + 3 /* ingest: PutObject, AbortMultipartUpload, DeleteObject */
    + 2 /* vendor access: GetObject, ListBucket vendor-exports/ */);
  expect(verdicts.denied).toBeGreaterThan(300);
}, 120_000);

const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const GRANTED_OU = `${ORGANIZATION_ID}/r-ab12/ou-ab12-11111111/`;
const GRANT_END = '2027-01-01T00:00:00Z';

test('explain\'s verdict is the evaluator\'s with access points, an expiring grant and an organization grant, before and after the end', async () => {
  const owner = '111111111111';
  const consumer = '222222222222';
  const [member, memberBelow, otherUnit, outsideOrganization] = ['555555555555', '566666666666', '577777777777', '588888888888'];
  const bucketName = 'explain-agreement-access-points';
  let stack: Stack | undefined;
  const records = synthesized(app => {
    stack = new Stack(app, 'AccessPointOwner', { env: { account: owner, region: 'eu-west-1' } });
    new SharedBucket(stack, 'Shared', {
      bucketName,
      sharingMode: SharingMode.ACCESS_POINTS,
      consumers: [
        { accountId: consumer, prefix: 'expiring/', access: AccessLevel.READ_WRITE, expires: Expiration.atDate(new Date(GRANT_END)) },
        { accountId: consumer, prefix: 'reports/', principalArns: [roleArn(consumer, 'Reporter')] },
      ],
      organizationGrants: [{ organizationId: ORGANIZATION_ID, organizationalUnitPaths: [GRANTED_OU], roleName: 'MemberReader' }],
    });
  });
  const organizations = Object.fromEntries([member, memberBelow, otherUnit].map(account => [account, ORGANIZATION_ID]));
  const world = new World({
    organizations,
    organizationPaths: {
      [member]: GRANTED_OU,
      [memberBelow]: `${GRANTED_OU}ou-ab12-22222222/`,
      [otherUnit]: `${ORGANIZATION_ID}/r-ab12/ou-ab12-33333333/`,
    },
  }).addStack(stack!);
  const inGrantedUnit = (account: string) => account === member || account === memberBelow;
  const principals: Probed = [
    roleArn(consumer, 'Reporter'), roleArn(consumer, 'Other'),
    ...[member, memberBelow, otherUnit, outsideOrganization].map(account => roleArn(account, 'MemberReader')),
    roleArn(member, 'NotTheMemberRole'),
  ].map(arn => [world.addPrincipal(arn, ALLOW_EVERYTHING), undefined]);
  const probe: Probe = {
    bucketName,
    objectKeys: ['expiring/a.csv', 'reports/a.csv', 'reports-old/a.csv', `${member}/a.csv`, `${memberBelow}/a.csv`, `${otherUnit}/a.csv`, 'top.csv'],
    listPrefixes: ['', 'expiring/', 'reports/', `${member}/`, `${otherUnit}/`],
    s3Actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket', 's3:DeleteObjectVersion'],
    variants: false,
    accessPointArns: [...world.accessPoints.keys()],
  };
  expect(probe.accessPointArns).toHaveLength(3);

  const { disagreements, verdicts } = await compare(world, records, principals, probe, inGrantedUnit, [PROOF_TIME, GRANT_END]);
  expect(disagreements).toEqual([]);
  expect(verdicts.allowed).toBe(
    2 * 3 /* the expiring grant (any principal of the consumer account) before its end: GetObject, PutObject, ListBucket expiring/ through its access point */
    + 4 /* the reporter, at both times: GetObject, ListBucket reports/ through its access point */
    + 2 * 2 * 1 /* the two members of the granted OU, at both times: GetObject of their own prefix through the organization's access point */
    + 2 /* the member at both times: ListBucket of its own prefix */);
}, 120_000);

/** [principal, the identity to evaluate it with: undefined for its deployed (or declared) policies] */
type Probed = Array<[string, PolicyDocument[] | undefined]>;

/**
 * Each request of the probe for each principal (at each time), decided by explain from the
 * records and by the evaluator: the requests they disagree on. `isMember` answers, for a verdict
 * that explain gives provided organization membership, what the world says of the account.
 */
async function compare(
  world: World, records: FoundRecord[], principals: Probed, probe: Probe,
  isMember: (account: string) => boolean = () => false, times: string[] = [PROOF_TIME],
): Promise<{ disagreements: string[]; verdicts: { allowed: number; denied: number } }> {
  const disagreements: string[] = [];
  const verdicts = { allowed: 0, denied: 0 };
  for (const currentTime of times) {
    for (const [principal, identity] of principals) {
      const timed = { ...probe, currentTime };
      const s3 = await evaluate(world, await s3Requests(world, principal, timed), () => false, { identity });
      const endToEnd = new Map((await dataRequests(world, s3, [], () => false, { identity }))
        .map(outcome => [requestKey({ ...outcome.request, action: outcome.request.action.split('+')[0] }), outcome]));
      for (const outcome of s3) {
        const evaluator: Outcome = endToEnd.get(requestKey(outcome.request)) ?? outcome;
        const explanation = explain(records, {
          principal,
          action: outcome.request.action,
          ...whereOf(outcome.request, world.bucket(probe.bucketName).arn),
          bucket: probe.bucketName,
          at: new Date(currentTime),
        });
        const allowed = explanation.allowed && (explanation.provided.length === 0 || isMember(principal.split(':')[4]));
        verdicts[allowed ? 'allowed' : 'denied']++;
        if (allowed !== evaluator.allowed) {
          disagreements.push(`${describeRequest(outcome.request)}: explain says ${allowed ? 'allowed' : 'denied'} ` +
            `(${explanation.allowed ? [explanation.grant?.summary, ...explanation.provided].join('; ')
              : [...explanation.reasons, ...explanation.misses.flatMap(miss => miss.reasons)].join('; ')}), ` +
            `the evaluator ${evaluator.allowed ? 'allowed' : 'denied'} (${evaluator.explain()})`);
        }
      }
    }
  }
  return { disagreements, verdicts };
}

function requestKey(request: SimulatedRequest): string {
  const options = request.options ?? {};
  return JSON.stringify([request.principal, request.action, request.resource, options.listPrefix ?? null, options.currentTime ?? null]);
}

/**
 * What explain takes for the request's resource: --key (the object's key, or the prefix listed:
 * '' for a listing without one, or a bucket action), and --access-point for a request through one.
 */
function whereOf(request: SimulatedRequest, bucketArn: string): { key: string; accessPoint?: string } {
  const throughAccessPoint = parseAccessPointResource(request.resource);
  if (throughAccessPoint !== undefined) {
    return { key: throughAccessPoint.objectKey ?? request.options?.listPrefix ?? '', accessPoint: throughAccessPoint.accessPointArn };
  }
  if (request.resource === bucketArn) {
    return { key: request.options?.listPrefix ?? '' };
  }
  if (!request.resource.startsWith(`${bucketArn}/`)) {
    throw new Error(`${request.resource} is not in bucket ${bucketArn}`);
  }
  return { key: request.resource.slice(bucketArn.length + 1) };
}
