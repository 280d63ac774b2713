/**
 * Access proofs for SharedBucket in SharingMode.ACCESS_POINTS. A request through an access point
 * is evaluated in two legs (World.simulate): the caller's identity and the access point policy on
 * the access point, then the bucket policy on the bucket, which delegates to the owner's access
 * points. Consumers are meant to reach their prefix only through their own access point, never
 * straight to the bucket; KMS through S3 for the whole bucket (the key policy names accounts and
 * leaves the objects to the access point and bucket policies).
 *
 * (a) a small share, proved like shared-bucket.access.test.ts: every principal allowing itself
 *     everything sweeps the whole catalogue straight to the bucket and through its own access
 *     point, and the lean sweep through every other one (the outsider's included); the consumer
 *     roles as deployed (ConsumerReader with accessPointArn) sweep the lean actions everywhere.
 * (b) a thousand consumers, each its own account, prefix and named role: sampled pairs (i, j),
 *     principal i through access point j and straight to the bucket, intended only when i = j.
 * (c) deliberate defects in the synthesized policies, which the proofs must catch.
 */
import { breakPolicies, withoutCondition } from './breakage';
import { intends } from './intent';
import {
  allowedKms, allowedS3, deployShare, OUTSIDER, OUTSIDER_ACCESS_POINT, ORGANIZATION, ownerReaches, OWNER, proveShare, roleArn, Share, BUCKET_NAME,
} from './scenario';
import { dataRequests, evaluate, expectExactly, kmsRequests, Outcome, probeFor, s3Requests } from './sweep';
import { ALLOW_EVERYTHING, SimulatedRequest } from './world';
import { AccessLevel, SharingMode } from '../../lib';

const CONSUMER = '222222222222';
const WRITER = '333333333333';
const PARTNER = '444444444444';
const OUTSIDE_ORGANIZATION = '555555555555';
const PROOF_TIMEOUT = 120_000;

/** A request's resource is the bucket or one of its objects, not an access point. */
const straightToTheBucket = (resource: string) => resource.startsWith(`arn:aws:s3:::${BUCKET_NAME}`);

/**
 * A reader named by role, a whole-account writer, a read-write consumer with allowDelete, and
 * a consumer whose account is outside the organization the share requires.
 */
function smallShare(deployConsumers: boolean, keylessConsumers: boolean = false): Share {
  return deployShare({
    sharingMode: SharingMode.ACCESS_POINTS,
    organizationId: ORGANIZATION,
    organizationAccounts: [CONSUMER, WRITER, PARTNER],
    deployConsumers,
    keylessConsumers,
    grants: [
      { accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] },
      { accountId: WRITER, prefix: 'ingest/', access: AccessLevel.WRITE },
      { accountId: PARTNER, prefix: 'shared/', access: AccessLevel.READ_WRITE, allowDelete: true },
      { accountId: OUTSIDE_ORGANIZATION, prefix: 'outside/', access: AccessLevel.READ, roleNames: ['Reader'] },
    ],
  });
}

/** The short name `allowedS3` gives an access point: `@<name>`. */
const via = (share: Share, grant: number) => `@${share.accessPointArns[grant].split('/')[1]}`;

/** What the analyst's sweep may do: read and list analytics/ through its access point, over TLS 1.2 or 1.3. */
function analystReads(share: Share): string[] {
  const analystVia = via(share, 0);
  return [
    `s3:GetObject ${analystVia} analytics/nested/deep.csv`,
    `s3:GetObject ${analystVia} analytics/nested/deep.csv tls=1.2`,
    `s3:GetObject ${analystVia} analytics/report.csv`,
    `s3:GetObject ${analystVia} analytics/report.csv tls=1.2`,
    `s3:ListBucket ${analystVia} prefix=analytics/`,
    `s3:ListBucket ${analystVia} prefix=analytics/ tls=1.2`,
    `s3:ListBucket ${analystVia} prefix=analytics/nested/`,
    `s3:ListBucket ${analystVia} prefix=analytics/nested/ tls=1.2`,
  ];
}

