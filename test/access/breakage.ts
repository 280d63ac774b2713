/**
 * Deliberate defects for the proofs that must go red (defects.access.test.ts,
 * access-points.access.test.ts): rewrite the statements of chosen policies in a deployed World
 * the way a regression in lib/ would.
 */
import { TemplateResolver } from './resolve';
import { PolicyDocument, World } from './world';

/** The statement as the regression would write it; undefined drops it. */
export type StatementEdit = (statement: any) => any;

/** Which policies to rewrite; each edit sees every statement of its policies. */
export interface Breakage {
  readonly bucket?: StatementEdit;
  readonly key?: StatementEdit;
  /** Access point policies of `accessPointAccount` (the owner's, not an outsider's). */
  readonly accessPoints?: StatementEdit;
  readonly accessPointAccount?: string;
  readonly trust?: StatementEdit;
  readonly identities?: StatementEdit;
}

/** The same edit on every bucket, key, trust and identity policy. */
export function everywhere(edit: StatementEdit): Breakage {
  return { bucket: edit, key: edit, trust: edit, identities: edit };
}

/**
 * Rewrites every statement of the chosen policies in the world: the deployed policies the sweeps
 * evaluate, and the templates the complete proofs read (complete.ts), alike.
 */
export function breakPolicies(world: World, where: Breakage): void {
  breakTemplates(world, where);
  const rewrite = (policy: PolicyDocument, edit: StatementEdit): PolicyDocument => ({
    ...policy,
    Statement: [policy.Statement].flat().map(statement => edit({ ...statement })).filter(statement => statement !== undefined),
  });
  for (const bucket of world.buckets.values()) {
    if (bucket.policy !== undefined && where.bucket !== undefined) {
      bucket.policy = rewrite(bucket.policy, where.bucket);
    }
  }
  for (const key of world.keys.values()) {
    if (where.key !== undefined) {
      key.policy = rewrite(key.policy, where.key);
    }
  }
  for (const accessPoint of world.accessPoints.values()) {
    if (accessPoint.policy !== undefined && accessPoint.account === where.accessPointAccount && where.accessPoints !== undefined) {
      accessPoint.policy = rewrite(accessPoint.policy, where.accessPoints);
    }
  }
  for (const principal of world.principals.values()) {
    if (principal.trustPolicy !== undefined && where.trust !== undefined) {
      principal.trustPolicy = rewrite(principal.trustPolicy, where.trust);
    }
    if (where.identities !== undefined) {
      const edit = where.identities;
      principal.identityPolicies.splice(0, principal.identityPolicies.length,
        ...principal.identityPolicies.map(({ name, policy }) => ({ name, policy: rewrite(policy, edit) })));
    }
  }
}

/**
 * The same rewrite of the templates the world was deployed from, which the policy analyzer reads:
 * each document the edit applies to is resolved first as the world resolved it (resolve.ts), so
 * that the edit sees the values it sees in the world, and stays resolved.
 */
function breakTemplates(world: World, where: Breakage): void {
  for (const { template, env } of world.templates) {
    const resolver = new TemplateResolver(env, template.Resources ?? {});
    const rewrite = (document: any, edit: StatementEdit | undefined): any => {
      if (edit === undefined || document === undefined) return document;
      const resolved = resolver.resolve(document, 'a policy document the breakage edits');
      return {
        ...resolved,
        Statement: [resolved.Statement].flat().map((statement: any) => edit({ ...statement })).filter((statement: any) => statement !== undefined),
      };
    };
    for (const resource of Object.values(template.Resources ?? {}) as Array<{ Type: string; Properties?: any }>) {
      const properties = resource.Properties;
      if (properties === undefined) continue;
      switch (resource.Type) {
        case 'AWS::S3::BucketPolicy':
          properties.PolicyDocument = rewrite(properties.PolicyDocument, where.bucket);
          break;
        case 'AWS::KMS::Key':
          properties.KeyPolicy = rewrite(properties.KeyPolicy, where.key);
          break;
        case 'AWS::S3::AccessPoint':
          if (env.account === where.accessPointAccount) properties.Policy = rewrite(properties.Policy, where.accessPoints);
          break;
        case 'AWS::IAM::Role':
          properties.AssumeRolePolicyDocument = rewrite(properties.AssumeRolePolicyDocument, where.trust);
          properties.Policies = properties.Policies?.map((policy: any) => ({
            ...policy, PolicyDocument: rewrite(policy.PolicyDocument, where.identities),
          }));
          break;
        case 'AWS::IAM::Policy':
        case 'AWS::IAM::ManagedPolicy':
          properties.PolicyDocument = rewrite(properties.PolicyDocument, where.identities);
          break;
      }
    }
  }
}

