/**
 * The intrinsics of one template, resolved offline
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html):
 * Ref and Fn::GetAtt of the template's resources, pseudo parameters from the stack's environment,
 * Fn::Join, Fn::Sub, Fn::Select, Fn::Split, and Fn::If with its condition. A name CloudFormation
 * generates, a parameter, an import and anything else become named unknowns, never a guess.
 */
import { Symbolic, SymbolicPart, joinText } from './pattern';
import { LoadedStack } from './template-files';

const UNRESOLVED = Symbol('unresolved');

/** Resolves the intrinsics of one template. */
export class Resolver {
  private readonly resources: Record<string, any>;

  constructor(private readonly stack: LoadedStack) {
    this.resources = stack.template.Resources ?? {};
  }

  private unknown(name: string): Symbolic {
    return [{ unknown: `${this.stack.stackName}/${name}` }];
  }

  /** A resource's name as Ref gives it, or an unknown where CloudFormation chooses it. */
  private physicalName(logicalId: string, property: string): Symbolic {
    const value = this.resources[logicalId]?.Properties?.[property];
    return value === undefined ? this.unknown(`${logicalId}.${property}`) : this.symbolic(value, `${logicalId}.${property}`);
  }

  private region(): Symbolic {
    return this.stack.environment.region ? [this.stack.environment.region] : this.unknown('AWS::Region');
  }

  private account(): Symbolic {
    return this.stack.environment.account ? [this.stack.environment.account] : this.unknown('AWS::AccountId');
  }

  private ref(name: string): Symbolic {
    switch (name) {
      case 'AWS::AccountId': return this.account();
      case 'AWS::Region': return this.region();
      case 'AWS::Partition': return [this.stack.environment.partition];
      case 'AWS::URLSuffix': return ['amazonaws.com'];
      case 'AWS::StackName': return [this.stack.stackName];
      case 'AWS::NoValue': return this.unknown('AWS::NoValue');
    }
    const parameter = this.stack.template.Parameters?.[name];
    if (parameter) return this.stack.parameters?.get(name) ?? this.unknown(`parameter ${name}`);
    const resource = this.resources[name];
    switch (resource?.Type) {
      case 'AWS::S3::Bucket': return this.physicalName(name, 'BucketName');
      case 'AWS::IAM::Role': return this.physicalName(name, 'RoleName');
      case 'AWS::IAM::User': return this.physicalName(name, 'UserName');
      case 'AWS::S3::AccessPoint': return this.physicalName(name, 'Name');
      case 'AWS::Events::EventBus': return this.physicalName(name, 'Name');
      case 'AWS::KMS::Key': return this.unknown(`${name}.KeyId`);
      default: return this.unknown(`Ref ${name}`);
    }
  }

  private getAtt(logicalId: string, attribute: string): Symbolic {
    const resource = this.resources[logicalId];
    const partition = this.stack.environment.partition;
    if (attribute === 'Arn') {
      switch (resource?.Type) {
        case 'AWS::S3::Bucket': return [`arn:${partition}:s3:::`, ...this.ref(logicalId)];
        case 'AWS::IAM::Role': return [`arn:${partition}:iam::`, ...this.account(), `:role${rolePath(resource)}`, ...this.ref(logicalId)];
        case 'AWS::IAM::User': return [`arn:${partition}:iam::`, ...this.account(), ':user/', ...this.ref(logicalId)];
        case 'AWS::KMS::Key': return [`arn:${partition}:kms:`, ...this.region(), ':', ...this.account(), ':key/', ...this.ref(logicalId)];
        case 'AWS::S3::AccessPoint': return [`arn:${partition}:s3:`, ...this.region(), ':', ...this.account(), ':accesspoint/', ...this.ref(logicalId)];
      }
    }
    if (resource?.Type === 'AWS::S3::AccessPoint' && attribute === 'Name') return this.ref(logicalId);
    if (resource?.Type === 'AWS::IAM::Role' && attribute === 'RoleId') return this.unknown(`${logicalId}.RoleId`);
    return this.unknown(`${logicalId}.${attribute}`);
  }

  /** Resolves a value into text and unknowns; `where` names it in notes. */
  public symbolic(value: unknown, where: string): Symbolic {
    const resolved = this.resolve(value, where);
    if (resolved === UNRESOLVED) return this.unknown(where);
    if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') return [String(resolved)];
    if (Array.isArray(resolved) && resolved.every(part => typeof part === 'string' || (part && typeof part === 'object' && 'unknown' in part))) {
      return joinText(resolved as SymbolicPart[]);
    }
    return this.unknown(where);
  }

