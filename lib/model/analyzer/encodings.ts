/**
 * The formulas of one analyzer's questions, made once and kept: for each path to a bucket (the
 * bucket itself, each access point) the request model, the formula "IAM allows the request" and
 * its evidence named for the solver; for a document that must allow on its own (a key policy, a
 * trust policy) the same, from that document and the identity policies of the templates; and for
 * an event bus, from its policies and the identity policies of the templates.
 */
import { ResourceChoice, Unknowns } from './encode';
import { Decision, DecisionInput, KnownPrincipal, ResourcePolicyDocument, decide } from './evaluation';
import { Value, symbolicText as text, symbolicValue as valueOf } from './pattern';
import { Statement } from './policy';
import { PolicyIndex, Path } from './policy-index';
import { isPublicPolicy } from './public-access';
import { ACTIONS, KeyValue, OBJECT_KEY, RequestModel, actionIn, isMultivalued, sourceAccountKey, sourceArnKey } from './request';
import { Solver } from './solver';
import { PolicyFacts, PolicySet } from './template';
import { FALSE, TRUE, Term, and, or } from './terms';

export interface NamedEvidence {
  readonly evidence: Array<{ statement: Statement; term: Term; name: string }>;
  readonly documents: Array<{ document: string; term: Term; name: string }>;
  readonly definitions: Term;
}

export interface Encoding {
  readonly model: RequestModel;
  readonly unknowns: Unknowns;
  readonly decision: Decision & { actions: Term };
  readonly named: NamedEvidence;
  /** What every question about the path holds, the solver's context: well-formed, an S3 action, the evidence named, ALLOWED defined. */
  readonly context: Term;
}

/** "IAM allows the request" in the questions of `query`, defined in the context (the whole formula would come with each question). */
export const ALLOWED = '|decision:allowed|';

/** The policies of a set of templates, and their formulas (built on first use, then kept). */
export class Encodings {
  private readonly encodings = new Map<string, Encoding>();

  constructor(public readonly policies: PolicySet, public readonly solver: Solver, private readonly index: PolicyIndex) {}

  /** The account of the bucket, where the templates say. */
  public bucketAccount(bucket: string): string | undefined {
    return this.index.account(bucket);
  }

  private bucketStatements(bucket: string): readonly Statement[] {
    return this.index.bucketStatements(bucket);
  }

  /** The paths to the bucket: the bucket itself, and each access point of it in the templates. */
  public paths(bucket: string): readonly Path[] {
    return this.index.paths(bucket);
  }

  private knownPrincipals(): readonly KnownPrincipal[] {
    return this.index.knownPrincipals();
  }

