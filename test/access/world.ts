/**
 * The deployed state of several accounts, read from synthesized stacks: buckets with their
 * policies, keys with their key policies, roles with their trust and identity policies, and
 * principals declared by a test (an outsider whose own policy allows everything, for example).
 * `simulate` evaluates one request the way AWS does, with @cloud-copilot/iam-simulate.
 */
import { createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy';
import { runSimulation, getDenialReasons, getGrantReasons } from '@cloud-copilot/iam-simulate';
import { CfnElement, NestedStack, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AccessPointResource, parseAccessPointResource } from './access-point-arn';
import { allowedKeys, requestContext, RequestOptions } from './context';
import { DeployEnvironment, physicalKeyId, TemplateResolver, TemplateResources } from './resolve';

export type PolicyDocument = { Version?: string; Statement: any[] };

export interface NamedPolicy {
  readonly name: string;
  readonly policy: PolicyDocument;
}

export interface DeployedBucket {
  readonly name: string;
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  /** The bucket policy, if any. */
  policy?: PolicyDocument;
  /** ARN of the SSE-KMS default key, if any. */
  readonly keyArn?: string;
  /** S3 Bucket Keys: the encryption context S3 sends to KMS is the bucket ARN, not the object's. */
  readonly bucketKeyEnabled: boolean;
  readonly restrictPublicBuckets: boolean;
}

/** An S3 access point: a name in its own account and region that serves one bucket, with its own policy. */
export interface DeployedAccessPoint {
  readonly name: string;
  /** `arn:<partition>:s3:<region>:<account>:accesspoint/<name>`. */
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  /** The bucket it serves. */
  readonly bucketName: string;
  /** The account that owns that bucket (BucketAccountId; the access point's own account if unset). */
  readonly bucketAccount: string;
  /** The access point policy, if any. */
  policy?: PolicyDocument;
  /** `Internet`, or `VPC` for an access point with a VpcConfiguration. */
  readonly networkOrigin: string;
  /** Its own Block Public Access setting (on unless the template turns it off, as AWS defaults it). */
  readonly restrictPublicBuckets: boolean;
}

export interface DeployedKey {
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  policy: PolicyDocument;
}

export interface Principal {
  readonly arn: string;
  readonly account: string;
  /** Role trust policy, for roles. */
  trustPolicy?: PolicyDocument;
  readonly identityPolicies: NamedPolicy[];
}

/** What one simulated request came to. */
export interface Decision {
  readonly allowed: boolean;
  readonly result: string;
  /** The statements that decided it, for failure messages. */
  explain(): string;
}

export interface SimulatedRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly options?: RequestOptions;
}

/**
 * Condition keys iam-simulate 0.1.173 cannot evaluate, renamed (in the policies and in the request
 * context alike) to a key it evaluates with the same type and operators.
 *
 * Its catalogue names `kms:EncryptionContext:${EncryptionContextKey}` for the KMS data actions,
 * but it matches variable keys only after a '/' (as in `aws:PrincipalTag/<key>`), so it drops
 * `kms:EncryptionContext:aws:s3:arn` from every request as ignored: a policy conditioned on it
 * would look denied (allow) or open (deny) for the wrong reason. `aws:RequestTag/<key>` is a
 * string key it accepts on every request; no policy under test uses request tags. The alias
 * test in harness.test.ts fails once the simulator evaluates the real key, so that this can go.
 */
export const SIMULATOR_KEY_ALIASES: Record<string, string> = {
  'kms:encryptioncontext:aws:s3:arn': 'aws:RequestTag/kms-EncryptionContext-aws-s3-arn',
};

