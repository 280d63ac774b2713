import { replicationLines } from './replication-review';
import { GrantChange, showPrefix } from './review-diff';
import { Finding, lastSegment, ReviewBucket, Unchecked } from './review-model';
import { RecordedGrant, RecordedPath } from '../model/record';

/**
 * The renderings of `review`: aligned plain text for a terminal (and a README code block),
 * GitHub markdown tables, a mermaid flowchart, and the JSON (jsonBuckets). External ids are never
 * in the record, so never in any of them.
 */

const COLUMNS = ['ACCOUNT OR ORGANIZATION', 'PRINCIPALS', 'PREFIX', 'ACCESS', 'DELETE', 'EXPIRES', 'PATH', 'MFA'];

const PATH_NAMES: Record<RecordedPath, string> = {
  bucketPolicy: 'bucket policy',
  accessPoint: 'access point',
  thirdPartyRole: 'third-party role',
  organization: 'organization',
};

/** Who gets access: the account, or the organization and its units (their last path segments). */
export function who(grant: RecordedGrant): string {
  if (grant.organizationId !== undefined) {
    const paths = grant.organizationalUnitPaths;
    return paths === null || paths === undefined
      ? `${grant.organizationId} (whole organization)`
      : `${grant.organizationId} OUs ${paths.map(path => path.replace(/\/$/, '').split('/').pop()).join(', ')}`;
  }
  return grant.accountId ?? '(account known at deployment)';
}

/** The path, with the access point's or role's name where known. */
export function pathOf(grant: RecordedGrant): string {
  const arn = grant.through === 'thirdPartyRole' ? grant.roleArn : grant.accessPointArn;
  const name = PATH_NAMES[grant.through];
  if (grant.through === 'organization' && arn !== undefined && arn !== null) {
    return `organization, access point ${lastSegment(arn)}`;
  }
  return arn === undefined || arn === null ? name : `${name} ${lastSegment(arn)}`;
}

function cells(grant: RecordedGrant): string[] {
  return [
    who(grant),
    grant.principalArns === null ? '(any principal)' : grant.principalArns.join(', '),
    showPrefix(grant.prefix),
    grant.access,
    grant.allowDelete ? 'yes' : 'no',
    grant.expires ?? 'never',
    pathOf(grant),
    grant.through === 'thirdPartyRole' ? (grant.narrowing.mfaRequired ? 'yes' : 'no') : '-',
  ];
}

function heading(bucket: ReviewBucket): string {
  return `Shared bucket ${bucket.bucketName ?? '(name known at deployment)'}: account ${bucket.ownerAccountId ?? '(known at deployment)'}, ` +
    `region ${bucket.region ?? '(known at deployment)'}, stack ${bucket.stack} (${bucket.path}), ${bucket.assembly}`;
}

/** Who is notified of new and deleted objects (ConsumerGrant notify), one line per grant; none when no grant notifies. */
export function notifiedLines(bucket: ReviewBucket): string[] {
  return bucket.grants.filter(grant => grant.notifications !== undefined).map(grant =>
    `notified: ${who(grant)}, prefix ${showPrefix(grant.prefix)}: Object Created and Object Deleted events to its default event bus in ` +
    `${grant.notifications!.region ?? '(region known at deployment)'}, by rule ${grant.notifications!.ruleName ?? '(name known at deployment)'}`);
}

/** Rows padded to their column's width, two spaces apart, trailing blanks trimmed. */
export function alignedTable(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map(row => row[column].length)));
  return rows.map(row => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
}

export function textTables(buckets: ReviewBucket[]): string[] {
  const lines: string[] = [];
  for (const bucket of buckets) {
    lines.push(heading(bucket));
    if (bucket.grants.length === 0) {
      lines.push('  no grants');
    } else {
      lines.push(...alignedTable([COLUMNS, ...bucket.grants.map(cells)]).map(line => `  ${line}`));
      lines.push(...notifiedLines(bucket).map(line => `  ${line}`));
    }
    lines.push(...replicationLines(bucket.replication).map(line => `  ${line}`));
    lines.push('');
  }
  return lines;
}

