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
import { IntendedGrant, intendedTerm } from './intent';
import { Symbolic, Value, sameSymbolic, smtString, symbolicText as text, symbolicValue as valueOf } from './pattern';
import { Statement, StatementSource, describeSource } from './policy';
import { PolicyIndex, Path } from './policy-index';
import { concretePrincipal, mentionedPrincipals, principalClasses } from './principal-classes';
import { isPublicPolicy } from './public-access';
import {
  ACTIONS, ACTION, KeyValue, OBJECT_KEY, PRINCIPAL_TYPE, PRINCIPAL_ACCOUNT, PRINCIPAL_PATH, PRINCIPAL_SERVICE, PrincipalType, RequestModel, actionIn,
  actionIndex, isMultivalued,
} from './request';
import { Solver, SolverModel } from './solver';
import { PolicyFacts, PolicySet } from './template';
import { FALSE, Term, TRUE, and, decimal, integer, not, or } from './terms';

/** A request, as `explain` takes it. */
export interface AccessRequest {
  /** An IAM ARN (`arn:aws:iam::<account>:role/<name>`, `...:user/<name>`, `...:root`), `anonymous`, or a service principal. */
  readonly principal: string;
  readonly action: string;
  readonly bucket: string;
  /** The object key, for object actions. */
  readonly key?: string;
  /** Instead of `key`: every key under this prefix (allowed when allowed for each of them). */
  readonly keyPrefix?: string;
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
  /** The same statements, where they stand. */
  readonly allowedBySources: readonly StatementSource[];
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
  /** With `otherKeys: 'any'`: values of keys the request did not give under which it is allowed. */
  readonly provided: Readonly<Record<string, string | number | boolean>>;
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
  /** Only requests of this principal (an IAM ARN). */
  readonly principal?: string;
  /** Only requests these grants do not intend. */
  readonly notIntended?: readonly IntendedGrant[];
}

/** What principals outside the bucket's account can do through one path, from the policies. */
export interface Access {
  /** The principal: an ARN, `account <id> (any principal)`, `any other AWS account`, `anonymous (public)`, `service <name>`. */
  readonly who: string;
  readonly account?: string;
  /** The access point's ARN; undefined for the bucket itself. */
  readonly accessPoint?: string;
  /** The role of the bucket's account the principal assumes to act (through-role.ts); undefined when it acts as itself. */
  readonly throughRole?: string;
  readonly actions: readonly string[];
  /** The statements that allow them: construct path (or logical id), document, Sid. */
  readonly statements: readonly string[];
  /** The same statements, where they stand. */
  readonly statementSources: readonly StatementSource[];
  /** Unknowns the access relies on. */
  readonly assuming: readonly string[];
  /** Whether the intents given cover every request of this access, some, or none. */
  readonly intended: 'yes' | 'partly' | 'no';
  /** A request of this access no intent covers. */
  readonly unexplained?: FoundRequest;
}

/** One KMS request on a key of the templates. */
export interface KeyAccessRequest {
  readonly principal: string;
  /** A KMS action, for example kms:Decrypt. */
  readonly action: string;
  /** The key's ARN as the templates write it (PolicyAnalyzer.bucketEncryption). */
  readonly keyArn: Symbolic;
  /** Values of condition keys (kms:ViaService, kms:EncryptionContext:aws:s3:arn, ...); the others are absent. */
  readonly context?: AccessRequest['context'];
}

/** PolicyAnalyzer.review: what accesses, findUnexplainedAccess and findPublicAccess answer for one bucket. */
export interface BucketReview {
  readonly access: readonly Access[];
  readonly unexplained?: FoundRequest;
  readonly public?: FoundRequest;
}

/** A request on a KMS key, and the key (construct path or logical id). */
export interface KeyRequest extends FoundRequest {
  readonly key: string;
}

interface NamedEvidence {
  readonly evidence: Array<{ statement: Statement; term: Term; name: string }>;
  readonly documents: Array<{ document: string; term: Term; name: string }>;
  readonly definitions: Term;
}

interface Encoding {
  readonly model: RequestModel;
  readonly unknowns: Unknowns;
  readonly decision: Decision & { actions: Term };
  readonly named: NamedEvidence;
  /** What every question about the path holds, the solver's context: well-formed, an S3 action, the evidence named, ALLOWED defined. */
  readonly context: Term;
}

