/**
 * Access proofs for grants that end (`expires`). Each share is synthesized once and proved twice,
 * at fixed times set in the request context (`aws:CurrentTime`, context.ts): one second before
 * the end, when every principal must be allowed exactly what it is meant to, and at the end
 * itself (`DateLessThan` is strict), when the ended grants must allow nothing and the others
 * exactly what they did. The intent (intent.ts) knows each grant's end.
 *
 * - a consumer grant in SharingMode.BUCKET_POLICY, beside a grant of the same scope that does not
 *   end (so that a statement merging the two would show), and a ConsumerReader that ends before
 *   the owner's grant does;
 * - a grant in SharingMode.ACCESS_POINTS (its access point policy and its key statement);
 * - an organization grant, with the member role OrganizationConsumers rolls out;
 * - a ThirdPartyAccessRole: AssumeRole is refused after the end, and the role's own policy
 *   refuses a session opened before it;
 * - the simulator evaluates DateLessThan on aws:CurrentTime, and a dropped condition turns the
 *   proofs red.
 *
 * Sweeps are the lean ones (the actions any level grants and their dangerous neighbours) except
 * for the default-mode share before its end: the full catalogue proves there what the grants
 * allow, and the other proofs only move the clock or the path.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { breakPolicies, withoutCondition } from './breakage';
import { trustIntends } from './intent';
import {
  allowedS3, deployShare, Membership, ORGANIZATION, OWNER, proveShare, roleArn, Share, ShareConfig, shareAt, ShareProof, SweepReport, withLeanProbe,
} from './scenario';
import { assumeRoleRequests, evaluate, expectExactly } from './sweep';
import { AccessLevel, SharingMode } from '../../lib';

const PROOF_TIMEOUT = 120_000;
const END = '2027-06-30T00:00:00Z';
const BEFORE = '2027-06-29T23:59:59Z';
const CONSUMER = '222222222222';
const STAYING = '333333333333';
const READER_ENDS = '555555555555';
const VENDOR = '444444444444';
const EXTERNAL_ID = 'vendor-7f3a9c';

function reportOf(proof: ShareProof, description: RegExp): SweepReport {
  const report = proof.principals.find(candidate => description.test(candidate.principal));
  if (report === undefined) {
    throw new Error(`No report matches ${description}: ${proof.principals.map(candidate => candidate.principal).join('; ')}`);
  }
  return report;
}

function allowedCount(report: SweepReport): number {
  return report.s3.allowed + report.kms.allowed + report.data.allowed;
}

describe('the simulator evaluates DateLessThan on aws:CurrentTime', () => {
  test.each([
    ['one second before the end', BEFORE, 'Allowed'],
    ['at the end', END, 'ImplicitlyDenied'],
    ['a year after', '2028-06-30T00:00:00Z', 'ImplicitlyDenied'],
  ])('%s', async (_when, currentTime, expected) => {
    const response = await runSimulation({
      request: {
        principal: `arn:aws:iam::${OWNER}:role/Reader`,
        action: 's3:GetObject',
        resource: { resource: 'arn:aws:s3:::canary/x', accountId: OWNER },
        contextVariables: { 'aws:CurrentTime': currentTime },
      },
      identityPolicies: [{
        name: 'until-the-end',
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': END } } }] },
      }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    expect(response.resultType === 'single' && [response.overallResult, response.result.ignoredContextKeys ?? []]).toEqual([expected, []]);
  });
});

describe('SharingMode.BUCKET_POLICY: a consumer grant and a ConsumerReader that end', () => {
  const config: ShareConfig = {
    grants: [
      { accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'], expires: END },
      // The same scope, no end: merged into one statement with the grant above, it would outlive it.
      { accountId: STAYING, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] },
      // The owner's grant does not end; the consumer's own ConsumerReader does.
      { accountId: READER_ENDS, prefix: 'exports/', access: AccessLevel.READ_WRITE, roleNames: ['Exporter'], consumerExpires: END },
    ],
  };
  let share: Share;
  beforeAll(() => {
    share = deployShare(config);
  });

  test('before the end, every principal is allowed exactly its grants', async () => {
    const proof = await proveShare(shareAt(share, BEFORE));
    expect(allowedS3(reportOf(proof, /222222222222:role\/Analyst as deployed/))).toContain('s3:GetObject analytics/report.csv');
    expect(allowedS3(reportOf(proof, /555555555555:role\/Exporter as deployed/))).toContain('s3:PutObject exports/report.csv');
  }, PROOF_TIMEOUT);

  test('at the end, the ended grant allows nothing, the consumer whose reader ended reaches nothing as deployed, the others stay', async () => {
    const proof = await proveShare(shareAt(withLeanProbe(share), END));
    expect(allowedCount(reportOf(proof, /222222222222:role\/Analyst as deployed/))).toBe(0);
    expect(allowedCount(reportOf(proof, /222222222222:role\/Analyst allowing itself everything/))).toBe(0);
    expect(allowedCount(reportOf(proof, /555555555555:role\/Exporter as deployed/))).toBe(0);
    // The owner's grant to it has no end: allowing itself everything, it still reaches its prefix.
    expect(allowedS3(reportOf(proof, /555555555555:role\/Exporter allowing itself everything/))).toContain('s3:PutObject exports/report.csv');
    expect(allowedS3(reportOf(proof, /333333333333:role\/Analyst as deployed/))).toContain('s3:GetObject analytics/report.csv');
  }, PROOF_TIMEOUT);

  test('a defect: the DateLessThan dropped from the bucket policy turns the proof red', async () => {
    const broken = deployShare(config);
    breakPolicies(broken.world, { bucket: statement => withoutCondition(statement, 'aws:CurrentTime') });
    await expect(proveShare(shareAt(withLeanProbe(broken), END), onlyAnalyst)).rejects.toThrow(
      /ALLOWED, NOT INTENDED: arn:aws:iam::222222222222:role\/Analyst s3:ListBucket arn:aws:s3:::shared-bucket-proof \[listPrefix="analytics\/" currentTime="2027-06-30T00:00:00Z"\]/);
  }, PROOF_TIMEOUT);

  test('a defect: the DateLessThan dropped from the key policy turns the proof red', async () => {
    const broken = deployShare(config);
    breakPolicies(broken.world, { key: statement => withoutCondition(statement, 'aws:CurrentTime') });
    await expect(proveShare(shareAt(withLeanProbe(broken), END), onlyAnalyst)).rejects.toThrow(
      /ALLOWED, NOT INTENDED: arn:aws:iam::222222222222:role\/Analyst kms:Decrypt \S+ \[viaService="s3.eu-west-1.amazonaws.com" encryptionContextArn="arn:aws:s3:::shared-bucket-proof\/analytics\/report.csv" currentTime="2027-06-30T00:00:00Z"\]/);
  }, PROOF_TIMEOUT);
});

describe('SharingMode.ACCESS_POINTS: a grant that ends', () => {
  let share: Share;
  beforeAll(() => {
    share = deployShare({
      sharingMode: SharingMode.ACCESS_POINTS,
      grants: [
        { accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'], expires: END },
        { accountId: STAYING, prefix: 'reports/', access: AccessLevel.READ, roleNames: ['Analyst'] },
      ],
      leanProbe: true,
    });
  });

  test.each([['one second before the end', BEFORE], ['at the end', END]])('%s, exactly as intended', async (_when, time) => {
    const proof = await proveShare(shareAt(share, time));
    const ended = allowedS3(reportOf(proof, /222222222222:role\/Analyst as deployed/));
    if (time === END) {
      expect(allowedCount(reportOf(proof, /222222222222:role\/Analyst allowing itself everything/))).toBe(0);
      expect(ended).toEqual([]);
    } else {
      expect(ended).toContain(`s3:GetObject @${share.accessPointArns[0].split('/')[1]} analytics/report.csv`);
    }
    expect(allowedS3(reportOf(proof, /333333333333:role\/Analyst as deployed/)).length).toBeGreaterThan(0);
  }, PROOF_TIMEOUT);
});

describe('an organization grant that ends, with its member role', () => {
  const OU = `${ORGANIZATION}/r-root/ou-root-aaaaaaaa/`;
  const memberships: Record<string, Membership> = {
    [CONSUMER]: { organizationId: ORGANIZATION, path: OU },
    [STAYING]: { organizationId: ORGANIZATION, path: OU },
  };
  let share: Share;
  beforeAll(() => {
    share = deployShare({
      grants: [],
      memberships,
      organizationGrants: [{ organizationId: ORGANIZATION, organizationalUnitPaths: [OU], roleName: 'SharedDataReader', access: AccessLevel.READ, expires: END }],
      leanProbe: true,
    });
  });

  test.each([['one second before the end', BEFORE], ['at the end', END]])('%s, exactly as intended', async (_when, time) => {
    const proof = await proveShare(shareAt(share, time));
    for (const account of [CONSUMER, STAYING]) {
      for (const variant of ['as deployed', 'an organization member, allowing itself everything']) {
        const report = reportOf(proof, new RegExp(`${account}:role/SharedDataReader.*${variant}`));
        if (time === END) {
          expect(allowedCount(report)).toBe(0);
        } else {
          expect(allowedS3(report)).toContain(`s3:GetObject ${account}/report.csv`);
        }
      }
    }
  }, PROOF_TIMEOUT);
});

describe('a ThirdPartyAccessRole that ends', () => {
  let share: Share;
  const accessRole = roleArn(OWNER, 'ThirdParty0Access');
  const vendor = roleArn(VENDOR, 'Integration');
  beforeAll(() => {
    share = deployShare({
      grants: [],
      thirdParties: [{ accountId: VENDOR, externalId: EXTERNAL_ID, prefix: 'vendor/', access: AccessLevel.READ, roleNames: ['Integration'], expires: END }],
      leanProbe: true,
    });
  });

  test.each([['one second before the end', BEFORE], ['at the end', END], ['a year after', '2028-06-30T00:00:00Z']])(
    'AssumeRole by the vendor as deployed, %s', async (_when, time) => {
      const outcomes = expectExactly(await evaluate(share.world, assumeRoleRequests(vendor, accessRole, EXTERNAL_ID, time),
        request => trustIntends(share.thirdPartyRoles[0].trust, request)), 'the vendor, as deployed, assuming the access role');
      expect(outcomes.allowed).toBe(time === BEFORE ? 2 : 0);
    });

  test.each([['one second before the end', BEFORE], ['at the end', END]])(
    '%s: who may assume the role, and what a session of it reaches, exactly as intended', async (_when, time) => {
      const proof = await proveShare(shareAt(share, time));
      expect(proof.assumeRole.filter(outcome => outcome.allowed)).toHaveLength(time === BEFORE ? 2 : 0);
      // The role's own policy, evaluated on every request of a session: one opened before the end reaches nothing after it.
      const session = reportOf(proof, /ThirdParty0Access, the owner's ThirdPartyAccessRole, once assumed/);
      if (time === END) {
        expect(allowedCount(session)).toBe(0);
      } else {
        expect(allowedS3(session)).toContain('s3:GetObject vendor/report.csv');
      }
    }, PROOF_TIMEOUT);

  test('a defect: the DateLessThan dropped from the trust policy turns the AssumeRole proof red', async () => {
    const broken = deployShare({
      grants: [],
      thirdParties: [{ accountId: VENDOR, externalId: EXTERNAL_ID, prefix: 'vendor/', access: AccessLevel.READ, roleNames: ['Integration'], expires: END }],
      leanProbe: true,
    });
    breakPolicies(broken.world, { trust: statement => withoutCondition(statement, 'aws:CurrentTime') });
    await expect(proveShare(shareAt(broken, END), () => false)).rejects.toThrow(
      /ALLOWED, NOT INTENDED: arn:aws:iam::444444444444:role\/Integration sts:AssumeRole arn:aws:iam::111111111111:role\/ThirdParty0Access \[externalId="vendor-7f3a9c" mfa=false currentTime="2027-06-30T00:00:00Z"\]/);
  }, PROOF_TIMEOUT);
});

/** Only the principals of the ended grant's account. */
function onlyAnalyst(principal: { arn: string }): boolean {
  return principal.arn === roleArn(CONSUMER, 'Analyst');
}
