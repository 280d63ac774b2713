/**
 * The analyzer's questions, over the policies a set of templates deploys:
 * - is this request allowed, and by which statements (or what denies it, what is missing)?
 * - is any request of a kind allowed (a principal outside an account, an action in a set)? With a
 *   concrete request as the witness;
 * - does one set of policies allow a request another does not? With the request.
 *
 * Each question is one satisfiability query (Backes et al., FMCAD 2018: "does B allow more than A"
 * is "B and not A" satisfiable; the model is the counterexample).
 *
 * PolicyAnalyzer is the one entry point, and thin: it holds the policies, the solver and their
 * formulas (encodings.ts), and hands each question to the module that answers it: requests on a
 * bucket (bucket-access.ts), review's questions (bucket-review.ts), KMS keys (key-access.ts), role
 * trust (assume-role.ts), event buses (event-bus.ts). What they take and return is in questions.ts.
 */
import { isAssumeAllowed, findAssumer, rolesIn } from './assume-role';
import { findAccess, findNewAccess, isAllowed } from './bucket-access';
import { accesses, findPublicAccess, findUnexplainedAccess, review } from './bucket-review';
import { Encodings } from './encodings';
import { eventBusArns, findEventBusAccess, isEventBusAllowed } from './event-bus';
import { IntendedGrant } from './intent';
import { findKeyAccess, isKeyAllowed } from './key-access';
import { Symbolic, symbolicText as text } from './pattern';
import { PolicyIndex } from './policy-index';
import {
  Access, AccessAnswer, AccessQuestion, AccessRequest, AllowedFormula, BucketReview, EventBusIntent, EventBusRequest, FoundRequest,
  KeyAccessRequest, KeyRequest,
} from './questions';
import { Solver } from './solver';
import { PolicyFacts, PolicySet } from './template';

/** The policies of a set of templates, and the questions they answer. */
export class PolicyAnalyzer {
  public static async create(policies: PolicySet): Promise<PolicyAnalyzer> {
    return new PolicyAnalyzer(policies, await Solver.create());
  }

  private readonly encodings: Encodings;

