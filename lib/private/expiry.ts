import { Expiration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Conditions } from './grant-statements';
import { PropsValidator } from './validation';
import { addWarning } from './warnings';
import { expiryText } from '../model/grant';

/**
 * Grants that end: every allow statement that serves an expiring grant carries
 * `DateLessThan aws:CurrentTime <end>`.
 *
 * `aws:CurrentTime` is a global condition key that AWS sets on every request, and the Date
 * operators compare it with an ISO 8601 time (IAM User Guide, "AWS global condition context
 * keys: aws:CurrentTime", and the example policy "AWS: Allows access based on date and time",
 * which writes `"DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}`). Global keys apply
 * in bucket, access point, key and trust policies alike. A role's own policy is evaluated on
 * every request made with its session, so a session opened before the end is refused after it.
 */

/** Days before the end from which synth warns `grantExpiresSoon`. */
export const EXPIRES_SOON_DAYS = 30;

const DAY_MILLISECONDS = 24 * 60 * 60 * 1000;

/** The last year an ISO 8601 time with a four-digit year, as IAM's Date operators read it, can name. */
const MAX_YEAR = 9999;

/**
 * The condition an expiring grant's allow statements carry, none without an end. The time is
 * written to the second with a `Z` (`2027-06-30T00:00:00Z`), the form the IAM documentation uses.
 */
export function expiryConditions(expires: Date | undefined): Conditions[] {
  return expires === undefined ? [] : [{ DateLessThan: { 'aws:CurrentTime': expiryText(expires) } }];
}


/**
 * `expires` as a date, when it is a fixed time to the second in the years 0000 to 9999; otherwise
 * a problem recorded on `validator` and undefined.
 *
 * A fraction of a second is refused because it is the mark of an end computed from the clock at
 * synth (`Expiration.after(...)`, `Expiration.atTimestamp(Date.now() + ...)`): such an end moves
 * at every synth, so every deploy would push the grant's end further and access would never end.
 * The rule is whole seconds; it misses such an end only when the clock happens to stand on a
 * whole second (one synth in a thousand).
 */
export function validExpiry(validator: PropsValidator, prop: string, expires: Expiration | undefined): Date | undefined {
  if (expires === undefined) {
    return undefined;
  }
  const date = expires.date;
  const time = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(time)) {
    validator.fail(prop, String(date), 'a valid time, for example Expiration.atDate(new Date(\'2027-06-30T00:00:00Z\'))');
    return undefined;
  }
  const year = date.getUTCFullYear();
  if (year < 0 || year > MAX_YEAR) {
    // IAM reads a Date condition value as "a string adhering to the W3C Profile of ISO 8601" (IAM
    // User Guide, "IAM JSON policy elements: Supported data types"), whose years have four digits.
    // JavaScript writes years beyond them with a sign and six digits ('+010000-01-01T00:00:00Z'),
    // which no policy parses.
    validator.fail(prop, date.toISOString(),
      `a time from the year 0000 to ${MAX_YEAR}: the Date condition operators of IAM read ISO 8601 times with a four-digit year, ` +
      'and this one would be written with a sign and six digits');
    return undefined;
  }
  if (date.getUTCMilliseconds() !== 0) {
    validator.fail(prop, date.toISOString(),
      'a fixed time to the second, for example Expiration.atDate(new Date(\'2027-06-30T00:00:00Z\')) or ' +
      'Expiration.fromString(\'2027-06-30T00:00:00Z\'). A fraction of a second marks an end computed from the clock at synth ' +
      '(Expiration.after(...), Expiration.atTimestamp(Date.now() + ...)), which moves at every synth: each deploy would push ' +
      'the end further, and access would never end');
    return undefined;
  }
  return new Date(time);
}

/**
 * Warns on `scope` when `what` (the grant, in words) has ended (`grantExpired`: it synthesizes,
 * and its access is denied) or ends within EXPIRES_SOON_DAYS (`grantExpiresSoon`), measured
 * against the clock at synth.
 */
export function warnIfExpiring(scope: IConstruct, what: string, expires: Date | undefined): void {
  if (expires === undefined) {
    return;
  }
  const now = Date.now();
  const end = expiryText(expires);
  if (expires.getTime() <= now) {
    addWarning(scope, 'cdk-cross-account-bucket:grantExpired',
      `${what} ended at ${end}: it is still written, with the condition DateLessThan aws:CurrentTime ${end}, and AWS denies its access. ` +
      'Remove it, or set a later expires to renew it.');
  } else if (expires.getTime() - now <= EXPIRES_SOON_DAYS * DAY_MILLISECONDS) {
    const days = Math.ceil((expires.getTime() - now) / DAY_MILLISECONDS);
    addWarning(scope, 'cdk-cross-account-bucket:grantExpiresSoon',
      `${what} ends at ${end}, in ${days} day${days === 1 ? '' : 's'}: after that AWS denies its access. ` +
      'Set a later expires to renew it, or acknowledge this warning if it is meant to end.');
  }
}
