/**
 * The part of `review` decided from the policies the assemblies deploy, for every request (the
 * analyzer, lib/model/analyzer): per bucket, every principal outside the bucket's account that can do
 * anything, the statements that let it, and whether a grant this library recorded intended it.
 * Access no recorded grant explains is a finding.
 */
import { FoundRecord } from './assembly';
import { AccessLevel } from '../access-level';
import { accessActions } from '../model/access-actions';
import { PolicyAnalyzer } from '../model/analyzer/analyzer';
import { IntendedGrant } from '../model/analyzer/intent';
import { Access, FoundRequest } from '../model/analyzer/questions';
import { collectPolicies } from '../model/analyzer/template';
import { loadAssembly } from '../model/analyzer/template-files';
import { RoleIntent, accessThroughRoles } from '../model/analyzer/through-role';
import { OWN_ACCOUNT_RECORDED_PREFIX, RecordedGrant } from '../model/record';

/** The analyzer's view of one bucket. */
export interface PolicyReviewBucket {
  readonly bucketName: string;
  readonly ownerAccountId?: string;
  readonly access: readonly Access[];
  /** A request no recorded grant intends, from outside the owner account, if any (every path, every principal). */
  readonly unexplained?: FoundRequest;
  /** A request anyone may make (anonymous, or an account named nowhere and in no organization), if any: always a finding. */
  readonly public?: FoundRequest;
}

/** What each recorded grant of a bucket means, for the analyzer. */
export function intendedGrants(records: readonly FoundRecord[], bucketName: string): IntendedGrant[] {
  const out: IntendedGrant[] = [];
  records.forEach(record => {
    const data = record.data;
    if (data.kind !== 'SharedBucket' || data.bucketName !== bucketName) return;
    data.grants.forEach((grant, index) => out.push(intentOf(grant, `grant ${index + 1} of ${record.path.replace(/^\//, '')}`)));
  });
  return out;
}

/** What each ThirdPartyAccessRole of a bucket intends: its third party assumes it, and it acts on the grant's prefix. */
export function roleIntents(records: readonly FoundRecord[], bucketName: string): RoleIntent[] {
  return records.flatMap(record => {
    const data = record.data;
    if (data.kind !== 'ThirdPartyAccessRole' || data.bucketName !== bucketName || !data.grant.roleArn) return [];
    const roleAccount = /^arn:[^:]+:iam::([0-9]{12}):/.exec(data.grant.roleArn)?.[1];
    const grant = intentOf({ ...data.grant, accountId: roleAccount ?? null, principalArns: [data.grant.roleArn] }, `the role of ${record.path.replace(/^\//, '')}`);
    return [{ roleArn: data.grant.roleArn, assumerAccounts: data.grant.accountId ? [data.grant.accountId] : [], grants: [grant] }];
  });
}