/**
 * Condition keys iam-simulate 0.1.173 ignores on requests to a bucket or an object (ARNs
 * `arn:aws:s3:::<bucket>[/<key>]`), renamed there only.
 *
 * AWS evaluates the bucket policy of a request made through an access point with
 * `s3:DataAccessPointAccount`, `s3:DataAccessPointArn` and `s3:AccessPointNetworkOrigin` set:
 * that is how a bucket delegates access control to access points. The service authorization
 * reference lists these keys on the access point resource types only, so the simulator drops
 * them from bucket and object requests as ignored, and a delegating statement would never match.
 * (On access point ARNs it evaluates them; they are not renamed there.)
 *
 * The aliases are keys of the same type that the simulator evaluates on every S3 request and
 * that no request of the harness carries otherwise (`aliasPolicy` refuses a policy that uses
 * them itself). `aws:VpceAccount` and `aws:SourceArn` are also keys the simulator's Block Public
 * Access classifier counts as limiting a wildcard principal, as AWS counts a fixed
 * `s3:DataAccessPointAccount` or `s3:DataAccessPointArn` ("The meaning of public", S3 user
 * guide): a bucket policy that delegates to the access points of one account stays non-public,
 * and RestrictPublicBuckets does not block it. The canaries in harness-access-points.test.ts fail once the
 * simulator evaluates the real keys on buckets or classifies them itself.
 */
export const BUCKET_REQUEST_KEY_ALIASES: Record<string, string> = {
  's3:dataaccesspointaccount': 'aws:VpceAccount',
  's3:dataaccesspointarn': 'aws:SourceArn',
  's3:accesspointnetworkorigin': 'aws:RequestTag/s3-AccessPointNetworkOrigin',
};

const ALIASES_FOR_BUCKETS: Record<string, string> = { ...SIMULATOR_KEY_ALIASES, ...BUCKET_REQUEST_KEY_ALIASES };

/** The aliases that apply to requests on `resource`. */
function aliasesFor(resource: string): Record<string, string> {
  return /^arn:[^:]+:s3:::/.test(resource) ? ALIASES_FOR_BUCKETS : SIMULATOR_KEY_ALIASES;
}

function aliasKey(key: string, aliases: Record<string, string>): string {
  return aliases[key.toLowerCase()] ?? key;
}

const aliasedPolicies = new Map<Record<string, string>, WeakMap<object, PolicyDocument>>();

/** The policy with its condition keys renamed by `aliases` (cached per document). */
function aliasPolicy(policy: PolicyDocument | undefined, aliases: Record<string, string>): PolicyDocument | undefined {
  if (policy === undefined) {
    return undefined;
  }
  let cache = aliasedPolicies.get(aliases);
  if (cache === undefined) {
    cache = new WeakMap();
    aliasedPolicies.set(aliases, cache);
  }
  let aliased = cache.get(policy);
  if (aliased === undefined) {
    const targets = new Set(Object.values(aliases).map(key => key.toLowerCase()));
    const statements = [policy.Statement].flat().map(statement => statement.Condition === undefined ? statement : {
      ...statement,
      Condition: Object.fromEntries(Object.entries(statement.Condition as Record<string, Record<string, unknown>>).map(([operator, keys]) =>
        [operator, Object.fromEntries(Object.entries(keys).map(([key, value]) => {
          if (targets.has(key.toLowerCase())) {
            throw new Error(`Statement ${statement.Sid ?? JSON.stringify(statement)} uses ${key}, which the harness uses as an alias of a key the simulator cannot evaluate (world.ts)`);
          }
          return [aliasKey(key, aliases), value];
        }))])),
    });
    aliased = { ...policy, Statement: statements };
    cache.set(policy, aliased);
  }
  return aliased;
}

const validatedPolicies = { identity: new WeakMap<object, unknown>(), resource: new WeakMap<object, unknown>() };

/**
 * The policy validated once, as the simulator's ValidatedPolicy: runSimulation reuses its errors
 * instead of validating the same document again for each request.
 */
function validated(policy: PolicyDocument, kind: 'identity' | 'resource'): unknown {
  let result = validatedPolicies[kind].get(policy);
  if (result === undefined) {
    result = createValidatedPolicy(policy, kind === 'identity' ? validateIdentityPolicy : validateResourcePolicy);
    validatedPolicies[kind].set(policy, result);
  }
  return result;
}

/** The principal of an anonymous request (World.addAnonymous). */
export const ANONYMOUS = 'anonymous';

