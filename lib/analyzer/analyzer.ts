/**
 * The analyzer's questions, over the policies a set of templates deploys:
 * - is this request allowed, and by which statements (or what denies it, what is missing)?
 * - is any request of a kind allowed (a principal outside an account, an action in a set)? With a
 *   concrete request as the witness;
 * - does one set of policies allow a request another does not? With the request.
 *
 * Each question is one satisfiability query (Backes et al., FMCAD 2018: "does B allow more than A"
 * is "B and not A" satisfiable; the model is the counterexample).
 */
import { ResourceChoice, Unknowns, parseDate } from './encode';
import { Decision, DecisionInput, KnownPrincipal, ResourcePolicyDocument, decide } from './evaluation';
import { Symbolic, Value, smtString } from './pattern';
import { Statement, describeSource } from './policy';
import { isPublicPolicy } from './public-access';
import { ACTIONS, ACTION, KeyValue, OBJECT_KEY, PRINCIPAL_ACCOUNT, PRINCIPAL_PATH, PRINCIPAL_SERVICE, PrincipalType, RequestModel, actionIn, actionIndex, isMultivalued } from './request';
import { Solver, SolverModel } from './solver';
import { PolicySet } from './template';
import { FALSE, Term, TRUE, and, decimal, integer, not, or } from './terms';

/** A request, as `explain` takes it. */
export interface AccessRequest {
  /** An IAM ARN (`arn:aws:iam::<account>:role/<name>`, `...:user/<name>`, `...:root`), `anonymous`, or a service principal. */
  readonly principal: string;
  readonly action: string;
  readonly bucket: string;
  /** The object key, for object actions. */
  readonly key?: string;
  /** An access point of the bucket, by name, that the request goes through. */
  readonly accessPoint?: string;
  /** Values of condition keys; keys not given are absent, except aws:SecureTransport (true) and aws:CurrentTime (now). */
  readonly context?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

/** A request the solver found, written out. */
export interface FoundRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly accessPoint?: string;
  readonly context: Readonly<Record<string, string | number | boolean | string[]>>;
  /** Statements that allow it. */
  readonly allowedBy: readonly string[];
  /** Unknowns it relies on, with the values it takes them at. */
  readonly assuming: readonly string[];
}

export interface AccessAnswer {
  readonly allowed: boolean;
  /** Allowed for some values of what the analyzer does not know, denied for others. */
  readonly undecided: boolean;
  readonly allowedBy: readonly string[];
  readonly deniedBy: readonly string[];
  /** Documents the request needs that do not allow it. */
  readonly missing: readonly string[];
  readonly assuming: readonly string[];
  /** Condition keys the policies test that nothing ties to the request: absent unless given. */
  readonly freeKeys: readonly string[];
}

export interface AccessQuestion {
  readonly bucket: string;
  /** Only principals outside this account (default: any principal). */
  readonly outsideAccount?: string;
  /** Only these actions (default: every S3 action on the bucket or its objects). */
  readonly actions?: readonly string[];
  /** Only requests at this time (default: any time). */
  readonly at?: Date;
}

/** One path to a bucket: the bucket itself, or one of its access points. */
interface Path {
  readonly accessPoint?: {
    readonly name: Symbolic;
    readonly account: string;
    readonly region: string;
    readonly statements: readonly Statement[];
    readonly restrictPublicBuckets: boolean;
  };
}

function text(symbolic: Symbolic): string | undefined {
  return symbolic.every(part => typeof part === 'string') ? symbolic.join('') : undefined;
}

function value(symbolic: Symbolic): Value {
  return symbolic.map(part => typeof part === 'string' ? part : { variable: `unknown:${part.unknown}` });
}

function sameSymbolic(a: Symbolic, b: Symbolic): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The policies of a set of templates, and the questions they answer. */
export class PolicyAnalyzer {
  public static async create(policies: PolicySet): Promise<PolicyAnalyzer> {
    return new PolicyAnalyzer(policies, await Solver.create());
  }

  private constructor(public readonly policies: PolicySet, private readonly solver: Solver) {}

  /** Every bucket the templates create or write a policy for, by name (unknown names left out). */
  public bucketNames(): string[] {
    const names = new Set<string>();
    for (const bucket of this.policies.buckets) {
      const name = text(bucket.name);
      if (name) names.add(name);
    }
    for (const policy of this.policies.policies) {
      const name = policy.bucket && policy.kind === 'bucket policy' ? text(policy.bucket) : undefined;
      if (name) names.add(name);
    }
    return [...names].sort();
  }

