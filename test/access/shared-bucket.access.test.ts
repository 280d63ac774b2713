/**
 * Access proofs for SharedBucket and its consumers: every S3 action of the catalogue on the
 * bucket and on objects in and around each prefix, every KMS action on the key through S3 and
 * directly, and data requests end to end (S3 and the KMS calls S3 makes). For every principal,
 * the requests allowed must be exactly the intended ones.
 */
import { allowedKms, allowedS3, BUCKET_NAME, deployShare, ORGANIZATION, OWNER, proveShare, roleArn } from './scenario';
import { ALLOW_EVERYTHING } from './world';
import { AccessLevel, SharingMode } from '../../lib';

const CONSUMER = '222222222222';
const PARTNER = '333333333333';
const PROOF_TIMEOUT = 120_000;

describe('SharedBucket access, proved', () => {
  test('with no consumers, no other account reaches anything, whatever its own policies allow', async () => {
    const proof = await proveShare(deployShare({ grants: [] }));
    expect(proof.principals.map(report => report.principal)).toEqual([expect.stringMatching(/Outsider/)]);
    expect(proof.principals[0].s3.allowed + proof.principals[0].kms.allowed).toBe(0);
  }, PROOF_TIMEOUT);

  test('a reader named by role reads and lists its prefix, and nothing else', async () => {
    const proof = await proveShare(deployShare({
      grants: [{ accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] }],
    }));
    const [deployed, allowingEverything] = proof.principals;
    const reads = [
      's3:GetObject analytics/nested/deep.csv',
      's3:GetObject analytics/nested/deep.csv tls=1.2',
      's3:GetObject analytics/report.csv',
      's3:GetObject analytics/report.csv tls=1.2',
      's3:ListBucket prefix=analytics/',
      's3:ListBucket prefix=analytics/ tls=1.2',
      's3:ListBucket prefix=analytics/nested/',
      's3:ListBucket prefix=analytics/nested/ tls=1.2',
    ];
    expect(allowedS3(deployed)).toEqual(reads);
    expect(allowedS3(allowingEverything)).toEqual(reads);
    expect(allowedKms(deployed)).toEqual([
      'kms:Decrypt via=s3.eu-west-1.amazonaws.com shared-bucket-proof',
      'kms:Decrypt via=s3.eu-west-1.amazonaws.com shared-bucket-proof/analytics/nested/deep.csv',
      'kms:Decrypt via=s3.eu-west-1.amazonaws.com shared-bucket-proof/analytics/report.csv',
    ]);
    expect(deployed.data.allowed).toBe(4);
    // The sweep is the whole catalogue: every S3 action on the bucket and on 7 objects, every KMS action.
    expect(deployed.s3.requests).toBeGreaterThanOrEqual(500);
    expect(deployed.kms.requests).toBeGreaterThanOrEqual(200);
  }, PROOF_TIMEOUT);

  test("a consumer stack in another region than the bucket, without bucketRegion or key ARN: decrypts through S3 in the bucket's region", async () => {
    // Before issue 21 its role could use the key only through S3 in us-east-1, where S3 never calls KMS for this bucket.
    const proof = await proveShare(deployShare({
      keylessConsumers: true,
      consumerRegion: 'us-east-1',
      grants: [{ accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] }],
    }));
    const [deployed] = proof.principals;
    expect(allowedKms(deployed)).toContain('kms:Decrypt via=s3.eu-west-1.amazonaws.com shared-bucket-proof/analytics/report.csv');
    expect(deployed.data.allowed).toBe(4);
  }, PROOF_TIMEOUT);

  // Whether a ConsumerReader names the key changes only its own KMS statement, whatever the
  // grants: each of these two scenarios runs one way, the example stacks and the access point
  // proofs run both.
  test('consumers with look-alike prefixes (data/ and data-archive/) reach only their own folder; their ConsumerReaders name no key ARN', async () => {
    await proveShare(deployShare({
      keylessConsumers: true,
      grants: [
        { accountId: CONSUMER, prefix: 'data/', access: AccessLevel.READ, roleNames: ['DataReader'] },
        { accountId: PARTNER, prefix: 'data-archive/', access: AccessLevel.READ_WRITE, roleNames: ['ArchiveWriter'] },
        { accountId: CONSUMER, prefix: 'data/archive/', access: AccessLevel.WRITE, roleNames: ['NestedWriter'] },
      ],
    }));
  }, PROOF_TIMEOUT);

  test('a write-only consumer puts and aborts uploads, and cannot read, list or delete', async () => {
    const proof = await proveShare(deployShare({
      grants: [{ accountId: CONSUMER, prefix: 'ingest/', access: AccessLevel.WRITE, roleNames: ['Ingest'] }],
    }));
    const actions = new Set(allowedS3(proof.principals[0]).map(request => request.split(' ')[0]));
    expect([...actions].sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    expect(new Set(allowedKms(proof.principals[0]).map(request => request.split(' ')[0]))).toEqual(new Set(['kms:Decrypt', 'kms:GenerateDataKey']));
  }, PROOF_TIMEOUT);

  test.each([
    ['a bucket SharedBucket creates', false],
    ['an existingBucket', true],
  ])('uploads with a customer-provided key (SSE-C) are denied to the writer and to the owner\'s own roles, ordinary uploads are not (%s)', async (_, existingBucket) => {
    const share = deployShare({
      existingBucket,
      grants: [{ accountId: CONSUMER, prefix: 'ingest/', access: AccessLevel.WRITE, roleNames: ['Ingest'] }],
    });
    // The sweep writes every probed object with SSE-C too, and intends none of it (intent.ts).
    const proof = await proveShare(share);
    const writes = allowedS3(proof.principals[0]).filter(request => request.startsWith('s3:PutObject'));
    expect(writes).toContain('s3:PutObject ingest/report.csv');
    expect(writes.filter(request => /sse-c=/.test(request))).toEqual([]);

    // PutObject is also what CopyObject and CreateMultipartUpload are authorized as.
    const object = `arn:aws:s3:::${BUCKET_NAME}/ingest/report.csv`;
    const writer = roleArn(CONSUMER, 'Ingest');
    const ownerAdmin = share.world.addPrincipal(roleArn(OWNER, 'OwnerAdmin'), ALLOW_EVERYTHING);
    for (const principal of [writer, ownerAdmin]) {
      const upload = (options: object) => share.world.simulate({ principal, action: 's3:PutObject', resource: object, options });
      expect((await upload({})).allowed).toBe(true);
      const withCustomerKey = await upload({ sseCustomerAlgorithm: 'AES256' });
      expect(withCustomerKey.allowed).toBe(false);
      expect(withCustomerKey.explain()).toMatch(/DenyCustomerProvidedKeys/);
    }
  }, PROOF_TIMEOUT);

  test('allowDelete adds DeleteObject under the prefix, never DeleteObjectVersion (the ConsumerReader names the owner key ARN)', async () => {
    const proof = await proveShare(deployShare({
      keylessConsumers: false,
      grants: [{ accountId: CONSUMER, prefix: 'ingest/', access: AccessLevel.READ_WRITE, allowDelete: true, roleNames: ['Ingest'] }],
    }));
    const actions = new Set(allowedS3(proof.principals[0]).map(request => request.split(' ')[0]));
    expect([...actions].sort()).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
  }, PROOF_TIMEOUT);

  test('a whole-bucket grant to an account covers every object of the bucket and any role of that account', async () => {
    await proveShare(deployShare({
      grants: [{ accountId: CONSUMER, access: AccessLevel.READ }],
    }));
  }, PROOF_TIMEOUT);

  test('organizationId: an account outside the organization gets nothing, even when granted', async () => {
    await proveShare(deployShare({
      organizationId: ORGANIZATION,
      organizationAccounts: [CONSUMER],
      grants: [
        { accountId: CONSUMER, prefix: 'in-org/', access: AccessLevel.READ, roleNames: ['Reader'] },
        { accountId: PARTNER, prefix: 'outside-org/', access: AccessLevel.READ, roleNames: ['Reader'] },
      ],
    }));
  }, PROOF_TIMEOUT);

  test.each([
    ['SharingMode.BUCKET_POLICY', SharingMode.BUCKET_POLICY],
    ['SharingMode.ACCESS_POINTS', SharingMode.ACCESS_POINTS],
  ])('existingBucket (%s): a bucket the app already has, shared with the same guarantees as one SharedBucket creates', async (_, sharingMode) => {
    const proof = await proveShare(deployShare({
      existingBucket: true,
      sharingMode,
      keylessConsumers: true,
      grants: [
        { accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] },
        { accountId: PARTNER, prefix: 'ingest/', access: AccessLevel.WRITE },
      ],
    }));
    const analyst = proof.principals.find(report => /role\/Analyst as deployed/.test(report.principal))!;
    expect(new Set(allowedS3(analyst).map(request => request.split(' ')[0]))).toEqual(new Set(['s3:GetObject', 's3:ListBucket']));
    // Plain HTTP and TLS 1.1 were in the sweep, and denied: the library's TLS statements are in the team's policy.
    expect(allowedS3(analyst).some(request => /tls=1\.[01]/.test(request))).toBe(false);
    expect(analyst.data.allowed).toBeGreaterThan(0);
  }, PROOF_TIMEOUT);

  test('minimumTlsVersion 1.3 refuses TLS 1.2 as well', async () => {
    await proveShare(deployShare({
      minimumTlsVersion: 1.3,
      grants: [{ accountId: CONSUMER, prefix: 'secure/', access: AccessLevel.READ, roleNames: ['Reader'] }],
    }));
  }, PROOF_TIMEOUT);
});