export const ALLOW_EVERYTHING: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'AllowEverything', Effect: 'Allow', Action: '*', Resource: '*' }],
};

export function accountOfArn(arn: string): string {
  const account = arn.split(':')[4];
  if (!/^\d{12}$/.test(account ?? '')) {
    throw new Error(`No account in ARN ${arn}`);
  }
  return account;
}

/** The ARN this harness gives the key of a construct, before or after synthesis. */
export function deployedKeyArn(key: kms.IKey): string {
  const stack = Stack.of(key);
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
    throw new Error('The access proofs need stacks with an explicit account and region');
  }
  const logicalId = stack.resolve((key.node.defaultChild as CfnElement).logicalId);
  const env: DeployEnvironment = { stackName: stack.stackName, account: stack.account, region: stack.region, partition: 'aws' };
  return `arn:aws:kms:${stack.region}:${stack.account}:key/${physicalKeyId(env, logicalId)}`;
}

export interface WorldOptions {
  /** Organization of each account that belongs to one (sets `aws:PrincipalOrgID`). */
  readonly organizations?: Record<string, string>;
  /**
   * The organization path of each account that belongs to one, as `aws:PrincipalOrgPaths`
   * reports it: `<organization id>/<root id>/<OU id>/.../` (sets that multi-valued key).
   */
  readonly organizationPaths?: Record<string, string>;
}

export class World {
  public readonly buckets = new Map<string, DeployedBucket>();
  /** Access points by ARN. */
  public readonly accessPoints = new Map<string, DeployedAccessPoint>();
  public readonly keys = new Map<string, DeployedKey>();
  public readonly principals = new Map<string, Principal>();
  /** Every template deployed, with where: what another evaluator (the policy analyzer) reads of this world. */
  public readonly templates: Array<{ readonly template: { Resources?: TemplateResources }; readonly env: DeployEnvironment }> = [];
  private readonly organizations: Record<string, string>;
  private readonly organizationPaths: Record<string, string>;

  constructor(options: WorldOptions = {}) {
    this.organizations = options.organizations ?? {};
    this.organizationPaths = options.organizationPaths ?? {};
    for (const [account, path] of Object.entries(this.organizationPaths)) {
      if (!path.startsWith(`${this.organizations[account]}/`)) {
        throw new Error(`Account ${account} has the organization path ${path} but belongs to organization ${this.organizations[account]}`);
      }
    }
  }

