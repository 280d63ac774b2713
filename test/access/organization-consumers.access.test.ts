/**
 * Access proofs for OrganizationConsumers: the member template as the StackSet's TemplateBody
 * holds it, deployed in two member accounts (each resolving `AWS::AccountId` to itself, as
 * CloudFormation does in each stack instance), against an owner whose bucket and key policies
 * allow both accounts everything. The member roles' identity policies alone must then bound
 * them: each reaches exactly its own prefix `<account id>/`, nothing of the other member's, and
 * the key only through S3, for its own objects. The sweeps probe chosen requests; the complete
 * proof (complete.ts) every request, from the same templates and intent.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { breakPolicies, withoutCondition } from './breakage';
import { proveComplete } from './complete';
import { trustingOwnerIntent } from './complete-intent';
import { intends, Reach } from './intent';
import { allowedKms, allowedS3, LEVELS, OUTSIDER, OWNER, REGION, roleArn, SweepReport } from './scenario';
import { dataRequests, evaluate, expectExactly, kmsRequests, Outcome, probeFor, s3Requests } from './sweep';
import { ALLOW_EVERYTHING, SimulatedRequest, World } from './world';
import { AccessLevel, OrganizationConsumers, OrganizationConsumersProps } from '../../lib';

const MANAGEMENT = '444444444444';
const MEMBERS = ['222222222222', '333333333333'];
const BUCKET = 'owner-trusts-organization';
const ROLE_NAME = 'OrganizationReader';
const PROOF_TIMEOUT = 240_000;

/** An owner that lets both member accounts do anything with its bucket and key. */
function trustingOwner(app: App): Stack {
  const stack = new Stack(app, 'TrustingOwner', { env: { account: OWNER, region: REGION } });
  const members = MEMBERS.map(account => new iam.AccountPrincipal(account));
  const key = new kms.Key(stack, 'Key');
  key.addToResourcePolicy(new iam.PolicyStatement({ principals: members, actions: ['kms:*'], resources: ['*'] }));
  const bucket = new s3.Bucket(stack, 'Bucket', { bucketName: BUCKET, encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true });
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    principals: members, actions: ['s3:*'], resources: [bucket.bucketArn, bucket.arnForObjects('*')],
  }));
  return stack;
}

/**
 * The owner, and the StackSet's member template deployed in each member account, read from the
 * management stack as synthesized: its TemplateBody, in the region of its stack instances.
 */
function deployMembers(props: Partial<OrganizationConsumersProps>): World {
  const app = new App();
  const owner = trustingOwner(app);
  const management = new Stack(app, 'Management', { env: { account: MANAGEMENT, region: 'us-east-1' } });
  new OrganizationConsumers(management, 'Members', {
    bucketName: BUCKET,
    bucketOwnerAccountId: OWNER,
    bucketRegion: REGION,
    organizationalUnitIds: ['ou-ab12-cd34ef56'],
    roleName: ROLE_NAME,
    ...props,
  });
  const [stackSet] = Object.values(Template.fromStack(management).findResources('AWS::CloudFormation::StackSet'));
  const [group] = stackSet.Properties.StackInstancesGroup;
  expect(group.Regions).toEqual([REGION]);

  const world = new World().addStack(owner);
  for (const account of MEMBERS) {
    // StackSets name each stack instance StackSet-<StackSet name>-<id>; no name in the template depends on it.
    world.addTemplate(JSON.parse(stackSet.Properties.TemplateBody), {
      stackName: `StackSet-${stackSet.Properties.StackSetName}-${account}`, account, region: group.Regions[0], partition: 'aws',
    });
  }
  return world;
}

/** What the member role of `account` is meant to reach: `prefix` at `access`, any key of the owner in the bucket's region through S3. */
function memberReach(prefix: string, access: AccessLevel, allowDelete: boolean): Reach {
  return {
    bucketArn: `arn:aws:s3:::${BUCKET}`,
    prefix,
    level: LEVELS[access],
    allowDelete,
    keyArn: `arn:aws:kms:${REGION}:${OWNER}:key/*`,
    region: REGION,
    // TLS and the encryption of writes are the owner's to enforce, not the member's.
    minimumTlsVersion: undefined,
    refusesForeignEncryption: false,
  };
}

/** Every S3, KMS and data request of the sweep for the member role of `account`, allowed exactly as `reach` intends. */
async function proveMember(world: World, account: string, reach: Reach): Promise<SweepReport> {
  const principal = roleArn(account, ROLE_NAME);
  const intended = (request: SimulatedRequest) => intends([reach], request);
  const probe = probeFor(BUCKET, [...MEMBERS.map(member => `${member}/`), 'shared/']);
  const s3Outcomes = await evaluate(world, await s3Requests(world, principal, probe), intended);
  const kmsOutcomes = await evaluate(world, await kmsRequests(world, principal, probe), intended);
  const data = await dataRequests(world, s3Outcomes, kmsOutcomes, intended);
  return {
    principal,
    s3: expectExactly(s3Outcomes, `S3 for the member role of ${account}`),
    kms: expectExactly(kmsOutcomes, `KMS for the member role of ${account}`),
    data: expectExactly(data, `S3+KMS data requests for the member role of ${account}`),
  };
}

