/**
 * Random share configurations (fast-check): 1 to 8 consumers over a few accounts, awkward and
 * overlapping prefixes, every access level, with and without named roles, allowDelete and an
 * organization, and in about one run in ten one or two organization grants (units, role
 * name, shared prefix or each account's own). For each, every principal's allowed requests are exactly its intended ones, so
 * no principal reaches another's prefix: for every request (the complete proof), and in one run in
 * SWEEP_EVERY on the lean sweep of iam-simulate too (the actions any level grants and their
 * dangerous neighbours); the full catalogue runs in the scenario proofs.
 *
 * The runs are split over two test files so that jest proves them on two cores at once.
 */
import * as fc from 'fast-check';
import { deployShare, GrantConfig, Membership, ORGANIZATION, OrganizationGrantConfig, proveShare, proveShareCompletely, ShareConfig } from './scenario';
import { AccessLevel } from '../../lib';

const ACCOUNTS = ['222222222222', '333333333333', '444444444444', '555555555555'];

/** Configurations per CI run, over both files: at least 200. ACCESS_PROOF_RUNS lowers it for a quick local run. */
export const TOTAL_RUNS = Number(process.env.ACCESS_PROOF_RUNS ?? 200);

const awkwardPrefix = fc.oneof(
  fc.constantFrom(
    'data/', 'data-archive/', 'data/archive/', 'Data/', 'data.backup/', 'a/', 'a/b/', 'a/b/c/',
    'x y/', 'données/', '2024/01/', 'team_a/', 'team-a/', 'team+a/', 'a=b&c/', '%2F/', 'dir//', 'ü/ß/',
  ),
  fc.stringMatching(/^[a-z0-9][a-zA-Z0-9._ -]{0,12}\/([a-z0-9]{1,4}\/)?$/),
);

const grant = (index: number): fc.Arbitrary<GrantConfig> => fc.record({
  accountId: fc.constantFrom(...ACCOUNTS),
  prefix: fc.option(awkwardPrefix, { nil: undefined, freq: 8 }),
  access: fc.constantFrom(AccessLevel.READ, AccessLevel.WRITE, AccessLevel.READ_WRITE),
  allowDelete: fc.boolean(),
  roleNames: fc.option(
    fc.integer({ min: 1, max: 2 }).map(count => Array.from({ length: count }, (_, role) => `Grant${index}Role${role}`)),
    { nil: undefined, freq: 3 }),
});

/** The organization's units in the random configurations: two accounts in A, one in a unit below A, one in C. */
const UNIT_A = `${ORGANIZATION}/r-rand/ou-rand-aaaaaaaa/`;
const UNIT_C = `${ORGANIZATION}/r-rand/ou-rand-cccccccc/`;
const PATHS = [UNIT_A, UNIT_A, `${UNIT_A}ou-rand-bbbbbbbb/`, UNIT_C];

const organizationGrant: fc.Arbitrary<OrganizationGrantConfig> = fc.record({
  organizationId: fc.constant(ORGANIZATION),
  organizationalUnitPaths: fc.option(fc.constantFrom([UNIT_A], [UNIT_C], [UNIT_A, UNIT_C]), { nil: undefined }),
  roleName: fc.option(fc.constant('OrganizationReader'), { nil: undefined }),
  sharedPrefix: fc.option(awkwardPrefix, { nil: undefined }),
  access: fc.constantFrom(AccessLevel.READ, AccessLevel.WRITE, AccessLevel.READ_WRITE),
  allowDelete: fc.boolean(),
});

export const configuration: fc.Arbitrary<ShareConfig> = fc.integer({ min: 1, max: 8 })
  .chain(count => fc.tuple(...Array.from({ length: count }, (_, index) => grant(index))))
  .chain(grants => fc.record({
    grants: fc.constant(grants),
    organizationAccounts: fc.option(fc.subarray(ACCOUNTS), { nil: undefined }),
    // In about one run in ten, one or two organization grants as well (each adds a dozen principals to prove).
    organizationGrants: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.array(organizationGrant, { minLength: 1, maxLength: 2 }) },
    ),
  }))
  .map(({ grants, organizationAccounts, organizationGrants }) => ({
    grants,
    organizationId: organizationAccounts === undefined ? undefined : ORGANIZATION,
    organizationAccounts,
    organizationGrants,
    // The accounts of the organization, with their units: all of them, or those organizationAccounts names.
    memberships: organizationGrants === undefined ? undefined : Object.fromEntries(ACCOUNTS
      .map((account, index): [string, Membership] => [account, { organizationId: ORGANIZATION, path: PATHS[index] }])
      .filter(([account]) => organizationAccounts === undefined || organizationAccounts.includes(account))),
    deployConsumers: false,
    leanProbe: true,
  }));

/**
 * Every configuration is proved complete (complete.ts: every request, z3); one in SWEEP_EVERY is
 * also swept with iam-simulate (the second opinion, on the lean sweep), where the sweep proves less
 * than the complete proof and cost most of the time.
 */
export const SWEEP_EVERY = 4;

/** Proves `runs` random configurations; returns the questions asked of z3 and the requests swept. */
export async function proveRandomConfigurations(runs: number): Promise<{ questions: number; requests: number; swept: number }> {
  const totals = { questions: 0, requests: 0, swept: 0 };
  let run = 0;
  await fc.assert(fc.asyncProperty(configuration, async config => {
    const share = deployShare(config);
    if (run++ % SWEEP_EVERY === 0) {
      const proof = await proveShare(share);
      totals.requests += proof.requests;
      totals.questions += proof.complete.questions;
      totals.swept++;
    } else {
      totals.questions += (await proveShareCompletely(share)).questions;
    }
  }), { numRuns: runs });
  return totals;
}
