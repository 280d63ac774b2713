/**
 * IAM's evaluation rules, as formulas over the request
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 *
 * - an explicit Deny in any document that applies wins;
 * - across accounts, the resource's policy and the caller's identity policy must both allow
 *   (reference_policies_evaluation-logic-cross-account.html);
 * - within one account, a resource policy that names the principal allows on its own; one that
 *   names the account delegates to the account's identity policies (reference_policies_elements_principal.html#principal-accounts);
 * - a KMS key policy and a role's trust policy must allow in every case: naming the account only
 *   lets its identity policies decide (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam);
 * - a request through an access point needs the access point's policy and the bucket's policy
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html).
 *
 * A principal whose identity policies are in the analyzed templates (a role the app creates) is
 * held to them; any other principal's identity policies are unknown and may allow anything, as IAM
 * Access Analyzer assumes of principals outside the zone it reads.
 */
import { ResourceChoice, EncodeOptions, appliesTerm, principalMatch } from './encode';
import { Value } from './pattern';
import { Statement } from './policy';
import { PRINCIPAL_PATH, PrincipalType } from './request';
import { FALSE, Term, and, not, or } from './terms';

/** A principal the templates define, with the identity policies they attach to it. */
export interface KnownPrincipal {
  readonly account: string;
  /** The part of its ARN after the account: `role/<path><name>`, with unknowns where CloudFormation names it. */
  readonly path: Value;
  readonly type: PrincipalType.ROLE | PrincipalType.USER;
  readonly identityPolicies: readonly Statement[];
}

/** A statement's part in an answer: its formula, named so the model tells whether it applied. */
export interface Evidence {
  readonly statement: Statement;
  readonly term: Term;
}

export interface Decision {
  readonly allowed: Term;
  /** Allow statements of each document, and every Deny. */
  readonly evidence: readonly Evidence[];
  /** Per document the request needs, whether it allows (for "what is missing"). */
  readonly documents: ReadonlyArray<{ readonly name: string; readonly allows: Term }>;
}

export interface ResourcePolicyDocument {
  readonly name: string;
  readonly statements: readonly Statement[];
  readonly resources: readonly ResourceChoice[];
  /** Key policies and trust policies: naming the account never grants on its own. */
  readonly strict: boolean;
  /**
   * The account that owns the document's resource, when it is not the request's owner (an access
   * point in another account than its bucket): "same account" is the principal's and this one
   * (reference_policies_evaluation-logic-cross-account.html). @default DecisionInput.owner
   */
  readonly account?: string;
  /** S3 Block Public Access restricts this document: it is public and RestrictPublicBuckets is on (public-access.ts). */
  readonly restrictPublic?: boolean;
}

interface ResourceVerdict {
  readonly direct: Term;
  readonly account: Term;
  readonly deny: Term;
  readonly evidence: Evidence[];
}

function resourceVerdict(document: ResourcePolicyDocument, encode: EncodeOptions): ResourceVerdict {
  const direct: Term[] = [];
  const account: Term[] = [];
  const deny: Term[] = [];
  const evidence: Evidence[] = [];
  for (const statement of document.statements) {
    const applies = appliesTerm(statement, document.resources, encode);
    if (applies === FALSE) continue;
    let match = { direct: FALSE, account: FALSE };
    if (statement.principal) {match = principalMatch(statement.principal, statement, encode);} else if (statement.notPrincipal) {
      const named = principalMatch(statement.notPrincipal, statement, encode);
      match = { direct: not(or(named.direct, named.account)), account: FALSE };
    }
    if (statement.effect === 'Deny') {
      const term = and(applies, or(match.direct, match.account));
      deny.push(term);
      evidence.push({ statement, term });
    } else {
      direct.push(and(applies, match.direct));
      account.push(and(applies, match.account));
      evidence.push({ statement, term: and(applies, or(match.direct, match.account)) });
    }
  }
  return { direct: or(...direct), account: or(...account), deny: or(...deny), evidence };
}