  private bucketAccount(bucket: string): string | undefined {
    const facts = [...this.policies.buckets.filter(item => text(item.name) === bucket), ...this.policies.policies.filter(item => item.kind === 'bucket policy' && item.bucket && text(item.bucket) === bucket)];
    return facts.map(item => item.account).find(account => account !== undefined);
  }

  private bucketStatements(bucket: string): Statement[] {
    return this.policies.policies.filter(policy => policy.kind === 'bucket policy' && policy.bucket && text(policy.bucket) === bucket).flatMap(policy => policy.statements);
  }

  private paths(bucket: string): Path[] {
    const paths: Path[] = [{}];
    for (const policy of this.policies.policies) {
      if (policy.kind !== 'access point policy' || !policy.bucket || text(policy.bucket) !== bucket || !policy.accessPoint) continue;
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
  }

  private knownPrincipals(): KnownPrincipal[] {
    const out: KnownPrincipal[] = [];
    for (const trust of this.policies.policies.filter(policy => policy.kind === 'trust policy')) {
      if (!trust.account) continue;
      const path = trust.rolePaths![0];
      const identity = this.policies.policies.filter(policy => policy.kind === 'identity policy' && policy.account === trust.account
        && (policy.rolePaths ?? []).some(other => sameSymbolic(other, path)));
      const identityPolicies = identity.flatMap(policy => policy.statements);
      out.push({ account: trust.account, path: value(path), type: PrincipalType.ROLE, identityPolicies });
    }
    return out;
  }

  /** The formula "IAM allows the request" for requests to `bucket` through `path`. */
  private decision(bucket: string, path: Path, model: RequestModel, unknowns: Unknowns): Decision & { actions: Term } {
    const owner = this.bucketAccount(bucket) ?? 'unknown';
    const objectActions = ACTIONS.flatMap((action, index) => action.s3Kind === 'object' || action.s3Kind === 'both' ? [index] : []);
    const bucketActions = ACTIONS.flatMap((action, index) => action.s3Kind === 'bucket' ? [index] : []);
    const isObject = actionIn(objectActions);
    const isBucket = actionIn(bucketActions);
    const key = { variable: OBJECT_KEY };
    const bucketResources: ResourceChoice[] = [
      { when: isObject, value: ['arn:aws:s3:::', bucket, '/', key] },
      { when: isBucket, value: ['arn:aws:s3:::', bucket] },
    ];
    const encode = { model, unknowns };
    const statements = this.bucketStatements(bucket);
    const restricts = this.policies.buckets.some(item => text(item.name) === bucket && item.restrictPublicBuckets === true);
    const documents: ResourcePolicyDocument[] = [{
      name: 'bucket policy', statements, resources: bucketResources, strict: false, restrictPublic: restricts && isPublicPolicy(statements),
    }];
    let identityResources = bucketResources;
    if (path.accessPoint) {
      const arn: Value = [`arn:aws:s3:${path.accessPoint.region}:${path.accessPoint.account}:accesspoint/`, ...value(path.accessPoint.name)];
      identityResources = [
        { when: isObject, value: [...arn, '/object/', key] },
        { when: isBucket, value: arn },
      ];
      documents.unshift({
        name: 'access point policy',
        statements: path.accessPoint.statements,
        resources: identityResources,
        strict: false,
        account: path.accessPoint.account,
        restrictPublic: (path.accessPoint.restrictPublicBuckets || restricts) && isPublicPolicy(path.accessPoint.statements),
      });
    }
    const input: DecisionInput = { owner, documents, identityResources, principals: this.knownPrincipals() };
    return { ...decide(input, encode), actions: or(isObject, isBucket) };
  }

  private requestModel(path: Path): RequestModel {
    const fixed = new Map<string, KeyValue>();
    // s3:DataAccessPointArn and s3:DataAccessPointAccount are in a request exactly when it goes
    // through an access point (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html#access-points-condition-keys).
    if (path.accessPoint) {
      const arn: Value = [`arn:aws:s3:${path.accessPoint.region}:${path.accessPoint.account}:accesspoint/`, ...value(path.accessPoint.name)];
      fixed.set('s3:dataaccesspointarn', { present: TRUE, type: 'string', value: arn });
      fixed.set('s3:dataaccesspointaccount', { present: TRUE, type: 'string', value: [path.accessPoint.account] });
    } else {
      fixed.set('s3:dataaccesspointarn', { present: FALSE, type: 'string', value: [''] });
      fixed.set('s3:dataaccesspointaccount', { present: FALSE, type: 'string', value: [''] });
    }
    const counts = new Map<string, number>();
    for (const policy of this.policies.policies) {
      for (const statement of policy.statements) {
        for (const condition of statement.condition) {
          if (isMultivalued(condition.key)) counts.set(condition.key.toLowerCase(), (counts.get(condition.key.toLowerCase()) ?? 0) + 1);
        }
      }
    }
    return new RequestModel(this.solver, fixed, counts);
  }

  /** Whether IAM allows the request, by which statements, or what denies or is missing. */
  public async isAllowed(request: AccessRequest): Promise<AccessAnswer> {
    const path = this.pathFor(request.bucket, request.accessPoint);
    const model = this.requestModel(path);
    const unknowns = new Unknowns(this.solver);
    const decision = this.decision(request.bucket, path, model, unknowns);
    const constraints = and(model.wellFormed(), this.concrete(request, model));
    const named = this.nameEvidence(decision);
    const allowedModel = await this.solver.solve(and(constraints, named.definitions, decision.allowed));
    const deniedModel = await this.solver.solve(and(constraints, named.definitions, not(decision.allowed)));
    const shown = allowedModel ?? deniedModel!;
    const truthy = (name: string) => shown.booleans.get(name) === true;
    const allowedBy = named.evidence.filter(item => item.statement.effect === 'Allow' && truthy(item.name)).map(item => describeSource(item.statement.source));
    const deniedBy = named.evidence.filter(item => item.statement.effect === 'Deny' && truthy(item.name)).map(item => describeSource(item.statement.source));
    const missing = named.documents.filter(item => !truthy(item.name)).map(item => item.document);
    return {
      allowed: allowedModel !== undefined && deniedModel === undefined,
      undecided: allowedModel !== undefined && deniedModel !== undefined,
      allowedBy,
      deniedBy,
      missing,
      assuming: this.assumptions(shown, unknowns),
      freeKeys: [...model.freeKeys].sort(),
    };
  }

  /** A request of the kind the question asks for that IAM allows, or undefined when none exists. */
  public async findAccess(question: AccessQuestion): Promise<FoundRequest | undefined> {
    for (const path of this.paths(question.bucket)) {
      const model = this.requestModel(path);
      const unknowns = new Unknowns(this.solver);
      const decision = this.decision(question.bucket, path, model, unknowns);
      const named = this.nameEvidence(decision);
      const constraints: Term[] = [model.wellFormed(), decision.actions, named.definitions, decision.allowed];
      if (question.outsideAccount) constraints.push(not(and(model.isIamPrincipal, model.accountIs(question.outsideAccount))));
      if (question.actions) constraints.push(actionIn(question.actions.map(name => requireAction(name))));
      if (question.at) constraints.push(`(= |context:aws:currenttime| ${integer(question.at.getTime())})`);
      const found = await this.solver.solve(and(...constraints));
      if (found) return this.describe(found, path, named, unknowns, model, question.bucket);
    }
    return undefined;
  }

  /**
   * A request that `this` allows and `before` does not (CheckNoNewAccess), or undefined when there
   * is none. Both analyzers must share the solver's variables: `before` is asked through the same
   * request model.
   */
  public async findNewAccess(before: PolicyAnalyzer, question: AccessQuestion): Promise<FoundRequest | undefined> {
    for (const path of this.paths(question.bucket)) {
      const model = this.requestModel(path);
      const unknowns = new Unknowns(this.solver);
      const after = this.decision(question.bucket, path, model, unknowns);
      const beforePath = path.accessPoint
        ? before.paths(question.bucket).find(other => other.accessPoint && sameSymbolic(other.accessPoint.name, path.accessPoint!.name))
        : {};
      const earlier = beforePath ? before.decision(question.bucket, beforePath, model, unknowns) : undefined;
      const named = this.nameEvidence(after);
      const constraints: Term[] = [model.wellFormed(), after.actions, named.definitions, after.allowed, not(earlier?.allowed ?? FALSE)];
      if (question.outsideAccount) constraints.push(not(and(model.isIamPrincipal, model.accountIs(question.outsideAccount))));
      if (question.actions) constraints.push(actionIn(question.actions.map(name => requireAction(name))));
      const found = await this.solver.solve(and(...constraints));
      if (found) return this.describe(found, path, named, unknowns, model, question.bucket);
    }
    return undefined;
  }

  /** A second analyzer over other templates that shares this one's solver (for findNewAccess). */
  public sibling(policies: PolicySet): PolicyAnalyzer {
    return new PolicyAnalyzer(policies, this.solver);
  }

  private pathFor(bucket: string, accessPoint?: string): Path {
    if (accessPoint === undefined) return {};
    const name = accessPoint.replace(/^arn:[^:]+:s3:[^:]*:[0-9]*:accesspoint\//, '');
    const path = this.paths(bucket).find(item => item.accessPoint && text(item.accessPoint.name) === name);
    if (!path) throw new Error(`bucket ${bucket} has no access point ${name} in the templates`);
    return path;
  }

  private nameEvidence(decision: Decision) {
    const evidence = decision.evidence.map((item, index) => ({ ...item, name: `evidence!${index}` }));
    const documents = decision.documents.map((item, index) => ({ document: item.name, term: item.allows, name: `document!${index}` }));
    const definitions = and(
      ...evidence.map(item => `(= ${this.solver.declare(item.name, 'Bool')} ${item.term})`),
      ...documents.map(item => `(= ${this.solver.declare(item.name, 'Bool')} ${item.term})`),
    );
    return { evidence, documents, definitions };
  }

  /** The request fixed: principal, action, key, context (missing keys absent). */
  private concrete(request: AccessRequest, model: RequestModel): Term {
    const terms: Term[] = [];
    const principal = request.principal;
    const arn = /^arn:[^:]+:iam::([0-9]{12}):(root|role\/.+|user\/.+)$/.exec(principal);
    if (arn) {
      const type = arn[2] === 'root' ? PrincipalType.ROOT : arn[2].startsWith('role/') ? PrincipalType.ROLE : PrincipalType.USER;
      terms.push(model.principalIs(type), model.accountIs(arn[1]), this.solver.membership(PRINCIPAL_PATH, `(str.to_re ${smtString(arn[2])})`));
    } else if (principal === 'anonymous' || principal === '*') {
      terms.push(model.principalIs(PrincipalType.ANONYMOUS));
    } else if (/^[a-z0-9.-]+\.amazonaws\.com$/.test(principal)) {
      terms.push(model.principalIs(PrincipalType.SERVICE), this.solver.membership(PRINCIPAL_SERVICE, `(str.to_re ${smtString(principal)})`));
    } else {
      throw new Error(`principal ${JSON.stringify(principal)}: expected an IAM ARN (arn:aws:iam::<account>:role/<name>, :user/<name> or :root), anonymous, or a service principal`);
    }
    terms.push(`(= |${ACTION}| ${requireAction(request.action)})`);
    if (request.key !== undefined) terms.push(this.solver.membership(OBJECT_KEY, `(str.to_re ${smtString(request.key)})`));
    // The identity policies of a principal outside the templates are unknown: the answer assumes they allow.
    terms.push('|identity:unknown-principal-allows|');
    const context = new Map(Object.entries(request.context ?? {}).map(([key, item]) => [key.toLowerCase(), item]));
    terms.push(`(= |context:aws:currenttime| ${integer(context.has('aws:currenttime') ? parseDate(String(context.get('aws:currenttime')))! : Date.now())})`);
    const secure = context.has('aws:securetransport') ? String(context.get('aws:securetransport')) === 'true' : true;
    terms.push(secure ? '|context:aws:securetransport|' : '(not |context:aws:securetransport|)');
    for (const free of model.free.values()) {
      terms.push(this.keyIs(free.value, context.get(free.key.toLowerCase()), free.type));
    }
    return and(...terms);
  }

  private keyIs(key: KeyValue, given: unknown, type: KeyValue['type']): Term {
    if (given === undefined) return not(key.present);
    const values = Array.isArray(given) ? given.map(String) : [String(given)];
    switch (type) {
      case 'string': {
        const elements = [{ present: key.present, value: key.value as Value }, ...(key.elements ?? [])];
        return and(...elements.map((element, index) => {
          const elementVariable = (element.value[0] as { variable: string }).variable;
          return index < values.length
            ? and(element.present, this.solver.membership(elementVariable, `(str.to_re ${smtString(values[index])})`))
            : not(element.present);
        }));
      }
      case 'bool':
        return and(key.present, values[0] === 'true' ? key.value as Term : not(key.value as Term));
      case 'date':
        return and(key.present, `(= ${key.value} ${integer(parseDate(values[0]) ?? 0)})`);
      case 'number':
        return and(key.present, `(= ${key.value} ${decimal(Number(values[0]))})`);
    }
  }

  private assumptions(found: SolverModel, unknowns: Unknowns): string[] {
    const out: string[] = [];
    for (const [name, description] of unknowns.descriptions) {
      const held = found.booleans.get(name);
      if (held !== undefined) out.push(`${description} ${held ? 'holds' : 'does not hold'}`);
    }
    for (const [variable, content] of found.strings) {
      if (variable.startsWith('unknown:')) out.push(`${variable.slice('unknown:'.length)} is ${JSON.stringify(content)}`);
    }
    return out;
  }

  private describe(found: SolverModel, path: Path, named: ReturnType<PolicyAnalyzer['nameEvidence']>, unknowns: Unknowns, model: RequestModel, bucket: string): FoundRequest {
    const type = found.numbers.get('principal:type') as PrincipalType;
    const account = found.strings.get(PRINCIPAL_ACCOUNT) ?? '';
    const principal = type === PrincipalType.ANONYMOUS ? 'anonymous'
      : type === PrincipalType.SERVICE ? found.strings.get(PRINCIPAL_SERVICE) ?? ''
        : `arn:aws:iam::${account}:${found.strings.get(PRINCIPAL_PATH)}`;
    const action = ACTIONS[found.numbers.get(ACTION) ?? 0];
    const object = action.s3Kind === 'object' || action.s3Kind === 'both';
    const accessPoint = path.accessPoint ? `arn:aws:s3:${path.accessPoint.region}:${path.accessPoint.account}:accesspoint/${path.accessPoint.name.map(part => typeof part === 'string' ? part : `<${part.unknown}>`).join('')}` : undefined;
    const resource = object ? `arn:aws:s3:::${bucket}/${found.strings.get(OBJECT_KEY)}` : `arn:aws:s3:::${bucket}`;
    const context: Record<string, string | number | boolean | string[]> = {};
    const time = found.numbers.get('context:aws:currenttime');
    if (time !== undefined && Number.isFinite(time) && Math.abs(time) < 8.64e15) context['aws:CurrentTime'] = new Date(time).toISOString();
    const secure = found.booleans.get('context:aws:securetransport');
    if (secure !== undefined) context['aws:SecureTransport'] = secure;
    for (const free of model.free.values()) {
      if (found.booleans.get(`${free.variable}:present`) !== true) continue;
      if (free.type === 'string') context[free.key] = found.strings.get(free.variable) ?? '';
      else if (free.type === 'bool') context[free.key] = found.booleans.get(free.variable) ?? false;
      else context[free.key] = found.numbers.get(free.variable) ?? 0;
    }
    return {
      principal,
      action: action.name,
      resource,
      accessPoint,
      context,
      allowedBy: named.evidence.filter(item => item.statement.effect === 'Allow' && found.booleans.get(item.name)).map(item => describeSource(item.statement.source)),
      assuming: this.assumptions(found, unknowns),
    };
  }

  /**
   * The formula "IAM allows the request" for requests to `bucket` (through the access point named
   * `accessPoint`), with what holds of every request and the request model whose variables both are
   * over, and the unknowns they use. For tests that evaluate the formula on concrete requests without
   * z3 (test/analyzer/concrete-evaluator.ts); questions go through isAllowed and findAccess.
   */
  public allowedFormula(bucket: string, accessPoint?: string): AllowedFormula {
    const path = this.pathFor(bucket, accessPoint);
    const model = this.requestModel(path);
    const unknowns = new Unknowns(this.solver);
    const decision = this.decision(bucket, path, model, unknowns);
    return { allowed: decision.allowed, wellFormed: model.wellFormed(), model, unknowns: unknowns.descriptions };
  }
}

/** What PolicyAnalyzer.allowedFormula returns. */
export interface AllowedFormula {
  /** "IAM allows the request", over the model's variables. */
  readonly allowed: Term;
  /** What holds of every request. */
  readonly wellFormed: Term;
  readonly model: RequestModel;
  /** The unknowns the formula uses (`unknown!N`), with what each stands for. */
  readonly unknowns: ReadonlyMap<string, string>;
}

function requireAction(name: string): number {
  const index = actionIndex(name);
  if (index === undefined) throw new Error(`action ${JSON.stringify(name)} is not an S3, KMS or STS action of the IAM catalogue`);
  return index;
}


