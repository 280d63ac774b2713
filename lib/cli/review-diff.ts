import { ReviewBucket } from './review-model';
import { RecordedAccess, RecordedGrant } from '../model/record';

/**
 * `review NEW --against OLD`: what a change adds, removes and alters, grant by grant, and
 * whether it grows access. Grants are matched by bucket, who (account, or organization),
 * path and access point or role; several grants under one key (an account with two prefixes)
 * are paired by equal prefix, then by nested prefix, and the rest are added or removed.
 */

/** One difference of a grant, and whether it widens access. */
export interface FieldChange {
  readonly field: string;
  readonly before: string;
  readonly after: string;
  readonly grows: boolean;
}

export interface GrantChange {
  /** '+' added, '-' removed, '~' altered. */
  readonly change: '+' | '-' | '~';
  readonly bucket: string;
  readonly before?: RecordedGrant;
  readonly after?: RecordedGrant;
  /** For '~': what differs. */
  readonly fields: FieldChange[];
  readonly grows: boolean;
}

/** The key grants are matched by: bucket, who, path, access point or role. */
function grantKey(bucket: string, grant: RecordedGrant): string {
  return JSON.stringify([bucket, grant.accountId, grant.organizationId ?? null, grant.through, grant.accessPointArn ?? null, grant.roleArn ?? null]);
}

/** A bucket as the diff names it: its name, or where it is when only deployment knows the name. */
export function bucketLabel(bucket: ReviewBucket): string {
  return bucket.bucketName ?? `${bucket.path} (name known at deployment)`;
}

/** What `after` changes against `before`, in the order of the new assembly, removals last. */
export function diffBuckets(before: ReviewBucket[], after: ReviewBucket[]): GrantChange[] {
  const groups = new Map<string, { bucket: string; before: RecordedGrant[]; after: RecordedGrant[] }>();
  const add = (buckets: ReviewBucket[], side: 'before' | 'after') => {
    for (const bucket of buckets) {
      const label = bucketLabel(bucket);
      for (const grant of bucket.grants) {
        const key = grantKey(label, grant);
        const group = groups.get(key) ?? { bucket: label, before: [], after: [] };
        group[side].push(grant);
        groups.set(key, group);
      }
    }
  };
  add(after, 'after');
  add(before, 'before');
  const changes: GrantChange[] = [];
  const removed: GrantChange[] = [];
  for (const group of groups.values()) {
    const olds = [...group.before];
    const pairs: [RecordedGrant, RecordedGrant][] = [];
    const unpaired: RecordedGrant[] = [];
    // Equal grants first, so that an unchanged grant is never paired with a changed one.
    const rest = group.after.filter(grant => {
      const index = olds.findIndex(old => JSON.stringify(old) === JSON.stringify(grant));
      if (index >= 0) {
        olds.splice(index, 1);
        return false;
      }
      return true;
    });
    for (const matches of [samePrefix, nestedPrefix]) {
      for (const grant of [...rest]) {
        const index = olds.findIndex(old => matches(old.prefix, grant.prefix));
        if (index >= 0) {
          pairs.push([olds[index], grant]);
          olds.splice(index, 1);
          rest.splice(rest.indexOf(grant), 1);
        }
      }
    }
    unpaired.push(...rest);
    for (const [old, grant] of pairs) {
      const fields = grantDifferences(old, grant);
      changes.push({ change: '~', bucket: group.bucket, before: old, after: grant, fields, grows: fields.some(field => field.grows) });
    }
    for (const grant of unpaired) {
      changes.push({ change: '+', bucket: group.bucket, after: grant, fields: [], grows: true });
    }
    for (const old of olds) {
      removed.push({ change: '-', bucket: group.bucket, before: old, fields: [], grows: false });
    }
  }
  return [...changes, ...removed];
}

function samePrefix(a: string | null, b: string | null): boolean {
  return a === b;
}

function nestedPrefix(a: string | null, b: string | null): boolean {
  return prefixCovers(a, b) || prefixCovers(b, a);
}

/** Whether `granted` (null: the whole bucket) covers every key `asked` does: 'a/' covers 'a/b/'. */
export function prefixCovers(granted: string | null, asked: string | null): boolean {
  return granted === null || (asked !== null && asked.startsWith(granted));
}

