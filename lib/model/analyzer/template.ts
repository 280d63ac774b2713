/**
 * Templates in, policies out: reads cloud assemblies (stages and nested stacks included) or plain
 * CloudFormation templates, resolves the intrinsics of every policy offline, and collects every
 * document that can govern access to a bucket: bucket policies, access point policies, key
 * policies, role trust policies and identity policies (inline, AWS::IAM::Policy,
 * AWS::IAM::ManagedPolicy attached in the templates).
 *
 * Intrinsics (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html):
 * Ref and Fn::GetAtt of the template's resources, pseudo parameters from the stack's environment,
 * Fn::Join, Fn::Sub, Fn::Select, Fn::Split, and Fn::If with its condition. A name CloudFormation
 * generates, a parameter, an import and anything else become named unknowns, never a guess.
 */
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { Symbolic, SymbolicPart, joinText } from './pattern';
import { PolicyDocumentKind, Statement, readPolicy } from './policy';

export interface StackEnvironment {
  readonly account?: string;
  readonly region?: string;
  readonly partition: string;
}

export interface LoadedStack {
  /** The artifact id (or file name) the stack is known by. */
  readonly id: string;
  readonly stackName: string;
  readonly environment: StackEnvironment;
  readonly template: any;
  /** Values of the template's parameters that a parent stack passes (nested stacks). */
  readonly parameters?: ReadonlyMap<string, Symbolic>;
  readonly source: string;
  /** Construct paths by logical id, from the assembly's metadata (the template's own `aws:cdk:path` wins). */
  readonly constructPaths?: ReadonlyMap<string, string>;
}

export interface BucketFacts {
  readonly stack: string;
  readonly logicalId: string;
  readonly name: Symbolic;
  readonly account?: string;
  readonly region?: string;
  /** Block Public Access: a public bucket policy serves the owner's account and AWS services only. */
  readonly restrictPublicBuckets?: boolean;
  /** SSE-KMS by default: the key (`KMSMasterKeyID`), and whether S3 Bucket Keys are on. */
  readonly encryption?: { readonly keyArn: Symbolic; readonly bucketKey: boolean };
}

export interface PolicyFacts {
  readonly kind: PolicyDocumentKind;
  readonly stack: string;
  readonly logicalId: string;
  readonly account?: string;
  readonly region?: string;
  readonly statements: readonly Statement[];
  /** Bucket policies: the bucket's name. Access point policies: the bucket's name and the access point's. */
  readonly bucket?: Symbolic;
  readonly accessPoint?: { readonly name: Symbolic; readonly restrictPublicBuckets?: boolean };
  /** Key policies: the key's ARN. Trust policies and identity policies: the roles they govern (ARN path after the account). */
  readonly keyArn?: Symbolic;
  readonly rolePaths?: readonly Symbolic[];
}

/** Every policy and bucket in a set of stacks. */
export interface PolicySet {
  readonly stacks: readonly LoadedStack[];
  readonly buckets: readonly BucketFacts[];
  readonly policies: readonly PolicyFacts[];
  /** What could not be read, said once per place. */
  readonly notes: readonly string[];
}