function identityVerdict(principals: readonly KnownPrincipal[], resources: readonly ResourceChoice[], encode: EncodeOptions, unknownAllows: Term) {
  const { model } = encode;
  const solver = model.solver;
  const allow: Term[] = [];
  const deny: Term[] = [];
  const isKnown: Term[] = [];
  const evidence: Evidence[] = [];
  for (const principal of principals) {
    const is = and(model.principalIs(principal.type), model.accountIs(principal.account),
      matchPath(solver, principal.path));
    isKnown.push(is);
    for (const statement of principal.identityPolicies) {
      const term = and(is, appliesTerm(statement, resources, encode));
      if (term === FALSE) continue;
      (statement.effect === 'Deny' ? deny : allow).push(term);
      evidence.push({ statement, term });
    }
  }
  // The root user holds every permission of its own account's identity side.
  const root = model.principalIs(PrincipalType.ROOT);
  const unknown = and(model.isIamPrincipal, not(root), not(or(...isKnown)), unknownAllows);
  return { allow: or(root, unknown, ...allow), deny: or(...deny), evidence };
}

function matchPath(solver: EncodeOptions['model']['solver'], path: Value): Term {
  if (path.every(part => typeof part === 'string')) {
    return solver.membership(PRINCIPAL_PATH, `(str.to_re "${(path as string[]).join('').replace(/"/g, '""')}")`);
  }
  const parts = path.map(part => typeof part === 'string' ? `"${part.replace(/"/g, '""')}"` : `|${part.variable}|`);
  const variables = [PRINCIPAL_PATH, ...path.flatMap(part => typeof part === 'string' ? [] : [part.variable])];
  return solver.constraint(variables, `(= |${PRINCIPAL_PATH}| ${parts.length === 1 ? parts[0] : `(str.++ ${parts.join(' ')})`})`);
}

export interface DecisionInput {
  /** The account that owns the resource (bucket, access point, key, role). */
  readonly owner: string;
  /** The resource policies the request needs, all of them (a bucket's policy and an access point's). */
  readonly documents: readonly ResourcePolicyDocument[];
  /** The resource as identity policies see it. */
  readonly identityResources: readonly ResourceChoice[];
  readonly principals: readonly KnownPrincipal[];
}

/**
 * Whether IAM allows the request: the formula, the statements behind it, and each document's part.
 */
export function decide(input: DecisionInput, encode: EncodeOptions): Decision {
  const { model } = encode;
  const unknownAllows = model.solver.declare('identity:unknown-principal-allows', 'Bool');
  const identity = identityVerdict(input.principals, input.identityResources, encode, unknownAllows);
  const anonymous = model.principalIs(PrincipalType.ANONYMOUS);
  const service = model.principalIs(PrincipalType.SERVICE);
  const evidence: Evidence[] = [...identity.evidence];
  const documents: Array<{ name: string; allows: Term }> = [];
  const grants: Term[] = [];
  const denies: Term[] = [identity.deny];
  for (const document of input.documents) {
    const verdict = resourceVerdict(document, encode);
    const sameAccount = and(model.isIamPrincipal, model.accountIs(document.account ?? input.owner));
    evidence.push(...verdict.evidence);
    denies.push(verdict.deny);
    const byIdentity = and(model.isIamPrincipal, identity.allow);
    const grant = or(
      // Anonymous callers and services have no identity policy: the resource policy decides.
      and(or(anonymous, service), verdict.direct),
      and(model.isIamPrincipal, document.strict
        ? or(and(verdict.direct, or(sameAccount, byIdentity)), and(verdict.account, byIdentity))
        : or(and(verdict.direct, or(sameAccount, byIdentity)), and(verdict.account, byIdentity), and(sameAccount, byIdentity))),
    );
    grants.push(grant);
    // What the document grants by itself, for "what is missing" (identity is its own entry).
    documents.push({ name: document.name, allows: or(verdict.direct, verdict.account) });
  }
  // S3 Block Public Access (public-access.ts): a public policy with RestrictPublicBuckets serves AWS
  // services and the principals of the owner's account (and of the access point's) only.
  if (input.documents.some(document => document.restrictPublic)) {
    const accounts = [...new Set([input.owner, ...input.documents.flatMap(document => document.account ? [document.account] : [])])];
    const spared = or(service, and(model.isIamPrincipal, or(...accounts.map(account => model.accountIs(account)))));
    grants.push(spared);
    documents.push({ name: 'Block Public Access (RestrictPublicBuckets)', allows: spared });
  }
  documents.push({ name: 'identity policy', allows: or(anonymous, service, identity.allow) });
  return { allowed: and(...grants, not(or(...denies))), evidence, documents };
}