/** "IAM allows the request" in the questions of `query`, defined in the context (the whole formula would come with each question). */
const ALLOWED = '|decision:allowed|';

/** The policies of a set of templates, and the questions they answer. */
export class PolicyAnalyzer {
  public static async create(policies: PolicySet): Promise<PolicyAnalyzer> {
    return new PolicyAnalyzer(policies, await Solver.create());
  }

  private readonly encodings = new Map<string, Encoding>();
  private readonly index: PolicyIndex;

  /**
   * @param identitiesFromTemplates every role the templates attach identity policies to is held to
   *   them, whether the templates create it or not (withIdentitiesFromTemplates)
   */
  private constructor(public readonly policies: PolicySet, private readonly solver: Solver, identitiesFromTemplates = false) {
    this.index = new PolicyIndex(policies, identitiesFromTemplates);
  }

  /**
   * The same policies, with every role the templates attach identity policies to held to exactly
   * those, created in the templates or not: for what a consumer's own policy lets it do (review's
   * consumer check). Elsewhere a role the templates do not create may hold policies they do not
   * show, so its identity side is unknown and may allow.
   */
  public withIdentitiesFromTemplates(): PolicyAnalyzer {
    return new PolicyAnalyzer(this.policies, this.solver, true);
  }

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

  /**
   * Buckets the templates create whose name only deployment knows (CloudFormation generates it):
   * policies are matched to buckets by name, so these are not analyzed. Construct path or
   * stack/logical id.
   */
  public unnamedBuckets(): string[] {
    return this.policies.buckets.filter(bucket => text(bucket.name) === undefined)
      .map(bucket => this.policies.stacks.find(stack => stack.id === bucket.stack)?.constructPaths?.get(bucket.logicalId) ?? `${bucket.stack}/${bucket.logicalId}`);
  }

  private bucketAccount(bucket: string): string | undefined {
    return this.index.account(bucket);
  }

  private bucketStatements(bucket: string): readonly Statement[] {
    return this.index.bucketStatements(bucket);
  }

  private paths(bucket: string): readonly Path[] {
    return this.index.paths(bucket);
  }

  private knownPrincipals(): readonly KnownPrincipal[] {
    return this.index.knownPrincipals();
  }