  /** Adds everything a stack deploys that bears on access, its nested stacks included. */
  public addStack(stack: Stack): this {
    if (NestedStack.isNestedStack(stack)) {
      throw new Error(`${stack.node.path} is a nested stack: add the top-level stack, which adds its nested stacks`);
    }
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      throw new Error(`Stack ${stack.stackName} needs an explicit account and region for the access proofs`);
    }
    const env: DeployEnvironment = { stackName: stack.stackName, account: stack.account, region: stack.region, partition: 'aws' };
    this.addTemplate(Template.fromStack(stack).toJSON(), env);
    // Nested stacks deploy to the account and region of their parent. CloudFormation names them
    // <parent>-<logical id>-<random>; any fixed name does here, since only generated names use it.
    for (const nested of stack.node.findAll().filter(NestedStack.isNestedStack)) {
      this.addTemplate(Template.fromStack(nested).toJSON(), { ...env, stackName: `${stack.stackName}-${nested.node.path.replace(/\//g, '-')}` });
    }
    return this;
  }

  /** Adds a synthesized template deployed to `env`. */
  public addTemplate(template: { Resources?: TemplateResources }, env: DeployEnvironment): this {
    this.templates.push({ template, env });
    const resources = template.Resources ?? {};
    const resolver = new TemplateResolver(env, resources);
    const entries = Object.entries(resources);

    for (const [logicalId, resource] of entries.filter(([, r]) => r.Type === 'AWS::KMS::Key')) {
      const arn = resolver.arn(logicalId);
      this.keys.set(arn, { arn, account: env.account, region: env.region, policy: resolver.resolve(resource.Properties?.KeyPolicy, `${logicalId}.KeyPolicy`) });
    }
    for (const [logicalId, resource] of entries.filter(([, r]) => r.Type === 'AWS::S3::Bucket')) {
      const properties = resource.Properties ?? {};
      const encryption = (properties.BucketEncryption?.ServerSideEncryptionConfiguration ?? [])[0];
      const keyId = encryption?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
      const name = resolver.physicalName(logicalId);
      this.buckets.set(name, {
        name,
        arn: resolver.arn(logicalId),
        account: env.account,
        region: env.region,
        keyArn: keyId === undefined ? undefined : resolver.resolveString(keyId, `${logicalId}.KMSMasterKeyID`),
        bucketKeyEnabled: encryption?.BucketKeyEnabled === true,
        restrictPublicBuckets: properties.PublicAccessBlockConfiguration?.RestrictPublicBuckets === true,
      });
    }
    for (const [logicalId, resource] of entries.filter(([, r]) => r.Type === 'AWS::S3::BucketPolicy')) {
      const name = resolver.resolveString(resource.Properties?.Bucket, `${logicalId}.Bucket`);
      this.bucket(name).policy = resolver.resolve(resource.Properties?.PolicyDocument, `${logicalId}.PolicyDocument`);
    }

    for (const [logicalId, resource] of entries.filter(([, r]) => r.Type === 'AWS::S3::AccessPoint')) {
      const properties = resource.Properties ?? {};
      const arn = resolver.arn(logicalId);
      if (this.accessPoints.has(arn)) {
        throw new Error(`${logicalId}: access point ${arn} is already defined`);
      }
      this.accessPoints.set(arn, {
        name: resolver.physicalName(logicalId),
        arn,
        account: env.account,
        region: env.region,
        bucketName: resolver.resolveString(properties.Bucket, `${logicalId}.Bucket`),
        bucketAccount: properties.BucketAccountId === undefined ? env.account : resolver.resolveString(properties.BucketAccountId, `${logicalId}.BucketAccountId`),
        policy: properties.Policy === undefined ? undefined : resolver.resolve(properties.Policy, `${logicalId}.Policy`),
        networkOrigin: properties.VpcConfiguration === undefined ? 'Internet' : 'VPC',
        restrictPublicBuckets: properties.PublicAccessBlockConfiguration?.RestrictPublicBuckets ?? true,
      });
    }

    const managedPolicies = new Map<string, PolicyDocument>();
    for (const [logicalId, resource] of entries.filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy')) {
      refuseUsersAndGroups(logicalId, resource.Properties ?? {});
      managedPolicies.set(resolver.physicalName(logicalId), resolver.resolve(resource.Properties?.PolicyDocument, `${logicalId}.PolicyDocument`));
    }
    for (const [logicalId, resource] of entries.filter(([, r]) => r.Type === 'AWS::IAM::Role')) {
      const properties = resource.Properties ?? {};
      const arn = resolver.arn(logicalId);
      const identityPolicies: NamedPolicy[] = (properties.Policies ?? []).map((inline: any, index: number) => ({
        name: resolver.resolveString(inline.PolicyName, `${logicalId}.Policies[${index}].PolicyName`),
        policy: resolver.resolve(inline.PolicyDocument, `${logicalId}.Policies[${index}].PolicyDocument`),
      }));
      for (const [index, managed] of (properties.ManagedPolicyArns ?? []).entries()) {
        const managedArn = resolver.resolveString(managed, `${logicalId}.ManagedPolicyArns[${index}]`);
        const policy = managedPolicies.get(managedArn);
        if (policy === undefined) {
          throw new Error(`${logicalId}: the managed policy ${managedArn} is not defined in the template, so its document is unknown`);
        }
        identityPolicies.push({ name: managedArn, policy });
      }
      this.principals.set(arn, {
        arn,
        account: env.account,
        trustPolicy: resolver.resolve(properties.AssumeRolePolicyDocument, `${logicalId}.AssumeRolePolicyDocument`),
        identityPolicies,
      });
    }
    // Policies attached from outside the role: AWS::IAM::Policy, and AWS::IAM::ManagedPolicy's Roles.
    for (const [logicalId, resource] of entries.filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')) {
      const properties = resource.Properties ?? {};
      refuseUsersAndGroups(logicalId, properties);
      const policy = resolver.resolve(properties.PolicyDocument, `${logicalId}.PolicyDocument`);
      const name = resource.Type === 'AWS::IAM::Policy'
        ? resolver.resolveString(properties.PolicyName, `${logicalId}.PolicyName`)
        : resolver.physicalName(logicalId);
      for (const [index, role] of (properties.Roles ?? []).entries()) {
        const roleArn = this.attachedRoleArn(resolver, role, env, `${logicalId}.Roles[${index}]`);
        const principal = this.principals.get(roleArn) ?? this.declareRole(roleArn);
        principal.identityPolicies.push({ name, policy });
      }
    }
    return this;
  }

  /**
   * The anonymous caller (no credentials): no identity policy, no principal keys in its context;
   * only a resource policy that grants to everyone can allow it. Its "ARN" is ANONYMOUS.
   */
  public addAnonymous(): string {
    if (!this.principals.has(ANONYMOUS)) {
      this.principals.set(ANONYMOUS, { arn: ANONYMOUS, account: '', identityPolicies: [] });
    }
    return ANONYMOUS;
  }

  /** A principal defined outside the templates, with its own identity policies. */
  public addPrincipal(arn: string, ...identityPolicies: PolicyDocument[]): string {
    if (this.principals.has(arn)) {
      throw new Error(`Principal ${arn} is already defined`);
    }
    this.principals.set(arn, {
      arn,
      account: accountOfArn(arn),
      identityPolicies: identityPolicies.map((policy, index) => ({ name: `declared-${index}`, policy })),
    });
    return arn;
  }

  public bucket(name: string): DeployedBucket {
    const bucket = this.buckets.get(name);
    if (bucket === undefined) {
      throw new Error(`No bucket ${name} in the deployed stacks (have: ${[...this.buckets.keys()].join(', ')})`);
    }
    return bucket;
  }

  public accessPoint(arn: string): DeployedAccessPoint {
    const accessPoint = this.accessPoints.get(arn);
    if (accessPoint === undefined) {
      throw new Error(`No access point ${arn} in the deployed stacks (have ${this.accessPoints.size})`);
    }
    return accessPoint;
  }

  /** The bucket an S3 resource names: a bucket or object ARN, or an access point or access point object ARN. */
  public bucketOf(resource: string): DeployedBucket {
    const throughAccessPoint = parseAccessPointResource(resource);
    return throughAccessPoint === undefined
      ? this.bucket(resource.split(':')[5].split('/')[0])
      : this.bucket(this.accessPoint(throughAccessPoint.accessPointArn).bucketName);
  }

  public key(arn: string): DeployedKey {
    const key = this.keys.get(arn);
    if (key === undefined) {
      throw new Error(`No key ${arn} in the deployed stacks (have: ${[...this.keys.keys()].join(', ')})`);
    }
    return key;
  }

  public principal(arn: string): Principal {
    const principal = this.principals.get(arn);
    if (principal === undefined) {
      throw new Error(`No principal ${arn} in the deployed stacks or declared by the test`);
    }
    return principal;
  }

  public organizationOf(account: string): string | undefined {
    return this.organizations[account];
  }

  /** `aws:PrincipalOrgPaths` of the account: its one path, or undefined outside an organization. */
  public organizationPathOf(account: string): string | undefined {
    return this.organizationPaths[account] ?? (this.organizations[account] === undefined ? undefined : `${this.organizations[account]}/r-proof/`);
  }

  /**
   * Evaluates one request as AWS would: identity policies, and the resource's own policy. A
   * request through an access point is evaluated in two legs, see `simulateThroughAccessPoint`.
   */
  public async simulate(request: SimulatedRequest, identity?: PolicyDocument[]): Promise<Decision> {
    const principal = this.principal(request.principal);
    const identityPolicies = identity === undefined
      ? principal.identityPolicies
      : identity.map((policy, index) => ({ name: `override-${index}`, policy }));
    const throughAccessPoint = parseAccessPointResource(request.resource);
    if (throughAccessPoint !== undefined) {
      return this.simulateThroughAccessPoint(request, principal, identityPolicies, throughAccessPoint);
    }
    const target = this.target(request.resource, request.action);
    return this.runSimulation(request, principal, identityPolicies, request.resource, target, target.restrictPublicBuckets);
  }

  /**
   * A request through an access point is allowed only if
   * 1. the caller's identity policies and the access point policy allow it on the access point
   *    resource (both, across accounts), and the access point's Block Public Access does not
   *    block it; and
   * 2. the bucket policy allows the same action on the underlying bucket or object, with the
   *    request carrying `s3:DataAccessPointAccount`, `s3:DataAccessPointArn` and
   *    `s3:AccessPointNetworkOrigin`. The identity here allows everything, so that only the
   *    bucket policy (and the bucket's Block Public Access) decides.
   * An explicit deny in either leg denies. The second leg is evaluated only when the first
   * allows; the result names the leg that denied.
   *
   * Actions that manage the access point itself (its policy, its tags) do not reach the bucket:
   * only the first leg decides them.
   */
  private async simulateThroughAccessPoint(
    request: SimulatedRequest, principal: Principal, identityPolicies: NamedPolicy[], resource: AccessPointResource,
  ): Promise<Decision> {
    const accessPoint = this.accessPoint(resource.accessPointArn);
    const bucket = this.bucket(accessPoint.bucketName);
    if (bucket.account !== accessPoint.bucketAccount) {
      throw new Error(`Access point ${accessPoint.arn} names bucket ${bucket.name} of account ${accessPoint.bucketAccount}, but that bucket is in ${bucket.account}`);
    }
    const accessPointTarget: ResourceTarget = {
      account: accessPoint.account, region: accessPoint.region, policy: accessPoint.policy, restrictPublicBuckets: false, accessPoint,
    };
    const first = await this.runSimulation(request, principal, identityPolicies, request.resource, accessPointTarget, false);
    // RestrictPublicBuckets of the access point (or of its bucket): a public access point policy
    // serves only the access point's and the bucket's own accounts.
    if (first.allowed && (accessPoint.restrictPublicBuckets || bucket.restrictPublicBuckets)
      && principal.account !== accessPoint.account && principal.account !== bucket.account
      && await simulatorDeemsPublic(accessPoint.policy)) {
      return {
        allowed: false,
        result: 'ExplicitlyDenied',
        explain: () => `access point leg: blocked by Block Public Access (RestrictPublicBuckets): the policy of ${accessPoint.arn} is public`,
      };
    }
    if (!first.allowed || !reachesTheBucket(request.action, resource)) {
      return { ...first, explain: () => `access point leg: ${first.explain()}` };
    }
    const underlying = resource.objectKey === undefined ? bucket.arn : `${bucket.arn}/${resource.objectKey}`;
    const bucketTarget: ResourceTarget = {
      account: bucket.account, region: bucket.region, policy: bucket.policy, restrictPublicBuckets: bucket.restrictPublicBuckets, bucket, accessPoint,
    };
    // RestrictPublicBuckets of the bucket spares the bucket's account (the simulator does that)
    // and, through an access point, the access point's account.
    const second = await this.runSimulation(request, principal, [{ name: 'bucket-leg-identity', policy: ALLOW_EVERYTHING }], underlying, bucketTarget,
      bucket.restrictPublicBuckets && principal.account !== accessPoint.account);
    return {
      allowed: second.allowed,
      result: second.result,
      explain: () => `access point leg: ${first.explain()}; bucket leg (${underlying}): ${second.explain()}`,
    };
  }

  /** One run of the simulator on `resource` (the request's own resource, or the bucket behind an access point). */
  private async runSimulation(
    request: SimulatedRequest, principal: Principal, identityPolicies: NamedPolicy[],
    resource: string, target: ResourceTarget, blockPublicAccess: boolean,
  ): Promise<Decision> {
    const aliases = aliasesFor(resource);
    const contextVariables = await requestContext(this, principal, request.action, resource, target, request.options ?? {});
    const anonymous = principal.arn === ANONYMOUS;
    const response = await runSimulation({
      request: {
        principal: anonymous ? { type: 'Anonymous' } : principal.arn,
        action: request.action,
        resource: { resource, accountId: target.account },
        contextVariables: Object.fromEntries(Object.entries(contextVariables).map(([key, value]) => [aliasKey(key, aliases), value])),
      },
      identityPolicies: anonymous ? [] : identityPolicies.map(({ name, policy }) => ({ name, policy: validated(aliasPolicy(policy, aliases)!, 'identity') })),
      resourcePolicy: target.policy === undefined ? undefined : validated(aliasPolicy(target.policy, aliases)!, 'resource'),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      additionalSettings: blockPublicAccess ? { s3: { blockPublicAccess: true } } : undefined,
    }, {});
    const where = resource === request.resource ? describeRequest(request) : `${describeRequest(request)} (on ${resource})`;
    if (response.resultType !== 'single') {
      throw new Error(`Simulation of ${where} failed: ${JSON.stringify(response.resultType === 'error' ? response.errors : response)}`);
    }
    const ignored = response.result.ignoredContextKeys ?? [];
    if (ignored.length > 0) {
      throw new Error(`The context of ${where} sets keys the simulator ignores for this request: ${ignored.join(', ')}`);
    }
    const analysis = response.result.analysis;
    return {
      allowed: response.overallResult === 'Allowed',
      result: response.overallResult,
      explain: () => explainAnalysis(analysis, response.overallResult === 'Allowed'),
    };
  }

  /** Whether AWS sets `contextKey` on `action` requests to `resource`. */
  public async carriesContextKey(action: string, resource: string, contextKey: string): Promise<boolean> {
    return (await allowedKeys(action, resource))(contextKey);
  }

  private target(resource: string, action: string): ResourceTarget {
    if (resource === '*') {
      throw new Error(`${action} on '*' acts in the caller's own account; the proofs only probe resources of the deployed stacks`);
    }
    const [, , service, region, account, rest] = resource.split(':');
    switch (service) {
      case 's3': {
        if (parseAccessPointResource(resource) !== undefined) {
          throw new Error(`${resource}: requests through an access point are evaluated in two legs (simulateThroughAccessPoint)`);
        }
        const bucket = this.bucket(rest.split('/')[0]);
        return { account: bucket.account, policy: bucket.policy, restrictPublicBuckets: bucket.restrictPublicBuckets, bucket, region: bucket.region };
      }
      case 'kms':
        return { account, policy: this.key(resource).policy, restrictPublicBuckets: false, region };
      case 'iam': {
        const role = this.principal(resource);
        if (role.trustPolicy === undefined) {
          throw new Error(`${resource} has no trust policy: it is not a role of the deployed stacks`);
        }
        return { account, policy: role.trustPolicy, restrictPublicBuckets: false, region: '' };
      }
      default:
        throw new Error(`Resources of ${service} are not modelled: ${resource}`);
    }
  }

  /** The role a policy's Roles entry names: a role of the template (with its path), or a role name. */
  private attachedRoleArn(resolver: TemplateResolver, role: unknown, env: DeployEnvironment, where: string): string {
    const ref = (role as { Ref?: unknown } | undefined)?.Ref;
    if (typeof ref === 'string' && !ref.startsWith('AWS::')) {
      return resolver.arn(ref);
    }
    // A role defined elsewhere, named without its path: CDK names imported roles this way.
    return `arn:${env.partition}:iam::${env.account}:role/${resolver.resolveString(role, where)}`;
  }

  private declareRole(arn: string): Principal {
    const principal: Principal = { arn, account: accountOfArn(arn), identityPolicies: [] };
    this.principals.set(arn, principal);
    return principal;
  }
}

