/**
 * S3 Block Public Access, RestrictPublicBuckets: a bucket or access point whose policy is public
 * serves only AWS service principals and the principals of the bucket owner's account (and,
 * through an access point, of the access point's); "public and cross-account access within any
 * public bucket policy, including non-public delegation to specific accounts, is blocked"
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PublicAccessBlockConfiguration.html).
 *
 * A policy is public when an Allow statement grants to a wildcard principal (`*`, `{"AWS": "*"}`,
 * or NotPrincipal) without a condition that fixes who may ask: fixed values of the keys "The
 * meaning of public" lists (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
 */
import { Symbolic } from './pattern';
import { Statement } from './policy';

/** Keys whose fixed values (StringEquals, or StringLike without a wildcard) make a wildcard principal non-public. */
const FIXED_VALUE_KEYS = new Set([
  'aws:principalorgid', 'aws:principalaccount', 'aws:sourcevpce', 'aws:sourcevpc', 'aws:sourceaccount', 'aws:sourceowner',
  'aws:vpceaccount', 'aws:vpceorgid', 's3:dataaccesspointaccount', 's3:dataaccesspointarn',
]);

/** Keys whose values are ARNs: fixed when they name an account and no wildcard before the resource part. */
const FIXED_ARN_KEYS = new Set(['aws:principalarn', 'aws:sourcearn', 'aws:sourcevpcarn', 's3:dataaccesspointarn']);

/** Organization paths: fixed down to an organization unit (a trailing `*` allowed). */
const ORGANIZATION_PATH_KEYS = new Set(['aws:principalorgpaths', 'aws:vpceorgpaths']);

function text(value: Symbolic): string | undefined {
  return value.every(part => typeof part === 'string') ? value.join('') : undefined;
}

function fixedText(value: string | undefined): boolean {
  return value !== undefined && value !== '' && !/[*?]/.test(value);
}

/** An ARN that names one account (and, `strict`, no wildcard before its resource part). */
function fixedArn(value: string | undefined, strict: boolean): boolean {
  const parts = value?.split(':');
  if (!parts || parts.length < 6 || !fixedText(parts[4])) return false;
  return !strict || !/[*?]/.test(parts.slice(0, 5).join(':'));
}

/** Whether one operator on one key fixes who may ask. */
function limits(operator: string, key: string, values: readonly Symbolic[]): boolean {
  const name = key.toLowerCase();
  const op = operator.toLowerCase();
  const texts = values.map(text);
  if (FIXED_VALUE_KEYS.has(name)) {
    if (['stringequals', 'stringequalsignorecase', 'foranyvalue:stringequals'].includes(op)) return texts.every(item => item !== undefined && item !== '');
    if (op === 'stringlike') return texts.every(fixedText);
  }
  if (FIXED_ARN_KEYS.has(name)) {
    if (op === 'arnequals') return texts.every(item => fixedArn(item, false));
    if (op === 'arnlike' && name === 'aws:principalarn') return texts.every(item => fixedArn(item, true));
  }
  // An organization path down from the organization, with at most a trailing wildcard.
  if (ORGANIZATION_PATH_KEYS.has(name) && ['stringequals', 'stringlike'].includes(op)) {
    return texts.every(item => item !== undefined && /^o-[a-z0-9]+\/[^*?]+\*?$/.test(item) && (op === 'stringlike' || !item.endsWith('*')));
  }
  return false;
}

/** Whether an Allow statement grants to the public. */
export function isPublicStatement(statement: Statement): boolean {
  if (statement.effect !== 'Allow') return false;
  const everyone = statement.notPrincipal !== undefined
    || statement.principal?.everyone === true
    || (statement.principal?.aws ?? []).some(value => text(value) === '*');
  if (!everyone) return false;
  return !statement.condition.some(condition => limits(condition.operator, condition.key, condition.values));
}

/** Whether a policy (a bucket's or an access point's) is public. */
export function isPublicPolicy(statements: readonly Statement[]): boolean {
  return statements.some(isPublicStatement);
}
