import { parseArgs } from 'node:util';
import { CliError, FoundRecord, readRecords } from './assembly';
import { Output, Subcommand } from './main';
import { policyJson, policyMarkdown, policyTables, reviewPolicies, unexplainedFindings } from './policy-review';
import { diffBuckets } from './review-diff';
import { reviewBuckets, reviewFindings } from './review-model';
import {
  changeLines, findingLines, jsonBuckets, jsonChanges, markdownFindings, markdownTables, mermaidDiagram, textTables,
} from './review-render';

export const REVIEW_SUMMARY = 'who has access to each shared bucket; consumers matched against the grants; --against: what a change grows';

export const REVIEW_USAGE = [
  'Usage: cdk-cross-account-bucket review [dir...] [--json | --markdown | --mermaid]',
  '       cdk-cross-account-bucket review NEW --against OLD [--json]',
  '',
  'Reads the cloud assemblies cdk synth wrote (default: cdk.out) and reports what the constructs of',
  'cdk-cross-account-bucket recorded there: a table per shared bucket (who, principals, prefix,',
  'access, delete, expiry, path, MFA). Each ConsumerReader and OrganizationConsumers found is',
  'matched against the owner grants found, with the rules of the synth-time check; give the',
  'owner\'s and the consumers\' assemblies together when they are different apps.',
  '',
  'Options:',
  '  --json            the buckets, grants and findings as JSON',
  '  --markdown        GitHub markdown tables',
  '  --mermaid         a mermaid flowchart of accounts and organization units to prefixes',
  '  --against OLD     compare NEW with the assembly OLD: each grant added (+), removed (-) or altered (~)',
  '  -h, --help        this text',
  '',
  'Exit codes: 0 every consumer covered (with --against: access does not grow); 1 a finding',
  '(a consumer no grant covers, or covers only in part; with --against: access grows);',
  '2 an error (bad arguments, a folder that is no cloud assembly or holds no record).',
].join('\n');

/** The records of one assembly folder, refusing one without any. */
function recordsOf(directory: string): FoundRecord[] {
  const records = readRecords(directory);
  if (records.length === 0) {
    throw new CliError(`${directory} holds no record of cdk-cross-account-bucket: none of its stacks has a SharedBucket, ThirdPartyAccessRole, ` +
      'ConsumerReader or OrganizationConsumers (synthesized with a version that writes records?)');
  }
  return records;
}

export const runReview: Subcommand = async (args: string[], output: Output): Promise<number> => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      markdown: { type: 'boolean' },
      mermaid: { type: 'boolean' },
      against: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    output.out(REVIEW_USAGE);
    return 0;
  }
  const formats = (['json', 'markdown', 'mermaid'] as const).filter(format => values[format]);
  if (formats.length > 1) {
    throw new CliError(`review: choose one of --${formats.join(', --')}`);
  }
  const format = formats[0] ?? 'text';
  const directories = positionals.length === 0 ? ['cdk.out'] : positionals;

  if (values.against !== undefined) {
    if (directories.length !== 1) {
      throw new CliError(`review --against compares one assembly with another: give one NEW folder, not ${directories.length}`);
    }
    if (format === 'markdown' || format === 'mermaid') {
      throw new CliError(`review --against prints its changes as text or --json, not --${format}`);
    }
    const changes = diffBuckets(reviewBuckets(recordsOf(values.against)), reviewBuckets(recordsOf(directories[0])));
    const grows = changes.some(change => change.grows);
    if (format === 'json') {
      output.out(JSON.stringify({ changes: jsonChanges(changes), growsAccess: grows }, undefined, 2));
    } else {
      output.out(changeLines(changes).join('\n'));
    }
    return grows ? 1 : 0;
  }

  const records = directories.flatMap(recordsOf);
  const buckets = reviewBuckets(records);
  const { findings, unchecked, checked } = reviewFindings(records);
  const analyzed = await reviewPolicies(directories, records);
  const unexplained = unexplainedFindings(analyzed);
  if (format === 'json') {
    output.out(JSON.stringify({ buckets: jsonBuckets(buckets), findings, unchecked, access: policyJson(analyzed), unexplained }, undefined, 2));
  } else if (format === 'mermaid') {
    // Findings as mermaid comments: the output stays a diagram to paste as it is.
    output.out([...mermaidDiagram(buckets), ...[...findingLines(findings, unchecked, checked), ...unexplained].map(line => `%% ${line}`)].join('\n'));
  } else if (format === 'markdown') {
    output.out([...markdownTables(buckets), ...markdownFindings(findings, unchecked, checked), '', ...policyMarkdown(analyzed), ...unexplained.map(line => `- ${line}`)].join('\n'));
  } else {
    const noBucket = buckets.length === 0 ? [`No SharedBucket in ${directories.join(', ')}: only consumers; give the owner's assembly too to match them.`, ''] : [];
    output.out([...noBucket, ...textTables(buckets), ...findingLines(findings, unchecked, checked), '', ...policyTables(analyzed), ...unexplained].join('\n'));
  }
  return findings.length > 0 || unexplained.length > 0 ? 1 : 0;
};
