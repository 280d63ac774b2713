/**
 * Asking the solver and reading its answer: a question over one path's formulas, a request shown
 * readably, a model read back as the request it stands for (principal, action, resource, context,
 * the statements that allow it, the unknowns it relies on), and a verdict on one request.
 */
import { Unknowns } from './encode';
import { ALLOWED, Encoding, Encodings, NamedEvidence } from './encodings';
import { describeSource } from './policy';
import { Path } from './policy-index';
import { AccessAnswer, AccessRequest, FoundRequest } from './questions';
import { ACTIONS, ACTION, OBJECT_KEY, PRINCIPAL_ACCOUNT, PRINCIPAL_PATH, PRINCIPAL_SERVICE, PrincipalType, RequestModel } from './request';
import { Solver, SolverModel } from './solver';
import { Term, and, not, or } from './terms';

/** Whether the decision of `encoding` holds under `constraints` (one request): for every model, some, or none. */
export async function answer(solver: Solver, encoding: Encoding, constraints: Term, context: AccessRequest['context']): Promise<AccessAnswer> {
  const { model, unknowns, decision, named } = encoding;
  const allowedModel = await solver.solve(and(constraints, named.definitions, decision.allowed));
  const deniedModel = await solver.solve(and(constraints, named.definitions, not(decision.allowed)));
  if (!allowedModel && !deniedModel) {
    // No request is like this one (an anonymous caller with an organization id): nothing allows it.
    return {
      allowed: false, undecided: false, provided: {}, allowedBy: [], deniedBy: [], missing: [], assuming: [], freeKeys: [...model.freeKeys].sort(),
    };
  }
  const shown = allowedModel ?? deniedModel!;
  const truthy = (name: string) => shown.booleans.get(name) === true;
  const allowedBy = named.evidence.filter(item => item.statement.effect === 'Allow' && truthy(item.name)).map(item => describeSource(item.statement.source));
  const deniedBy = named.evidence.filter(item => item.statement.effect === 'Deny' && truthy(item.name)).map(item => describeSource(item.statement.source));
  const missing = named.documents.filter(item => !truthy(item.name)).map(item => item.document);
  const provided: Record<string, string | number | boolean> = {};
  if (allowedModel) {
    for (const free of model.free.values()) {
      if (context && Object.keys(context).some(key => key.toLowerCase() === free.key.toLowerCase())) continue;
      if (allowedModel.booleans.get(`${free.variable}:present`) !== true) continue;
      provided[free.key] = free.type === 'string' ? allowedModel.strings.get(free.variable) ?? ''
        : free.type === 'bool' ? allowedModel.booleans.get(free.variable) ?? false : allowedModel.numbers.get(free.variable) ?? 0;
    }
  }
  return {
    allowed: allowedModel !== undefined && deniedModel === undefined,
    undecided: allowedModel !== undefined && deniedModel !== undefined,
    provided,
    allowedBy,
    deniedBy,
    missing,
    assuming: assumptions(shown, unknowns),
    freeKeys: [...model.freeKeys].sort(),
  };
}

/**
 * A request that satisfies the constraints. With `readable`, the request shown prefers a role
 * with a plain name and a plain key where one exists (one more query), since z3's first model
 * may be `user/!` reading `\u0000`.
 */
export async function query(
  encodings: Encodings, bucket: string, path: Path, constraints: (encoding: Encoding) => Term[], readable = false, asWritten = false,
): Promise<FoundRequest | undefined> {
  return (await solveIn(encodings, bucket, path, constraints, readable, asWritten))?.request;
}

/** `query`, with the model the request is read from. */
export async function solveIn(
  encodings: Encodings, bucket: string, path: Path, constraints: (encoding: Encoding) => Term[], readable = false, asWritten = false,
): Promise<{ model: SolverModel; request: FoundRequest } | undefined> {
  const encoding = encodings.encoding(bucket, path, asWritten);
  const formula = and(...constraints({ ...encoding, decision: { ...encoding.decision, allowed: ALLOWED } }));
  const found = readable
    ? await solveReadable(encodings.solver, formula, encoding.model, encoding.context)
    : await encodings.solver.solve(formula, encoding.context);
  return found ? { model: found, request: readRequest(found, path, encoding.named, encoding.unknowns, encoding.model, bucket) } : undefined;
}