/** Reads every stack of a cloud assembly, its nested assemblies (stages) and nested stacks. */
export function loadAssembly(directory: string): LoadedStack[] {
  const manifestPath = join(directory, 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`${directory} is not a cloud assembly: it has no manifest.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const stacks: LoadedStack[] = [];
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      stacks.push(...loadAssembly(join(directory, artifact.properties.directoryName)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const environment = /^aws:\/\/([^/]*)\/(.*)$/.exec(artifact.environment ?? '');
    const account = environment && /^[0-9]{12}$/.test(environment[1]) ? environment[1] : undefined;
    const region = environment && !environment[2].startsWith('unknown') ? environment[2] : undefined;
    const templateFile = join(directory, artifact.properties.templateFile);
    const stackName = artifact.properties.stackName ?? id;
    const constructPaths = new Map<string, string>();
    // aws-cdk-lib writes the metadata into manifest.json, or since 2.180 into a file of its own.
    const metadata = artifact.additionalMetadataFile
      ? JSON.parse(readFileSync(join(directory, artifact.additionalMetadataFile), 'utf8'))
      : artifact.metadata ?? {};
    for (const [path, entries] of Object.entries<any>(metadata)) {
      for (const entry of entries ?? []) {
        if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') constructPaths.set(entry.data, path.replace(/^\//, ''));
      }
    }
    const stack: LoadedStack = {
      id,
      stackName,
      environment: { account, region, partition: 'aws' },
      template: JSON.parse(readFileSync(templateFile, 'utf8')),
      source: templateFile,
      constructPaths,
    };
    stacks.push(stack, ...nestedStacks(stack, directory, assetFiles(directory, manifest, id)));
  }
  return stacks;
}

/** The file assets of a stack (its nested stacks' templates among them), by hash. */
function assetFiles(directory: string, manifest: any, stackId: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'cdk:asset-manifest' || !String(artifact.properties?.file ?? '').startsWith(`${stackId}.assets`)) continue;
    const assets = JSON.parse(readFileSync(join(directory, artifact.properties.file), 'utf8'));
    for (const [hash, file] of Object.entries<any>(assets.files ?? {})) {
      if (typeof file.source?.path === 'string') files.set(hash, file.source.path);
    }
  }
  return files;
}

/** Reads a plain CloudFormation template file (JSON), deployed to `environment`. */
export function loadTemplate(file: string, environment: StackEnvironment): LoadedStack {
  const id = file.replace(/^.*\//, '').replace(/\.template\.json$|\.json$/, '');
  const stack: LoadedStack = { id, stackName: id, environment, template: JSON.parse(readFileSync(file, 'utf8')), source: file };
  return stack;
}

/**
 * A nested stack's template is a file asset of its parent: found by the asset path CDK writes in
 * the resource's metadata, or else by the hash its TemplateURL names in the parent's asset manifest.
 */
function nestedStacks(parent: LoadedStack, directory: string, assets: ReadonlyMap<string, string>): LoadedStack[] {
  const out: LoadedStack[] = [];
  for (const [logicalId, resource] of Object.entries<any>(parent.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
    const hash = /([0-9a-f]{64})\.json/.exec(JSON.stringify(resource.Properties?.TemplateURL ?? ''))?.[1];
    const assetPath = resource.Metadata?.['aws:asset:path'] ?? (hash ? assets.get(hash) : undefined);
    if (typeof assetPath !== 'string' || !existsSync(join(directory, assetPath))) continue;
    const resolver = new Resolver(parent);
    const parameters = new Map<string, Symbolic>();
    for (const [name, value] of Object.entries<any>(resource.Properties?.Parameters ?? {})) {
      parameters.set(name, resolver.symbolic(value, `${logicalId}.Parameters.${name}`));
    }
    const stack: LoadedStack = {
      id: `${parent.id}/${logicalId}`,
      stackName: `${parent.stackName}-${logicalId}`,
      environment: parent.environment,
      template: JSON.parse(readFileSync(join(directory, assetPath), 'utf8')),
      parameters,
      source: join(directory, assetPath),
    };
    out.push(stack, ...nestedStacks(stack, dirname(join(directory, assetPath)), assets));
  }
  return out;
}

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

function rolePath(resource: any): string {
  const path = resource?.Properties?.Path;
  return typeof path === 'string' ? path : '/';
}

/** The part of a role's ARN after the account: `role/<path><name>`. */
function rolePathOf(stack: LoadedStack, resolver: Resolver, logicalId: string): Symbolic {
  const resource = stack.template.Resources[logicalId];
  const name = resolver.symbolic({ Ref: logicalId }, `${logicalId}.RoleName`);
  return joinText([`role${rolePath(resource)}`, ...name]);
}

/** Collects every policy of the stacks that can govern access to a bucket. */
export function collectPolicies(stacks: readonly LoadedStack[]): PolicySet {
  const buckets: BucketFacts[] = [];
  const policies: PolicyFacts[] = [];
  const notes: string[] = [];
  for (const stack of stacks) {
    const resolver = new Resolver(stack);
    const resources: Record<string, any> = stack.template.Resources ?? {};
    const { account, region } = stack.environment;
    const pathOf = (logicalId: string) => (resources[logicalId]?.Metadata?.['aws:cdk:path'] as string | undefined) ?? stack.constructPaths?.get(logicalId);
    const read = (document: unknown, kind: PolicyDocumentKind, logicalId: string) => {
      const resolved = resolver.resolveDocument(document, logicalId);
      const source = { stack: stack.id, logicalId, path: pathOf(logicalId), templateFile: stack.source, document: kind };
      return readPolicy(resolved, source, (value, where) => {
        if (value && typeof value === 'object' && 'symbolic' in (value as any)) return (value as any).symbolic as Symbolic;
        if (typeof value === 'string') return [value];
        notes.push(`${stack.id}: ${where} is not a string`);
        return [{ unknown: `${stack.stackName}/${where}` }];
      });
    };
    const roleRefs = (value: unknown): Symbolic[] => (Array.isArray(value) ? value : []).map(item => {
      const logicalId = item && typeof item === 'object' && 'Ref' in item ? (item as any).Ref : undefined;
      if (logicalId && resources[logicalId]?.Type === 'AWS::IAM::Role') return rolePathOf(stack, resolver, logicalId);
      // A role of this account named outside the template.
      return joinText(['role/', ...resolver.symbolic(item, 'Roles')]);
    });
    for (const [logicalId, resource] of Object.entries<any>(resources)) {
      const properties = resource.Properties ?? {};
      const base = { stack: stack.id, logicalId, account, region };
      switch (resource.Type) {
        case 'AWS::S3::Bucket': {
          const rule = (properties.BucketEncryption?.ServerSideEncryptionConfiguration ?? [])[0];
          const byDefault = rule?.ServerSideEncryptionByDefault;
          buckets.push({
            ...base,
            name: resolver.symbolic({ Ref: logicalId }, `${logicalId}.BucketName`),
            restrictPublicBuckets: properties.PublicAccessBlockConfiguration?.RestrictPublicBuckets === true,
            encryption: byDefault?.SSEAlgorithm === 'aws:kms' && byDefault.KMSMasterKeyID !== undefined
              ? { keyArn: resolver.symbolic(byDefault.KMSMasterKeyID, `${logicalId}.KMSMasterKeyID`), bucketKey: rule.BucketKeyEnabled === true } : undefined,
          });
          break;
        }
        case 'AWS::S3::BucketPolicy':
          policies.push({ ...base, kind: 'bucket policy', bucket: resolver.symbolic(properties.Bucket, `${logicalId}.Bucket`), statements: read(properties.PolicyDocument, 'bucket policy', logicalId) });
          break;
        case 'AWS::S3::AccessPoint':
          policies.push({
            ...base,
            kind: 'access point policy',
            bucket: resolver.symbolic(properties.Bucket, `${logicalId}.Bucket`),
            // An access point's Block Public Access settings are all on unless its template turns them off
            // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-bpa-settings.html).
            accessPoint: {
              name: resolver.symbolic({ Ref: logicalId }, `${logicalId}.Name`),
              restrictPublicBuckets: properties.PublicAccessBlockConfiguration?.RestrictPublicBuckets !== false,
            },
            statements: read(properties.Policy, 'access point policy', logicalId),
          });
          break;
        case 'AWS::KMS::Key':
          policies.push({ ...base, kind: 'key policy', keyArn: resolver.symbolic({ 'Fn::GetAtt': [logicalId, 'Arn'] }, logicalId), statements: read(properties.KeyPolicy, 'key policy', logicalId) });
          break;
        case 'AWS::IAM::Role': {
          const rolePaths = [rolePathOf(stack, resolver, logicalId)];
          policies.push({ ...base, kind: 'trust policy', rolePaths, statements: read(properties.AssumeRolePolicyDocument, 'trust policy', logicalId) });
          (properties.Policies ?? []).forEach((policy: any) => {
            policies.push({ ...base, kind: 'identity policy', rolePaths, statements: read(policy.PolicyDocument, 'identity policy', logicalId) });
          });
          if ((properties.ManagedPolicyArns ?? []).length > 0) {
            notes.push(`${stack.id}/${logicalId}: managed policies attached by ARN are not in the templates; their statements are not read`);
          }
          break;
        }
        case 'AWS::IAM::Policy':
        case 'AWS::IAM::ManagedPolicy':
          policies.push({ ...base, kind: 'identity policy', rolePaths: roleRefs(properties.Roles), statements: read(properties.PolicyDocument, 'identity policy', logicalId) });
          if ((properties.Users ?? []).length > 0 || (properties.Groups ?? []).length > 0) {
            notes.push(`${stack.id}/${logicalId}: policies of users and groups are not read`);
          }
          break;
      }
    }
  }
  return { stacks, buckets, policies, notes };
}