function intentOf(grant: RecordedGrant, description: string): IntendedGrant {
  const actions = accessActions(AccessLevel[grant.access], grant.allowDelete);
  const accessPoint = grant.accessPointArn ? grant.accessPointArn.replace(/^.*:accesspoint\//, '') : undefined;
  return {
    description,
    accountId: grant.accountId ?? undefined,
    principalArns: grant.principalArns ?? undefined,
    organizationId: grant.organizationId,
    organizationalUnitPaths: grant.organizationalUnitPaths ?? undefined,
    actions: [...actions.objectActions, ...actions.bucketActions],
    prefix: grant.prefix === null || grant.prefix === OWN_ACCOUNT_RECORDED_PREFIX ? undefined : grant.prefix,
    ownAccountPrefix: grant.prefix === OWN_ACCOUNT_RECORDED_PREFIX,
    accessPoint,
    expires: grant.expires ? new Date(grant.expires) : undefined,
  };
}

/** The analyzer over every policy of the assemblies (one solver for every question of a run). */
export async function analyzerFor(directories: readonly string[]): Promise<PolicyAnalyzer> {
  return PolicyAnalyzer.create(collectPolicies(directories.flatMap(directory => loadAssembly(directory))));
}

/** Analyzes every bucket the assemblies' templates name. */
export async function reviewPolicies(analyzer: PolicyAnalyzer, records: readonly FoundRecord[]): Promise<PolicyReviewBucket[]> {
  const out: PolicyReviewBucket[] = [];
  for (const bucketName of analyzer.bucketNames()) {
    const { access, unexplained, public: anyone } = await analyzer.review(bucketName, intendedGrants(records, bucketName));
    const throughRoles = await accessThroughRoles(analyzer, bucketName, roleIntents(records, bucketName));
    out.push({ bucketName, ownerAccountId: analyzer.ownerOf(bucketName), access: [...access, ...throughRoles], unexplained, public: anyone });
  }
  return out;
}

/** Access that no recorded grant explains, one line each. */
export function unexplainedFindings(buckets: readonly PolicyReviewBucket[]): string[] {
  const out: string[] = [];
  for (const bucket of buckets) {
    const rows = bucket.access.filter(access => access.intended !== 'yes');
    for (const access of rows) {
      out.push(`Bucket ${bucket.bucketName}: ${access.who} has access no recorded grant explains: ${describeRequest(access.unexplained!)}`);
    }
    if (rows.length === 0 && bucket.unexplained) {
      out.push(`Bucket ${bucket.bucketName}: access no recorded grant explains: ${describeRequest(bucket.unexplained)}`);
    }
    if (bucket.public) {
      out.push(`Bucket ${bucket.bucketName}: public access (anonymous, or any account outside every organization): ${describeRequest(bucket.public)}`);
    }
  }
  return out;
}

/** CheckNoNewAccess: requests from outside each bucket's account that the policies of `newDirectory` allow and those of `oldDirectory` do not. */
export interface NewAccess {
  readonly bucketName: string;
  readonly request: FoundRequest;
}

export async function newAccessBetween(newDirectory: string, oldDirectory: string, perBucket = 10): Promise<NewAccess[]> {
  const after = await PolicyAnalyzer.create(collectPolicies(loadAssembly(newDirectory)));
  const before = after.sibling(collectPolicies(loadAssembly(oldDirectory)));
  const out: NewAccess[] = [];
  for (const bucketName of after.bucketNames()) {
    // Principals of the bucket's own account are not compared: the ones whose identity policies are
    // not in the templates may do anything there in either version, and a role one version defines
    // and the other does not would read as new access.
    const question = { bucket: bucketName, outsideAccount: after.ownerOf(bucketName) };
    for (const request of await after.findNewAccess(before, question, perBucket)) out.push({ bucketName, request });
  }
  return out;
}

/** A denied action that a principal outside the owner's account can perform. */
export interface DeniedActionAccess {
  readonly message: string;
  readonly request: FoundRequest;
}

/** CheckAccessNotGranted: a request from outside the owner's account for one of `actions`, per bucket and per key. */
export async function deniedActionAccess(analyzer: PolicyAnalyzer, actions: readonly string[]): Promise<DeniedActionAccess[]> {
  const s3 = actions.filter(action => action.toLowerCase().startsWith('s3:'));
  const kms = actions.filter(action => action.toLowerCase().startsWith('kms:'));
  const out: DeniedActionAccess[] = [];
  if (s3.length > 0) {
    for (const bucketName of analyzer.bucketNames()) {
      const owner = analyzer.ownerOf(bucketName);
      const found = await analyzer.findAccess({ bucket: bucketName, outsideAccount: owner, actions: s3 });
      if (found) out.push({ message: `Bucket ${bucketName}: ${found.action} is allowed outside the owner account: ${describeRequest(found)}`, request: found });
    }
  }
  if (kms.length > 0) {
    for (const found of await analyzer.findKeyAccess({ outsideOwner: true, actions: kms })) {
      out.push({ message: `Key ${found.key}: ${found.action} is allowed outside the owner account: ${describeRequest(found)}`, request: found });
    }
  }
  return out;
}

export function describeRequest(request: FoundRequest): string {
  const through = request.accessPoint ? ` through ${request.accessPoint}` : '';
  const context = Object.entries(request.context).filter(([key]) => key !== 'aws:CurrentTime' && key !== 'aws:SecureTransport')
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  const when = request.context['aws:CurrentTime'] !== undefined && request.context['aws:CurrentTime'] !== '1970-01-01T00:00:00.000Z' ? ` at ${request.context['aws:CurrentTime']}` : '';
  return `${request.principal} ${request.action} ${request.resource}${through}${when}${context.length > 0 ? ` with ${context.join(', ')}` : ''}` +
    ` (allowed by ${request.allowedBy.join('; ') || 'no statement named'}${request.assuming.length > 0 ? `; assuming ${request.assuming.join(', ')}` : ''})`;
}

/** `<path> <document>, statement "<sid>"` as `<path> "<sid>"`: the path names the document. */
function shortStatement(statement: string): string {
  return statement.replace(/ (bucket policy|access point policy|key policy|trust policy|identity policy), statement /, ' ');
}

function actionsText(actions: readonly string[]): string {
  return actions.length <= 4 ? actions.join(', ') : `${actions.slice(0, 3).join(', ')} and ${actions.length - 3} more`;
}

/** The THROUGH column: the role assumed, the access point, or the bucket itself. */
function throughColumn(access: Access): string {
  return access.throughRole ? `role ${access.throughRole.replace(/^.*:role\//, '')}` : access.accessPoint ?? 'bucket';
}

const INTENDED_TEXT = { yes: 'yes', partly: 'partly', no: 'NO' } as const;

/** Text tables, one per bucket. */
export function policyTables(buckets: readonly PolicyReviewBucket[]): string[] {
  const lines: string[] = ['Access from the policies (every request, decided by the analyzer):'];
  for (const bucket of buckets) {
    lines.push(`Bucket ${bucket.bucketName}${bucket.ownerAccountId ? ` (account ${bucket.ownerAccountId})` : ''}`);
    if (bucket.access.length === 0) {
      lines.push('  no principal outside the bucket\'s account has access', '');
      continue;
    }
    const rows = [['PRINCIPAL', 'THROUGH', 'ACTIONS', 'STATEMENTS', 'RECORDED GRANT'], ...bucket.access.map(access => [
      access.who, throughColumn(access), actionsText(access.actions), access.statements.map(shortStatement).join('; '), INTENDED_TEXT[access.intended],
    ])];
    const widths = rows[0].map((_, column) => Math.max(...rows.map(row => row[column].length)));
    for (const row of rows) lines.push(`  ${row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column])).join('  ')}`);
    lines.push('');
  }
  return lines;
}

/** Markdown tables, one per bucket. */
export function policyMarkdown(buckets: readonly PolicyReviewBucket[]): string[] {
  const lines: string[] = ['### Access from the policies', ''];
  for (const bucket of buckets) {
    lines.push(`#### Bucket ${bucket.bucketName}`, '', '| Principal | Through | Actions | Statements | Recorded grant |', '| --- | --- | --- | --- | --- |');
    for (const access of bucket.access) {
      lines.push(`| ${[access.who, throughColumn(access), access.actions.join(', '), access.statements.join('; '), INTENDED_TEXT[access.intended]].map(cell => cell.replace(/\|/g, '\\|')).join(' | ')} |`);
    }
    lines.push('');
  }
  return lines;
}

/** The JSON form. */
export function policyJson(buckets: readonly PolicyReviewBucket[]): unknown {
  return buckets.map(bucket => ({
    bucketName: bucket.bucketName,
    ownerAccountId: bucket.ownerAccountId ?? null,
    access: bucket.access.map(access => ({
      principal: access.who,
      account: access.account ?? null,
      accessPoint: access.accessPoint ?? null,
      throughRole: access.throughRole ?? null,
      actions: access.actions,
      statements: access.statements,
      statementSources: access.statementSources,
      assuming: access.assuming,
      recordedGrant: access.intended,
      unexplainedRequest: access.unexplained ?? null,
    })),
    unexplainedRequest: bucket.unexplained ?? null,
    publicRequest: bucket.public ?? null,
  }));
}