function refuseUsersAndGroups(logicalId: string, properties: Record<string, any>): void {
  if ((properties.Users ?? []).length > 0 || (properties.Groups ?? []).length > 0) {
    throw new Error(`${logicalId}: policies attached to users or groups are not modelled`);
  }
}

export interface ResourceTarget {
  readonly account: string;
  readonly region: string;
  readonly policy?: PolicyDocument;
  readonly restrictPublicBuckets: boolean;
  readonly bucket?: DeployedBucket;
  /** The access point a request goes through, in both legs of its evaluation. */
  readonly accessPoint?: DeployedAccessPoint;
}

/**
 * Actions on an access point ARN that manage the access point itself (its policy, its tags)
 * rather than reach its bucket: every S3 action of the catalogue that applies to access points
 * but not to buckets, and the tagging actions, which apply to both but tag the access point
 * (harness-access-points.test.ts checks this list against the catalogue).
 */
export const ACCESS_POINT_MANAGEMENT_ACTIONS: ReadonlySet<string> = new Set([
  's3:CreateAccessPoint', 's3:DeleteAccessPoint', 's3:DeleteAccessPointPolicy', 's3:GetAccessPointPolicy',
  's3:GetAccessPointPolicyStatus', 's3:PutAccessPointPolicy',
  's3:TagResource', 's3:UntagResource', 's3:ListTagsForResource',
]);

