/**
 * Policy documents as the analyzer reads them: every string resolved as far as the template
 * allows (a Symbolic: text and named unknowns), and every statement named by where it stands.
 */
import { Symbolic } from './pattern';

export type Effect = 'Allow' | 'Deny';

/** The Principal or NotPrincipal element (reference_policies_elements_principal.html). */
export interface PrincipalElement {
  /** `"Principal": "*"`. */
  readonly everyone: boolean;
  readonly aws: readonly Symbolic[];
  readonly service: readonly Symbolic[];
  readonly federated: readonly Symbolic[];
  readonly canonicalUser: readonly Symbolic[];
}

/** Where a statement stands: the policy's resource and the statement's Sid or index. */
export interface StatementSource {
  /** The stack (artifact id) the policy is in. */
  readonly stack: string;
  /** The logical id of the resource that holds the policy. */
  readonly logicalId: string;
  /** The construct path from the template's `aws:cdk:path` metadata, when it has one. */
  readonly path?: string;
  /** The template file the statement was read from. */
  readonly templateFile?: string;
  /** What the policy is: bucket policy, access point policy, key policy, trust policy, identity policy, event bus policy. */
  readonly document: PolicyDocumentKind;
  readonly sid?: string;
  readonly index: number;
}

export type PolicyDocumentKind = 'bucket policy' | 'access point policy' | 'key policy' | 'trust policy' | 'identity policy' | 'event bus policy';

export interface Statement {
  readonly effect: Effect;
  readonly principal?: PrincipalElement;
  readonly notPrincipal?: PrincipalElement;
  readonly action?: readonly Symbolic[];
  readonly notAction?: readonly Symbolic[];
  readonly resource?: readonly Symbolic[];
  readonly notResource?: readonly Symbolic[];
  /** operator -> condition key -> values. */
  readonly condition: ReadonlyArray<{ readonly operator: string; readonly key: string; readonly values: readonly Symbolic[] }>;
  /** Policy variables are read only in policies of Version 2012-10-17 (reference_policies_variables.html). */
  readonly variables: boolean;
  readonly source: StatementSource;
}

export function describeSource(source: StatementSource): string {
  const where = (source.path ?? `${source.stack}/${source.logicalId}`).replace(/\/Resource$/, '');
  return `${where} ${source.document}, statement ${source.sid !== undefined ? `"${source.sid}"` : `#${source.index + 1}`}`;
}

/** The element may be a single value or a list (reference_policies_grammar.html). */
function list<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Reads a policy document whose strings were already resolved into Symbolic values. */
export function readPolicy(document: any, source: Omit<StatementSource, 'sid' | 'index'>, symbolic: (value: unknown, where: string) => Symbolic): Statement[] {
  if (document === undefined || document === null) return [];
  const variables = document.Version === '2012-10-17';
  return list<any>(document.Statement).map((statement, index) => {
    const where = `${source.logicalId} statement ${index + 1}`;
    const strings = (value: unknown, element: string) => list<unknown>(value as any).map(item => symbolic(item, `${where} ${element}`));
    const principal = (value: any, element: string): PrincipalElement | undefined => {
      if (value === undefined) return undefined;
      if (value === '*') return { everyone: true, aws: [], service: [], federated: [], canonicalUser: [] };
      return {
        everyone: false,
        aws: strings(value.AWS, `${element}.AWS`),
        service: strings(value.Service, `${element}.Service`),
        federated: strings(value.Federated, `${element}.Federated`),
        canonicalUser: strings(value.CanonicalUser, `${element}.CanonicalUser`),
      };
    };
    const condition: Array<{ operator: string; key: string; values: Symbolic[] }> = [];
    for (const [operator, keys] of Object.entries<any>(statement.Condition ?? {})) {
      for (const [key, values] of Object.entries<any>(keys ?? {})) {
        condition.push({ operator, key, values: list<any>(values).map(value => symbolic(typeof value === 'boolean' || typeof value === 'number' ? String(value) : value, `${where} Condition.${operator}.${key}`)) });
      }
    }
    return {
      effect: statement.Effect === 'Deny' ? 'Deny' : 'Allow',
      principal: principal(statement.Principal, 'Principal'),
      notPrincipal: principal(statement.NotPrincipal, 'NotPrincipal'),
      action: statement.Action === undefined ? undefined : strings(statement.Action, 'Action'),
      notAction: statement.NotAction === undefined ? undefined : strings(statement.NotAction, 'NotAction'),
      resource: statement.Resource === undefined ? undefined : strings(statement.Resource, 'Resource'),
      notResource: statement.NotResource === undefined ? undefined : strings(statement.NotResource, 'NotResource'),
      condition,
      variables,
      source: { ...source, sid: typeof statement.Sid === 'string' ? statement.Sid : undefined, index },
    };
  });
}