/** Whether `before` allows every action `after` does: READ -> READ_WRITE, WRITE -> READ_WRITE, READ <-> WRITE grow. */
export function accessCovers(before: RecordedAccess, after: RecordedAccess): boolean {
  return before === after || before === 'READ_WRITE';
}

/** Whether a grant ending at `after` ends no later than one ending at `before` (null: never ends). */
export function expiryCovers(before: string | null, after: string | null): boolean {
  return before === null || (after !== null && Date.parse(after) <= Date.parse(before));
}

/** Whether the principals `after` names are among those `before` names (null: any principal of the account). */
export function principalsCover(before: string[] | null, after: string[] | null): boolean {
  return before === null || (after !== null && after.every(arn => before.includes(arn)));
}

/** Whether the units `after` names are within those `before` names (null: the whole organization). */
export function unitsCover(before: string[] | null | undefined, after: string[] | null | undefined): boolean {
  if (before === undefined || before === null) {
    return true;
  }
  return after !== undefined && after !== null && after.every(path => before.some(granted => path.startsWith(granted)));
}

/** What differs between two grants of one key, each difference marked when it widens access. */
export function grantDifferences(before: RecordedGrant, after: RecordedGrant): FieldChange[] {
  const fields: FieldChange[] = [];
  const compare = (field: string, old: string, current: string, grows: boolean) => {
    if (old !== current) {
      fields.push({ field, before: old, after: current, grows });
    }
  };
  compare('prefix', showPrefix(before.prefix), showPrefix(after.prefix), !prefixCovers(before.prefix, after.prefix));
  compare('access', before.access, after.access, !accessCovers(before.access, after.access));
  compare('delete', yesNo(before.allowDelete), yesNo(after.allowDelete), after.allowDelete && !before.allowDelete);
  compare('expires', before.expires ?? 'never', after.expires ?? 'never', !expiryCovers(before.expires, after.expires));
  compare('principals', showList(before.principalArns, 'any'), showList(after.principalArns, 'any'),
    !principalsCover(before.principalArns, after.principalArns));
  compare('units', showList(before.organizationalUnitPaths ?? null, 'whole organization'),
    showList(after.organizationalUnitPaths ?? null, 'whole organization'), !unitsCover(before.organizationalUnitPaths, after.organizationalUnitPaths));
  // Turning notify on sends the consumer the keys of new objects: it widens what the consumer learns.
  compare('notified', notifiedTo(before), notifiedTo(after), before.notifications === undefined && after.notifications !== undefined);
  const was = before.narrowing;
  const now = after.narrowing;
  compare('organizationId condition', was.organizationId ?? 'none', now.organizationId ?? 'none',
    was.organizationId !== null && was.organizationId !== now.organizationId);
  compare('minimum TLS', String(was.minimumTlsVersion), String(now.minimumTlsVersion), now.minimumTlsVersion < was.minimumTlsVersion);
  compare('MFA', required(was.mfaRequired), required(now.mfaRequired), was.mfaRequired && !now.mfaRequired);
  compare('external id', required(was.externalIdRequired), required(now.externalIdRequired), was.externalIdRequired && !now.externalIdRequired);
  compare('key only through S3', yesNo(was.keyOnlyThroughS3), yesNo(now.keyOnlyThroughS3), was.keyOnlyThroughS3 && !now.keyOnlyThroughS3);
  return fields;
}

/**
 * The grants NEW notifies that OLD did not (added with notify, or notify turned on): each sends an
 * account the keys of new objects, which no access policy decides, so `--against` judges it from
 * the record.
 */
export function newlyNotified(changes: GrantChange[]): Array<{ bucket: string; grant: RecordedGrant }> {
  return changes
    .filter(change => change.after?.notifications !== undefined && change.before?.notifications === undefined)
    .map(change => ({ bucket: change.bucket, grant: change.after! }));
}

function notifiedTo(grant: RecordedGrant): string {
  return grant.notifications === undefined ? 'no' : `yes (${grant.notifications.region ?? 'region known at deployment'})`;
}

export function showPrefix(prefix: string | null): string {
  return prefix === null ? '(whole bucket)' : prefix;
}

function showList(values: string[] | null, none: string): string {
  return values === null ? `(${none})` : values.join(', ');
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

function required(value: boolean): string {
  return value ? 'required' : 'not required';
}
