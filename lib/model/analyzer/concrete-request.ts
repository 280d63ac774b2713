/**
 * A request given in full (explain's request, a KMS request, an sts:AssumeRole) as a formula over
 * the request model: its principal, action, key and context; and an action by name as the model
 * numbers it.
 */
import { parseDate } from './encode';
import { Value, smtString } from './pattern';
import { AccessRequest } from './questions';
import { KeyValue, OBJECT_KEY, PRINCIPAL_PATH, PRINCIPAL_SERVICE, PrincipalType, RequestModel, ACTION, actionIndex } from './request';
import { Solver } from './solver';
import { Term, and, decimal, integer, not } from './terms';

/** The request fixed: principal, action, key, context (missing keys absent). */
export function concreteRequest(solver: Solver, request: AccessRequest, model: RequestModel, otherKeys: 'absent' | 'any'): Term {
  const terms: Term[] = [];
  const principal = request.principal;
  const arn = /^arn:[^:]+:iam::([0-9]{12}):(root|role\/.+|user\/.+)$/.exec(principal);
  if (arn) {
    const type = arn[2] === 'root' ? PrincipalType.ROOT : arn[2].startsWith('role/') ? PrincipalType.ROLE : PrincipalType.USER;
    terms.push(model.principalIs(type), model.accountIs(arn[1]), solver.membership(PRINCIPAL_PATH, `(str.to_re ${smtString(arn[2])})`));
  } else if (principal === 'anonymous' || principal === '*') {
    terms.push(model.principalIs(PrincipalType.ANONYMOUS));
  } else if (/^[a-z0-9.-]+\.amazonaws\.com$/.test(principal)) {
    terms.push(model.principalIs(PrincipalType.SERVICE), solver.membership(PRINCIPAL_SERVICE, `(str.to_re ${smtString(principal)})`));
  } else {
    throw new Error(`principal ${JSON.stringify(principal)}: expected an IAM ARN (arn:aws:iam::<account>:role/<name>, :user/<name> or :root), anonymous, or a service principal`);
  }
  terms.push(`(= |${ACTION}| ${requireAction(request.action)})`);
  if (request.key !== undefined) terms.push(solver.membership(OBJECT_KEY, `(str.to_re ${smtString(request.key)})`));
  if (request.keyPrefix !== undefined) terms.push(solver.membership(OBJECT_KEY, `(re.++ (str.to_re ${smtString(request.keyPrefix)}) (re.* re.allchar))`));
  // The identity policies of a principal outside the templates are unknown: the answer assumes they allow.
  terms.push('|identity:unknown-principal-allows|');
  const context = new Map(Object.entries(request.context ?? {}).map(([key, item]) => [key.toLowerCase(), item]));
  terms.push(`(= |context:aws:currenttime| ${integer(context.has('aws:currenttime') ? parseDate(String(context.get('aws:currenttime')))! : Date.now())})`);
  const secure = context.has('aws:securetransport') ? String(context.get('aws:securetransport')) === 'true' : true;
  terms.push(secure ? '|context:aws:securetransport|' : '(not |context:aws:securetransport|)');
  for (const free of model.free.values()) {
    const given = context.get(free.key.toLowerCase());
    if (given !== undefined || otherKeys === 'absent') terms.push(keyIs(solver, free.value, given, free.type));
  }
  return and(...terms);
}

function keyIs(solver: Solver, key: KeyValue, given: unknown, type: KeyValue['type']): Term {
  if (given === undefined) return not(key.present);
  const values = Array.isArray(given) ? given.map(String) : [String(given)];
  switch (type) {
    case 'string': {
      const elements = [{ present: key.present, value: key.value as Value }, ...(key.elements ?? [])];
      return and(...elements.map((element, index) => {
        const elementVariable = (element.value[0] as { variable: string }).variable;
        return index < values.length
          ? and(element.present, solver.membership(elementVariable, `(str.to_re ${smtString(values[index])})`))
          : not(element.present);
      }));
    }
    case 'bool':
      return and(key.present, values[0] === 'true' ? key.value as Term : not(key.value as Term));
    case 'date':
      return and(key.present, `(= ${key.value} ${integer(parseDate(values[0]) ?? 0)})`);
    case 'number':
      return and(key.present, `(= ${key.value} ${decimal(Number(values[0]))})`);
  }
}

/** The index of an S3, KMS, STS or EventBridge action of the IAM catalogue, as the request model numbers actions; throws for another. */
export function requireAction(name: string): number {
  const index = actionIndex(name);
  if (index === undefined) throw new Error(`action ${JSON.stringify(name)} is not an S3, KMS, STS or EventBridge action of the IAM catalogue`);
  return index;
}
