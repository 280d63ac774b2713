/**
 * review's consumer check, decided from the policies the assemblies deploy: each ConsumerReader's
 * intended requests must be allowed through every document on their path, its own identity policy
 * (held to what the templates attach to its role), the access point's policy, the bucket's policy,
 * and the key's policy for the KMS requests S3 makes on its behalf (lib/model/analyzer/through-key.ts).
 * That catches what the records cannot show: a hand-edited statement, a key statement naming
 * another region, a bucket policy an escape hatch changed.
 *
 * Intended requests, from what the reader asks for (its access level, through the one table of
 * lib/model/access-actions.ts): each object action on every key under its prefix, listing its
 * prefix, and each KMS action through S3 for the bucket's default key. Keys a request does not
 * carry are absent; when that denies it, a request that carries some (an encryption header, the
 * caller's organization) and is allowed still covers it, as `explain` reports it.
 *
 * A reader through a third party's role (the owner's ThirdPartyAccessRole): assuming the role (its
 * trust policy and the reader's own policy; the external id its code sends is left free, never
 * shown), then what the owner's record of that role intends, as the role.
 *
 * Not decided here, and left to the record rules: readers whose account, role, bucket or access
 * point is known only at deployment, and OrganizationConsumers (its roles are in a StackSet's
 * template).
 */
import { FoundRecord } from './assembly';
import { AccessLevel } from '../access-level';
import { accessActions } from '../model/access-actions';
import { PolicyAnalyzer } from '../model/analyzer/analyzer';
import { AccessAnswer, AccessRequest } from '../model/analyzer/questions';
import { keyContextThroughS3 } from '../model/analyzer/through-key';

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
    if (data.kind !== 'ConsumerReader') continue;
    if (data.accountId === null || data.roleArn === null || data.bucketName === null || !buckets.has(data.bucketName)) continue;
    if (analyzer.ownerOf(data.bucketName) !== data.bucketOwnerAccountId) continue;
    const check = new Check();
    if (data.thirdPartyRoleArn !== null) {
      // Through the owner's role: assuming it (its trust, the reader's own policy; the external id
      // the reader's code sends is free), then what the owner's ThirdPartyAccessRole lets the role do.
      const roleArn = data.thirdPartyRoleArn;
      const grant = records.map(item => item.data).find(item => item.kind === 'ThirdPartyAccessRole' && item.grant.roleArn === roleArn);
      if (grant?.kind !== 'ThirdPartyAccessRole' || grant.bucketName !== data.bucketName) continue;
      await check.decide(`sts:AssumeRole on ${roleArn}`, otherKeys => closed.isAssumeAllowed({ principal: data.roleArn!, roleArn }, { otherKeys }));
      await check.bucketRequests(closed, { principal: roleArn, bucket: data.bucketName }, grant.grant.prefix ?? '',
        accessActions(AccessLevel[grant.grant.access], grant.grant.allowDelete));
    } else {
      if (data.access === null) continue;
      const accessPointName = data.accessPointArn === null ? undefined : ACCESS_POINT_ARN.exec(data.accessPointArn)?.[1];
      if (data.accessPointArn !== null && (accessPointName === undefined || !closed.hasAccessPoint(data.bucketName, accessPointName))) continue;
      await check.bucketRequests(closed, { principal: data.roleArn, bucket: data.bucketName, accessPoint: accessPointName }, data.prefix ?? '',
        accessActions(AccessLevel[data.access], data.allowDelete ?? false));
    }
    out.push({ record, bucketName: data.bucketName, requests: check.requests, denied: check.denied, assuming: [...check.assuming] });
  }
  return out;
}

/** The requests of one reader, decided one by one. */
class Check {
  public readonly requests: string[] = [];
  public readonly denied: Array<{ request: string; why: string }> = [];
  public readonly assuming = new Set<string>();

  /** Allowed with the keys the request does not give absent, or else with some values of them. */
  public async decide(description: string, ask: (otherKeys: 'absent' | 'any') => Promise<AccessAnswer | undefined>): Promise<void> {
    this.requests.push(description);
    let answer = await ask('absent');
    if (answer && !answer.allowed) {
      // With the other keys free: covered if some values of them allow it. Denied either way, the
      // reasons are the plain request's, less a document that some other values satisfy (the
      // external id, a header it left out).
      const open = await ask('any');
      if (open && (open.allowed || open.undecided)) answer = open;
      else if (open) answer = { ...answer, missing: answer.missing.filter(document => open.missing.includes(document)) };
    }
    if (!answer) return;
    answer.assuming.forEach(item => this.assuming.add(item));
    if (!answer.allowed && !answer.undecided) this.denied.push({ request: description, why: whyDenied(answer) });
  }

  /** Each object action on every key under `prefix`, listing it, and each KMS action through S3. */
  public async bucketRequests(
    closed: PolicyAnalyzer, base: Omit<AccessRequest, 'action'>, prefix: string, actions: ReturnType<typeof accessActions>,
  ): Promise<void> {
    for (const action of actions.objectActions) {
      const where = `${base.accessPoint ? `through access point ${base.accessPoint}, ` : ''}${prefix === '' ? 'every key' : `every key under ${prefix}`}`;
      await this.decide(`${action} on ${where}`, otherKeys => closed.isAllowed(request(base, action, prefix, otherKeys), { otherKeys }));
    }
    for (const action of actions.bucketActions) {
      const context: Record<string, string> = prefix === '' ? {} : { 's3:prefix': prefix };
      await this.decide(`${action}${prefix === '' ? '' : ` of ${prefix}`}`, otherKeys => closed.isAllowed({ ...base, action, context }, { otherKeys }));
    }
    const through = keyContextThroughS3(closed, base.bucket, `${prefix}object`);
    for (const action of through ? actions.keyActions : []) {
      await this.decide(`${action} on the bucket's key through S3 (${through!.context['kms:ViaService']})`,
        otherKeys => closed.isKeyAllowed({ principal: base.principal, action, keyArn: through!.keyArn, context: through!.context }, { otherKeys }));
    }
  }
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