/** A markdown table cell: pipes escaped, and angle brackets, which GitHub would read as HTML (`<account id>/`). */
function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function markdownTables(buckets: ReviewBucket[]): string[] {
  const lines: string[] = [];
  for (const bucket of buckets) {
    lines.push(`### ${markdownCell(heading(bucket))}`, '');
    lines.push(...replicationLines(bucket.replication).map(line => `- ${markdownCell(line)}`));
    if (bucket.grants.length === 0) {
      lines.push('No grants.', '');
      continue;
    }
    const header = ['Account or organization', 'Principals', 'Prefix', 'Access', 'Delete', 'Expires', 'Path', 'MFA'];
    lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
    for (const grant of bucket.grants) {
      lines.push(`| ${cells(grant).map(markdownCell).join(' | ')} |`);
    }
    const notified = notifiedLines(bucket);
    if (notified.length > 0) {
      lines.push('', ...notified.map(line => `- ${markdownCell(line)}`));
    }
    lines.push('');
  }
  return lines;
}

/** A mermaid node id: letters, digits and underscores only. */
export function nodeId(prefix: string, text: string): string {
  return `${prefix}_${text.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** A quoted mermaid label: double quotes and characters mermaid reads as markup become entities. */
export function mermaidLabel(text: string): string {
  return `"${text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')}"`;
}

/** Accounts and organization units on the left, each bucket's prefixes on the right, one edge per grant. */
export function mermaidDiagram(buckets: ReviewBucket[]): string[] {
  const lines = ['flowchart LR'];
  const principals = new Map<string, string>();
  const edges: string[] = [];
  buckets.forEach((bucket, bucketIndex) => {
    const bucketNode = `bucket${bucketIndex}`;
    lines.push(`  subgraph ${bucketNode}[${mermaidLabel(`bucket ${bucket.bucketName ?? bucket.path} (account ${bucket.ownerAccountId ?? 'known at deployment'})`)}]`);
    const prefixes = new Map<string, string>();
    for (const grant of bucket.grants) {
      const prefix = showPrefix(grant.prefix);
      if (!prefixes.has(prefix)) {
        const id = `${bucketNode}_prefix${prefixes.size}`;
        prefixes.set(prefix, id);
        lines.push(`    ${id}[${mermaidLabel(prefix)}]`);
      }
      const whoText = who(grant);
      const whoId = grant.organizationId !== undefined ? nodeId('organization', whoText) : nodeId('account', whoText);
      if (!principals.has(whoId)) {
        principals.set(whoId, grant.organizationId !== undefined ? `organization ${whoText}` : `account ${whoText}`);
      }
      const label = [grant.access, grant.allowDelete ? 'delete' : 'no delete', grant.expires === null ? 'never expires' : `until ${grant.expires}`,
        pathOf(grant), ...(grant.narrowing.mfaRequired ? ['MFA'] : [])].join(', ');
      edges.push(`  ${whoId} -->|${mermaidLabel(label)}| ${prefixes.get(prefix)}`);
    }
    lines.push('  end');
  });
  for (const [id, label] of principals) {
    lines.push(`  ${id}[${mermaidLabel(label)}]`);
  }
  lines.push(...edges);
  return lines;
}

/** A grant in review's JSON: who, principals, prefix, access, delete, expiry, path, and the path's own fields. */
export function jsonGrant(grant: RecordedGrant): Record<string, unknown> {
  return {
    ...(grant.organizationId !== undefined
      ? { organizationId: grant.organizationId, organizationalUnitPaths: grant.organizationalUnitPaths ?? null }
      : { accountId: grant.accountId }),
    principalArns: grant.principalArns,
    prefix: grant.prefix,
    access: grant.access,
    allowDelete: grant.allowDelete,
    expires: grant.expires,
    through: grant.through,
    ...(grant.through === 'thirdPartyRole' ? { mfaRequired: grant.narrowing.mfaRequired, roleArn: grant.roleArn ?? null } : {}),
    ...(grant.accessPointArn !== undefined ? { accessPointArn: grant.accessPointArn } : {}),
    ...(grant.notifications !== undefined ? { notifications: grant.notifications } : {}),
  };
}

export function jsonBuckets(buckets: ReviewBucket[]): Record<string, unknown>[] {
  return buckets.map(bucket => ({
    bucketName: bucket.bucketName,
    ownerAccountId: bucket.ownerAccountId,
    region: bucket.region,
    stack: bucket.stack,
    grants: bucket.grants.map(jsonGrant),
    ...bucket.replication === undefined ? {} : { replication: bucket.replication },
  }));
}

/**
 * The consumers' verdicts; `fromPolicies` of them were decided from the policies
 * (consumer-check.ts), the others by the records' rules.
 */
export function findingLines(findings: Finding[], unchecked: Unchecked[], checked: number, fromPolicies = 0): string[] {
  const lines: string[] = [];
  const total = checked + findings.length;
  const how = fromPolicies === 0 ? '' : `; ${fromPolicies} of them decided from the policies (every request they ask for, KMS through S3 included), ` +
    `${total - fromPolicies} by the records' rules`;
  if (findings.length === 0) {
    lines.push(total === 0 ? 'Consumers: none matched against a grant.' : `Consumers: ${total} matched against the grants, all covered${how}.`);
  } else {
    lines.push(`Findings: ${findings.length} of ${total} consumers matched against the grants are not covered${how}:`);
    for (const finding of findings) {
      lines.push(`! ${finding.message}`,
        `    consumer: ${finding.consumer.kind} ${finding.consumer.path}, stack ${finding.consumer.stack}, ${finding.consumer.assembly}`,
        `    owner:    ${finding.owner.kind} ${finding.owner.path}, stack ${finding.owner.stack}, ${finding.owner.assembly}`);
    }
  }
  for (const item of unchecked) {
    lines.push(`Not checked: ${item.consumer.kind} ${item.consumer.path} (stack ${item.consumer.stack}, ${item.consumer.assembly}): ${item.reason}.`);
  }
  return lines;
}

