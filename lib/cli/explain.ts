/**
 * `cdk-cross-account-bucket explain`: whether the policies in a cloud assembly allow one S3
 * request, decided for that request by the analyzer (lib/model/analyzer) with the statements that allow
 * or deny it, then what the grants this library recorded say of it (explain-grants.ts).
 *
 * Exit codes: 0 the policies allow the request (possibly provided a fact the assembly cannot show,
 * such as organization membership, which the output names); 1 they do not, and why; 2 an error
 * (one line on standard error).
 */
import { parseArgs } from 'node:util';
import { CliError, readRecords } from './assembly';
import { explain, Explanation } from './explain-grants';
import { isBucketAction, normalizeAction, parsePrincipal, parseTime } from './explain-request';
import type { Output, Subcommand } from './main';
import { PolicyAnalyzer } from '../model/analyzer/analyzer';
import { collectPolicies } from '../model/analyzer/template';
import { loadAssembly } from '../model/analyzer/template-files';
import { isAllowedThroughKey } from '../model/analyzer/through-key';


/** The explanation as people read it. */
export function renderExplanation(explanation: Explanation): string {
  const { request, bucket } = explanation;
  const lines: string[] = [];
  lines.push(explanation.allowed
    ? (explanation.provided.length === 0 ? 'ALLOWED by the grants this library wrote.' : 'ALLOWED by the grants this library wrote, provided:')
    : 'DENIED: the grants this library wrote do not allow this request.');
  for (const text of explanation.provided) {
    lines.push(`  - ${text}`);
  }
  lines.push('');
  lines.push(`Request: ${request.principal} ${request.action} on ${request.resource} at ${request.at}`);
  lines.push(`Bucket:  ${bucket.bucketName ?? '(name generated at deployment)'} (${bucket.path} in stack ${bucket.stack}, ` +
    `owner ${bucket.ownerAccountId ?? 'unknown'}, ${bucket.region ?? 'region unknown'})`);
  if (explanation.grant !== null) {
    lines.push(`Grant:   ${explanation.grant.number} (${explanation.grant.recordedBy}): ${explanation.grant.summary}`);
  }
  if (explanation.reasons.length > 0) {
    lines.push('');
    lines.push(...explanation.reasons.map(reason => (explanation.allowed ? reason : `Why: ${reason}`)));
  }
  for (const miss of explanation.misses) {
    lines.push(`  grant ${miss.grant.number}: ${miss.grant.summary}`);
    lines.push(...miss.reasons.map(reason => `    - ${reason}`));
  }
  if (explanation.requestMust.length > 0) {
    lines.push('');
    lines.push('The owner\'s policies also require:');
    lines.push(...explanation.requestMust.map(text => `  - ${text}`));
  }
  if (explanation.consumerSide.length > 0) {
    lines.push('');
    lines.push('The caller\'s side must hold:');
    lines.push(...explanation.consumerSide.map(text => `  - ${text}`));
  }
  return lines.join('\n');
}

const HELP = [
  'Usage: cdk-cross-account-bucket explain [dir] --principal ARN --action ACTION --key KEY',
  '         [--bucket NAME] [--access-point ARN] [--at ISO-8601] [--json]',
  '',
  'Whether the policies in the cloud assembly dir (default cdk.out) allow one S3 request, decided for',
  'that request by the analyzer, with the statements that allow or deny it; then what the grants this',
  'library recorded say about it.',
  '',
  '  --principal ARN      the caller: arn:aws:iam::<account>:role/<name> (user, root), or an assumed-role session ARN',
  '  --action ACTION      an S3 action, with or without s3: (s3:GetObject, putobject, HeadObject, ListBucket)',
  '  --key KEY            the object key; for s3:ListBucket, the prefix listed',
  '  --prefix PREFIX      for s3:ListBucket, the prefix listed (the same as --key)',
  '  --bucket NAME        the shared bucket (its name or construct path), when the assembly has several',
  '  --access-point ARN   the request goes through this access point (default: straight to the bucket)',
  '  --at ISO-8601        when the request is made (default: now)',
  '  --json               the explanation as JSON',
  '',
  'Exit codes: 0 allowed, 1 denied (why on standard output), 2 error.',
].join('\n');

/** The verdict decided from the policies the assembly deploys (lib/model/analyzer). */
export interface PolicyVerdict {
  readonly allowed: boolean;
  /** Values of condition keys the request did not give under which the policies allow it (organization membership). */
  readonly provided: Readonly<Record<string, unknown>>;
  readonly allowedBy: readonly string[];
  readonly deniedBy: readonly string[];
  readonly missing: readonly string[];
  readonly assuming: readonly string[];
}

