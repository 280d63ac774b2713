/**
 * Questions about the trust policies of the roles the templates create: which roles there are,
 * whether one principal may call sts:AssumeRole on one, and who outside its account may.
 */
import { concreteRequest, requireAction } from './concrete-request';
import { Encodings } from './encodings';
import { symbolicText as text } from './pattern';
import { concretePrincipal } from './principal-classes';
import { answer, readRequest, solveReadable } from './queries';
import { AccessAnswer, AccessRequest, FoundRequest } from './questions';
import { ACTION } from './request';
import { PolicyFacts } from './template';
import { and, not } from './terms';

/** The roles the templates create in `account` whose ARN synth knows: ARN and trust policy. */
export function rolesIn(encodings: Encodings, account: string): Array<{ readonly arn: string; readonly trust: PolicyFacts }> {
  return encodings.policies.policies.filter(policy => policy.kind === 'trust policy' && policy.account === account)
    .flatMap(trust => {
      const path = text(trust.rolePaths![0]);
      return path ? [{ arn: `arn:aws:iam::${account}:${path}`, trust }] : [];
    });
}

/**
 * Whether the role's trust policy (with the identity policies of the templates) lets one
 * principal call sts:AssumeRole on it; undefined when the templates do not create the role.
 * Keys the request does not give are absent, or with `otherKeys: 'any'` free (the external id).
 */
export async function isAssumeAllowed(
  encodings: Encodings, request: { readonly principal: string; readonly roleArn: string; readonly context?: AccessRequest['context'] },
  options: { otherKeys?: 'absent' | 'any' } = {},
): Promise<AccessAnswer | undefined> {
  const account = /^arn:[^:]+:iam::([0-9]{12}):role\//.exec(request.roleArn)?.[1];
  const role = account === undefined ? undefined : rolesIn(encodings, account).find(item => item.arn === request.roleArn.replace(/^arn:[^:]+:/, 'arn:aws:'));
  if (!role) return undefined;
  const encoding = encodings.strictEncoding(role.trust, 'trust policy', [role.arn]);
  const asked = { principal: request.principal, action: 'sts:AssumeRole', bucket: '', context: request.context };
  return answer(encodings.solver, encoding, and(encoding.model.wellFormed(), concreteRequest(encodings.solver, asked, encoding.model, options.otherKeys ?? 'absent')), request.context);
}

/**
 * A principal outside the role's account, and outside `excludedAccounts`, that the role's trust
 * policy (with the identity policies of the templates) lets call sts:AssumeRole, or undefined.
 * `only`: a principal of that account other than `other`.
 */
export async function findAssumer(
  encodings: Encodings, role: { readonly arn: string; readonly trust: PolicyFacts }, excludedAccounts: readonly string[],
  only?: { account: string; other: string },
): Promise<FoundRequest | undefined> {
  const encoding = encodings.strictEncoding(role.trust, 'trust policy', [role.arn]);
  const { model, named, unknowns } = encoding;
  const constraints = [role.trust.account!, ...excludedAccounts].map(account => not(model.accountIs(account)));
  if (only) constraints.push(model.accountIs(only.account), not(concretePrincipal(only.other, model)));
  const found = await solveReadable(encodings.solver, and(model.wellFormed(), named.definitions, encoding.decision.allowed, model.isIamPrincipal,
    `(= |${ACTION}| ${requireAction('sts:AssumeRole')})`, ...constraints), model);
  return found ? { ...readRequest(found, {}, named, unknowns, model, ''), resource: role.arn } : undefined;
}
