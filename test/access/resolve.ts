/**
 * Resolves the CloudFormation intrinsics CDK writes into policy documents, so that the access
 * proofs evaluate policies as they are deployed. Physical names that CloudFormation would
 * choose at deploy time (a role without RoleName, a key id) get fixed, deterministic values; any
 * other intrinsic is an error, never a guess.
 */
import { createHash } from 'crypto';

/** The environment a template is deployed to. */
export interface DeployEnvironment {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}

export type TemplateResources = Record<string, TemplateResource>;

/** The key id this harness gives a key resource: stable per account, region, stack and logical id. */
export function physicalKeyId(env: DeployEnvironment, logicalId: string): string {
  const hex = createHash('sha256').update(`${env.account}/${env.region}/${env.stackName}/${logicalId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export class TemplateResolver {
  constructor(private readonly env: DeployEnvironment, private readonly resources: TemplateResources) {}

  /** Physical name of a named resource (what `Ref` returns for buckets, roles, policies). */
  public physicalName(logicalId: string): string {
    const resource = this.resource(logicalId, 'Ref');
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::S3::Bucket':
        // CloudFormation names an unnamed bucket <stack>-<logical id>-<random>, in lower case.
        return this.resolveString(properties.BucketName ?? `${this.env.stackName}-${logicalId}-generated`.toLowerCase(), `${logicalId}.BucketName`);
      case 'AWS::IAM::Role':
        return this.resolveString(properties.RoleName ?? `${this.env.stackName}-${logicalId}-generated`, `${logicalId}.RoleName`);
      case 'AWS::IAM::ManagedPolicy':
        return this.managedPolicyArn(logicalId);
      case 'AWS::KMS::Key':
        return physicalKeyId(this.env, logicalId);
      case 'AWS::S3::AccessPoint':
        // Access point names are lower case, like bucket names.
        return this.resolveString(properties.Name ?? `${this.env.stackName}-${logicalId}-generated`.toLowerCase(), `${logicalId}.Name`);
      default:
        throw new Error(`Cannot resolve Ref ${logicalId}: the harness does not know what Ref returns for ${resource.Type}`);
    }
  }

  /** ARN of a resource (what `Fn::GetAtt [id, 'Arn']` returns). */
  public arn(logicalId: string): string {
    const resource = this.resource(logicalId, 'Fn::GetAtt');
    const { partition, account, region } = this.env;
    switch (resource.Type) {
      case 'AWS::S3::Bucket':
        return `arn:${partition}:s3:::${this.physicalName(logicalId)}`;
      case 'AWS::IAM::Role':
        return `arn:${partition}:iam::${account}:role${this.rolePath(resource)}${this.physicalName(logicalId)}`;
      case 'AWS::KMS::Key':
        return `arn:${partition}:kms:${region}:${account}:key/${physicalKeyId(this.env, logicalId)}`;
      case 'AWS::S3::AccessPoint':
        return `arn:${partition}:s3:${region}:${account}:accesspoint/${this.physicalName(logicalId)}`;
      default:
        throw new Error(`Cannot resolve Fn::GetAtt ${logicalId}.Arn: the harness does not know the ARN of ${resource.Type}`);
    }
  }

  /** Resolves every intrinsic in `value`; `where` names the place for error messages. */
  public resolve(value: unknown, where: string): any {
    if (Array.isArray(value)) {
      return value.map((item, index) => this.resolve(item, `${where}[${index}]`));
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    const intrinsic = keys.find(key => key === 'Ref' || key.startsWith('Fn::'));
    if (intrinsic !== undefined) {
      if (keys.length !== 1) {
        throw new Error(`${where}: an intrinsic must be alone in its object, found keys ${keys.join(', ')}`);
      }
      return this.resolveIntrinsic(intrinsic, object[intrinsic], where);
    }
    return Object.fromEntries(keys.map(key => [key, this.resolve(object[key], `${where}.${key}`)]));
  }

  /** Resolves `value` and requires a string. */
  public resolveString(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved !== 'string') {
      throw new Error(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
    }
    return resolved;
  }

  private resolveIntrinsic(name: string, argument: unknown, where: string): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(argument), where);
      case 'Fn::Join': {
        if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== 'string' || !Array.isArray(argument[1])) {
          throw new Error(`${where}: malformed Fn::Join ${JSON.stringify(argument)}`);
        }
        const parts = (argument[1] as unknown[]).map((part, index) => this.resolveString(part, `${where}.Fn::Join[${index}]`));
        return parts.join(argument[0]);
      }
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof argument === 'string'
          ? [argument.slice(0, argument.indexOf('.')), argument.slice(argument.indexOf('.') + 1)]
          : argument as [string, string];
        if (attribute !== 'Arn') {
          throw new Error(`${where}: cannot resolve Fn::GetAtt ${logicalId}.${attribute} (only Arn is modelled)`);
        }
        return this.arn(logicalId);
      }
      case 'Fn::Sub':
        return this.sub(argument, where);
      default:
        throw new Error(`${where}: cannot resolve ${name} ${JSON.stringify(argument)}`);
    }
  }

  private ref(target: string, where: string): string {
    switch (target) {
      case 'AWS::Partition': return this.env.partition;
      case 'AWS::AccountId': return this.env.account;
      case 'AWS::Region': return this.env.region;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackName': return this.env.stackName;
      default:
        if (target.startsWith('AWS::')) {
          throw new Error(`${where}: cannot resolve the pseudo parameter ${target}`);
        }
        return this.physicalName(target);
    }
  }

  private sub(argument: unknown, where: string): string {
    const [template, variables = {}] = typeof argument === 'string' ? [argument, {}] : argument as [string, Record<string, unknown>?];
    if (typeof template !== 'string' || typeof variables !== 'object' || variables === null) {
      throw new Error(`${where}: malformed Fn::Sub ${JSON.stringify(argument)}`);
    }
    return template.replace(/\$\{(!?)([^}]*)\}/g, (_match, literal: string, name: string) => {
      if (literal) {
        return `\${${name}}`;
      }
      if (name in variables) {
        return this.resolveString(variables[name], `${where}.Fn::Sub.${name}`);
      }
      const [logicalId, attribute] = name.split('.');
      if (attribute === undefined) {
        return this.ref(logicalId, `${where}.Fn::Sub`);
      }
      return this.resolveString({ 'Fn::GetAtt': [logicalId, attribute] }, `${where}.Fn::Sub`);
    });
  }

  private managedPolicyArn(logicalId: string): string {
    const resource = this.resources[logicalId];
    const name = resource.Properties?.ManagedPolicyName ?? `${this.env.stackName}-${logicalId}-generated`;
    return `arn:${this.env.partition}:iam::${this.env.account}:policy${resource.Properties?.Path ?? '/'}${this.resolveString(name, logicalId)}`;
  }

  private rolePath(resource: TemplateResource): string {
    return this.resolveString(resource.Properties?.Path ?? '/', 'Path');
  }

  private resource(logicalId: string, intrinsic: string): TemplateResource {
    const resource = this.resources[logicalId];
    if (resource === undefined) {
      throw new Error(`Cannot resolve ${intrinsic} ${logicalId}: no such resource in stack ${this.env.stackName}`);
    }
    return resource;
  }
}
