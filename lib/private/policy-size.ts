import { CfnParameter, CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { addWarning } from './warnings';

/** The policy documents whose deployed size AWS limits. The value is the name used in messages. */
export enum PolicyKind {
  BUCKET_POLICY = 'bucket policy',
  KEY_POLICY = 'key policy',
  ACCESS_POINT_POLICY = 'access point policy',
  TRUST_POLICY = 'trust policy',
  /** All inline policies of one role together. */
  ROLE_INLINE_POLICIES = 'role inline policies',
  MANAGED_POLICY = 'managed policy',
}

/** AWS limits in characters of the policy JSON, white space not counted. */
export const POLICY_LIMITS: Record<PolicyKind, number> = {
  [PolicyKind.BUCKET_POLICY]: 20_480,
  [PolicyKind.KEY_POLICY]: 32_768,
  [PolicyKind.ACCESS_POINT_POLICY]: 20_480,
  [PolicyKind.TRUST_POLICY]: 2_048,
  [PolicyKind.ROLE_INLINE_POLICIES]: 10_240,
  [PolicyKind.MANAGED_POLICY]: 6_144,
};

/** A policy's deployed size and the limit it must stay under. */
export interface PolicyBudget {
  /** Kind and owner, for example "bucket policy of Owner/Shared/Bucket/Policy". */
  readonly description: string;
  readonly kind: PolicyKind;
  readonly size: number;
  readonly limit: number;
}

/** Share of the limit above which a policy gets a warning: room for a few more grants, not many. */
const WARNING_SHARE = 0.8;

/** Account ids are always 12 digits. */
const ACCOUNT_ID_LENGTH = 12;
/** Key ids are UUIDs. */
const KEY_ID_LENGTH = 36;
/** Longest bucket name S3 accepts; CloudFormation-generated names can reach it. */
const LONGEST_BUCKET_NAME = 63;
/** Longest role name IAM accepts; CloudFormation-generated names are cut to it. */
const LONGEST_ROLE_NAME = 64;
/** Longest access point name S3 accepts. */
const LONGEST_ACCESS_POINT_NAME = 50;
/** Longest stack name CloudFormation accepts, for a stack whose name is a token (nested stacks). */
const LONGEST_STACK_NAME = 128;
/**
 * Physical name of a referenced resource whose type is not modelled here (or that is not in this
 * stack): counted at the longest common physical name, the 64 characters of IAM, Lambda and most
 * other services.
 */
const UNKNOWN_PHYSICAL_NAME = 64;
/**
 * An attribute that is not modelled here. 256 covers any ARN a policy plausibly names (the
 * longest, role ARNs with a path, stay well below) without the absurd 2,048 an ARN may have in
 * theory, which would make every template look oversized.
 */
const UNKNOWN_ATTRIBUTE = 256;
/**
 * A whole value known only at deploy time: a parameter, an import, a mapping, a pseudo parameter
 * not modelled here. 128 holds a role or key ARN, the usual such value in a policy.
 */
const UNKNOWN_VALUE = 128;
/** One element of a list known only at deploy time (Fn::Select): a name, id or ARN component. */
const UNKNOWN_LIST_ELEMENT = 64;

/**
 * Deployed size of a policy document of `scope`'s stack: the length of its JSON without white
 * space, as AWS counts it against the limit, with each CloudFormation intrinsic replaced by an
 * estimate of its deployed value. The estimates are exact where the stack's environment and the
 * physical names are known, and err on the long side where they are not.
 *
 * @param document an `iam.PolicyDocument`, or an already-rendered document (object or JSON text)
 *   that may contain tokens or CloudFormation intrinsics.
 */
export function deployedPolicySize(scope: Construct, document: unknown): number {
  const stack = Stack.of(scope);
  let resolved = stack.resolve(document);
  if (resolved === undefined) {
    // An empty iam.PolicyDocument renders as nothing.
    return 0;
  }
  if (typeof resolved === 'string') {
    // A policy given as JSON text: AWS counts it without its white space.
    resolved = JSON.parse(resolved);
  }
  return JSON.stringify(new DeployedValues(stack).render(resolved)).length;
}

/**
 * The budget of the policy of `kind` that `owner` emits: its deployed size (the sum of
 * `documents`, for a role's inline policies) against the AWS limit of its kind.
 */
export function policyBudget(kind: PolicyKind, owner: Construct, ...documents: unknown[]): PolicyBudget {
  return {
    description: `${kind} of ${owner.node.path}`,
    kind,
    size: documents.reduce<number>((total, document) => total + deployedPolicySize(owner, document), 0),
    limit: POLICY_LIMITS[kind],
  };
}

/**
 * Checks `budgets` against their limits. Returns one error message per policy over its limit (for
 * `node.addValidation`) and adds a warning on `scope` for each policy above 80% of its limit.
 * `wayOut` ends every message: what the user can do about it.
 */
export function checkPolicyBudgets(scope: Construct, budgets: PolicyBudget[], wayOut: string): string[] {
  const errors: string[] = [];
  for (const { description, size, limit } of budgets) {
    const amounts = `${formatNumber(size)} characters`;
    // Rounded up, so that a policy just over 80% or 100% never reads as exactly 80% or 100%.
    const share = `${Math.ceil((100 * size) / limit)}%`;
    if (size > limit) {
      errors.push(`The ${description} would be ${amounts}, over the AWS limit of ${formatNumber(limit)} (${share}). ${wayOut}`);
    } else if (size > WARNING_SHARE * limit) {
      // Over the limit is an error already; a warning as well would only repeat it.
      addWarning(scope, 'cdk-cross-account-bucket:policySize',
        `The ${description} is ${amounts}, ${share} of the AWS limit of ${formatNumber(limit)}. ${wayOut}`);
    }
  }
  return errors;
}

function formatNumber(value: number): string {
  return value.toLocaleString('en-US');
}

/**
 * Replaces CloudFormation intrinsics by strings of the length their deployed values will have.
 * Literal text around them is kept, so that JSON.stringify counts its escapes as AWS does.
 */
class DeployedValues {
  private readonly partition: string;
  private readonly region: string;
  private readonly urlSuffix: string;
  private readonly account: string;
  private readonly stackName: string;
  /** Resources and parameters of the stack by logical id; built on the first reference. */
  private elements?: Map<string, CfnResource | CfnParameter>;

  constructor(private readonly stack: Stack) {
    const region = Token.isUnresolved(stack.region) ? undefined : stack.region;
    const regionInfo = region === undefined ? undefined : RegionInfo.get(region);
    this.partition = regionInfo?.partition ?? 'aws';
    this.region = region ?? 'x'.repeat(longestCommercialRegionName());
    this.urlSuffix = regionInfo?.domainSuffix ?? 'amazonaws.com';
    this.account = Token.isUnresolved(stack.account) ? 'x'.repeat(ACCOUNT_ID_LENGTH) : stack.account;
    this.stackName = Token.isUnresolved(stack.stackName) ? 'x'.repeat(LONGEST_STACK_NAME) : stack.stackName;
  }

  /** `value` with every intrinsic replaced by its estimated deployed value. */
  public render(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map(item => this.render(item));
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const entries = Object.entries(value);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
      return this.intrinsic(key, argument);
    }
    return Object.fromEntries(entries.map(([name, item]) => [name, this.render(item)]));
  }

  private intrinsic(name: string, argument: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof argument === 'string'
          ? splitOnce(argument, '.')
          : (argument as [string, string]);
        return this.attribute(logicalId, attribute);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown];
        // The list may itself be an intrinsic (Fn::Split, Fn::GetAZs): its content is unknown.
        return Array.isArray(parts) ? parts.map(part => this.text(part)).join(separator) : placeholder(UNKNOWN_VALUE);
      }
      case 'Fn::Sub':
        return this.sub(argument);
      case 'Fn::If': {
        // Either branch may deploy: count the longer one.
        const [, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        const [first, second] = [this.render(whenTrue), this.render(whenFalse)];
        return JSON.stringify(first ?? '').length >= JSON.stringify(second ?? '').length ? first : second;
      }
      case 'Fn::Select':
        return placeholder(UNKNOWN_LIST_ELEMENT);
      default:
        // Fn::ImportValue, Fn::FindInMap, Fn::Base64 and the like: unknown until deploy time.
        return placeholder(UNKNOWN_VALUE);
    }
  }

  /** A value in string position (a Join part, a Sub variable, a physical name). */
  private text(value: unknown): string {
    const rendered = this.render(value);
    if (typeof rendered === 'string') {
      return rendered;
    }
    return typeof rendered === 'number' || typeof rendered === 'boolean' ? String(rendered) : placeholder(UNKNOWN_VALUE);
  }

  private sub(argument: unknown): string {
    const [template, variables] = typeof argument === 'string'
      ? [argument, {}]
      : (argument as [string, Record<string, unknown> | undefined]);
    return template.replace(/\$\{(!?)([^}]*)\}/g, (_match, literal: string, name: string) => {
      if (literal) {
        // '${!Name}' deploys as the literal text '${Name}'.
        return `\${${name}}`;
      }
      if (variables !== undefined && name in variables) {
        return this.text(variables[name]);
      }
      if (name.includes('.')) {
        const [logicalId, attribute] = splitOnce(name, '.');
        return this.attribute(logicalId, attribute);
      }
      return this.ref(name);
    });
  }

  private ref(target: string): string {
    switch (target) {
      case 'AWS::Partition': return this.partition;
      case 'AWS::AccountId': return this.account;
      case 'AWS::Region': return this.region;
      case 'AWS::URLSuffix': return this.urlSuffix;
      case 'AWS::StackName': return this.stackName;
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${this.region}:${this.account}:stack/${this.stackName}/${placeholder(36)}`;
      // Removes the property it stands for; counting it as an empty string errs on the long side.
      case 'AWS::NoValue': return '';
      default:
        break;
    }
    if (target.startsWith('AWS::')) {
      // AWS::NotificationARNs and pseudo parameters added later.
      return placeholder(UNKNOWN_VALUE);
    }
    const element = this.element(target);
    if (element instanceof CfnParameter) {
      return placeholder(UNKNOWN_VALUE);
    }
    return element === undefined ? placeholder(UNKNOWN_PHYSICAL_NAME) : this.physicalName(element);
  }

  /** What `Ref` returns for a resource: its name or id (its ARN for a managed policy). */
  private physicalName(resource: CfnResource): string {
    switch (resource.cfnResourceType) {
      case kms.CfnKey.CFN_RESOURCE_TYPE_NAME:
        return placeholder(KEY_ID_LENGTH);
      case s3.CfnBucket.CFN_RESOURCE_TYPE_NAME:
        return this.name((resource as s3.CfnBucket).bucketName, LONGEST_BUCKET_NAME);
      case iam.CfnRole.CFN_RESOURCE_TYPE_NAME:
        return this.name((resource as iam.CfnRole).roleName, LONGEST_ROLE_NAME);
      case s3.CfnAccessPoint.CFN_RESOURCE_TYPE_NAME:
        return this.name((resource as s3.CfnAccessPoint).name, LONGEST_ACCESS_POINT_NAME);
      case iam.CfnManagedPolicy.CFN_RESOURCE_TYPE_NAME:
        return this.managedPolicyArn(resource as iam.CfnManagedPolicy);
      default:
        return placeholder(UNKNOWN_PHYSICAL_NAME);
    }
  }

  private attribute(logicalId: string, attribute: string): string {
    const resource = this.element(logicalId);
    if (!(resource instanceof CfnResource)) {
      return placeholder(UNKNOWN_ATTRIBUTE);
    }
    const { partition, region, account } = this;
    const type = resource.cfnResourceType;
    if (attribute === 'Arn' && type === kms.CfnKey.CFN_RESOURCE_TYPE_NAME) {
      return `arn:${partition}:kms:${region}:${account}:key/${this.physicalName(resource)}`;
    }
    if (attribute === 'Arn' && type === iam.CfnRole.CFN_RESOURCE_TYPE_NAME) {
      return `arn:${partition}:iam::${account}:role${this.path((resource as iam.CfnRole).path)}${this.physicalName(resource)}`;
    }
    if (attribute === 'Arn' && type === s3.CfnBucket.CFN_RESOURCE_TYPE_NAME) {
      return `arn:${partition}:s3:::${this.physicalName(resource)}`;
    }
    if (attribute === 'Arn' && type === s3.CfnAccessPoint.CFN_RESOURCE_TYPE_NAME) {
      return `arn:${partition}:s3:${region}:${account}:accesspoint/${this.physicalName(resource)}`;
    }
    if (attribute === 'PolicyArn' && type === iam.CfnManagedPolicy.CFN_RESOURCE_TYPE_NAME) {
      return this.managedPolicyArn(resource as iam.CfnManagedPolicy);
    }
    return placeholder(UNKNOWN_ATTRIBUTE);
  }

  private managedPolicyArn(policy: iam.CfnManagedPolicy): string {
    // CloudFormation-generated managed policy names are cut like role names.
    return `arn:${this.partition}:iam::${this.account}:policy${this.path(policy.path)}${this.name(policy.managedPolicyName, LONGEST_ROLE_NAME)}`;
  }

  /** A name property: its deployed value when set (it may hold intrinsics), else the longest generated name. */
  private name(value: string | undefined, generatedLength: number): string {
    // Resolved first: L2 constructs set a token that may resolve to nothing (CloudFormation names it).
    const resolved = this.stack.resolve(value);
    return resolved === undefined ? placeholder(generatedLength) : this.text(resolved);
  }

  private path(value: string | undefined): string {
    const resolved = this.stack.resolve(value);
    return resolved === undefined ? '/' : this.text(resolved);
  }

  /** The resource or parameter of this stack with `logicalId`. */
  private element(logicalId: string): CfnResource | CfnParameter | undefined {
    if (this.elements === undefined) {
      this.elements = new Map();
      for (const construct of this.stack.node.findAll()) {
        // findAll also walks into nested stacks, whose logical ids are theirs, not this stack's.
        if ((construct instanceof CfnResource || construct instanceof CfnParameter) && Stack.of(construct) === this.stack) {
          this.elements.set(this.stack.resolve(construct.logicalId), construct);
        }
      }
    }
    return this.elements.get(logicalId);
  }
}

function placeholder(length: number): string {
  return 'x'.repeat(length);
}

function splitOnce(value: string, separator: string): [string, string] {
  const index = value.indexOf(separator);
  return index < 0 ? [value, ''] : [value.slice(0, index), value.slice(index + 1)];
}

/** Longest name of a commercial ('aws' partition) region, for stacks whose region is not known. */
function longestCommercialRegionName(): number {
  return Math.max(...RegionInfo.regions.filter(region => region.partition === 'aws').map(region => region.name.length));
}