/**
 * Whether a request through an access point reaches its bucket: every object action, and the
 * bucket actions (listing, for example), but not the management of the access point itself.
 */
function reachesTheBucket(action: string, resource: AccessPointResource): boolean {
  return resource.objectKey !== undefined || !ACCESS_POINT_MANAGEMENT_ACTIONS.has(action);
}

const PROBE_OWNER = '000000000001';
const PROBE_CALLER = 'arn:aws:iam::000000000002:role/PublicPolicyProbe';
const PROBE_OBJECT = 'arn:aws:s3:::harness-public-policy-probe/probe';
const publicPolicies = new WeakMap<object, Promise<boolean>>();

/**
 * Whether S3 Block Public Access deems `policy` public, by the simulator's own classifier (it
 * applies it to buckets only, not to access points): its Allow statements, plus one that lets a
 * probe role of another account read a probe object, go on a bucket with Block Public Access on;
 * the probe's read is blocked exactly when the statements make the policy public.
 */
export function simulatorDeemsPublic(policy: PolicyDocument | undefined): Promise<boolean> {
  if (policy === undefined) {
    return Promise.resolve(false);
  }
  let deemed = publicPolicies.get(policy);
  if (deemed === undefined) {
    const allows = [policy.Statement].flat().filter(statement => statement.Effect === 'Allow');
    const probe = { Sid: 'HarnessProbe', Effect: 'Allow', Principal: { AWS: PROBE_CALLER }, Action: 's3:GetObject', Resource: PROBE_OBJECT };
    deemed = runSimulation({
      request: { principal: PROBE_CALLER, action: 's3:GetObject', resource: { resource: PROBE_OBJECT, accountId: PROBE_OWNER }, contextVariables: {} },
      identityPolicies: [{ name: 'probe', policy: ALLOW_EVERYTHING }],
      resourcePolicy: aliasPolicy({ Version: '2012-10-17', Statement: [...allows, probe] }, ALIASES_FOR_BUCKETS),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      additionalSettings: { s3: { blockPublicAccess: true } },
    }, {}).then(response => {
      if (response.resultType !== 'single') {
        throw new Error(`The public-policy probe failed: ${JSON.stringify(response)}`);
      }
      return response.overallResult !== 'Allowed';
    });
    publicPolicies.set(policy, deemed);
  }
  return deemed;
}

export function describeRequest(request: SimulatedRequest): string {
  const options = Object.entries(request.options ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return `${request.principal} ${request.action} ${request.resource}${options.length > 0 ? ` [${options.join(' ')}]` : ''}`;
}

function explainAnalysis(analysis: any, allowed: boolean): string {
  if (analysis === undefined) {
    return '(no analysis)';
  }
  const reasons = allowed ? getGrantReasons(analysis) : getDenialReasons(analysis);
  return JSON.stringify(reasons);
}