  /** The formula "IAM allows the request" for requests to `bucket` through `path`. */
  /**
   * `asWritten`: the policies as they are written, without S3 Block Public Access
   * (RestrictPublicBuckets), for the public access check: a public policy is a finding even where
   * Block Public Access would reject it at deployment or restrict it after.
   */
  private decision(bucket: string, path: Path, model: RequestModel, unknowns: Unknowns, asWritten = false): Decision & { actions: Term } {
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
    const restricts = asWritten ? false : this.policies.buckets.some(item => text(item.name) === bucket && item.restrictPublicBuckets === true);
    const documents: ResourcePolicyDocument[] = [{
      name: 'bucket policy', statements, resources: bucketResources, strict: false, restrictPublic: restricts && isPublicPolicy(statements),
    }];
    let identityResources = bucketResources;
    if (path.accessPoint) {
      const arn: Value = [`arn:aws:s3:${path.accessPoint.region}:${path.accessPoint.account}:accesspoint/`, ...valueOf(path.accessPoint.name)];
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
        restrictPublic: !asWritten && (path.accessPoint.restrictPublicBuckets || restricts) && isPublicPolicy(path.accessPoint.statements),
      });
    }
    const input: DecisionInput = { owner, documents, identityResources, principals: this.knownPrincipals() };
    return { ...decide(input, encode), actions: or(isObject, isBucket) };
  }

  private requestModel(bucket: string, path: Path): RequestModel {
    const fixed = new Map<string, KeyValue>();
    // s3:DataAccessPointArn and s3:DataAccessPointAccount are in a request exactly when it goes
    // through an access point (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html#access-points-condition-keys).
    if (path.accessPoint) {
      const arn: Value = [`arn:aws:s3:${path.accessPoint.region}:${path.accessPoint.account}:accesspoint/`, ...valueOf(path.accessPoint.name)];
      fixed.set('s3:dataaccesspointarn', { present: TRUE, type: 'string', value: arn });
      fixed.set('s3:dataaccesspointaccount', { present: TRUE, type: 'string', value: [path.accessPoint.account] });
    } else {
      fixed.set('s3:dataaccesspointarn', { present: FALSE, type: 'string', value: [''] });
      fixed.set('s3:dataaccesspointaccount', { present: FALSE, type: 'string', value: [''] });
    }
    // The account that owns the resource (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount,
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policy-s3-sigv4-conditions.html s3:ResourceAccount).
    const owner = this.bucketAccount(bucket);
    if (owner) {
      fixed.set('aws:resourceaccount', { present: TRUE, type: 'string', value: [owner] });
      fixed.set('s3:resourceaccount', { present: TRUE, type: 'string', value: [owner] });
    }
    return new RequestModel(this.solver, fixed, this.index.multivaluedCounts());
  }

  /** Whether IAM allows the request, by which statements, or what denies or is missing. */
  public async isAllowed(request: AccessRequest, options: { otherKeys?: 'absent' | 'any' } = {}): Promise<AccessAnswer> {
    const path = this.pathFor(request.bucket, request.accessPoint);
    const encoding = this.encoding(request.bucket, path);
    const constraints = and(encoding.model.wellFormed(), this.concrete(request, encoding.model, options.otherKeys ?? 'absent'));
    return this.answer(encoding, constraints, request.context);
  }

  /** Whether the decision of `encoding` holds under `constraints` (one request): for every model, some, or none. */
  private async answer(encoding: Encoding, constraints: Term, context: AccessRequest['context']): Promise<AccessAnswer> {
    const { model, unknowns, decision, named } = encoding;
    const allowedModel = await this.solver.solve(and(constraints, named.definitions, decision.allowed));
    const deniedModel = await this.solver.solve(and(constraints, named.definitions, not(decision.allowed)));
    if (!allowedModel && !deniedModel) {
      // No request is like this one (an anonymous caller with an organization id): nothing allows it.
      return {
        allowed: false, undecided: false, provided: {}, allowedBy: [], deniedBy: [], missing: [], assuming: [], freeKeys: [...model.freeKeys].sort(),
      };
    }
    const shown = allowedModel ?? deniedModel!;
    const truthy = (name: string) => shown.booleans.get(name) === true;
    const allowedBy = named.evidence.filter(item => item.statement.effect === 'Allow' && truthy(item.name)).map(item => describeSource(item.statement.source));
    const deniedBy = named.evidence.filter(item => item.statement.effect === 'Deny' && truthy(item.name)).map(item => describeSource(item.statement.source));
    const missing = named.documents.filter(item => !truthy(item.name)).map(item => item.document);
    const provided: Record<string, string | number | boolean> = {};
    if (allowedModel) {
      for (const free of model.free.values()) {
        if (context && Object.keys(context).some(key => key.toLowerCase() === free.key.toLowerCase())) continue;
        if (allowedModel.booleans.get(`${free.variable}:present`) !== true) continue;
        provided[free.key] = free.type === 'string' ? allowedModel.strings.get(free.variable) ?? ''
          : free.type === 'bool' ? allowedModel.booleans.get(free.variable) ?? false : allowedModel.numbers.get(free.variable) ?? 0;
      }
    }
    return {
      allowed: allowedModel !== undefined && deniedModel === undefined,
      undecided: allowedModel !== undefined && deniedModel !== undefined,
      provided,
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
      const found = await this.query(question.bucket, path, (encoding) => {
        const { model } = encoding;
        const constraints: Term[] = [encoding.decision.allowed];
        if (question.outsideAccount) constraints.push(not(and(model.isIamPrincipal, model.accountIs(question.outsideAccount))));
        if (question.actions) constraints.push(actionIn(question.actions.map(name => requireAction(name))));
        if (question.at) constraints.push(`(= |context:aws:currenttime| ${integer(question.at.getTime())})`);
        if (question.principal) constraints.push(concretePrincipal(question.principal, model));
        if (question.notIntended) {
          constraints.push(not(intendedTerm(question.notIntended, model, path.accessPoint ? text(path.accessPoint.name) : undefined)));
        }
        return constraints;
      }, true);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Every access principals outside the bucket's account have, from the policies: per principal
   * (each one the policies name, any other principal of each account they name, any other
   * account, anonymous callers, each named service) and per path (the bucket, each access point),
   * the actions allowed, the statements that allow them, and whether `intents` cover them.
   */
  public async accesses(bucket: string, intents: readonly IntendedGrant[] = []): Promise<Access[]> {
    const out: Access[] = [];
    for (const path of this.paths(bucket)) out.push(...(await this.pathAccesses(bucket, path, intents)).access);
    return out;
  }

  /** A request from outside the bucket's account that the policies allow and no intent covers (every path, every principal). */
  public async findUnexplainedAccess(bucket: string, intents: readonly IntendedGrant[]): Promise<FoundRequest | undefined> {
    for (const path of this.paths(bucket)) {
      const found = await this.unexplainedOn(bucket, path, intents);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * A request by anyone (anonymous), or by a principal of an account the policies do not name that
   * belongs to no organization, that the policies as written allow (CheckNoPublicAccess; S3 Block
   * Public Access left aside: it would reject such a policy at deployment); undefined if none.
   */
  public async findPublicAccess(bucket: string): Promise<FoundRequest | undefined> {
    for (const path of this.paths(bucket)) {
      const found = await this.publicOn(bucket, path);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * accesses, findUnexplainedAccess and findPublicAccess of one bucket, the same answers, asked path
   * by path: the questions about one path come one after another, and its formula goes to the
   * solver once (Solver.solve's context) where the three in turn would send it three times.
   */
  public async review(bucket: string, intents: readonly IntendedGrant[]): Promise<BucketReview> {
    const access: Access[] = [];
    let unexplained: FoundRequest | undefined;
    let anyone: FoundRequest | undefined;
    for (const path of this.paths(bucket)) {
      const unexplainedHere = await this.unexplainedOn(bucket, path, intents);
      const here = await this.pathAccesses(bucket, path, intents, unexplainedHere === undefined);
      access.push(...here.access);
      unexplained ??= unexplainedHere;
      // The public question asks about principals of the unnamed classes (anonymous, any account the
      // documents do not name): where none of those has access, and Block Public Access changes
      // nothing in the formula, it has no answer.
      const asWritten = here.unnamed || this.encoding(bucket, path, true).context !== this.encoding(bucket, path).context;
      anyone ??= asWritten ? await this.publicOn(bucket, path) : undefined;
    }
    return { access, unexplained, public: anyone };
  }

  /**
   * With `explained`, the caller knows that no request of the path from outside the bucket's account
   * goes unexplained (unexplainedOn). `unnamed`: whether a class of anonymous callers or unnamed accounts has access.
   */
  private async pathAccesses(
    bucket: string, path: Path, intents: readonly IntendedGrant[], explained = false,
  ): Promise<{ access: Access[]; unnamed: boolean }> {
    const out: Access[] = [];
    const classes = principalClasses(this.pathStatements(bucket, path), this.bucketAccount(bucket));
    const found = classes.map(() => ({ actions: [] as string[], statements: new Map<string, StatementSource>(), assuming: new Set<string>() }));
    // Which classes can do which actions: one request per class and action, found by one question
    // for all classes (|class!i| tells which a request falls in), and one question more that finds none.
    const inClass = (model: RequestModel) => classes.map((who, index) => `(= ${this.solver.declare(`class!${index}`, 'Bool')} ${who.term(model)})`);
    for (;;) {
      const answer = await this.solveIn(bucket, path, ({ model, decision }) => [decision.allowed, ...inClass(model),
        or(...found.map((item, index) => and(`|class!${index}|`, not(actionIn(item.actions.map(requireAction))))))]);
      if (!answer) break;
      found.forEach((item, index) => {
        if (answer.model.booleans.get(`class!${index}`) !== true) return;
        if (!item.actions.includes(answer.request.action)) {
          item.actions.push(answer.request.action);
          answer.request.assuming.forEach(assumption => item.assuming.add(assumption));
        }
        // The statements that allow this request allow some request of the class's access.
        answer.request.allowedBySources.forEach(source => item.statements.set(describeSource(source), source));
      });
    }
    for (const [index, who] of classes.entries()) {
      const { actions, statements, assuming } = found[index];
      if (actions.length === 0) continue;
      const accessPointName = path.accessPoint ? text(path.accessPoint.name) : undefined;
      const scope = (encoding: Encoding) => [encoding.decision.allowed, who.term(encoding.model), actionIn(actions.map(requireAction))];
      const intended = (encoding: Encoding) => intendedTerm(intents, encoding.model, accessPointName);
      // Every statement that allows some request of this access (the statements a model happens to
      // use depend on the solver's choices): the ones no request above showed, asked together until
      // the solver finds none of them.
      let remaining = this.encoding(bucket, path).named.evidence.filter(item => item.statement.effect === 'Allow' && item.term !== FALSE);
      for (;;) {
        remaining = remaining.filter(item => !statements.has(describeSource(item.statement.source)));
        if (remaining.length === 0) break;
        const answer = await this.solveIn(bucket, path, encoding => [...scope(encoding), or(...remaining.map(item => smtVariableName(item.name)))]);
        if (!answer) break;
        for (const item of remaining.filter(other => answer.model.booleans.get(other.name) === true)) {
          statements.set(describeSource(item.statement.source), item.statement.source);
        }
      }
      // Every class is outside the bucket's account: when no request of the path from there goes unexplained, none of the class's does.
      const unexplained = explained ? undefined : await this.query(bucket, path, encoding => [...scope(encoding), not(intended(encoding))], true);
      const some = unexplained ? await this.query(bucket, path, encoding => [...scope(encoding), intended(encoding)]) : true;
      out.push({
        who: who.description,
        account: who.account,
        accessPoint: this.accessPointArn(path),
        actions: [...actions].sort(),
        statements: [...statements.keys()].sort(),
        statementSources: [...statements].sort(([a], [b]) => a.localeCompare(b)).map(([, source]) => source),
        assuming: [...assuming].sort(),
        intended: !unexplained ? 'yes' : some ? 'partly' : 'no',
        unexplained,
      });
    }
    return { access: out, unnamed: classes.some((who, index) => who.unnamed && found[index].actions.length > 0) };
  }

  private async unexplainedOn(bucket: string, path: Path, intents: readonly IntendedGrant[]): Promise<FoundRequest | undefined> {
    const owner = this.bucketAccount(bucket);
    const accessPointName = path.accessPoint ? text(path.accessPoint.name) : undefined;
    return this.query(bucket, path, ({ model, decision }) => [
      decision.allowed, owner ? not(and(model.isIamPrincipal, model.accountIs(owner))) : 'true', not(intendedTerm(intents, model, accessPointName)),
    ], true);
  }

  private async publicOn(bucket: string, path: Path): Promise<FoundRequest | undefined> {
    const owner = this.bucketAccount(bucket);
    const named = [...mentionedPrincipals(this.pathStatements(bucket, path)).accounts, ...(owner ? [owner] : [])];
    return this.query(bucket, path, ({ model, decision }) => {
      const organization = model.key('aws:PrincipalOrgID', 'string');
      return [decision.allowed, or(model.principalIs(PrincipalType.ANONYMOUS),
        and(model.isIamPrincipal, not(organization.present), ...named.map(account => not(model.accountIs(account)))))];
    }, true, true);
  }

  /** The statements of the documents a request through `path` needs (the bucket policy, and the access point's). */
  private pathStatements(bucket: string, path: Path): Statement[] {
    return [...this.bucketStatements(bucket), ...(path.accessPoint?.statements ?? [])];
  }

  /** The account of the bucket, where the templates say. */
  public ownerOf(bucket: string): string | undefined {
    return this.bucketAccount(bucket);
  }

  private accessPointArn(path: Path): string | undefined {
    return path.accessPoint
      ? `arn:aws:s3:${path.accessPoint.region}:${path.accessPoint.account}:accesspoint/${path.accessPoint.name.map(part => typeof part === 'string' ? part : `<${part.unknown}>`).join('')}`
      : undefined;
  }

  /** The request model and decision of one path, made once per analyzer. */
  private encoding(bucket: string, path: Path, asWritten = false): Encoding {
    const key = `${bucket}\u0000${path.accessPoint ? JSON.stringify(path.accessPoint.name) : ''}\u0000${asWritten}`;
    let encoding = this.encodings.get(key);
    if (!encoding) {
      const model = this.requestModel(bucket, path);
      const unknowns = new Unknowns(this.solver);
      const decision = this.decision(bucket, path, model, unknowns, asWritten);
      const named = this.nameEvidence(decision);
      const context = and(model.wellFormed(), decision.actions, named.definitions, `(= ${this.solver.declare('decision:allowed', 'Bool')} ${decision.allowed})`);
      encoding = { model, unknowns, decision, named, context };
      this.encodings.set(key, encoding);
    }
    return encoding;
  }

  /**
   * A request that satisfies the constraints. With `readable`, the request shown prefers a role
   * with a plain name and a plain key where one exists (one more query), since z3's first model
   * may be `user/!` reading `\u0000`.
   */
  private async query(
    bucket: string, path: Path, constraints: (encoding: Encoding) => Term[], readable = false, asWritten = false,
  ): Promise<FoundRequest | undefined> {
    return (await this.solveIn(bucket, path, constraints, readable, asWritten))?.request;
  }

  /** `query`, with the model the request is read from. */
  private async solveIn(
    bucket: string, path: Path, constraints: (encoding: Encoding) => Term[], readable = false, asWritten = false,
  ): Promise<{ model: SolverModel; request: FoundRequest } | undefined> {
    const encoding = this.encoding(bucket, path, asWritten);
    const formula = and(...constraints({ ...encoding, decision: { ...encoding.decision, allowed: ALLOWED } }));
    const found = readable ? await this.solveReadable(formula, encoding.model, encoding.context) : await this.solver.solve(formula, encoding.context);
    return found ? { model: found, request: this.describe(found, path, encoding.named, encoding.unknowns, encoding.model, bucket) } : undefined;
  }

  /** A model of `formula` that prefers a role with a plain name and a plain key where one exists (one more query when it does). */
  private async solveReadable(formula: Term, model: RequestModel, context?: Term): Promise<SolverModel | undefined> {
    const found = await this.solver.solve(formula, context);
    if (!found) return undefined;
    const plain = and(
      or(not(model.principalIs(PrincipalType.ROLE, PrincipalType.USER)),
        this.solver.membership(PRINCIPAL_PATH, '(re.++ (re.union (str.to_re "role/") (str.to_re "user/")) (re.+ (re.range "A" "Z")) (re.* (re.range "a" "z")))')),
      this.solver.membership(OBJECT_KEY, '(re.+ (re.union (re.range "a" "z") (re.range "0" "9") (str.to_re "/") (str.to_re ".")))'),
    );
    return (await this.solver.solve(and(formula, plain), context)) ?? found;
  }

  /**
   * Requests that `this` allows and `before` does not (CheckNoNewAccess): one per principal and
   * action, up to `limit`; none when there is no new access. `before` must be a sibling (it shares
   * the solver), so both are asked through the same request model.
   */
  public async findNewAccess(before: PolicyAnalyzer, question: AccessQuestion, limit = 1): Promise<FoundRequest[]> {
    const out: FoundRequest[] = [];
    for (const path of this.paths(question.bucket)) {
      const model = this.requestModel(question.bucket, path);
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
      while (out.length < limit) {
        const found = await this.solveReadable(and(...constraints), model);
        if (!found) break;
        const request = this.describe(found, path, named, unknowns, model, question.bucket);
        out.push(request);
        // The next one: another action, or another principal's account.
        const account = found.strings.get(PRINCIPAL_ACCOUNT) ?? '';
        const type = found.numbers.get(PRINCIPAL_TYPE) as PrincipalType;
        const who = type === PrincipalType.ANONYMOUS || type === PrincipalType.SERVICE
          ? model.principalIs(type)
          : and(model.isIamPrincipal, model.accountIs(account));
        constraints.push(not(and(`(= |${ACTION}| ${found.numbers.get(ACTION)})`, who)));
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Requests from outside the key's account that its key policy (with the identity policies of
   * the templates) allows, for KMS `actions`: one per key at most. Keys are named by construct
   * path or logical id.
   */
  public async findKeyAccess(question: { readonly outsideOwner: boolean; readonly actions: readonly string[] }): Promise<KeyRequest[]> {
    const out: KeyRequest[] = [];
    for (const key of this.policies.policies.filter(policy => policy.kind === 'key policy')) {
      const { model, unknowns, decision, named } = this.keyEncoding(key);
      const constraints = [model.wellFormed(), named.definitions, decision.allowed, actionIn(question.actions.map(name => requireAction(name)))];
      if (question.outsideOwner && key.account) constraints.push(not(and(model.isIamPrincipal, model.accountIs(key.account))));
      const found = await this.solveReadable(and(...constraints), model);
      if (!found) continue;
      const request = this.describe(found, {}, named, unknowns, model, '');
      const keyName = key.statements[0]?.source.path?.replace(/\/Resource$/, '') ?? `${key.stack}/${key.logicalId}`;
      const keyArn = key.keyArn!.map(part => typeof part === 'string' ? part : `<${part.unknown}>`).join('');
      out.push({ ...request, resource: keyArn, key: keyName });
    }
    return out;
  }

  /** The key policy's request model and decision (with the identity policies of the templates), made once per analyzer. */
  private keyEncoding(key: PolicyFacts): Encoding {
    return this.strictEncoding(key, 'key policy', valueOf(key.keyArn!));
  }

  /**
   * The request model and decision of a document that must allow on its own (a key policy, a
   * trust policy) for requests on `resource`, with the identity policies of the templates; made
   * once per analyzer.
   */
  private strictEncoding(facts: PolicyFacts, name: string, resource: Value): Encoding {
    const cacheKey = `${name}\u0000${facts.stack}\u0000${facts.logicalId}`;
    let encoding = this.encodings.get(cacheKey);
    if (!encoding) {
      const fixed = new Map<string, KeyValue>();
      if (facts.account) fixed.set('aws:resourceaccount', { present: TRUE, type: 'string', value: [facts.account] });
      const counts = new Map<string, number>();
      facts.statements.forEach(statement => statement.condition.filter(condition => isMultivalued(condition.key))
        .forEach(condition => counts.set(condition.key.toLowerCase(), (counts.get(condition.key.toLowerCase()) ?? 0) + 1)));
      const model = new RequestModel(this.solver, fixed, counts);
      const unknowns = new Unknowns(this.solver);
      const resources: ResourceChoice[] = [{ when: TRUE, value: resource }];
      const decision = decide({
        owner: facts.account ?? 'unknown',
        documents: [{ name, statements: facts.statements, resources, strict: true }],
        identityResources: resources,
        principals: this.knownPrincipals(),
      }, { model, unknowns });
      const named = this.nameEvidence(decision);
      const context = and(model.wellFormed(), named.definitions, `(= ${this.solver.declare('decision:allowed', 'Bool')} ${decision.allowed})`);
      encoding = { model, unknowns, decision: { ...decision, actions: TRUE }, named, context };
      this.encodings.set(cacheKey, encoding);
    }
    return encoding;
  }

  /** The roles the templates create in `account` whose ARN synth knows: ARN and trust policy. */
  public rolesIn(account: string): Array<{ readonly arn: string; readonly trust: PolicyFacts }> {
    return this.policies.policies.filter(policy => policy.kind === 'trust policy' && policy.account === account)
      .flatMap(trust => {
        const path = text(trust.rolePaths![0]);
        return path ? [{ arn: `arn:aws:iam::${account}:${path}`, trust }] : [];
      });
  }

  /**
   * Whether the role's trust policy (with the identity policies of the templates) lets one
   * principal call sts:AssumeRole on it; undefined when the templates do not create the role.
   * Keys the request does not give are absent, or with `otherKeys: 'any'` free (the external id).
   */
  public async isAssumeAllowed(
    request: { readonly principal: string; readonly roleArn: string; readonly context?: AccessRequest['context'] },
    options: { otherKeys?: 'absent' | 'any' } = {},
  ): Promise<AccessAnswer | undefined> {
    const account = /^arn:[^:]+:iam::([0-9]{12}):role\//.exec(request.roleArn)?.[1];
    const role = account === undefined ? undefined : this.rolesIn(account).find(item => item.arn === request.roleArn.replace(/^arn:[^:]+:/, 'arn:aws:'));
    if (!role) return undefined;
    const encoding = this.strictEncoding(role.trust, 'trust policy', [role.arn]);
    const asked = { principal: request.principal, action: 'sts:AssumeRole', bucket: '', context: request.context };
    return this.answer(encoding, and(encoding.model.wellFormed(), this.concrete(asked, encoding.model, options.otherKeys ?? 'absent')), request.context);
  }

  /**
   * A principal outside the role's account, and outside `excludedAccounts`, that the role's trust
   * policy (with the identity policies of the templates) lets call sts:AssumeRole, or undefined.
   * `only`: a principal of that account other than `other`.
   */
  public async findAssumer(
    role: { readonly arn: string; readonly trust: PolicyFacts }, excludedAccounts: readonly string[], only?: { account: string; other: string },
  ): Promise<FoundRequest | undefined> {
    const encoding = this.strictEncoding(role.trust, 'trust policy', [role.arn]);
    const { model, named, unknowns } = encoding;
    const constraints = [role.trust.account!, ...excludedAccounts].map(account => not(model.accountIs(account)));
    if (only) constraints.push(model.accountIs(only.account), not(concretePrincipal(only.other, model)));
    const found = await this.solveReadable(and(model.wellFormed(), named.definitions, encoding.decision.allowed, model.isIamPrincipal,
      `(= |${ACTION}| ${requireAction('sts:AssumeRole')})`, ...constraints), model);
    return found ? { ...this.describe(found, {}, named, unknowns, model, ''), resource: role.arn } : undefined;
  }

  /** The bucket's default encryption in the templates, when it is SSE-KMS: the key's ARN and whether S3 Bucket Keys are on. */
  public bucketEncryption(bucket: string): { readonly keyArn: Symbolic; readonly bucketKey: boolean; readonly region?: string } | undefined {
    const facts = this.policies.buckets.find(item => text(item.name) === bucket && item.encryption);
    return facts ? { ...facts.encryption!, region: facts.region } : undefined;
  }

  /**
   * Whether the key's policy, with the identity policies of the templates, allows one KMS request;
   * undefined when the key's policy is not in the templates. Keys the request does not give are
   * absent, or with `otherKeys: 'any'` free (aws:SecureTransport true, aws:CurrentTime now, as in isAllowed).
   */
  public async isKeyAllowed(request: KeyAccessRequest, options: { otherKeys?: 'absent' | 'any' } = {}): Promise<AccessAnswer | undefined> {
    const key = this.policies.policies.find(policy => policy.kind === 'key policy' && policy.keyArn && sameSymbolic(policy.keyArn, request.keyArn));
    if (!key) return undefined;
    const encoding = this.keyEncoding(key);
    const constraints = and(encoding.model.wellFormed(), this.concrete({ ...request, bucket: '' }, encoding.model, options.otherKeys ?? 'absent'));
    return this.answer(encoding, constraints, request.context);
  }

  /** A second analyzer over other templates that shares this one's solver (for findNewAccess). */
  public sibling(policies: PolicySet): PolicyAnalyzer {
    return new PolicyAnalyzer(policies, this.solver);
  }

  /** Whether the templates give `bucket` an access point named `name`. */
  public hasAccessPoint(bucket: string, name: string): boolean {
    return this.paths(bucket).some(path => path.accessPoint !== undefined && text(path.accessPoint.name) === name);
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
  private concrete(request: AccessRequest, model: RequestModel, otherKeys: 'absent' | 'any'): Term {
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
    if (request.keyPrefix !== undefined) terms.push(this.solver.membership(OBJECT_KEY, `(re.++ (str.to_re ${smtString(request.keyPrefix)}) (re.* re.allchar))`));
    // The identity policies of a principal outside the templates are unknown: the answer assumes they allow.
    terms.push('|identity:unknown-principal-allows|');
    const context = new Map(Object.entries(request.context ?? {}).map(([key, item]) => [key.toLowerCase(), item]));
    terms.push(`(= |context:aws:currenttime| ${integer(context.has('aws:currenttime') ? parseDate(String(context.get('aws:currenttime')))! : Date.now())})`);
    const secure = context.has('aws:securetransport') ? String(context.get('aws:securetransport')) === 'true' : true;
    terms.push(secure ? '|context:aws:securetransport|' : '(not |context:aws:securetransport|)');
    for (const free of model.free.values()) {
      const given = context.get(free.key.toLowerCase());
      if (given !== undefined || otherKeys === 'absent') terms.push(this.keyIs(free.value, given, free.type));
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
      // A name CloudFormation chooses is no assumption a user can act on: only parameters, imports
      // and what could not be resolved are named.
      if (variable.startsWith('unknown:') && !GENERATED_NAME.test(variable)) out.push(`${variable.slice('unknown:'.length)} is ${JSON.stringify(content)}`);
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
      allowedBySources: named.evidence.filter(item => item.statement.effect === 'Allow' && found.booleans.get(item.name)).map(item => item.statement.source),
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
    const { model, unknowns, decision } = this.encoding(bucket, path);
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

function smtVariableName(name: string): Term {
  return `|${name}|`;
}

const GENERATED_NAME = /\.(KeyId|RoleName|BucketName|UserName|Name|RoleId)$|\/AWS::(AccountId|Region)$/;

function requireAction(name: string): number {
  const index = actionIndex(name);
  if (index === undefined) throw new Error(`action ${JSON.stringify(name)} is not an S3, KMS or STS action of the IAM catalogue`);
  return index;
}


