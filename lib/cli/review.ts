import { parseArgs } from 'node:util';
import { CliError, FoundRecord, readRecords } from './assembly';
import { checkConsumers } from './consumer-check';
import { Output, Subcommand } from './main';
import {
  analyzerFor, deniedActionAccess, describeRequest, newAccessBetween, policyJson, policyMarkdown, policyTables, reviewPolicies, unexplainedFindings,
} from './policy-review';
import { diffBuckets, newlyNotified, showPrefix } from './review-diff';
import { reviewBuckets, reviewFindings } from './review-model';
import {
  changeLines, findingLines, jsonBuckets, jsonChanges, jsonGrant, markdownFindings, markdownTables, mermaidDiagram, textTables, who,
} from './review-render';
import { actionIndex } from '../model/analyzer/request';

export const REVIEW_SUMMARY = 'who can access each bucket, decided from the policies; access no recorded grant explains; --against: new access';

export const REVIEW_USAGE = [
  'Usage: cdk-cross-account-bucket review [dir...] [--json | --markdown | --mermaid] [--deny-actions A,B]',
  '       cdk-cross-account-bucket review NEW --against OLD [--json]',
  '',
  'Reads the cloud assemblies cdk synth wrote (default: cdk.out). First what the constructs of',
  'cdk-cross-account-bucket recorded there: a table per shared bucket (who, principals, prefix,',
  'access, delete, expiry, path, MFA). Each ConsumerReader is checked against the policies: every',
  'request it asks for must be allowed by its own policy, the bucket\'s (and access point\'s) and the',
  'key\'s, KMS through S3 included (through a third-party role: assuming it, then the role\'s',
  'requests); OrganizationConsumers are matched against the owner grants with the rules of the',
  'synth-time check. Then, decided',
  'from the policies for every request (needs the npm package z3-solver): per bucket, every',
  'principal outside its account that can do anything, the statements that let it, and whether a',
  'recorded grant intends it. Give the owner\'s and the consumers\' assemblies together when they',
  'are different apps.',
  '',
  'Options:',
  '  --json            the buckets, grants and findings as JSON',
  '  --markdown        GitHub markdown tables',
  '  --mermaid         a mermaid flowchart of accounts and organization units to prefixes',
  '  --against OLD     compare NEW with the assembly OLD: each grant added (+), removed (-) or altered (~), and',
  '                    each request the policies of NEW allow that those of OLD do not, and each grant that starts',
  '                    notifying an account (exit 1 if any)',
  '  --deny-actions A,B a finding if a principal outside the owner account can perform one of these actions',
  '                    (S3 or KMS, for example s3:DeleteObjectVersion,kms:Decrypt)',
  '  -h, --help        this text',
  '',
  'Exit codes: 0 no finding (with --against: no new access); 1 a finding (access no recorded',
  'grant explains, public access, a denied action allowed, a consumer no grant covers or covers',
  'only in part; with --against: a request NEW allows that OLD does not, or a grant that starts notifying);',
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
      'json': { type: 'boolean' },
      'markdown': { type: 'boolean' },
      'mermaid': { type: 'boolean' },
      'against': { type: 'string' },
      'deny-actions': { type: 'string' },
      'help': { type: 'boolean', short: 'h' },
    },
  });
  const denyActions = values['deny-actions'] === undefined ? [] : values['deny-actions'].split(',').map(action => action.trim()).filter(Boolean);
  for (const action of denyActions) {
    if (actionIndex(action) === undefined) {
      throw new CliError(`review --deny-actions: ${action} is not an S3 or KMS action of the IAM catalogue (for example s3:DeleteObjectVersion,kms:Decrypt)`);
    }
  }
  if (values['deny-actions'] !== undefined && denyActions.length === 0) {
    throw new CliError('review --deny-actions needs a comma-separated list of actions, for example s3:DeleteObjectVersion,kms:Decrypt');
  }
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
    // The verdict is the policies': new access is a request NEW allows and OLD does not.
    const newAccess = await newAccessBetween(directories[0], values.against);
    // And notifications, which no policy decides: a grant that starts notifying sends an account the keys of new objects.
    const notified = newlyNotified(changes);
    const grows = newAccess.length > 0 || notified.length > 0;
    const lines = [
      ...newAccess.map(({ bucketName, request }) => `New access to ${bucketName}: ${describeRequest(request)}`),
      ...notified.map(({ bucket, grant }) => `New notifications from ${bucket}: ${who(grant)} is sent the keys of new and deleted objects ` +
        `under ${showPrefix(grant.prefix)}`),
    ];
    if (format === 'json') {
      output.out(JSON.stringify({
        changes: jsonChanges(changes),
        growsAccess: grows,
        newAccess,
        ...(notified.length > 0 ? { newNotifications: notified.map(({ bucket, grant }) => ({ bucketName: bucket, ...jsonGrant(grant) })) } : {}),
      }, undefined, 2));
    } else {
      output.out([...changeLines(changes), ...(lines.length > 0 ? ['', ...lines] : ['', 'No new access: every request the new policies allow, the old ones allowed.'])].join('\n'));
    }
    return grows ? 1 : 0;
  }

  const records = directories.flatMap(recordsOf);
  const buckets = reviewBuckets(records);
  const analyzer = await analyzerFor(directories);
  const consumerChecks = await checkConsumers(analyzer, records);
  const { findings, unchecked, checked, fromPolicies } = reviewFindings(records, new Map(consumerChecks.map(check => [check.record, check])));
  const analyzed = await reviewPolicies(analyzer, records);
  const denied = denyActions.length > 0 ? await deniedActionAccess(analyzer, denyActions) : [];
  const unexplained = [...unexplainedFindings(analyzed), ...denied.map(item => item.message)];
  // Said, never skipped in silence; not a finding (the bucket's own policies are still the user's).
  const unnamed = analyzer.unnamedBuckets();
  const notAnalyzed = unnamed.length === 0 ? [] : ['Not analyzed, their names generated at deployment (the analyzer matches policies to buckets by name; ' +
    `give them a bucketName to have their access decided): ${unnamed.join(', ')}.`];
  if (format === 'json') {
    const json = {
      buckets: jsonBuckets(buckets),
      findings,
      unchecked,
      access: policyJson(analyzed),
      unexplained,
      deniedActions: denied,
      consumerChecks: consumerChecks.map(({ record, ...check }) => ({ consumer: record.path.replace(/^\//, ''), stack: record.stack, ...check })),
      notAnalyzed,
    };
    output.out(JSON.stringify(json, undefined, 2));
  } else if (format === 'mermaid') {
    // Findings as mermaid comments: the output stays a diagram to paste as it is.
    output.out([...mermaidDiagram(buckets), ...[...findingLines(findings, unchecked, checked, fromPolicies), ...unexplained, ...notAnalyzed].map(line => `%% ${line}`)].join('\n'));
  } else if (format === 'markdown') {
    output.out([...markdownTables(buckets), ...markdownFindings(findings, unchecked, checked, fromPolicies), '', ...policyMarkdown(analyzed), ...[...unexplained, ...notAnalyzed].map(line => `- ${line}`)].join('\n'));
  } else {
    const noBucket = buckets.length === 0 ? [`No SharedBucket in ${directories.join(', ')}: only consumers; give the owner's assembly too to match them.`, ''] : [];
    output.out([...noBucket, ...textTables(buckets), ...findingLines(findings, unchecked, checked, fromPolicies), '', ...policyTables(analyzed), ...unexplained, ...notAnalyzed].join('\n'));
  }
  return findings.length > 0 || unexplained.length > 0 ? 1 : 0;
};
