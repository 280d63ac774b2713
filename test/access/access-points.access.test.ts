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
 *     principal i through access point j and straight to the bucket, intended only when i = j;
 *     and every request (complete.ts), on the owner's side: the same, for every i and j.
 * (c) deliberate defects in the synthesized policies, which the proofs must catch.
 */
import { breakPolicies, withoutCondition } from './breakage';
import { proveComplete } from './complete';
import { completeIntentOf } from './complete-intent';
import { intends } from './intent';
import { deployManyConsumers, proveSampledPairs, THOUSAND, THOUSAND_PAIRS } from './sampled-pairs';
import {
  allowedKms, allowedS3, deployShare, OUTSIDER, OUTSIDER_ACCESS_POINT, ORGANIZATION, OWNER, ownerReaches, proveBucketAccess, proveShare, roleArn,
  Share, BUCKET_NAME,
} from './scenario';
import { ALLOW_EVERYTHING } from './world';
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

describe('organizationId: the key policy names the organization, and S3 still decides (README, "Scaling to many consumers")', () => {
  /** A member account of the organization that no grant names. */
  const MEMBER = '666666666666';
  const KEY_THROUGH_S3 = ['kms:Decrypt', 'kms:GenerateDataKey'].map(action => `${action} via=s3.eu-west-1.amazonaws.com shared-bucket-proof`);

  test('any principal of the organization may have S3 use the key for this bucket (read-only, unnamed, ended or not granted at all), and reaches no object it was not granted', async () => {
    const share = deployShare({
      sharingMode: SharingMode.ACCESS_POINTS,
      organizationId: ORGANIZATION,
      organizationAccounts: [CONSUMER, WRITER, PARTNER, MEMBER],
      deployConsumers: false,
      grants: [
        { accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] },
        // Ended before PROOF_TIME.
        { accountId: WRITER, prefix: 'ingest/', access: AccessLevel.WRITE, roleNames: ['Ingest'], expires: '2026-01-01T00:00:00Z' },
        { accountId: PARTNER, prefix: 'shared/', access: AccessLevel.READ_WRITE, roleNames: ['Partner'] },
      ],
    });
    // Every granted role, a role of each granted account the owner does not name, the outsider:
    // exactly what scenario.ts intends, which gives every member the KMS part of every grant.
    const proof = await proveShare(share);
    const member = share.world.addPrincipal(roleArn(MEMBER, 'AnyRole'), ALLOW_EVERYTHING);
    const reaches = ownerReaches(share, member);
    const ungranted = await proveBucketAccess(share, {
      arn: member, description: `${member}, a member no grant names`, intended: request => intends(reaches, request),
    });
    const report = (principal: RegExp) => [...proof.principals, ungranted].find(candidate => principal.test(candidate.principal))!;

    // The boundary: the key, through S3 for this bucket, to any principal of the organization.
    const analyst = report(/role\/Analyst allowing/);
    for (const principal of [ungranted, analyst, report(/222222222222:role\/NotNamedByTheOwner/), report(/role\/Ingest allowing/)]) {
      expect([principal.principal, allowedKms(principal)]).toEqual([principal.principal, expect.arrayContaining(KEY_THROUGH_S3)]);
      // Only through S3 in the bucket's region, for this bucket.
      expect(allowedKms(principal).every(request => /^kms:\S+ via=s3\.eu-west-1\.amazonaws\.com shared-bucket-proof(\/|$)/.test(request))).toBe(true);
    }
    // ...and S3 decides: no object for the member or the unnamed role, no write for the reader, nothing after the writer's end.
    expect(ungranted.s3.allowed + report(/222222222222:role\/NotNamedByTheOwner/).s3.allowed + report(/role\/Ingest allowing/).s3.allowed).toBe(0);
    expect(new Set(allowedS3(analyst).map(request => request.split(' ')[0]))).toEqual(new Set(['s3:GetObject', 's3:ListBucket']));
    expect(ungranted.data.allowed).toBe(0);
  }, 300_000);
});

describe('a thousand consumers, one access point each', () => {
  test('(b) principal i reaches its prefix through access point i, and nothing through access point j or straight to the bucket', async () => {
    await proveSampledPairs(THOUSAND, THOUSAND_PAIRS);
  }, PROOF_TIMEOUT);

  test('(b) every request: principal i reaches its prefix through access point i only, for every i and j', async () => {
    const share = deployManyConsumers(THOUSAND);
    // Straight to the bucket, through each of the thousand access points and the outsider's, and
    // KMS on the key: two questions each, each for every principal at once (about 30 s of CPU).
    const proof = await proveComplete(share, completeIntentOf(share), { wholeQuestions: true });
    expect(proof.questions).toBe(2 * (1 + THOUSAND + 1 + 1));
  }, PROOF_TIMEOUT);
});


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
