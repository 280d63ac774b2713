/**
 * Questions about the event buses whose policies the templates write: whether one request to a
 * bus is allowed (by its policy and the caller's identity policy), and which requests from outside
 * the bus's account are, with the rule they come through (aws:SourceArn). The formulas are
 * Encodings.busEncoding's.
 */
import { concreteRequest, requireAction } from './concrete-request';
import { ALLOWED, Encoding, Encodings } from './encodings';
import { smtString, symbolicText as text } from './pattern';
import { answer, readRequest, solveReadable } from './queries';
import { AccessAnswer, EventBusIntent, EventBusRequest, FoundRequest } from './questions';
import { ACTION, ACTIONS, OBJECT_KEY, SOURCE_ACCOUNT, SOURCE_ARN, actionIn } from './request';
import { TRUE, Term, and, not, or } from './terms';

/** The ARNs of the buses the templates write policies for (unknown ARNs left out). */
export function eventBusArns(encodings: Encodings): string[] {
  return [...new Set(encodings.policies.policies.flatMap(policy => {
    const arn = policy.kind === 'event bus policy' && policy.busArn ? text(policy.busArn) : undefined;
    return arn ? [arn] : [];
  }))].sort();
}

/** aws:SourceArn is `sourceArn`, or absent when undefined (a direct call). */
function sourceIs(encoding: Encoding, sourceArn: string | undefined): Term {
  const source = encoding.model.key('aws:SourceArn', 'string');
  return sourceArn === undefined ? not(source.present)
    : and(source.present, encoding.model.solver.membership(SOURCE_ARN, `(str.to_re ${smtString(sourceArn)})`));
}

/** aws:SourceAccount is the account of the rule `sourceArn` (eb-use-conditions.html), unless the context says. */
function sourceAccountIs(encoding: Encoding, sourceArn: string | undefined, context: EventBusRequest['context']): Term {
  const given = Object.entries(context ?? {}).find(([key]) => key.toLowerCase() === 'aws:sourceaccount')?.[1];
  const account = given === undefined ? sourceArn?.split(':')[4] : String(given);
  return account === undefined ? TRUE : encoding.model.solver.membership(SOURCE_ACCOUNT, `(str.to_re ${smtString(account)})`);
}

/**
 * Whether the bus's policy, with the identity policies of the templates, allows one request;
 * undefined when the templates write no policy for the bus. Keys the request does not give are
 * absent, or with `otherKeys: 'any'` free (as in isAllowed); aws:SourceArn is the request's.
 */
export async function isEventBusAllowed(
  encodings: Encodings, request: EventBusRequest, options: { otherKeys?: 'absent' | 'any' } = {},
): Promise<AccessAnswer | undefined> {
  const encoding = encodings.busEncoding(request.busArn);
  if (!encoding) return undefined;
  const { model } = encoding;
  const asked = { principal: request.principal, action: request.action ?? 'events:PutEvents', bucket: '', key: request.ruleName, context: request.context };
  const onRule = encodings.solver.declare('events:onrule', 'Bool');
  return answer(encodings.solver, encoding, and(
    model.wellFormed(), concreteRequest(encodings.solver, asked, model, options.otherKeys ?? 'absent'),
    sourceIs(encoding, request.sourceArn), sourceAccountIs(encoding, request.sourceArn, request.context),
    request.ruleName === undefined ? not(onRule) : onRule,
  ), request.context);
}

/**
 * A request to the bus from outside its account (another account's principal, anyone, a service)
 * that its policy and the identity policies of the templates allow and no intent covers, with the
 * rule it comes through; undefined when there is none: then the intents bound every such request.
 */
export async function findEventBusAccess(
  encodings: Encodings, busArn: string, intents: readonly EventBusIntent[],
): Promise<FoundRequest | undefined> {
  const encoding = encodings.busEncoding(busArn);
  if (!encoding) return undefined;
  const { model, named, unknowns } = encoding;
  const owner = busArn.split(':')[4];
  const intended = intents.map(intent => and(
    model.isIamPrincipal, model.accountIs(intent.account),
    intent.actions ? actionIn(intent.actions.map(name => requireAction(name))) : TRUE,
    intent.sourceArn === undefined ? TRUE : sourceIs(encoding, intent.sourceArn),
  ));
  const formula = and(ALLOWED, not(and(model.isIamPrincipal, model.accountIs(owner))), not(or(...intended)));
  const found = await solveReadable(encodings.solver, formula, model, encoding.context);
  if (!found) return undefined;
  const request = readRequest(found, {}, named, unknowns, model, '');
  const action = ACTIONS[found.numbers.get(ACTION) ?? 0];
  const onRule = action.eventsKind === 'rule' || (action.eventsKind === 'both' && found.booleans.get('events:onrule') === true);
  const resource = onRule ? busArn.replace(/event-bus\/(.+)$/, (_, name: string) => `rule/${name === 'default' ? '' : `${name}/`}`) + (found.strings.get(OBJECT_KEY) ?? '') : busArn;
  const context: Record<string, string | number | boolean | string[]> = { ...request.context };
  if (found.booleans.get(`${SOURCE_ARN}:present`) === true) {
    context['aws:SourceArn'] = found.strings.get(SOURCE_ARN) ?? '';
    context['aws:SourceAccount'] = found.strings.get(SOURCE_ACCOUNT) ?? '';
  }
  return { ...request, resource, context };
}
