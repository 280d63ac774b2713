/**
 * What the policies of a set of templates say of each bucket (its account, its bucket policy's
 * statements, the paths to it) and of the roles they define, each looked up once. Each lookup reads
 * every policy, and a review asks them for every path to a bucket: with 1,000 access points, the
 * lookups made it quadratic (issue 20).
 */
import { KnownPrincipal } from './evaluation';
import { Symbolic, sameSymbolic, symbolicText, symbolicValue } from './pattern';
import { Statement } from './policy';
import { PrincipalType, isMultivalued } from './request';
import { PolicySet } from './template';

/** One path to a bucket: the bucket itself, or one of its access points. */
export interface Path {
  readonly accessPoint?: {
    readonly name: Symbolic;
    readonly account: string;
    readonly region: string;
    readonly statements: readonly Statement[];
    readonly restrictPublicBuckets: boolean;
  };
}

export class PolicyIndex {
  private readonly found = new Map<string, unknown>();

  constructor(private readonly policies: PolicySet) {}

  /** The account of the bucket named `bucket`, where the templates say. */
  public account(bucket: string): string | undefined {
    return this.once(`account\u0000${bucket}`, () => {
      const facts = [
        ...this.policies.buckets.filter(item => symbolicText(item.name) === bucket),
        ...this.policies.policies.filter(item => item.kind === 'bucket policy' && item.bucket && symbolicText(item.bucket) === bucket),
      ];
      return facts.map(item => item.account).find(account => account !== undefined);
    });
  }

  /** The statements of the bucket's bucket policies. */
  public bucketStatements(bucket: string): readonly Statement[] {
    return this.once(`statements\u0000${bucket}`, () => this.policies.policies
      .filter(policy => policy.kind === 'bucket policy' && policy.bucket && symbolicText(policy.bucket) === bucket)
      .flatMap(policy => policy.statements));
  }

  /** The bucket itself, then each of its access points that has a policy. */
  public paths(bucket: string): readonly Path[] {
    return this.once(`paths\u0000${bucket}`, () => {
      const paths: Path[] = [{}];
      for (const policy of this.policies.policies) {
        if (policy.kind !== 'access point policy' || !policy.bucket || symbolicText(policy.bucket) !== bucket || !policy.accessPoint) continue;
        paths.push({
          accessPoint: {
            name: policy.accessPoint.name,
            account: policy.account ?? '',
            region: policy.region ?? '',
            statements: policy.statements,
            restrictPublicBuckets: policy.accessPoint.restrictPublicBuckets ?? true,
          },
        });
      }
      return paths;
    });
  }

  /** The roles the templates define, each with the identity policies they attach to it. */
  public knownPrincipals(): readonly KnownPrincipal[] {
    return this.once('known principals', () => {
      const out: KnownPrincipal[] = [];
      for (const trust of this.policies.policies.filter(policy => policy.kind === 'trust policy')) {
        if (!trust.account) continue;
        const path = trust.rolePaths![0];
        const identity = this.policies.policies.filter(policy => policy.kind === 'identity policy' && policy.account === trust.account
          && (policy.rolePaths ?? []).some(other => sameSymbolic(other, path)));
        const identityPolicies = identity.flatMap(policy => policy.statements);
        out.push({ account: trust.account, path: symbolicValue(path), type: PrincipalType.ROLE, identityPolicies });
      }
      return out;
    });
  }

  /** Per multivalued condition key (lower case), how many conditions of all the policies test it. */
  public multivaluedCounts(): ReadonlyMap<string, number> {
    return this.once('multivalued counts', () => {
      const counts = new Map<string, number>();
      for (const policy of this.policies.policies) {
        for (const statement of policy.statements) {
          for (const condition of statement.condition) {
            if (isMultivalued(condition.key)) counts.set(condition.key.toLowerCase(), (counts.get(condition.key.toLowerCase()) ?? 0) + 1);
          }
        }
      }
      return counts;
    });
  }

  private once<T>(key: string, find: () => T): T {
    if (!this.found.has(key)) this.found.set(key, find());
    return this.found.get(key) as T;
  }
}
