/**
 * Questions about the key policies of the templates: whether one KMS request is allowed, and which
 * requests from outside a key's account are.
 */
import { concreteRequest, requireAction } from './concrete-request';
import { Encodings } from './encodings';
import { sameSymbolic } from './pattern';
import { answer, readRequest, solveReadable } from './queries';
import { AccessAnswer, KeyAccessRequest, KeyRequest } from './questions';
import { actionIn } from './request';
import { and, not } from './terms';

/**
 * Whether the key's policy, with the identity policies of the templates, allows one KMS request;
 * undefined when the key's policy is not in the templates. Keys the request does not give are
 * absent, or with `otherKeys: 'any'` free (aws:SecureTransport true, aws:CurrentTime now, as in isAllowed).
 */
export async function isKeyAllowed(encodings: Encodings, request: KeyAccessRequest, options: { otherKeys?: 'absent' | 'any' } = {}): Promise<AccessAnswer | undefined> {
  const key = encodings.policies.policies.find(policy => policy.kind === 'key policy' && policy.keyArn && sameSymbolic(policy.keyArn, request.keyArn));
  if (!key) return undefined;
  const encoding = encodings.keyEncoding(key);
  const constraints = and(encoding.model.wellFormed(), concreteRequest(encodings.solver, { ...request, bucket: '' }, encoding.model, options.otherKeys ?? 'absent'));
  return answer(encodings.solver, encoding, constraints, request.context);
}

/**
 * Requests from outside the key's account that its key policy (with the identity policies of
 * the templates) allows, for KMS `actions`: one per key at most. Keys are named by construct
 * path or logical id.
 */
export async function findKeyAccess(
  encodings: Encodings, question: { readonly outsideOwner: boolean; readonly actions: readonly string[] },
): Promise<KeyRequest[]> {
  const out: KeyRequest[] = [];
  for (const key of encodings.policies.policies.filter(policy => policy.kind === 'key policy')) {
    const { model, unknowns, decision, named } = encodings.keyEncoding(key);
    const constraints = [model.wellFormed(), named.definitions, decision.allowed, actionIn(question.actions.map(name => requireAction(name)))];
    if (question.outsideOwner && key.account) constraints.push(not(and(model.isIamPrincipal, model.accountIs(key.account))));
    const found = await solveReadable(encodings.solver, and(...constraints), model);
    if (!found) continue;
    const request = readRequest(found, {}, named, unknowns, model, '');
    const keyName = key.statements[0]?.source.path?.replace(/\/Resource$/, '') ?? `${key.stack}/${key.logicalId}`;
    const keyArn = key.keyArn!.map(part => typeof part === 'string' ? part : `<${part.unknown}>`).join('');
    out.push({ ...request, resource: keyArn, key: keyName });
  }
  return out;
}