  /** Resolves a whole JSON value: objects and arrays keep their shape; strings become Symbolic. */
  public resolveDocument(value: unknown, where: string): unknown {
    if (Array.isArray(value)) return value.map((item, index) => this.resolveDocument(item, `${where}[${index}]`));
    if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return { symbolic: this.symbolic(value, where) };
      return Object.fromEntries(keys.map(key => [key, this.resolveDocument((value as any)[key], `${where}.${key}`)]));
    }
    return value;
  }

  private resolve(value: unknown, where: string): any {
    if (value === null || typeof value !== 'object') return typeof value === 'string' ? [value] : value;
    if (Array.isArray(value)) return UNRESOLVED;
    const [name, argument] = Object.entries(value as Record<string, any>)[0] ?? [];
    switch (name) {
      case 'Ref':
        return this.ref(argument);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof argument === 'string' ? argument.split('.') : argument;
        return this.getAtt(logicalId, attribute);
      }
      case 'Fn::Join': {
        const [separator, items] = argument;
        const list = this.list(items, where);
        if (list === UNRESOLVED) return this.unknown(where);
        return joinText(list.flatMap((item, index) => index === 0 ? [...item] : [separator, ...item]));
      }
      case 'Fn::Sub':
        return this.sub(argument, where);
      case 'Fn::Select': {
        const [index, items] = argument;
        const list = this.list(items, where);
        if (list === UNRESOLVED || list[Number(index)] === undefined) return this.unknown(where);
        return list[Number(index)];
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument;
        const holds = this.condition(condition);
        if (holds === undefined) return this.unknown(`${where} (condition ${condition})`);
        return this.resolve(holds ? whenTrue : whenFalse, where);
      }
      case 'Fn::ImportValue':
        return this.unknown(`import ${JSON.stringify(argument)}`);
      default:
        return this.unknown(where);
    }
  }

  /** A list argument: a literal list, Fn::Split of a known text, or a list parameter (unresolved). */
  private list(items: unknown, where: string): Symbolic[] | typeof UNRESOLVED {
    if (Array.isArray(items)) return items.map((item, index) => this.symbolic(item, `${where}[${index}]`));
    if (items && typeof items === 'object' && 'Fn::Split' in items) {
      const [separator, source] = (items as any)['Fn::Split'];
      const text = this.symbolic(source, where);
      if (!text.every(part => typeof part === 'string')) return UNRESOLVED;
      return (text as string[]).join('').split(separator).map(part => [part]);
    }
    return UNRESOLVED;
  }

  private sub(argument: unknown, where: string): Symbolic {
    const [template, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [string, Record<string, unknown>]);
    const parts: SymbolicPart[] = [];
    let rest = template;
    for (;;) {
      const start = rest.indexOf('${');
      if (start < 0) break;
      const end = rest.indexOf('}', start);
      if (end < 0) break;
      parts.push(rest.slice(0, start));
      const name = rest.slice(start + 2, end);
      rest = rest.slice(end + 1);
      if (name.startsWith('!')) {
        parts.push(`\${${name.slice(1)}}`);
        continue;
      }
      if (name in variables) {parts.push(...this.symbolic(variables[name], `${where} \${${name}}`));} else if (name.includes('.')) {
        const [logicalId, attribute] = name.split('.');
        parts.push(...this.getAtt(logicalId, attribute));
      } else {parts.push(...this.ref(name));}
    }
    parts.push(rest);
    return joinText(parts);
  }

  /** Evaluates a template condition where its inputs are known; undefined where they are not. */
  private condition(name: string): boolean | undefined {
    const definition = this.stack.template.Conditions?.[name];
    return definition === undefined ? undefined : this.evaluateCondition(definition);
  }

  private evaluateCondition(expression: any): boolean | undefined {
    const [name, argument] = Object.entries(expression ?? {})[0] ?? [];
    switch (name) {
      case 'Condition': return this.condition(argument as string);
      case 'Fn::Equals': {
        const [left, right] = (argument as unknown[]).map(item => this.symbolic(item, 'condition'));
        if (!left.every(part => typeof part === 'string') || !right.every(part => typeof part === 'string')) return undefined;
        return left.join('') === right.join('');
      }
      case 'Fn::Not': {
        const inner = this.evaluateCondition((argument as unknown[])[0]);
        return inner === undefined ? undefined : !inner;
      }
      case 'Fn::And': case 'Fn::Or': {
        const values = (argument as unknown[]).map(item => this.evaluateCondition(item));
        if (values.includes(undefined)) return undefined;
        return name === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
      }
      default: return undefined;
    }
  }
}

/** The path of a role resource (`Path`, default `/`). */
export function rolePath(resource: any): string {
  const path = resource?.Properties?.Path;
  return typeof path === 'string' ? path : '/';
}