  /** The path a request takes: the bucket itself, or its access point of that name or ARN. */
  public pathFor(bucket: string, accessPoint?: string): Path {
    if (accessPoint === undefined) return {};
    const name = accessPoint.replace(/^arn:[^:]+:s3:[^:]*:[0-9]*:accesspoint\//, '');
    const path = this.paths(bucket).find(item => item.accessPoint && text(item.accessPoint.name) === name);
    if (!path) throw new Error(`bucket ${bucket} has no access point ${name} in the templates`);
    return path;
  }

  /** The statements of the documents a request through `path` needs (the bucket policy, and the access point's). */
  public pathStatements(bucket: string, path: Path): Statement[] {
    return [...this.bucketStatements(bucket), ...(path.accessPoint?.statements ?? [])];
  }

  /**
   * The formula "IAM allows the request" for requests to `bucket` through `path`.
   * `asWritten`: the policies as they are written, without S3 Block Public Access
   * (RestrictPublicBuckets), for the public access check: a public policy is a finding even where
   * Block Public Access would reject it at deployment or restrict it after.
   */
  public decision(bucket: string, path: Path, model: RequestModel, unknowns: Unknowns, asWritten = false): Decision & { actions: Term } {
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

  public requestModel(bucket: string, path: Path): RequestModel {
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

  /** The request model and decision of one path, made once per analyzer. */
  public encoding(bucket: string, path: Path, asWritten = false): Encoding {
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

  /** The key policy's request model and decision (with the identity policies of the templates), made once per analyzer. */
  public keyEncoding(key: PolicyFacts): Encoding {
    return this.strictEncoding(key, 'key policy', valueOf(key.keyArn!));
  }

  /**
   * The request model and decision of a document that must allow on its own (a key policy, a
   * trust policy) for requests on `resource`, with the identity policies of the templates; made
   * once per analyzer.
   */
  public strictEncoding(facts: PolicyFacts, name: string, resource: Value): Encoding {
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

  /**
   * The request model and decision of requests to the event bus `busArn`, from the templates'
   * policies of that bus (matched by ARN) and the identity policies of the templates; undefined
   * when the templates write no policy for it. A bus's policy is a resource policy, evaluated as IAM
   * evaluates any (reference_policies_evaluation-logic-cross-account.html): across accounts it and
   * the caller's identity policy must both allow. EventBridge: the receiver's bus policy allows the
   * sender, and the sender's rule has an IAM role whose policy lets it send events to the receiver's
   * bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html,
   * eb-event-bus-perms.html). A rule that sends events to the bus adds its ARN as aws:SourceArn
   * (eb-use-conditions.html). Actions on a rule of the bus (PutRule, PutTargets...) act on
   * `rule/[<bus>/]<name>`, the name in OBJECT_KEY; the tagging actions take either, as the model says.
   */
  public busEncoding(busArn: string): Encoding | undefined {
    const cacheKey = `event bus\u0000${busArn}`;
    let encoding = this.encodings.get(cacheKey);
    if (encoding) return encoding;
    const facts = this.policies.policies.filter(policy => policy.kind === 'event bus policy' && policy.busArn && text(policy.busArn) === busArn);
    const arn = /^(arn:[^:]+:events:[^:]*:([0-9]{12}):)event-bus\/(.+)$/.exec(busArn);
    if (facts.length === 0 || !arn) return undefined;
    const [, head, owner, busName] = arn;
    const sourceArn = sourceArnKey(this.solver);
    const fixed = new Map<string, KeyValue>([
      ['aws:sourcearn', sourceArn],
      ['aws:sourceaccount', sourceAccountKey(this.solver, sourceArn)],
      ['aws:resourceaccount', { present: TRUE, type: 'string', value: [owner] }],
    ]);
    const model = new RequestModel(this.solver, fixed, this.index.multivaluedCounts());
    const unknowns = new Unknowns(this.solver);
    const kind = (...kinds: string[]) =>
      actionIn(ACTIONS.flatMap((action, index) => action.eventsKind && kinds.includes(action.eventsKind) ? [index] : []));
    const onRule = this.solver.declare('events:onrule', 'Bool');
    const resources: ResourceChoice[] = [
      { when: or(kind('bus'), and(kind('both'), `(not ${onRule})`)), value: [busArn] },
      { when: or(kind('rule'), and(kind('both'), onRule)), value: [`${head}rule/${busName === 'default' ? '' : `${busName}/`}`, { variable: OBJECT_KEY }] },
    ];
    const decision = decide({
      owner,
      documents: [{ name: 'event bus policy', statements: facts.flatMap(item => item.statements), resources, strict: false }],
      identityResources: resources,
      principals: this.knownPrincipals(),
    }, { model, unknowns });
    const named = this.nameEvidence(decision);
    const actions = kind('bus', 'rule', 'both');
    const context = and(model.wellFormed(), actions, named.definitions, `(= ${this.solver.declare('decision:allowed', 'Bool')} ${decision.allowed})`);
    encoding = { model, unknowns, decision: { ...decision, actions }, named, context };
    this.encodings.set(cacheKey, encoding);
    return encoding;
  }

  /** Each statement's evidence and each document's verdict, named for the solver: a model says which allow or deny. */
  public nameEvidence(decision: Decision): NamedEvidence {
    const evidence = decision.evidence.map((item, index) => ({ ...item, name: `evidence!${index}` }));
    const documents = decision.documents.map((item, index) => ({ document: item.name, term: item.allows, name: `document!${index}` }));
    const definitions = and(
      ...evidence.map(item => `(= ${this.solver.declare(item.name, 'Bool')} ${item.term})`),
      ...documents.map(item => `(= ${this.solver.declare(item.name, 'Bool')} ${item.term})`),
    );
    return { evidence, documents, definitions };
  }
}