/** The statement without condition key `key` (under any operator); no Condition left when it was the last. */
export function withoutCondition(statement: any, key: string): any {
  if (statement.Condition === undefined) {
    return statement;
  }
  const condition = Object.fromEntries(Object.entries(statement.Condition as Record<string, Record<string, unknown>>)
    .map(([operator, keys]) => [operator, Object.fromEntries(Object.entries(keys).filter(([name]) => name !== key))])
    .filter(([, keys]) => Object.keys(keys as object).length > 0));
  return Object.keys(condition).length === 0 ? (({ Condition: _dropped, ...rest }) => rest)(statement) : { ...statement, Condition: condition };
}

/** A policy document of a template, by where it is. */
export type DocumentKind = 'bucket policy' | 'key policy' | 'access point policy' | 'trust policy' | 'identity policy';

/** One statement of a deployed template, and the same templates with it replaced. */
export interface WrittenStatement {
  readonly kind: DocumentKind;
  /** `<stack>/<logical id>[ policy <n>] #<index>` (and the Sid, when it has one). */
  readonly where: string;
  readonly statement: any;
  /** The template resource that holds the document. */
  readonly resource: { readonly Type: string; readonly Properties?: any };
  /** A copy of the world's templates with this statement replaced by `statement`. */
  replaced(statement: any): World['templates'];
}

/** The policy documents of a template's resource, each with how to read and write it. */
interface DocumentPlace {
  readonly kind: DocumentKind;
  /** What tells it from the resource's other documents (` policy <n>` of a role's inline policies). */
  readonly name: string;
  get(properties: any): any;
  set(properties: any, document: any): void;
}

function documentsOf(resource: { Type: string; Properties?: any }): DocumentPlace[] {
  const property = (kind: DocumentKind, name: string) => ({
    kind, name: '', get: (properties: any) => properties[name], set: (properties: any, document: any) => { properties[name] = document; },
  });
  switch (resource.Type) {
    case 'AWS::S3::BucketPolicy': return [property('bucket policy', 'PolicyDocument')];
    case 'AWS::KMS::Key': return [property('key policy', 'KeyPolicy')];
    case 'AWS::S3::AccessPoint': return resource.Properties?.Policy === undefined ? [] : [property('access point policy', 'Policy')];
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy': return [property('identity policy', 'PolicyDocument')];
    case 'AWS::IAM::Role': return [
      property('trust policy', 'AssumeRolePolicyDocument'),
      ...(resource.Properties?.Policies ?? []).map((_: unknown, index: number) => ({
        kind: 'identity policy' as const,
        name: ` policy ${index}`,
        get: (properties: any) => properties.Policies[index].PolicyDocument,
        set: (properties: any, document: any) => { properties.Policies[index].PolicyDocument = document; },
      })),
    ];
    default: return [];
  }
}

/** Every statement of the world's templates, in templates of the accounts `only` selects. */
export function writtenStatements(world: World, only: (account: string) => boolean = () => true): WrittenStatement[] {
  const out: WrittenStatement[] = [];
  world.templates.forEach(({ template, env }, templateIndex) => {
    if (!only(env.account)) return;
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {}) as Array<[string, { Type: string; Properties?: any }]>) {
      for (const document of documentsOf(resource)) {
        const statements = [document.get(resource.Properties).Statement].flat();
        statements.forEach((statement: any, index: number) => out.push({
          kind: document.kind,
          where: `${env.stackName}/${logicalId}${document.name} #${index}${statement.Sid ? ` (${statement.Sid})` : ''}`,
          statement,
          resource,
          replaced: replacement => {
            const templates = structuredClone(world.templates);
            const properties = (templates[templateIndex].template.Resources as any)[logicalId].Properties;
            const copy = document.get(properties);
            const replacedStatements = [copy.Statement].flat().map((item: any, other: number) => other === index ? replacement : item);
            document.set(properties, { ...copy, Statement: replacedStatements });
            return templates;
          },
        }));
      }
    }
  });
  return out;
}
