/**
 * What a grant means, as a formula over the request: who, which actions, which keys (or which
 * listed prefixes), through which path, until when. `review` asks the solver for access the
 * policies allow that no such intent covers ("allowed and not intended" satisfiable), the same
 * question Zelkova asks of two policies.
 */
import { matchValue, prefixTerm } from './encode';
import { Pattern, text } from './pattern';
import { ACTIONS, OBJECT_KEY, PRINCIPAL_ACCOUNT, PrincipalType, RequestModel, actionIn, actionIndex } from './request';
import { FALSE, Term, and, integer, or } from './terms';

/** One grant's intent, in the analyzer's terms (the CLI builds these from the review record). */
export interface IntendedGrant {
  /** How the grant is named in messages. */
  readonly description: string;
  /** The account the grant is for; undefined: any account (an organization grant). */
  readonly accountId?: string;
  /** The principals it names; undefined: any principal of the account. */
  readonly principalArns?: readonly string[];
  readonly organizationId?: string;
  readonly organizationalUnitPaths?: readonly string[];
  /** S3 actions on objects and on the bucket (listing). */
  readonly actions: readonly string[];
  /** The key prefix; undefined: the whole bucket. */
  readonly prefix?: string;
  /** Each account its own prefix, `<account id>/`. */
  readonly ownAccountPrefix?: boolean;
  /** The access point (by name) the grant is used through; undefined: the bucket itself. */
  readonly accessPoint?: string;
  readonly expires?: Date;
}

function prefixPattern(prefix: string): Pattern {
  return [...text(prefix), { kind: 'any' }];
}

/** The formula "the request is one `grant` intends", for requests through `accessPoint` (a name, or undefined for the bucket). */
export function intendedTerm(grants: readonly IntendedGrant[], model: RequestModel, accessPoint: string | undefined): Term {
  const solver = model.solver;
  return or(...grants.filter(grant => grant.accessPoint === accessPoint).map(grant => {
    const terms: Term[] = [model.isIamPrincipal];
    if (grant.accountId !== undefined) terms.push(model.accountIs(grant.accountId));
    if (grant.principalArns !== undefined) {
      terms.push(or(...grant.principalArns.map(arn => {
        const type = /:role\//.test(arn) ? PrincipalType.ROLE : /:user\//.test(arn) ? PrincipalType.USER : undefined;
        const pattern: Pattern = arn.includes('*') ? [...arn.split('*').flatMap((piece, index) => index === 0 ? text(piece) : [{ kind: 'any' as const }, ...text(piece)])] : text(arn);
        return type === undefined ? FALSE : and(model.principalIs(type), matchValue(solver, model.principalArn, pattern));
      })));
    }
    if (grant.organizationId !== undefined) {
      const organization = model.key('aws:PrincipalOrgID', 'string');
      terms.push(organization.present, matchValue(solver, organization.value as never, text(grant.organizationId)));
    }
    if (grant.organizationalUnitPaths !== undefined) {
      const paths = model.key('aws:PrincipalOrgPaths', 'string');
      const elements = [{ present: paths.present, value: paths.value }, ...(paths.elements ?? [])];
      terms.push(or(...elements.map(element => and(element.present,
        or(...grant.organizationalUnitPaths!.map(path => matchValue(solver, element.value as never, prefixPattern(path))))))));
    }
    const indices = grant.actions.map(name => actionIndex(name)).filter((index): index is number => index !== undefined);
    const objectIndices = indices.filter(index => ACTIONS[index].s3Kind === 'object' || ACTIONS[index].s3Kind === 'both');
    const bucketIndices = indices.filter(index => ACTIONS[index].s3Kind === 'bucket');
    const key = [{ variable: OBJECT_KEY }];
    let objectScope: Term = 'true';
    let listScope: Term = 'true';
    if (grant.ownAccountPrefix) {
      // `<account id>/` starts the key (or the listed prefix).
      const ownPrefix: Pattern = [{ kind: 'ref', variable: PRINCIPAL_ACCOUNT }, { kind: 'text', text: '/' }];
      const ownPrefixText = `(str.++ |${PRINCIPAL_ACCOUNT}| "/")`;
      objectScope = solver.constraint([OBJECT_KEY, PRINCIPAL_ACCOUNT], prefixTerm(solver, ownPrefix, ownPrefixText, `|${OBJECT_KEY}|`));
      const listed = model.key('s3:prefix', 'string');
      const variable = (listed.value as Array<{ variable: string }>)[0].variable;
      listScope = and(listed.present, solver.constraint([variable, PRINCIPAL_ACCOUNT], prefixTerm(solver, ownPrefix, ownPrefixText, `|${variable}|`)));
    } else if (grant.prefix !== undefined) {
      objectScope = matchValue(solver, key, prefixPattern(grant.prefix));
      const listed = model.key('s3:prefix', 'string');
      listScope = and(listed.present, matchValue(solver, listed.value as never, prefixPattern(grant.prefix)));
    }
    terms.push(or(and(actionIn(objectIndices), objectScope), and(actionIn(bucketIndices), listScope)));
    if (grant.expires) terms.push(`(< |context:aws:currenttime| ${integer(grant.expires.getTime())})`);
    return and(...terms);
  }));
}
