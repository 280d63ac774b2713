/**
 * What the synth-time agreement check (owner and consumers in one app) costs: one app with the
 * owner's SharedBucket (SharingMode.ACCESS_POINTS, one grant per consumer) and every consumer's
 * ConsumerReader, timed twice: with the readers naming the owner's bucket, so that each is
 * checked against the grants, and naming a bucket of another name, so that the check stops at
 * its first lookup. Both apps have the same constructs and templates of the same size.
 */
import { App, Stack } from 'aws-cdk-lib';
import { AccessLevel, ConsumerReader, SharedBucket, SharingMode } from '../../lib';

export const AGREEMENT_OWNER = '111111111111';
const REGION = 'eu-west-1';
const BUCKET = 'agreement-bench-bucket';
/** Consumers per consumer account (and stack): 50 roles, policies and outputs, well under 500 resources. */
const PER_ACCOUNT = 50;

/** The consumer accounts: 3 followed by the account number in 11 digits. */
const accountOf = (number: number) => `3${String(number).padStart(11, '0')}`;

/**
 * The owner and ceil(n / 50) consumer stacks. `checked: false` points every reader at another
 * bucket name, which no SharedBucket in the app has.
 */
export function buildAgreementApp(n: number, checked: boolean, outdir: string): App {
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const owner = new Stack(app, 'AgreementOwner', { env: { account: AGREEMENT_OWNER, region: REGION } });
  const grants = Array.from({ length: n }, (_, index) => {
    const accountId = accountOf(Math.floor(index / PER_ACCOUNT) + 1);
    return { accountId, prefix: `consumer-${index}/`, access: AccessLevel.READ, principalArns: [`arn:aws:iam::${accountId}:role/reader-${index}`] };
  });
  const shared = new SharedBucket(owner, 'Shared', { bucketName: BUCKET, sharingMode: SharingMode.ACCESS_POINTS, consumers: grants });
  const stacks = new Map<string, Stack>();
  grants.forEach((grant, index) => {
    let stack = stacks.get(grant.accountId);
    if (stack === undefined) {
      stack = new Stack(app, `Consumer${grant.accountId}`, { env: { account: grant.accountId, region: REGION } });
      stacks.set(grant.accountId, stack);
    }
    new ConsumerReader(stack, `Reader${index}`, {
      bucketName: checked ? BUCKET : `${BUCKET}-elsewhere`,
      bucketOwnerAccountId: AGREEMENT_OWNER,
      accessPointArn: `arn:aws:s3:${REGION}:${AGREEMENT_OWNER}:accesspoint/${shared.accessPointArns[index].split('/').pop()}`,
      prefix: grant.prefix,
      roleName: `reader-${index}`,
    });
  });
  return app;
}

/** consumerNotGranted warnings in a synthesized app: 0 when every reader agrees with its grant. */
export function disagreements(app: App): number {
  return app.node.findAll()
    .flatMap(construct => construct.node.metadata)
    .filter(entry => entry.type === 'aws:cdk:warning' && String(entry.data).includes('consumerNotGranted'))
    .length;
}
