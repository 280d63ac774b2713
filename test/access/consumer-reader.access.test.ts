/**
 * Access proofs for ConsumerReader on its own: the owner's bucket and key policies allow the
 * consumer account everything, so the consumer's identity policy alone must bound its role. The
 * sweeps probe chosen requests; the complete proof (complete.ts) every request, from the same
 * templates and intent.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { breakPolicies, withoutCondition } from './breakage';
import { CompleteProof, proveComplete } from './complete';
import { trustingOwnerIntent } from './complete-intent';
import { intends, Reach } from './intent';
import { allowedKms, allowedS3, LEVELS, OUTSIDER, OWNER, REGION, roleArn, SweepReport } from './scenario';
import { dataRequests, evaluate, expectExactly, kmsRequests, probeFor, s3Requests } from './sweep';
import { deployedKeyArn, World } from './world';
import { AccessLevel, ConsumerReader, ConsumerReaderProps } from '../../lib';

const CONSUMER = '222222222222';
const BUCKET = 'owner-trusts-consumer';
const PROOF_TIMEOUT = 120_000;

/** An owner that lets the consumer account do anything with its bucket and key. */
function trustingOwner(app: App): kms.Key {
  const stack = new Stack(app, 'TrustingOwner', { env: { account: OWNER, region: REGION } });
  const key = new kms.Key(stack, 'Key');
  key.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal(CONSUMER)], actions: ['kms:*'], resources: ['*'] }));
  const bucket = new s3.Bucket(stack, 'Bucket', { bucketName: BUCKET, encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true });
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.AccountPrincipal(CONSUMER)], actions: ['s3:*'], resources: [bucket.bucketArn, bucket.arnForObjects('*')],
  }));
  return key;
}

/** What the reader's role is meant to reach: what `props` say, on `keyArn` (undefined: any key of the owner in the bucket's region). */
function readerReach(props: Partial<ConsumerReaderProps>, keyArn: string | undefined): Reach {
  return {
    bucketArn: `arn:aws:s3:::${BUCKET}`,
    prefix: props.prefix,
    level: LEVELS[props.access ?? AccessLevel.READ],
    allowDelete: props.allowDelete ?? false,
    // Without the key ARN, any key of the owner account in the bucket's region, through S3 for this bucket.
    keyArn: keyArn ?? `arn:aws:kms:${REGION}:${OWNER}:key/*`,
    region: REGION,
    // TLS and the encryption of writes are the owner's to enforce, not the consumer's.
    minimumTlsVersion: undefined,
    refusesForeignEncryption: false,
  };
}

/** The trusting owner and a ConsumerReader of `props` (named `Reader`), deployed, with what its role is meant to reach. */
function deployReader(props: Partial<ConsumerReaderProps>, withKey: boolean = true): { world: World; keyArn: string; reach: Reach } {
  const app = new App();
  const key = trustingOwner(app);
  const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } });
  new ConsumerReader(consumer, 'Reader', {
    bucketName: BUCKET,
    bucketOwnerAccountId: OWNER,
    encryptionKeyArn: withKey ? deployedKeyArn(key) : undefined,
    roleName: 'Reader',
    ...props,
  });
  const world = new World().addStack(Stack.of(key)).addStack(consumer);
  return { world, keyArn: deployedKeyArn(key), reach: readerReach(props, withKey ? deployedKeyArn(key) : undefined) };
}

/**
 * Every request (complete.ts), S3 straight to the bucket and KMS on `keyArn`, on the owner's side
 * and as deployed: the reader's role reaches exactly `reach`.
 */
function proveReaderCompletely(world: World, keyArn: string, reach: Reach, ownerSideAccounts?: string[]): Promise<CompleteProof> {
  return proveComplete({ world, keyArn, probe: probeFor(BUCKET, []) },
    trustingOwnerIntent(OWNER, [CONSUMER], new Map([[roleArn(CONSUMER, 'Reader'), [reach]]]), ownerSideAccounts));
}

async function proveReader(props: Partial<ConsumerReaderProps>, withKey: boolean = true): Promise<SweepReport> {
  const { world, keyArn, reach } = deployReader(props, withKey);
  const principal = roleArn(CONSUMER, 'Reader');
  const intended = (request: any) => intends([reach], request);
  const probe = probeFor(BUCKET, [props.prefix, 'other/']);
  const s3Outcomes = await evaluate(world, await s3Requests(world, principal, probe), intended);
  const kmsOutcomes = await evaluate(world, await kmsRequests(world, principal, probe), intended);
  const data = await dataRequests(world, s3Outcomes, kmsOutcomes, intended);
  const report = {
    principal,
    s3: expectExactly(s3Outcomes, 'S3 for the ConsumerReader role'),
    kms: expectExactly(kmsOutcomes, 'KMS for the ConsumerReader role'),
    data: expectExactly(data, 'S3+KMS data requests for the ConsumerReader role'),
  };
  expect((await proveReaderCompletely(world, keyArn, reach)).questions).toBe(8);
  return report;
}

