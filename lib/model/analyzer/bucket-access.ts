/**
 * Questions about requests on a bucket: is this one allowed (by which statements, or what denies
 * it, what is missing), is any request of a kind allowed, and which requests one set of policies
 * allows that another does not (CheckNoNewAccess).
 */
import { concreteRequest, requireAction } from './concrete-request';
import { Unknowns } from './encode';
import { Encodings } from './encodings';
import { intendedTerm } from './intent';
import { sameSymbolic, symbolicText as text } from './pattern';
import { concretePrincipal } from './principal-classes';
import { answer, query, readRequest, solveReadable } from './queries';
import { AccessAnswer, AccessQuestion, AccessRequest, FoundRequest } from './questions';
import { ACTION, PRINCIPAL_ACCOUNT, PRINCIPAL_TYPE, PrincipalType, actionIn } from './request';
import { FALSE, Term, and, integer, not } from './terms';

/** Whether IAM allows the request, by which statements, or what denies or is missing. */
export async function isAllowed(encodings: Encodings, request: AccessRequest, options: { otherKeys?: 'absent' | 'any' } = {}): Promise<AccessAnswer> {
  const path = encodings.pathFor(request.bucket, request.accessPoint);
  const encoding = encodings.encoding(request.bucket, path);
  const constraints = and(encoding.model.wellFormed(), concreteRequest(encodings.solver, request, encoding.model, options.otherKeys ?? 'absent'));
  return answer(encodings.solver, encoding, constraints, request.context);
}

/** A request of the kind the question asks for that IAM allows, or undefined when none exists. */
export async function findAccess(encodings: Encodings, question: AccessQuestion): Promise<FoundRequest | undefined> {
  for (const path of encodings.paths(question.bucket)) {
    const found = await query(encodings, question.bucket, path, (encoding) => {
      const { model } = encoding;
      const constraints: Term[] = [encoding.decision.allowed];
      if (question.outsideAccount) constraints.push(not(and(model.isIamPrincipal, model.accountIs(question.outsideAccount))));
      if (question.actions) constraints.push(actionIn(question.actions.map(name => requireAction(name))));
      if (question.at) constraints.push(`(= |context:aws:currenttime| ${integer(question.at.getTime())})`);
      if (question.principal) constraints.push(concretePrincipal(question.principal, model));
      if (question.notIntended) {
        constraints.push(not(intendedTerm(question.notIntended, model, path.accessPoint ? text(path.accessPoint.name) : undefined)));
      }
      return constraints;
    }, true);
    if (found) return found;
  }
  return undefined;
}

/**
 * Requests that the policies of `encodings` allow and those of `before` do not (CheckNoNewAccess):
 * one per principal and action, up to `limit`; none when there is no new access. `before` must be
 * a sibling analyzer's (it shares the solver), so both are asked through the same request model.
 */
export async function findNewAccess(encodings: Encodings, before: Encodings, question: AccessQuestion, limit = 1): Promise<FoundRequest[]> {
  const out: FoundRequest[] = [];
  for (const path of encodings.paths(question.bucket)) {
    const model = encodings.requestModel(question.bucket, path);
    const unknowns = new Unknowns(encodings.solver);
    const after = encodings.decision(question.bucket, path, model, unknowns);
    const beforePath = path.accessPoint
      ? before.paths(question.bucket).find(other => other.accessPoint && sameSymbolic(other.accessPoint.name, path.accessPoint!.name))
      : {};
    const earlier = beforePath ? before.decision(question.bucket, beforePath, model, unknowns) : undefined;
    const named = encodings.nameEvidence(after);
    const constraints: Term[] = [model.wellFormed(), after.actions, named.definitions, after.allowed, not(earlier?.allowed ?? FALSE)];
    if (question.outsideAccount) constraints.push(not(and(model.isIamPrincipal, model.accountIs(question.outsideAccount))));
    if (question.actions) constraints.push(actionIn(question.actions.map(name => requireAction(name))));
    while (out.length < limit) {
      const found = await solveReadable(encodings.solver, and(...constraints), model);
      if (!found) break;
      const request = readRequest(found, path, named, unknowns, model, question.bucket);
      out.push(request);
      // The next one: another action, or another principal's account.
      const account = found.strings.get(PRINCIPAL_ACCOUNT) ?? '';
      const type = found.numbers.get(PRINCIPAL_TYPE) as PrincipalType;
      const who = type === PrincipalType.ANONYMOUS || type === PrincipalType.SERVICE
        ? model.principalIs(type)
        : and(model.isIamPrincipal, model.accountIs(account));
      constraints.push(not(and(`(= |${ACTION}| ${found.numbers.get(ACTION)})`, who)));
    }
    if (out.length >= limit) break;
  }
  return out;
}