/**
 * Every S3 request straight to the bucket and every KMS request on the owner's key, on the owner's
 * side and as deployed: each member role reaches exactly `reachOf` its account.
 */
async function proveMembersCompletely(world: World, reachOf: (account: string) => Reach): Promise<void> {
  const [keyArn] = [...world.keys.values()].filter(key => key.account === OWNER).map(key => key.arn);
  const deployed = new Map(MEMBERS.map(account => [roleArn(account, ROLE_NAME), [reachOf(account)]]));
  const complete = await proveComplete({ world, keyArn, probe: probeFor(BUCKET, []) }, trustingOwnerIntent(OWNER, MEMBERS, deployed));
  expect(complete.questions).toBe(8);
}

describe('OrganizationConsumers access, proved in two member accounts against an owner that allows both everything', () => {
  test('each member role reads exactly its own prefix <account id>/, and the key only through S3 for it', async () => {
    const world = deployMembers({});
    for (const [account, other] of [MEMBERS, [...MEMBERS].reverse()]) {
      const report = await proveMember(world, account, memberReach(`${account}/`, AccessLevel.READ, false));

      // Each also over plain HTTP and old TLS: the owner's bucket policy here does not refuse them.
      expect([...new Set(allowedS3(report).map(request => request.replace(/ tls=.*$/, '')))]).toEqual([
        `s3:GetObject ${account}/nested/deep.csv`,
        `s3:GetObject ${account}/report.csv`,
        `s3:ListBucket prefix=${account}/`,
        `s3:ListBucket prefix=${account}/nested/`,
      ]);
      expect(allowedKms(report)).toEqual([
        `kms:Decrypt via=s3.${REGION}.amazonaws.com ${BUCKET}`,
        `kms:Decrypt via=s3.${REGION}.amazonaws.com ${BUCKET}/${account}/nested/deep.csv`,
        `kms:Decrypt via=s3.${REGION}.amazonaws.com ${BUCKET}/${account}/report.csv`,
      ]);
      expect(JSON.stringify(report.s3.allowedRequests.concat(report.kms.allowedRequests))).not.toContain(other);
      // The sweep tried the other member's prefix, its look-alikes, the shared prefix and every
      // other S3 and KMS action: all denied (expectExactly).
      expect(report.s3.requests).toBeGreaterThan(1000);
      expect(report.data.allowed).toBeGreaterThan(0);
    }
    await proveMembersCompletely(world, account => memberReach(`${account}/`, AccessLevel.READ, false));
  }, PROOF_TIMEOUT);

  test('with sharedPrefix, both member roles reach that prefix and nothing of each other\'s', async () => {
    const world = deployMembers({ sharedPrefix: 'shared/', access: AccessLevel.READ_WRITE, allowDelete: true });
    for (const account of MEMBERS) {
      const report = await proveMember(world, account, memberReach('shared/', AccessLevel.READ_WRITE, true));
      expect(allowedS3(report).every(request => / shared\/|prefix=shared\//.test(request))).toBe(true);
    }
    await proveMembersCompletely(world, () => memberReach('shared/', AccessLevel.READ_WRITE, true));
  }, PROOF_TIMEOUT);

  test('each member role can be assumed from its own account only', async () => {
    const world = deployMembers({});
    const callers = [...MEMBERS, OUTSIDER].map(account => world.addPrincipal(roleArn(account, 'Caller'), ALLOW_EVERYTHING));
    const requests = callers.flatMap(caller => MEMBERS.map(account => ({
      principal: caller, action: 'sts:AssumeRole', resource: roleArn(account, ROLE_NAME), options: {},
    })));
    const outcomes: Outcome[] = await evaluate(world, requests, request => request.principal.split(':')[4] === request.resource.split(':')[4]);

    expect(expectExactly(outcomes, 'AssumeRole on the member roles').allowed).toBe(MEMBERS.length);
  }, PROOF_TIMEOUT);

  test('the complete proof goes red when the member roles\' listing loses its prefix condition', async () => {
    const world = deployMembers({});
    breakPolicies(world, { identities: statement => statement.Effect === 'Allow' ? withoutCondition(statement, 's3:prefix') : statement });
    await expect(proveMembersCompletely(world, account => memberReach(`${account}/`, AccessLevel.READ, false))).rejects.toThrow(
      /ALLOWED, NOT INTENDED \(as deployed, S3 straight to the bucket\): arn:aws:iam::(222222222222|333333333333):role\/OrganizationReader s3:ListBucket /);
  }, PROOF_TIMEOUT);
});
