/**
 * Access proofs for organization grants (SharedBucket organizationGrants). The request context
 * carries `aws:PrincipalOrgID` and the multi-valued `aws:PrincipalOrgPaths` of each account:
 *
 * - two accounts of the granted OU, through the member role (as deployed: the member template of
 *   OrganizationConsumers' StackSet, resolved per account; and allowing itself everything), reach
 *   their own prefix and not each other's;
 * - an account in an OU below the granted one is included;
 * - the same OU with another role name, another OU of the same organization, another organization
 *   with a look-alike path, and no organization get nothing;
 * - a shared-prefix grant, and both in SharingMode.ACCESS_POINTS;
 * - deliberate defects (a prefix without the variable, a dropped aws:PrincipalOrgPaths) turn the
 *   proofs red.
 */
import { breakPolicies, StatementEdit, withoutCondition } from './breakage';
import { allowedS3, deployShare, Membership, proveShare, Share, ShareConfig } from './scenario';
import { AccessLevel, SharingMode } from '../../lib';

const PROOF_TIMEOUT = 240_000;
const ORGANIZATION = 'o-proof12345';
const OU = `${ORGANIZATION}/r-root/ou-root-aaaaaaaa/`;
const FIRST = '222222222222';
const SECOND = '333333333333';
const BELOW = '444444444444';
const OTHER_OU = '555555555555';
const OTHER_ORGANIZATION = '666666666666';

const MEMBERSHIPS: Record<string, Membership> = {
  [FIRST]: { organizationId: ORGANIZATION, path: OU },
  [SECOND]: { organizationId: ORGANIZATION, path: OU },
  [BELOW]: { organizationId: ORGANIZATION, path: `${OU}ou-root-bbbbbbbb/` },
  [OTHER_OU]: { organizationId: ORGANIZATION, path: `${ORGANIZATION}/r-root/ou-root-cccccccc/` },
  // Another organization whose path looks like the granted one but for its id.
  [OTHER_ORGANIZATION]: { organizationId: 'o-other12345', path: 'o-other12345/r-root/ou-root-aaaaaaaa/' },
};

function organizationShare(extra: Partial<ShareConfig> = {}): Share {
  return deployShare({
    grants: [],
    memberships: MEMBERSHIPS,
    organizationGrants: [{ organizationId: ORGANIZATION, organizationalUnitPaths: [OU], roleName: 'SharedDataReader', access: AccessLevel.READ }],
    ...extra,
  });
}

/** The S3 requests the report of `description` allowed, in short form. */
function allowedFor(proof: Awaited<ReturnType<typeof proveShare>>, description: RegExp): string[] {
  const report = proof.principals.find(candidate => description.test(candidate.principal));
  if (report === undefined) {
    throw new Error(`No report matches ${description}: ${proof.principals.map(candidate => candidate.principal).join('; ')}`);
  }
  return allowedS3(report);
}

describe('organization grants, proved', () => {
  test('members of the OU, and of the OU below it, each reach their own prefix through the member role; nobody else reaches anything', async () => {
    const proof = await proveShare(organizationShare());
    for (const account of [FIRST, SECOND, BELOW]) {
      for (const variant of ['as deployed', 'allowing itself everything']) {
        const allowed = allowedFor(proof, new RegExp(`${account}:role/SharedDataReader.*${variant}`));
        expect(allowed.length).toBeGreaterThan(0);
        expect(allowed.every(request => request.includes(`${account}/`))).toBe(true);
      }
    }
    for (const account of [OTHER_OU, OTHER_ORGANIZATION]) {
      expect(allowedFor(proof, new RegExp(`${account}:role/SharedDataReader`))).toEqual([]);
    }
    for (const account of Object.keys(MEMBERSHIPS)) {
      expect(allowedFor(proof, new RegExp(`${account}:role/NotTheMemberRole`))).toEqual([]);
    }
    expect(allowedFor(proof, /Outsider/)).toEqual([]);
  }, PROOF_TIMEOUT);

  test('a shared prefix: every member of the organization reads and writes it, with any role', async () => {
    const proof = await proveShare(organizationShare({
      leanProbe: true,
      organizationGrants: [{ organizationId: ORGANIZATION, sharedPrefix: 'reference/', access: AccessLevel.READ_WRITE }],
    }));
    expect(allowedFor(proof, new RegExp(`${OTHER_OU}:role/AnyMemberRole`)).some(request => request.startsWith('s3:PutObject reference/'))).toBe(true);
    expect(allowedFor(proof, new RegExp(`${OTHER_ORGANIZATION}:role/AnyMemberRole`))).toEqual([]);
  }, PROOF_TIMEOUT);

  test('SharingMode.ACCESS_POINTS: through the grant\'s own access point, the same reach, also for the member role as deployed', async () => {
    const proof = await proveShare(organizationShare({ sharingMode: SharingMode.ACCESS_POINTS, leanProbe: true }));
    for (const variant of ['as deployed', 'allowing itself everything']) {
      const first = allowedFor(proof, new RegExp(`${FIRST}:role/SharedDataReader.*${variant}`));
      expect(first.length).toBeGreaterThan(0);
      expect(first.every(request => request.includes(`${FIRST}/`) && request.includes(' @'))).toBe(true);
    }
    expect(allowedFor(proof, new RegExp(`${OTHER_OU}:role/SharedDataReader`))).toEqual([]);
  }, PROOF_TIMEOUT);

  describe('deliberate defects turn the proofs red', () => {
    const everywhereOnOwner = (edit: StatementEdit) => ({ bucket: edit, key: edit });

    test('a prefix without the variable: one member reaches another\'s prefix', async () => {
      const broken = organizationShare({ deployConsumers: false, leanProbe: true });
      breakPolicies(broken.world, everywhereOnOwner(statement => JSON.parse(JSON.stringify(statement).split('${aws:PrincipalAccount}/').join(''))));
      await expect(proveShare(broken)).rejects.toThrow(new RegExp(`ALLOWED, NOT INTENDED: arn:aws:iam::${FIRST}:role/SharedDataReader s3:GetObject arn:aws:s3:::shared-bucket-proof/${SECOND}/`));
    }, PROOF_TIMEOUT);

    test('a dropped aws:PrincipalOrgPaths: another OU of the organization gets in', async () => {
      const broken = organizationShare({ deployConsumers: false, leanProbe: true });
      breakPolicies(broken.world, everywhereOnOwner(statement => withoutCondition(statement, 'aws:PrincipalOrgPaths')));
      await expect(proveShare(broken)).rejects.toThrow(new RegExp(`ALLOWED, NOT INTENDED: arn:aws:iam::${OTHER_OU}:role/SharedDataReader s3:GetObject`));
    }, PROOF_TIMEOUT);
  });
});
