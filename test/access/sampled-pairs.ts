/**
 * SharingMode.ACCESS_POINTS at scale, on sampled (principal, access point) pairs: a thousand
 * consumers (access-points.access.test.ts, which also proves every pair: complete.ts) and ten
 * thousand with organizationId (ten-thousand-consumers.access.test.ts, a file of its own so that
 * jest runs it beside the others).
 */
import { intends } from './intent';
import { BUCKET_NAME, deployShare, OUTSIDER, OUTSIDER_ACCESS_POINT, ownerReaches, roleArn, Share } from './scenario';
import { dataRequests, evaluate, expectExactly, kmsRequests, Outcome, probeFor, s3Requests } from './sweep';
import { ALLOW_EVERYTHING, SimulatedRequest } from './world';
import { AccessLevel, SharingMode } from '../../lib';

export const THOUSAND = 1000;
export const TEN_THOUSAND = 10_000;
const fiveDigits = (number: number) => String(number).padStart(5, '0');
/** A distinct account per consumer, as in examples/many-consumers.ts. */
const accountOf = (number: number) => `2${String(number).padStart(11, '0')}`;
const prefixOf = (number: number) => `consumer-${fiveDigits(number)}/`;

/**
 * Sampled (principal, access point) pairs, 1-based: first and last, neighbours, both sides of
 * the nested-stack boundaries (400 access points each), prefixes whose digits nest (1, 10, 100),
 * and each consumer of a pair through its own access point too.
 */
export const THOUSAND_PAIRS: Array<[number, number]> = [
  [1, 1], [1, 2], [2, 1], [2, 2], [1, THOUSAND], [THOUSAND, 1], [THOUSAND, THOUSAND], [999, THOUSAND], [THOUSAND, 999],
  [1, 10], [10, 100], [100, 1], [400, 401], [401, 400], [401, 401], [800, 801], [801, 801], [500, 500], [733, 734], [734, 733],
];
export const TEN_THOUSAND_PAIRS: Array<[number, number]> = [
  [1, 1], [1, TEN_THOUSAND], [TEN_THOUSAND, 1], [TEN_THOUSAND, TEN_THOUSAND], [9_999, TEN_THOUSAND], [TEN_THOUSAND, 9_999],
  [1, 10], [10, 100], [100, 1_000], [1_000, 10_000], [4_000, 4_001], [4_001, 4_001], [9_600, 9_601], [9_601, 9_601], [5_000, 5_000],
];

/** `count` consumers, each its own account, prefix and named role (`Reader`), reading through its own access point. */
export function deployManyConsumers(count: number, organizationId?: string): Share {
  const accounts = Array.from({ length: count }, (_, index) => accountOf(index + 1));
  return deployShare({
    sharingMode: SharingMode.ACCESS_POINTS,
    deployConsumers: false,
    leanProbe: true,
    organizationId,
    organizationAccounts: organizationId === undefined ? undefined : accounts,
    grants: accounts.map((accountId, index) => ({ accountId, prefix: prefixOf(index + 1), access: AccessLevel.READ, roleNames: ['Reader'] })),
  });
}

/**
 * Principal i (consumer i's role, allowing itself everything) through access point j, on the
 * lean sweep: intended only when i = j. Also a role of consumer 1's account the grant does not
 * name, and the outsider through consumer 1's access point and its own.
 */
export async function proveSampledPairs(count: number, pairs: Array<[number, number]>, organizationId?: string): Promise<void> {
  const share = deployManyConsumers(count, organizationId);
  const { world } = share;
  expect(share.accessPointArns).toHaveLength(count);
  expect(world.accessPoints.size).toBe(count + 1);
  // The bucket policy names no consumer; the key policy lists every consumer account once, or,
  // with organizationId, none: it names the organization.
  expect(JSON.stringify(world.bucket(BUCKET_NAME).policy)).not.toMatch(/2\d{11}/);
  expect(JSON.stringify(world.key(share.keyArn).policy).match(/2\d{11}/g) ?? []).toHaveLength(organizationId === undefined ? count : 0);

  const principal = (number: number, roleName: string = 'Reader') => {
    const arn = roleArn(accountOf(number), roleName);
    return world.principals.has(arn) ? arn : world.addPrincipal(arn, ALLOW_EVERYTHING);
  };
  const sweeps: Array<{ principal: string; accessPoint: number | 'outsider'; number?: number }> = [
    ...pairs.map(([i, j]) => ({ principal: principal(i), accessPoint: j, number: i })),
    { principal: principal(1, 'NotNamedByTheOwner'), accessPoint: 1, number: 1 },
    { principal: world.addPrincipal(roleArn(OUTSIDER, 'Outsider'), ALLOW_EVERYTHING), accessPoint: 1 },
    { principal: roleArn(OUTSIDER, 'Outsider'), accessPoint: 'outsider' },
  ];
  const allowedThrough = new Map<string, number>();
  let requests = 0;
  for (const sweep of sweeps) {
    const accessPointArn = sweep.accessPoint === 'outsider' ? OUTSIDER_ACCESS_POINT : share.accessPointArns[sweep.accessPoint - 1];
    const ownPrefix = sweep.number === undefined ? [] : [prefixOf(sweep.number)];
    const otherPrefix = typeof sweep.accessPoint === 'number' ? [prefixOf(sweep.accessPoint)] : [];
    const probe = { ...probeFor(BUCKET_NAME, [...ownPrefix, ...otherPrefix], true), accessPointArns: [accessPointArn] };
    const reaches = ownerReaches(share, sweep.principal);
    const intended = (request: SimulatedRequest) => intends(reaches, request);
    const what = `${sweep.principal} through ${accessPointArn}`;
    const s3 = await evaluate(world, await s3Requests(world, sweep.principal, probe), intended);
    const kms = await evaluate(world, await kmsRequests(world, sweep.principal, probe), intended);
    const data = await dataRequests(world, s3, kms, intended);
    expectExactly(s3, `S3 for ${what}`);
    expectExactly(kms, `KMS for ${what}`);
    expectExactly(data, `S3+KMS data requests for ${what}`);
    requests += s3.length + kms.length + data.length;
    allowedThrough.set(`${sweep.principal} ${sweep.accessPoint}`, allowedS3Count(s3));
  }
  // Intended only when i = j: the lean sweep then reads the prefix's object and lists the prefix through it.
  for (const [i, j] of pairs) {
    expect([i, j, allowedThrough.get(`${roleArn(accountOf(i), 'Reader')} ${j}`)]).toEqual([i, j, i === j ? 2 : 0]);
  }
  expect(allowedThrough.get(`${roleArn(accountOf(1), 'NotNamedByTheOwner')} 1`)).toBe(0);
  expect(requests).toBeGreaterThan(1_500);
}

function allowedS3Count(outcomes: Outcome[]): number {
  return outcomes.filter(outcome => outcome.allowed).length;
}
