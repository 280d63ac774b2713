/**
 * Access proofs for ThirdPartyAccessRole and a third party's ConsumerReader: who may assume the
 * role (external id, MFA, named principals, accounts), and what the role reaches once assumed.
 */
import { trustIntends } from './intent';
import { allowedKms, allowedS3, deployShare, OWNER, proveShare, roleArn, Share, ThirdPartyConfig } from './scenario';
import { assumeRoleRequests, evaluate, expectExactly } from './sweep';
import { AccessLevel } from '../../lib';

const VENDOR = '444444444444';
const CONSUMER = '222222222222';
const EXTERNAL_ID = 'vendor-7f3a9c';
const PROOF_TIMEOUT = 120_000;

function vendorShare(thirdParty: Partial<ThirdPartyConfig> = {}, withConsumer: boolean = true): Share {
  return deployShare({
    grants: withConsumer ? [{ accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] }] : [],
    thirdParties: [{ accountId: VENDOR, externalId: EXTERNAL_ID, prefix: 'vendor-exports/', access: AccessLevel.READ, roleNames: ['Integration'], ...thirdParty }],
  });
}

describe('ThirdPartyAccessRole access, proved', () => {
  test('end to end: the vendor role, as deployed, assumes the role with the external id; the role reaches its prefix only', async () => {
    const share = vendorShare();
    const accessRole = roleArn(OWNER, 'ThirdParty0Access');
    const vendor = roleArn(VENDOR, 'Integration');
    // The vendor's own ConsumerReader policy: AssumeRole on that role, with its external id.
    const assume = await evaluate(share.world, assumeRoleRequests(vendor, accessRole, EXTERNAL_ID),
      request => trustIntends(share.thirdPartyRoles[0].trust, request));
    expectExactly(assume, 'the vendor, as deployed, assuming the access role');
    expect(assume.filter(outcome => outcome.allowed).map(outcome => outcome.request.options?.externalId)).toEqual([EXTERNAL_ID, EXTERNAL_ID]);

    const proof = await proveShare(share);
    const roleReport = proof.principals.find(report => report.principal.startsWith(accessRole))!;
    expect(new Set(allowedS3(roleReport).map(request => request.split(' ')[0]))).toEqual(new Set(['s3:GetObject', 's3:ListBucket']));
    expect(allowedS3(roleReport).every(request => / (vendor-exports\/|prefix=vendor-exports\/)/.test(request))).toBe(true);
    // The vendor's own roles reach nothing on the bucket directly, even allowing themselves everything.
    const vendorDirect = proof.principals.find(report => report.principal.startsWith(vendor))!;
    expect(vendorDirect.s3.allowed + vendorDirect.kms.allowed).toBe(0);
  }, PROOF_TIMEOUT);

  test('an existingBucket whose key policy has no statement for the account root: the role uses the key through its own key statement', async () => {
    // Before issue 21 only the role's own policy allowed the key, which such a key policy does not let it do: every read was denied.
    const share = deployShare({
      existingBucket: true,
      keyWithoutAccountRoot: true,
      grants: [{ accountId: CONSUMER, prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] }],
      thirdParties: [{ accountId: VENDOR, externalId: EXTERNAL_ID, prefix: 'vendor-exports/', access: AccessLevel.READ, roleNames: ['Integration'] }],
    });
    const proof = await proveShare(share);
    const roleReport = proof.principals.find(report => report.principal.startsWith(roleArn(OWNER, 'ThirdParty0Access')))!;
    expect(roleReport.data.allowed).toBeGreaterThan(0);
    expect(allowedKms(roleReport).every(request => request.startsWith('kms:Decrypt via=s3.eu-west-1.amazonaws.com '))).toBe(true);
  }, PROOF_TIMEOUT);

  test('the role alone, on a bucket with no consumer grants', async () => {
    const proof = await proveShare(vendorShare({}, false));
    expect(proof.assumeRole.filter(outcome => outcome.allowed)).toHaveLength(2);
  }, PROOF_TIMEOUT);

  test('requireMfa: AssumeRole needs MFA as well as the external id', async () => {
    const proof = await proveShare(vendorShare({ requireMfa: true }));
    const allowed = proof.assumeRole.filter(outcome => outcome.allowed).map(outcome => outcome.request);
    expect(allowed).toEqual([expect.objectContaining({ principal: roleArn(VENDOR, 'Integration'), options: { externalId: EXTERNAL_ID, mfa: true } })]);
  }, PROOF_TIMEOUT);

  test('a trust without named principals admits any role of the vendor account with the external id, and no other account', async () => {
    const proof = await proveShare(vendorShare({ roleNames: undefined, access: AccessLevel.READ_WRITE, allowDelete: true }));
    const callers = new Set(proof.assumeRole.filter(outcome => outcome.allowed).map(outcome => outcome.request.principal));
    expect([...callers].sort()).toEqual([roleArn(VENDOR, 'AnyRole'), roleArn(VENDOR, 'NotNamedInTheTrust')]);
  }, PROOF_TIMEOUT);

  test('a write-only, whole-bucket third-party role', async () => {
    await proveShare(vendorShare({ prefix: undefined, access: AccessLevel.WRITE }));
  }, PROOF_TIMEOUT);
});