describe('SharedBucket in SharingMode.ACCESS_POINTS, proved', () => {
  test('(a) without ConsumerReader: the owner\'s policies alone bound every role that allows itself everything', async () => {
    const share = smallShare(false);
    const proof = await proveShare(share);
    const report = (description: RegExp) => proof.principals.find(candidate => description.test(candidate.principal))!;

    const analyst = report(/role\/Analyst allowing itself everything/);
    expect(allowedS3(analyst)).toEqual(analystReads(share));
    // The key is the bucket's for every consumer account: which objects, the access point decides.
    expect(allowedKms(analyst)).toContain('kms:Decrypt via=s3.eu-west-1.amazonaws.com shared-bucket-proof/ingest/report.csv');
    expect(new Set(allowedS3(report(/role\/Grant1Reader allowing/)).map(request => request.split(' ').slice(0, 2).join(' '))))
      .toEqual(new Set([`s3:AbortMultipartUpload ${via(share, 1)}`, `s3:PutObject ${via(share, 1)}`]));
    expect(new Set(allowedS3(report(/role\/Grant2Reader allowing/)).map(request => request.split(' ')[0])))
      .toEqual(new Set(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']));

    // Nobody reaches the bucket straight; outside the organization, nothing at all.
    for (const principal of proof.principals) {
      expect(principal.s3.allowedRequests.filter(request => straightToTheBucket(request.resource))).toEqual([]);
    }
    for (const principal of proof.principals.filter(candidate => candidate.principal.includes(OUTSIDE_ORGANIZATION))) {
      expect(principal.s3.allowed + principal.kms.allowed).toBe(0);
    }
    // The outsider only manages its own access point on the bucket.
    expect(new Set(report(/Outsider/).s3.allowedRequests.map(request => request.resource))).toEqual(new Set([OUTSIDER_ACCESS_POINT]));
    expect(report(/Outsider/).kms.allowed).toBe(0);
    expect(proof.requests).toBeGreaterThan(15_000);
  }, PROOF_TIMEOUT);

  test.each([
    ['the owner key ARN', false],
    ['no key ARN (written before the owner deployed)', true],
  ])('(a) with ConsumerReader (accessPointArn, %s): each role as deployed reaches its prefix through its access point, and KMS for its prefix',
    async (_, keyless) => {
      const share = smallShare(true, keyless);
      const proof = await proveShare(share, principal => principal.description.includes('as deployed'));
      expect(proof.principals).toHaveLength(4);
      const [analyst, writer, partner, outsideOrganization] = proof.principals;
      expect(allowedS3(analyst)).toEqual(analystReads(share));
      // Its ConsumerReader's key statement names its prefix, as in SharingMode.BUCKET_POLICY.
      expect(allowedKms(analyst)).toEqual([
        'kms:Decrypt via=s3.eu-west-1.amazonaws.com shared-bucket-proof',
        'kms:Decrypt via=s3.eu-west-1.amazonaws.com shared-bucket-proof/analytics/nested/deep.csv',
        'kms:Decrypt via=s3.eu-west-1.amazonaws.com shared-bucket-proof/analytics/report.csv',
      ]);
      expect(writer.s3.allowed).toBeGreaterThan(0);
      expect(partner.data.allowed).toBeGreaterThan(0);
      expect(outsideOrganization.s3.allowed + outsideOrganization.kms.allowed).toBe(0);
    }, PROOF_TIMEOUT);
});

const THOUSAND = 1000;
const fourDigits = (number: number) => String(number).padStart(4, '0');
/** A distinct account per consumer, as in examples/many-consumers.ts. */
const accountOf = (number: number) => `2${String(number).padStart(11, '0')}`;
const prefixOf = (number: number) => `consumer-${fourDigits(number)}/`;

/**
 * Sampled (principal, access point) pairs, 1-based: first and last, neighbours, both sides of
 * the nested-stack boundaries (400 access points each), prefixes whose digits nest (1, 10, 100),
 * and each consumer of a pair through its own access point too.
 */
const PAIRS: Array<[number, number]> = [
  [1, 1], [1, 2], [2, 1], [2, 2], [1, THOUSAND], [THOUSAND, 1], [THOUSAND, THOUSAND], [999, THOUSAND], [THOUSAND, 999],
  [1, 10], [10, 100], [100, 1], [400, 401], [401, 400], [401, 401], [800, 801], [801, 801], [500, 500], [733, 734], [734, 733],
];

describe('a thousand consumers, one access point each', () => {
  test('(b) principal i reaches its prefix through access point i, and nothing through access point j or straight to the bucket', async () => {
    const share = deployShare({
      sharingMode: SharingMode.ACCESS_POINTS,
      deployConsumers: false,
      leanProbe: true,
      grants: Array.from({ length: THOUSAND }, (_, index) => ({
        accountId: accountOf(index + 1), prefix: prefixOf(index + 1), access: AccessLevel.READ, roleNames: ['Reader'],
      })),
    });
    const { world } = share;
    expect(share.accessPointArns).toHaveLength(THOUSAND);
    expect(world.accessPoints.size).toBe(THOUSAND + 1);
    // The bucket policy names no consumer; the key policy lists every consumer account once.
    expect(JSON.stringify(world.bucket(BUCKET_NAME).policy)).not.toMatch(/2\d{11}/);
    expect(JSON.stringify(world.key(share.keyArn).policy).match(/2\d{11}/g)).toHaveLength(THOUSAND);

    const principal = (number: number, roleName: string = 'Reader') => {
      const arn = roleArn(accountOf(number), roleName);
      return world.principals.has(arn) ? arn : world.addPrincipal(arn, ALLOW_EVERYTHING);
    };
    const sweeps: Array<{ principal: string; accessPoint: number | 'outsider'; number?: number }> = [
      ...PAIRS.map(([i, j]) => ({ principal: principal(i), accessPoint: j, number: i })),
      // A role of consumer 1's account the grant does not name; the outsider, through its own access point too.
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
    for (const [i, j] of PAIRS) {
      expect([i, j, allowedThrough.get(`${roleArn(accountOf(i), 'Reader')} ${j}`)]).toEqual([i, j, i === j ? 2 : 0]);
    }
    expect(allowedThrough.get(`${roleArn(accountOf(1), 'NotNamedByTheOwner')} 1`)).toBe(0);
    expect(requests).toBeGreaterThan(2_000);
  }, PROOF_TIMEOUT);
});

function allowedS3Count(outcomes: Outcome[]): number {
  return outcomes.filter(outcome => outcome.allowed).length;
}

/** The analyst reads analytics/ by role; a whole account writes ingest/. The lean sweep. */
function defectShare(deployConsumers: boolean = false): Share {
  return deployShare({
    sharingMode: SharingMode.ACCESS_POINTS,
    deployConsumers,
    leanProbe: true,
    grants: [
      { accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] },
      { accountId: WRITER, prefix: 'ingest/', access: AccessLevel.WRITE },
    ],
  });
}

const mapResources = (statement: any, change: (resource: string) => string) =>
  ({ ...statement, Resource: Array.isArray(statement.Resource) ? statement.Resource.map(change) : change(statement.Resource) });

const ANALYST = `arn:aws:iam::${CONSUMER}:role\\/Analyst`;
const ACCESS_POINT = 'arn:aws:s3:eu-west-1:111111111111:accesspoint\\/\\S+';

describe('(c) the proofs catch deliberate defects of SharingMode.ACCESS_POINTS', () => {
  test('control: the unbroken share passes', async () => {
    await expect(proveShare(defectShare())).resolves.toBeDefined();
  }, PROOF_TIMEOUT);

  test('the bucket policy delegates to the access points of any account', async () => {
    const broken = defectShare();
    breakPolicies(broken.world, { bucket: statement => withoutCondition(statement, 's3:DataAccessPointAccount') });
    // The bucket policy is then public: RestrictPublicBuckets spares the account that owns the access point.
    await expect(proveShare(broken)).rejects.toThrow(new RegExp(
      `ALLOWED, NOT INTENDED: arn:aws:iam::${OUTSIDER}:role\\/Outsider s3:GetObject ${OUTSIDER_ACCESS_POINT.replace(/\//g, '\\/')}\\/object\\/`));
  }, PROOF_TIMEOUT);

  test('the bucket policy delegates to the access points of the outsider\'s account as well', async () => {
    const broken = defectShare();
    breakPolicies(broken.world, {
      bucket: statement => statement.Sid === 'DelegateToAccessPoints'
        ? { ...statement, Condition: { StringEquals: { 's3:DataAccessPointAccount': [OWNER, OUTSIDER] } } }
        : statement,
    });
    await expect(proveShare(broken)).rejects.toThrow(/ALLOWED, NOT INTENDED: arn:aws:iam::999999999999:role\/Outsider s3:GetObject .*accesspoint\/outsider-on-shared-bucket\/object\/analytics\/report\.csv/);
  }, PROOF_TIMEOUT);

  test('the bucket policy still grants a consumer straight (a bucket-policy mode grant left behind)', async () => {
    const broken = defectShare();
    const bucket = broken.world.bucket(BUCKET_NAME);
    bucket.policy = {
      ...bucket.policy!,
      Statement: [...bucket.policy!.Statement, {
        Sid: 'Grant1', Effect: 'Allow', Principal: { AWS: CONSUMER }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET_NAME}/analytics/*`,
      }],
    };
    await expect(proveShare(broken)).rejects.toThrow(new RegExp(`ALLOWED, NOT INTENDED: ${ANALYST} s3:GetObject arn:aws:s3:::shared-bucket-proof\\/analytics\\/report\\.csv`));
  }, PROOF_TIMEOUT);

  test('an access point policy without the prefix condition on listing', async () => {
    const broken = defectShare();
    breakPolicies(broken.world, { accessPointAccount: OWNER, accessPoints: statement => withoutCondition(statement, 's3:prefix') });
    await expect(proveShare(broken)).rejects.toThrow(new RegExp(`ALLOWED, NOT INTENDED: ${ANALYST} s3:ListBucket ${ACCESS_POINT} \\[listPrefix="unshared\\/"\\]`));
  }, PROOF_TIMEOUT);

  test('an access point policy whose objects are not limited to the prefix', async () => {
    const broken = defectShare();
    breakPolicies(broken.world, { accessPointAccount: OWNER, accessPoints: statement => mapResources(statement, resource => resource.replace(/\/object\/.*$/, '/object/*')) });
    await expect(proveShare(broken)).rejects.toThrow(new RegExp(`ALLOWED, NOT INTENDED: ${ANALYST} s3:GetObject ${ACCESS_POINT}\\/object\\/top-level\\.csv`));
  }, PROOF_TIMEOUT);

  test('an access point policy that drops the aws:PrincipalArn narrowing', async () => {
    const broken = defectShare();
    breakPolicies(broken.world, { accessPointAccount: OWNER, accessPoints: statement => withoutCondition(statement, 'aws:PrincipalArn') });
    await expect(proveShare(broken)).rejects.toThrow(/ALLOWED, NOT INTENDED: arn:aws:iam::222222222222:role\/NotNamedByTheOwner s3:GetObject arn:aws:s3:eu-west-1:111111111111:accesspoint\//);
  }, PROOF_TIMEOUT);

  test('a key policy that drops kms:CallerAccount', async () => {
    const broken = defectShare();
    breakPolicies(broken.world, { key: statement => withoutCondition(statement, 'kms:CallerAccount') });
    await expect(proveShare(broken)).rejects.toThrow(/ALLOWED, NOT INTENDED: arn:aws:iam::999999999999:role\/Outsider kms:Decrypt /);
  }, PROOF_TIMEOUT);

  test('a ConsumerReader that names the bucket instead of its access point', async () => {
    const broken = defectShare(true);
    const bucketArn = `arn:aws:s3:::${BUCKET_NAME}`;
    breakPolicies(broken.world, {
      identities: statement => mapResources(statement, resource => resource.replace(/^arn:aws:s3:[^:]+:\d+:accesspoint\/[^/]+(\/object)?/, bucketArn)),
    });
    await expect(proveShare(broken, principal => principal.description.includes('as deployed'))).rejects.toThrow(
      new RegExp(`INTENDED, DENIED: ${ANALYST} s3:GetObject ${ACCESS_POINT}\\/object\\/analytics\\/report\\.csv`));
  }, PROOF_TIMEOUT);
});