export const NOT_SEEN = 'Decided from the policies in the cloud assembly as synthesized. Not seen there, so not evaluated: ' +
  'service control policies, resource control policies, permission boundaries, session policies, object ownership and ACLs, ' +
  'and identity policies of principals outside the assembly (assumed to allow).';

/** Asks the analyzer whether the policies allow the request, and by which statements. */
export async function policyVerdict(directory: string, explanation: Explanation): Promise<PolicyVerdict> {
  const { request, bucket } = explanation;
  if (bucket.bucketName === null) {
    throw new CliError(`explain: the bucket of ${bucket.path} has a name generated at deployment: the policies cannot be matched to it offline`);
  }
  const analyzer = await PolicyAnalyzer.create(collectPolicies(loadAssembly(directory)));
  const caller = parsePrincipal(request.principal);
  const principal = caller.principalArn ?? `arn:aws:iam::${caller.account}:role/${caller.roleName}`;
  const listing = isBucketAction(request.action);
  const base = {
    principal,
    action: request.action,
    bucket: bucket.bucketName,
    key: listing ? undefined : request.key,
    accessPoint: request.accessPoint ?? undefined,
    context: { 'aws:CurrentTime': request.at, ...(listing && request.key !== '' ? { 's3:prefix': request.key } : {}) },
  };
  const answer = await isAllowedThroughKey(analyzer, base);
  if (!answer.allowed) {
    // Keys the request does not carry, such as organization membership: allowed for some values of them?
    const open = await isAllowedThroughKey(analyzer, base, { otherKeys: 'any' });
    if (open.undecided || open.allowed) {
      return { allowed: true, provided: open.provided, allowedBy: open.allowedBy, deniedBy: [], missing: [], assuming: open.assuming };
    }
  }
  const { allowed, allowedBy, deniedBy, missing, assuming } = answer;
  return { allowed, provided: {}, allowedBy, deniedBy, missing, assuming };
}

export function renderVerdict(verdict: PolicyVerdict): string[] {
  const provided = Object.entries(verdict.provided);
  const lines = [verdict.allowed
    ? `ALLOWED by the policies${provided.length > 0 ? `, provided ${provided.map(([key, value]) => `${key} is ${JSON.stringify(value)}`).join(' and ')}` : ''}: ` +
      `${verdict.allowedBy.join('; ') || 'the caller\'s own identity policy'}`
    : `DENIED by the policies: ${[
      ...verdict.deniedBy.map(statement => `denied by ${statement}`),
      ...verdict.missing.map(document => `no statement of the ${document} allows it`),
    ].join('; ') || 'nothing allows it'}`];
  if (verdict.assuming.length > 0) lines.push(`  assuming ${verdict.assuming.join(', ')}`);
  return lines;
}

export const runExplain: Subcommand = async (args: string[], output: Output): Promise<number> => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      'principal': { type: 'string' },
      'action': { type: 'string' },
      'key': { type: 'string' },
      'prefix': { type: 'string' },
      'bucket': { type: 'string' },
      'access-point': { type: 'string' },
      'at': { type: 'string' },
      'json': { type: 'boolean' },
      'help': { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    output.out(HELP);
    return 0;
  }
  if (positionals.length > 1) {
    throw new CliError(`explain reads one cloud assembly; got ${positionals.length} folders (${positionals.join(', ')})`);
  }
  if (values.prefix !== undefined && values.key !== undefined) {
    throw new CliError('explain takes --key or --prefix (the prefix a list request names), not both');
  }
  const key = values.key ?? values.prefix;
  const missing = (['principal', 'action'] as const).filter(name => values[name] === undefined);
  if (missing.length > 0 || key === undefined) {
    throw new CliError(`explain needs ${[...missing.map(name => `--${name}`), ...(key === undefined ? ['--key (or --prefix)'] : [])].join(', ')} (see explain --help)`);
  }
  // Validate the request before reading the assembly, so a typo is named first.
  parsePrincipal(values.principal!);
  normalizeAction(values.action!);
  const at = values.at === undefined ? new Date() : parseTime(values.at);
  const directory = positionals[0] ?? 'cdk.out';
  const explanation = explain(readRecords(directory), {
    principal: values.principal!,
    action: values.action!,
    key,
    bucket: values.bucket,
    accessPoint: values['access-point'],
    at,
  }, directory);
  const verdict = await policyVerdict(directory, explanation);
  if (values.json === true) {
    const json = { ...explanation, allowed: verdict.allowed, policies: verdict, note: NOT_SEEN, grantsSay: { allowed: explanation.allowed } };
    output.out(JSON.stringify(json, undefined, 2));
  } else {
    output.out([...renderVerdict(verdict), '', 'What the grants this library recorded say:', renderExplanation(explanation), '', NOT_SEEN].join('\n'));
  }
  return verdict.allowed ? 0 : 1;
};
