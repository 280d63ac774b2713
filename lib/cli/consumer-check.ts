/**
 * review's consumer check, decided from the policies the assemblies deploy: each ConsumerReader's
 * intended requests must be allowed through every document on their path, its own identity policy
 * (held to what the templates attach to its role), the access point's policy, the bucket's policy,
 * and the key's policy for the KMS requests S3 makes on its behalf (lib/analyzer/through-key.ts).
 * That catches what the records cannot show: a hand-edited statement, a key statement naming
 * another region, a bucket policy an escape hatch changed.
 *
 * Intended requests, from what the reader asks for (its access level, through the one table of
 * lib/private/access-actions.ts): each object action on every key under its prefix, listing its
 * prefix, and each KMS action through S3 for the bucket's default key. Keys a request does not
 * carry are absent; when that denies it, a request that carries some (an encryption header, the
 * caller's organization) and is allowed still covers it, as `explain` reports it.
 *
 * Not decided here, and left to the record rules: readers that go through a third party's role
 * (the trust policy's external id), readers whose account, role, bucket or access point is known
 * only at deployment, and OrganizationConsumers (its roles are in a StackSet's template).
 */
import { FoundRecord } from './assembly';
import { AccessLevel } from '../access-level';
import { AccessAnswer, AccessRequest, PolicyAnalyzer } from '../analyzer/analyzer';
import { keyContextThroughS3 } from '../analyzer/through-key';
import { accessActions } from '../private/access-actions';

/** One reader's requests as the policies decide them. */
export interface ConsumerCheck {
  readonly record: FoundRecord;
  readonly bucketName: string;
  /** The requests decided, written out. */
  readonly requests: readonly string[];
  /** The requests the policies deny, with why. */
  readonly denied: ReadonlyArray<{ readonly request: string; readonly why: string }>;
  /** Unknowns the verdicts rely on. */
  readonly assuming: readonly string[];
}

const ACCESS_POINT_ARN = /^arn:[^:]+:s3:[^:]+:[0-9]{12}:accesspoint\/([a-z0-9-]+)$/;

/** The requests of every ConsumerReader the analyzer can decide, with the policies' verdict on each. */
export async function checkConsumers(analyzer: PolicyAnalyzer, records: readonly FoundRecord[]): Promise<ConsumerCheck[]> {
  const closed = analyzer.withIdentitiesFromTemplates();
  const buckets = new Set(analyzer.bucketNames());
  const out: ConsumerCheck[] = [];
  for (const record of records) {
    const data = record.data;
    if (data.kind !== 'ConsumerReader' || data.thirdPartyRoleArn !== null || data.access === null) continue;
    if (data.accountId === null || data.roleArn === null || data.bucketName === null || !buckets.has(data.bucketName)) continue;
    if (analyzer.ownerOf(data.bucketName) !== data.bucketOwnerAccountId) continue;
    const accessPointName = data.accessPointArn === null ? undefined : ACCESS_POINT_ARN.exec(data.accessPointArn)?.[1];
    if (data.accessPointArn !== null && (accessPointName === undefined || !closed.hasAccessPoint(data.bucketName, accessPointName))) continue;
    const prefix = data.prefix ?? '';
    const actions = accessActions(AccessLevel[data.access], data.allowDelete ?? false);
    const base = { principal: data.roleArn, bucket: data.bucketName, accessPoint: accessPointName };
    const requests: string[] = [];
    const denied: Array<{ request: string; why: string }> = [];
    const assuming = new Set<string>();
    const decide = async (description: string, ask: (otherKeys: 'absent' | 'any') => Promise<AccessAnswer | undefined>) => {
      requests.push(description);
      let answer = await ask('absent');
      if (answer && !answer.allowed) {
        const open = await ask('any');
        if (open && (open.allowed || open.undecided)) answer = open;
      }
      if (!answer) return;
      answer.assuming.forEach(item => assuming.add(item));
      if (!answer.allowed && !answer.undecided) denied.push({ request: description, why: whyDenied(answer) });
    };
    for (const action of actions.objectActions) {
      const where = `${base.accessPoint ? `through access point ${base.accessPoint}, ` : ''}${prefix === '' ? 'every key' : `every key under ${prefix}`}`;
      await decide(`${action} on ${where}`, otherKeys => closed.isAllowed(request(base, action, prefix, otherKeys), { otherKeys }));
    }
    for (const action of actions.bucketActions) {
      const context: Record<string, string> = prefix === '' ? {} : { 's3:prefix': prefix };
      await decide(`${action}${prefix === '' ? '' : ` of ${prefix}`}`, otherKeys => closed.isAllowed({ ...base, action, context }, { otherKeys }));
    }
    const through = keyContextThroughS3(closed, data.bucketName, `${prefix}object`);
    for (const action of through ? actions.keyActions : []) {
      await decide(`${action} on the bucket's key through S3 (${through!.context['kms:ViaService']})`,
        otherKeys => closed.isKeyAllowed({ principal: base.principal, action, keyArn: through!.keyArn, context: through!.context }, { otherKeys }));
    }
    out.push({ record, bucketName: data.bucketName, requests, denied, assuming: [...assuming] });
  }
  return out;
}

/**
 * An object request on every key under the prefix; with `otherKeys: 'any'` (keys the request
 * leaves free), one key stands for them, since a key carried for some keys and not others would
 * let the solver pick keys and context together.
 */
function request(base: Omit<AccessRequest, 'action'>, action: string, prefix: string, otherKeys: 'absent' | 'any'): AccessRequest {
  return otherKeys === 'absent' ? { ...base, action, keyPrefix: prefix } : { ...base, action, key: `${prefix}object` };
}

function whyDenied(answer: AccessAnswer): string {
  return [
    ...answer.deniedBy.map(statement => `denied by ${statement}`),
    ...answer.missing.map(document => `no statement of the ${document} allows it`),
  ].join('; ') || 'nothing allows it';
}

/** A reader's denied requests, as one finding's message. */
export function checkMessage(check: ConsumerCheck): string {
  return `The policies deny what it asks for on bucket ${check.bucketName}: ` +
    check.denied.map(item => `${item.request} (${item.why})`).join('; ');
}