/** A model of `formula` that prefers a role with a plain name and a plain key where one exists (one more query when it does). */
export async function solveReadable(solver: Solver, formula: Term, model: RequestModel, context?: Term): Promise<SolverModel | undefined> {
  const found = await solver.solve(formula, context);
  if (!found) return undefined;
  const plain = and(
    or(not(model.principalIs(PrincipalType.ROLE, PrincipalType.USER)),
      solver.membership(PRINCIPAL_PATH, '(re.++ (re.union (str.to_re "role/") (str.to_re "user/")) (re.+ (re.range "A" "Z")) (re.* (re.range "a" "z")))')),
    solver.membership(OBJECT_KEY, '(re.+ (re.union (re.range "a" "z") (re.range "0" "9") (str.to_re "/") (str.to_re ".")))'),
  );
  return (await solver.solve(and(formula, plain), context)) ?? found;
}

/**
 * The request a model of the solver stands for: principal, action, resource (in `bucket`, through
 * `path`), context, the statements that allow it and the unknowns it relies on.
 */
export function readRequest(
  found: SolverModel, path: Path, named: NamedEvidence, unknowns: Unknowns, model: RequestModel, bucket: string,
): FoundRequest {
  const type = found.numbers.get('principal:type') as PrincipalType;
  const account = found.strings.get(PRINCIPAL_ACCOUNT) ?? '';
  const principal = type === PrincipalType.ANONYMOUS ? 'anonymous'
    : type === PrincipalType.SERVICE ? found.strings.get(PRINCIPAL_SERVICE) ?? ''
      : `arn:aws:iam::${account}:${found.strings.get(PRINCIPAL_PATH)}`;
  const action = ACTIONS[found.numbers.get(ACTION) ?? 0];
  const object = action.s3Kind === 'object' || action.s3Kind === 'both';
  const accessPoint = path.accessPoint ? `arn:aws:s3:${path.accessPoint.region}:${path.accessPoint.account}:accesspoint/${path.accessPoint.name.map(part => typeof part === 'string' ? part : `<${part.unknown}>`).join('')}` : undefined;
  const resource = object ? `arn:aws:s3:::${bucket}/${found.strings.get(OBJECT_KEY)}` : `arn:aws:s3:::${bucket}`;
  const context: Record<string, string | number | boolean | string[]> = {};
  const time = found.numbers.get('context:aws:currenttime');
  if (time !== undefined && Number.isFinite(time) && Math.abs(time) < 8.64e15) context['aws:CurrentTime'] = new Date(time).toISOString();
  const secure = found.booleans.get('context:aws:securetransport');
  if (secure !== undefined) context['aws:SecureTransport'] = secure;
  for (const free of model.free.values()) {
    if (found.booleans.get(`${free.variable}:present`) !== true) continue;
    if (free.type === 'string') context[free.key] = found.strings.get(free.variable) ?? '';
    else if (free.type === 'bool') context[free.key] = found.booleans.get(free.variable) ?? false;
    else context[free.key] = found.numbers.get(free.variable) ?? 0;
  }
  return {
    principal,
    action: action.name,
    resource,
    accessPoint,
    context,
    allowedBy: named.evidence.filter(item => item.statement.effect === 'Allow' && found.booleans.get(item.name)).map(item => describeSource(item.statement.source)),
    allowedBySources: named.evidence.filter(item => item.statement.effect === 'Allow' && found.booleans.get(item.name)).map(item => item.statement.source),
    assuming: assumptions(found, unknowns),
  };
}

/** The unknowns the model decides, each with the value it takes. */
function assumptions(found: SolverModel, unknowns: Unknowns): string[] {
  const out: string[] = [];
  for (const [name, description] of unknowns.descriptions) {
    const held = found.booleans.get(name);
    if (held !== undefined) out.push(`${description} ${held ? 'holds' : 'does not hold'}`);
  }
  for (const [variable, content] of found.strings) {
    // A name CloudFormation chooses is no assumption a user can act on: only parameters, imports
    // and what could not be resolved are named.
    if (variable.startsWith('unknown:') && !GENERATED_NAME.test(variable)) out.push(`${variable.slice('unknown:'.length)} is ${JSON.stringify(content)}`);
  }
  return out;
}

const GENERATED_NAME = /\.(KeyId|RoleName|BucketName|UserName|Name|RoleId)$|\/AWS::(AccountId|Region)$/;