describe('ConsumerReader access, proved against an owner that allows everything', () => {
  test('a reader reaches its prefix only, and the key only through S3', async () => {
    const report = await proveReader({ prefix: 'analytics/' });
    expect(new Set(allowedS3(report).map(request => request.split(' ')[0]))).toEqual(new Set(['s3:GetObject', 's3:ListBucket']));
    expect(new Set(allowedKms(report).map(request => request.split(' ').slice(0, 2).join(' '))))
      .toEqual(new Set([`kms:Decrypt via=s3.${REGION}.amazonaws.com`]));
  }, PROOF_TIMEOUT);

  test('a read-write consumer with allowDelete', async () => {
    await proveReader({ prefix: 'ingest/', access: AccessLevel.READ_WRITE, allowDelete: true });
  }, PROOF_TIMEOUT);

  test('a write-only, whole-bucket consumer', async () => {
    await proveReader({ access: AccessLevel.WRITE });
  }, PROOF_TIMEOUT);

  test('without encryptionKeyArn: the owner\'s key only through S3 in the bucket\'s region, only for this bucket\'s prefix', async () => {
    const report = await proveReader({ prefix: 'analytics/' }, false);
    expect(allowedKms(report)).toEqual([
      `kms:Decrypt via=s3.${REGION}.amazonaws.com ${BUCKET}`,
      `kms:Decrypt via=s3.${REGION}.amazonaws.com ${BUCKET}/analytics/nested/deep.csv`,
      `kms:Decrypt via=s3.${REGION}.amazonaws.com ${BUCKET}/analytics/report.csv`,
    ]);
    // The sweep tried the key directly with this bucket's encryption context, through S3 in
    // another region, and through S3 for another bucket of the owner: all denied (expectExactly).
    expect(report.kms.requests).toBeGreaterThan(200);
    expect(report.data.allowed).toBeGreaterThan(0);
  }, PROOF_TIMEOUT);

  test('without encryptionKeyArn, a key of another account is out of reach even when its key policy allows everything', async () => {
    const app = new App();
    const key = trustingOwner(app);
    const elsewhere = new Stack(app, 'Elsewhere', { env: { account: OUTSIDER, region: REGION } });
    const foreignKey = new kms.Key(elsewhere, 'Key');
    foreignKey.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal(CONSUMER)], actions: ['kms:*'], resources: ['*'] }));
    const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } });
    const props = { prefix: 'analytics/' };
    new ConsumerReader(consumer, 'Reader', { bucketName: BUCKET, bucketOwnerAccountId: OWNER, roleName: 'Reader', ...props });
    const world = new World().addStack(Stack.of(key)).addStack(elsewhere).addStack(consumer);

    const principal = roleArn(CONSUMER, 'Reader');
    const onOwnerKey = await kmsRequests(world, principal, probeFor(BUCKET, ['analytics/']));
    const onForeignKey = onOwnerKey.map(request => ({ ...request, resource: deployedKeyArn(foreignKey) }));
    const outcomes = await evaluate(world, onForeignKey, () => false);
    expect(expectExactly(outcomes, 'KMS on another account\'s key').requests).toBe(onOwnerKey.length);

    // Every request on the other account's key (and on the bucket): the role reaches none of the key.
    expect((await proveReaderCompletely(world, deployedKeyArn(foreignKey), readerReach(props, undefined), [OWNER, OUTSIDER])).questions).toBe(8);
  }, PROOF_TIMEOUT);

  test('the complete proof goes red when the reader\'s listing loses its prefix condition', async () => {
    const { world, keyArn, reach } = deployReader({ prefix: 'analytics/' });
    breakPolicies(world, { identities: statement => statement.Effect === 'Allow' ? withoutCondition(statement, 's3:prefix') : statement });
    await expect(proveReaderCompletely(world, keyArn, reach)).rejects.toThrow(
      /ALLOWED, NOT INTENDED \(as deployed, S3 straight to the bucket\): arn:aws:iam::222222222222:role\/Reader s3:ListBucket arn:aws:s3:::owner-trusts-consumer /);
  }, PROOF_TIMEOUT);
});
