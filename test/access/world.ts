/**
 * The deployed state of several accounts, read from synthesized stacks: buckets with their
 * policies, keys with their key policies, roles with their trust and identity policies, and
 * principals declared by a test (an outsider whose own policy allows everything, for example).
 * `simulate` evaluates one request the way AWS does, with @cloud-copilot/iam-simulate.
 */
import { runSimulation, getDenialReasons, getGrantReasons } from '@cloud-copilot/iam-simulate';
import { CfnElement, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
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

function aliasKey(key: string): string {
  return SIMULATOR_KEY_ALIASES[key.toLowerCase()] ?? key;
}

const aliasedPolicies = new WeakMap<object, PolicyDocument>();

/** The policy with its condition keys renamed by SIMULATOR_KEY_ALIASES (cached per document). */
function aliasPolicy(policy: PolicyDocument | undefined): PolicyDocument | undefined {
  if (policy === undefined) {
    return undefined;
  }
  let aliased = aliasedPolicies.get(policy);
  if (aliased === undefined) {
    const statements = [policy.Statement].flat().map(statement => statement.Condition === undefined ? statement : {
      ...statement,
      Condition: Object.fromEntries(Object.entries(statement.Condition as Record<string, Record<string, unknown>>).map(([operator, keys]) =>
        [operator, Object.fromEntries(Object.entries(keys).map(([key, value]) => [aliasKey(key), value]))])),
    });
    aliased = { ...policy, Statement: statements };
    aliasedPolicies.set(policy, aliased);
  }
  return aliased;
}

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
}

export class World {
  public readonly buckets = new Map<string, DeployedBucket>();
  public readonly keys = new Map<string, DeployedKey>();
  public readonly principals = new Map<string, Principal>();
  private readonly organizations: Record<string, string>;

  constructor(options: WorldOptions = {}) {
    this.organizations = options.organizations ?? {};
  }

  /** Adds everything a stack deploys that bears on access. */
  public addStack(stack: Stack): this {
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      throw new Error(`Stack ${stack.stackName} needs an explicit account and region for the access proofs`);
    }
    const env: DeployEnvironment = { stackName: stack.stackName, account: stack.account, region: stack.region, partition: 'aws' };
    this.addTemplate(Template.fromStack(stack).toJSON(), env);
    return this;
  }

  /** Adds a synthesized template deployed to `env`. */
  public addTemplate(template: { Resources?: TemplateResources }, env: DeployEnvironment): this {
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

  /** Evaluates one request as AWS would: identity policies, and the resource's own policy. */
  public async simulate(request: SimulatedRequest, identity?: PolicyDocument[]): Promise<Decision> {
    const principal = this.principal(request.principal);
    const identityPolicies = identity === undefined
      ? principal.identityPolicies
      : identity.map((policy, index) => ({ name: `override-${index}`, policy }));
    const target = this.target(request.resource, request.action);
    const contextVariables = await requestContext(this, principal, request.action, request.resource, target, request.options ?? {});
    const response = await runSimulation({
      request: {
        principal: principal.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: target.account },
        contextVariables: Object.fromEntries(Object.entries(contextVariables).map(([key, value]) => [aliasKey(key), value])),
      },
      identityPolicies: identityPolicies.map(({ name, policy }) => ({ name, policy: aliasPolicy(policy) })),
      resourcePolicy: aliasPolicy(target.policy),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      additionalSettings: target.restrictPublicBuckets ? { s3: { blockPublicAccess: true } } : undefined,
    }, {});
    if (response.resultType !== 'single') {
      throw new Error(`Simulation of ${describeRequest(request)} failed: ${JSON.stringify(response.resultType === 'error' ? response.errors : response)}`);
    }
    const ignored = response.result.ignoredContextKeys ?? [];
    if (ignored.length > 0) {
      throw new Error(`The context of ${describeRequest(request)} sets keys the simulator ignores for this request: ${ignored.join(', ')}`);
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