  /**
   * @param identitiesFromTemplates every role the templates attach identity policies to is held to
   *   them, whether the templates create it or not (withIdentitiesFromTemplates)
   */
  private constructor(public readonly policies: PolicySet, private readonly solver: Solver, identitiesFromTemplates = false) {
    this.encodings = new Encodings(policies, solver, new PolicyIndex(policies, identitiesFromTemplates));
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

  /** A second analyzer over other templates that shares this one's solver (for findNewAccess). */
  public sibling(policies: PolicySet): PolicyAnalyzer {
    return new PolicyAnalyzer(policies, this.solver);
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

  /** The account of the bucket, where the templates say. */
  public ownerOf(bucket: string): string | undefined {
    return this.encodings.bucketAccount(bucket);
  }

  /** Whether the templates give `bucket` an access point named `name`. */
  public hasAccessPoint(bucket: string, name: string): boolean {
    return this.encodings.paths(bucket).some(path => path.accessPoint !== undefined && text(path.accessPoint.name) === name);
  }

  /** The bucket's default encryption in the templates, when it is SSE-KMS: the key's ARN and whether S3 Bucket Keys are on. */
  public bucketEncryption(bucket: string): { readonly keyArn: Symbolic; readonly bucketKey: boolean; readonly region?: string } | undefined {
    const facts = this.policies.buckets.find(item => text(item.name) === bucket && item.encryption);
    return facts ? { ...facts.encryption!, region: facts.region } : undefined;
  }

  /** Whether IAM allows the request, by which statements, or what denies or is missing (bucket-access.ts). */
  public async isAllowed(request: AccessRequest, options: { otherKeys?: 'absent' | 'any' } = {}): Promise<AccessAnswer> {
    return isAllowed(this.encodings, request, options);
  }

  /** A request of the kind the question asks for that IAM allows, or undefined when none exists (bucket-access.ts). */
  public async findAccess(question: AccessQuestion): Promise<FoundRequest | undefined> {
    return findAccess(this.encodings, question);
  }

  /**
   * Requests that `this` allows and `before` does not (CheckNoNewAccess): one per principal and
   * action, up to `limit`; none when there is no new access. `before` must be a sibling (it shares
   * the solver), so both are asked through the same request model (bucket-access.ts).
   */
  public async findNewAccess(before: PolicyAnalyzer, question: AccessQuestion, limit = 1): Promise<FoundRequest[]> {
    return findNewAccess(this.encodings, before.encodings, question, limit);
  }

  /**
   * Every access principals outside the bucket's account have, from the policies, per principal
   * and path, and whether `intents` cover it (bucket-review.ts).
   */
  public async accesses(bucket: string, intents: readonly IntendedGrant[] = []): Promise<Access[]> {
    return accesses(this.encodings, bucket, intents);
  }

  /** A request from outside the bucket's account that the policies allow and no intent covers (every path, every principal; bucket-review.ts). */
  public async findUnexplainedAccess(bucket: string, intents: readonly IntendedGrant[]): Promise<FoundRequest | undefined> {
    return findUnexplainedAccess(this.encodings, bucket, intents);
  }

  /**
   * A request by anyone (anonymous), or by a principal of an account the policies do not name that
   * belongs to no organization, that the policies as written allow (CheckNoPublicAccess;
   * bucket-review.ts); undefined if none.
   */
  public async findPublicAccess(bucket: string): Promise<FoundRequest | undefined> {
    return findPublicAccess(this.encodings, bucket);
  }

  /** accesses, findUnexplainedAccess and findPublicAccess of one bucket, the same answers, asked path by path (bucket-review.ts). */
  public async review(bucket: string, intents: readonly IntendedGrant[]): Promise<BucketReview> {
    return review(this.encodings, bucket, intents);
  }

  /**
   * Whether the key's policy, with the identity policies of the templates, allows one KMS request;
   * undefined when the key's policy is not in the templates (key-access.ts).
   */
  public async isKeyAllowed(request: KeyAccessRequest, options: { otherKeys?: 'absent' | 'any' } = {}): Promise<AccessAnswer | undefined> {
    return isKeyAllowed(this.encodings, request, options);
  }

  /**
   * Requests from outside the key's account that its key policy (with the identity policies of
   * the templates) allows, for KMS `actions`: one per key at most (key-access.ts).
   */
  public async findKeyAccess(question: { readonly outsideOwner: boolean; readonly actions: readonly string[] }): Promise<KeyRequest[]> {
    return findKeyAccess(this.encodings, question);
  }

  /** The roles the templates create in `account` whose ARN synth knows: ARN and trust policy (assume-role.ts). */
  public rolesIn(account: string): Array<{ readonly arn: string; readonly trust: PolicyFacts }> {
    return rolesIn(this.encodings, account);
  }

  /**
   * Whether the role's trust policy (with the identity policies of the templates) lets one
   * principal call sts:AssumeRole on it; undefined when the templates do not create the role
   * (assume-role.ts).
   */
  public async isAssumeAllowed(
    request: { readonly principal: string; readonly roleArn: string; readonly context?: AccessRequest['context'] },
    options: { otherKeys?: 'absent' | 'any' } = {},
  ): Promise<AccessAnswer | undefined> {
    return isAssumeAllowed(this.encodings, request, options);
  }

  /**
   * A principal outside the role's account, and outside `excludedAccounts`, that the role's trust
   * policy lets call sts:AssumeRole, or undefined; `only`: a principal of that account other than
   * `other` (assume-role.ts).
   */
  public async findAssumer(
    role: { readonly arn: string; readonly trust: PolicyFacts }, excludedAccounts: readonly string[], only?: { account: string; other: string },
  ): Promise<FoundRequest | undefined> {
    return findAssumer(this.encodings, role, excludedAccounts, only);
  }

  /** The ARNs of the event buses the templates write policies for (event-bus.ts). */
  public eventBusArns(): string[] {
    return eventBusArns(this.encodings);
  }

  /**
   * Whether the bus's policy, with the identity policies of the templates, allows one request to
   * the bus (events:PutEvents unless it says), coming through the rule `sourceArn` or none;
   * undefined when the templates write no policy for the bus (event-bus.ts).
   */
  public async isEventBusAllowed(request: EventBusRequest, options: { otherKeys?: 'absent' | 'any' } = {}): Promise<AccessAnswer | undefined> {
    return isEventBusAllowed(this.encodings, request, options);
  }

  /**
   * A request from outside the bus's account that its policy (with the identity policies of the
   * templates) allows and no intent covers, with the rule it comes through (`aws:SourceArn` in its
   * context), or undefined: then the intents bound every such request (event-bus.ts).
   */
  public async findEventBusAccess(busArn: string, intents: readonly EventBusIntent[] = []): Promise<FoundRequest | undefined> {
    return findEventBusAccess(this.encodings, busArn, intents);
  }

  /**
   * The formula "IAM allows the request" for requests to `bucket` (through the access point named
   * `accessPoint`), with what holds of every request and the request model whose variables both are
   * over, and the unknowns they use. For tests that evaluate the formula on concrete requests without
   * z3 (test/model/analyzer/concrete-evaluator.ts); questions go through isAllowed and findAccess.
   */
  public allowedFormula(bucket: string, accessPoint?: string): AllowedFormula {
    const path = this.encodings.pathFor(bucket, accessPoint);
    const { model, unknowns, decision } = this.encodings.encoding(bucket, path);
    return { allowed: decision.allowed, wellFormed: model.wellFormed(), model, unknowns: unknowns.descriptions };
  }
}
