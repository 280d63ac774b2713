/**
 * Deliberate defects for the proofs that must go red (defects.access.test.ts,
 * access-points.access.test.ts): rewrite the statements of chosen policies in a deployed World
 * the way a regression in lib/ would.
 */
import { PolicyDocument, World } from './world';

/** The statement as the regression would write it; undefined drops it. */
export type StatementEdit = (statement: any) => any;

/** Which policies to rewrite; each edit sees every statement of its policies. */
export interface Breakage {
  readonly bucket?: StatementEdit;
  readonly key?: StatementEdit;
  /** Access point policies of `accessPointAccount` (the owner's, not an outsider's). */
  readonly accessPoints?: StatementEdit;
  readonly accessPointAccount?: string;
  readonly trust?: StatementEdit;
  readonly identities?: StatementEdit;
}

/** The same edit on every bucket, key, trust and identity policy. */
export function everywhere(edit: StatementEdit): Breakage {
  return { bucket: edit, key: edit, trust: edit, identities: edit };
}

/** Rewrites every statement of the chosen policies in the world. */
export function breakPolicies(world: World, where: Breakage): void {
  const rewrite = (policy: PolicyDocument, edit: StatementEdit): PolicyDocument => ({
    ...policy,
    Statement: [policy.Statement].flat().map(statement => edit({ ...statement })).filter(statement => statement !== undefined),
  });
  for (const bucket of world.buckets.values()) {
    if (bucket.policy !== undefined && where.bucket !== undefined) {
      bucket.policy = rewrite(bucket.policy, where.bucket);
    }
  }
  for (const key of world.keys.values()) {
    if (where.key !== undefined) {
      key.policy = rewrite(key.policy, where.key);
    }
  }
  for (const accessPoint of world.accessPoints.values()) {
    if (accessPoint.policy !== undefined && accessPoint.account === where.accessPointAccount && where.accessPoints !== undefined) {
      accessPoint.policy = rewrite(accessPoint.policy, where.accessPoints);
    }
  }
  for (const principal of world.principals.values()) {
    if (principal.trustPolicy !== undefined && where.trust !== undefined) {
      principal.trustPolicy = rewrite(principal.trustPolicy, where.trust);
    }
    if (where.identities !== undefined) {
      const edit = where.identities;
      principal.identityPolicies.splice(0, principal.identityPolicies.length,
        ...principal.identityPolicies.map(({ name, policy }) => ({ name, policy: rewrite(policy, edit) })));
    }
  }
}

/** The statement without condition key `key` (under any operator); no Condition left when it was the last. */
export function withoutCondition(statement: any, key: string): any {
  if (statement.Condition === undefined) {
    return statement;
  }
  const condition = Object.fromEntries(Object.entries(statement.Condition as Record<string, Record<string, unknown>>)
    .map(([operator, keys]) => [operator, Object.fromEntries(Object.entries(keys).filter(([name]) => name !== key))])
    .filter(([, keys]) => Object.keys(keys as object).length > 0));
  return Object.keys(condition).length === 0 ? (({ Condition: _dropped, ...rest }) => rest)(statement) : { ...statement, Condition: condition };
}
