/**
 * What the policies of a set of templates say of each bucket (its account, its bucket policy's
 * statements, the paths to it) and of the roles they define, each looked up once. Each lookup reads
 * every policy, and a review asks them for every path to a bucket: with 1,000 access points, the
 * lookups made it quadratic.
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

  /**
   * @param identitiesFromTemplates every role the templates attach identity policies to is held to
   *   them, whether the templates create it or not (PolicyAnalyzer.withIdentitiesFromTemplates)
   */
  constructor(private readonly policies: PolicySet, private readonly identitiesFromTemplates = false) {}

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

  /**
   * The roles the templates define, each with the identity policies they attach to it; with
   * identitiesFromTemplates, also the roles they only attach identity policies to.
   */
  public knownPrincipals(): readonly KnownPrincipal[] {
    return this.once('known principals', () => {
      const out: KnownPrincipal[] = [];
      const identity = this.policies.policies.filter(policy => policy.kind === 'identity policy');
      const add = (account: string, path: Symbolic) => {
        if (out.some(known => known.account === account && JSON.stringify(known.path) === JSON.stringify(symbolicValue(path)))) return;
        const identityPolicies = identity
          .filter(policy => policy.account === account && (policy.rolePaths ?? []).some(other => sameSymbolic(other, path)))
          .flatMap(policy => policy.statements);
        out.push({ account, path: symbolicValue(path), type: PrincipalType.ROLE, identityPolicies });
      };
      for (const trust of this.policies.policies.filter(policy => policy.kind === 'trust policy')) {
        if (trust.account) add(trust.account, trust.rolePaths![0]);
      }
      if (this.identitiesFromTemplates) {
        for (const policy of identity) {
          if (policy.account) (policy.rolePaths ?? []).forEach(path => add(policy.account!, path));
        }
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