export function markdownFindings(findings: Finding[], unchecked: Unchecked[], checked: number, fromPolicies = 0): string[] {
  const lines = [`### ${findings.length === 0 ? 'Consumers' : 'Findings'}`, ''];
  if (findings.length === 0) {
    lines.push(findingLines([], [], checked, fromPolicies)[0]);
  }
  for (const finding of findings) {
    lines.push(`- ${markdownCell(finding.message)} (consumer: ${finding.consumer.kind} \`${finding.consumer.path}\`, stack ${finding.consumer.stack}, ` +
      `${finding.consumer.assembly}; owner: ${finding.owner.kind} \`${finding.owner.path}\`, stack ${finding.owner.stack}, ${finding.owner.assembly})`);
  }
  for (const item of unchecked) {
    lines.push(`- Not checked: ${item.consumer.kind} \`${item.consumer.path}\` (stack ${item.consumer.stack}, ${item.consumer.assembly}): ${item.reason}.`);
  }
  return lines;
}

function describeGrant(grant: RecordedGrant): string {
  return `${who(grant)} via ${pathOf(grant)}: prefix ${showPrefix(grant.prefix)}, ${grant.access}, delete ${grant.allowDelete ? 'yes' : 'no'}, ` +
    `expires ${grant.expires ?? 'never'}, principals ${grant.principalArns === null ? '(any)' : grant.principalArns.join(', ')}`;
}

export function changeLines(changes: GrantChange[]): string[] {
  const lines = changes.map(change => {
    const grows = change.grows ? '  [grows access]' : '';
    if (change.change === '~') {
      const fields = change.fields.map(field => `${field.field} ${field.before} -> ${field.after}${field.grows ? ' (grows)' : ''}`).join('; ');
      return `~ ${change.bucket}: ${who(change.after!)} via ${pathOf(change.after!)}, prefix ${showPrefix(change.after!.prefix)}: ${fields}${grows}`;
    }
    return `${change.change} ${change.bucket}: ${describeGrant((change.after ?? change.before)!)}${grows}`;
  });
  const growing = changes.filter(change => change.grows).length;
  lines.push(changes.length === 0 ? 'No change in access.'
    : `${changes.length} change${changes.length === 1 ? '' : 's'}, ${growing} grow${growing === 1 ? 's' : ''} access.`);
  return lines;
}

export function jsonChanges(changes: GrantChange[]): Record<string, unknown>[] {
  return changes.map(change => ({
    change: change.change,
    bucketName: change.bucket,
    growsAccess: change.grows,
    ...(change.before === undefined ? {} : { before: jsonGrant(change.before) }),
    ...(change.after === undefined ? {} : { after: jsonGrant(change.after) }),
    ...(change.change === '~' ? { fields: change.fields } : {}),
  }));
}
