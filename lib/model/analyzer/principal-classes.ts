/**
 * Whom `accesses` reports on, for one path to a bucket: each principal the path's documents name,
 * the rest of each account they name, any other account, anonymous callers, each service they name.
 */
import { smtString, symbolicText as known } from './pattern';
import { Statement } from './policy';
import { PRINCIPAL_PATH, PRINCIPAL_SERVICE, PrincipalType, RequestModel } from './request';
import { Term, and, not } from './terms';

export interface PrincipalClass {
  /** An ARN, `account <id> (any principal)`, `any other AWS account`, `anonymous (public)`, `service <name>`. */
  readonly description: string;
  readonly account?: string;
  /** Anonymous callers, or any account the documents do not name: the principals a public access check asks about are in such classes. */
  readonly unnamed?: boolean;
  term(model: RequestModel): Term;
}

/** The principals the documents name, as far as they are known. */
export interface MentionedPrincipals {
  readonly accounts: Set<string>;
  readonly arns: Set<string>;
  readonly services: Set<string>;
}

/** The accounts, role and user ARNs and services `statements` name (Principal elements and principal conditions). */
export function mentionedPrincipals(statements: readonly Statement[]): MentionedPrincipals {
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const services = new Set<string>();
  const note = (value: string) => {
    const account = /^(?:arn:[^:]+:iam::)?([0-9]{12})(?::root)?$/.exec(value);
    if (account) accounts.add(account[1]);
    const named = /^arn:[^:]+:iam::([0-9]{12}):((?:role|user)\/[^*?]+)$/.exec(value);
    if (named) {
      accounts.add(named[1]);
      arns.add(`arn:aws:iam::${named[1]}:${named[2]}`);
    }
  };
  for (const statement of statements) {
    for (const element of [statement.principal, statement.notPrincipal]) {
      element?.aws.forEach(value => { const text = known(value); if (text) note(text); });
      element?.service.forEach(value => { const text = known(value); if (text) services.add(text); });
    }
    for (const condition of statement.condition) {
      if (['aws:principalarn', 'aws:principalaccount', 'kms:calleraccount', 'aws:sourceaccount'].includes(condition.key.toLowerCase())) {
        condition.values.forEach(value => { const text = known(value); if (text) note(text); });
      }
    }
  }
  return { accounts, arns, services };
}

/** The classes of principal to report for `statements`: named ones, the rest of each named account, any other account, anonymous, services. */
export function principalClasses(statements: readonly Statement[], owner: string | undefined): PrincipalClass[] {
  const { accounts, arns, services } = mentionedPrincipals(statements);
  if (owner) accounts.delete(owner);
  const named = [...arns].filter(arn => !owner || !arn.includes(`::${owner}:`));
  const classes: PrincipalClass[] = named.map(arn => ({
    description: arn,
    account: /::([0-9]{12}):/.exec(arn)![1],
    term: model => concretePrincipal(arn, model),
  }));
  for (const account of [...accounts].sort()) {
    const inAccount = named.filter(arn => arn.includes(`::${account}:`));
    classes.push({
      description: inAccount.length > 0 ? `account ${account} (any other principal)` : `account ${account} (any principal)`,
      account,
      term: model => and(model.isIamPrincipal, model.accountIs(account), ...inAccount.map(arn => not(concretePrincipal(arn, model)))),
    });
  }
  const knownAccounts = [...accounts, ...(owner ? [owner] : [])];
  classes.push({ description: 'any other AWS account', unnamed: true, term: model => and(model.isIamPrincipal, ...knownAccounts.map(account => not(model.accountIs(account)))) });
  classes.push({ description: 'anonymous (public)', unnamed: true, term: model => model.principalIs(PrincipalType.ANONYMOUS) });
  for (const service of [...services].sort()) {
    classes.push({
      description: `service ${service}`,
      term: model => and(model.principalIs(PrincipalType.SERVICE), model.solver.membership(PRINCIPAL_SERVICE, `(str.to_re ${smtString(service)})`)),
    });
  }
  return classes;
}

/** The request is from the IAM principal `arn` (root, a role or a user). */
export function concretePrincipal(arn: string, model: RequestModel): Term {
  const match = /^arn:[^:]+:iam::([0-9]{12}):(root|role\/.+|user\/.+)$/.exec(arn);
  if (!match) throw new Error(`principal ${arn} is not an IAM ARN`);
  const type = match[2] === 'root' ? PrincipalType.ROOT : match[2].startsWith('role/') ? PrincipalType.ROLE : PrincipalType.USER;
  return and(model.principalIs(type), model.accountIs(match[1]), model.solver.membership(PRINCIPAL_PATH, `(str.to_re ${smtString(match[2])})`));
}
