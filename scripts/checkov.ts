/**
 * Runs checkov (pinned in .ci/checkov-requirements.txt, installed in .venv-checkov) in
 * CloudFormation mode over every synthesized template: cdk.out/, cdk.out.*\/ (the other
 * languages' example apps, the many-consumers example and its nested stacks) and the integ
 * snapshots (test/*.snapshot/). Prints one summary line; fails, listing each failed check, on any
 * failed check, any template checkov cannot parse, or a skip without a reason.
 *
 *   npx projen checkov              # the summary
 *   npx projen checkov -- --skips   # and every skipped check with its resource and reason
 *
 * checkov is kept off the network: `--skip-download` (no guidelines or policy mappings from
 * Prisma Cloud; there is no API key, so nothing is uploaded either) and
 * CKV_SKIP_PACKAGE_UPDATE_CHECK (no version check against PyPI).
 */
import { spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';

const CHECKOV = '.venv-checkov/bin/checkov';
const REQUIREMENTS = '.ci/checkov-requirements.txt';
/** checkov's reason when a skip names none. */
const NO_COMMENT = 'No comment provided';

interface CheckResult {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
  readonly file_path: string;
  readonly check_result?: { readonly suppress_comment?: string };
}

interface Report {
  readonly check_type: string;
  readonly summary: {
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
    readonly parsing_errors: number;
    readonly resource_count: number;
    readonly checkov_version: string;
  };
  readonly results?: {
    readonly failed_checks?: CheckResult[];
    readonly skipped_checks?: CheckResult[];
    readonly parsing_errors?: string[];
  };
}

function fail(message: string): never {
  console.error(`checkov: ${message}`);
  process.exit(1);
}

/** `<directory>/*.template.json` for each directory, sorted. */
function templatesIn(directories: string[]): string[] {
  return directories
    .filter(directory => existsSync(directory))
    .flatMap(directory => readdirSync(directory).filter(name => name.endsWith('.template.json')).map(name => join(directory, name)))
    .sort();
}

function subdirectories(parent: string, matches: (name: string) => boolean): string[] {
  return readdirSync(parent, { withFileTypes: true })
    .filter(entry => entry.isDirectory() && matches(entry.name))
    .map(entry => join(parent, entry.name));
}

const showSkips = process.argv.includes('--skips');
const pinned = /^checkov==(\S+)/m.exec(readFileSync(REQUIREMENTS, 'utf8'))?.[1];
if (pinned === undefined) {
  fail(`${REQUIREMENTS} pins no checkov version (checkov==<version>)`);
}
if (!existsSync(CHECKOV)) {
  fail(`${CHECKOV} is missing: run npx projen checkov:install`);
}
if (templatesIn(['cdk.out']).length === 0) {
  fail('no template in cdk.out/: run npx projen synth:example first');
}
const templates = templatesIn([
  'cdk.out',
  ...subdirectories('.', name => name.startsWith('cdk.out.')),
  ...subdirectories('test', name => name.endsWith('.snapshot')),
]);

const run = spawnSync(CHECKOV, ['--framework', 'cloudformation', '--skip-download', '--output', 'json', '--file', ...templates], {
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
  env: { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true' },
});
if (run.error !== undefined) {
  fail(`could not run ${CHECKOV}: ${run.error.message}`);
}
let parsed: Report | Report[];
try {
  parsed = JSON.parse(run.stdout) as Report | Report[];
} catch {
  fail(`${CHECKOV} exited with ${run.status} and printed no JSON report:\n${run.stderr.trim().split('\n').slice(-20).join('\n')}`);
}
const report = (Array.isArray(parsed) ? parsed : [parsed]).find(candidate => candidate.check_type === 'cloudformation');
if (report === undefined) {
  fail('the report has no CloudFormation results');
}
const { summary } = report;
if (summary.checkov_version !== pinned) {
  fail(`${CHECKOV} is checkov ${summary.checkov_version}, ${REQUIREMENTS} pins ${pinned}: run npx projen checkov:install`);
}

const failed = report.results?.failed_checks ?? [];
const skipped = report.results?.skipped_checks ?? [];
const unexplained = skipped.filter(check => (check.check_result?.suppress_comment ?? NO_COMMENT) === NO_COMMENT);
const problems = [
  ...failed.map(check => `FAILED  ${check.check_id} ${check.check_name}\n        ${check.resource} in ${check.file_path}`),
  ...unexplained.map(check => `SKIPPED without a reason: ${check.check_id} on ${check.resource} in ${check.file_path}`),
  ...(report.results?.parsing_errors ?? []).map(file => `NOT PARSED  ${file}`),
];
if (showSkips) {
  for (const check of skipped) {
    console.log(`SKIPPED ${check.check_id} ${check.resource} in ${check.file_path}\n        ${check.check_result?.suppress_comment}`);
  }
}
for (const problem of problems) {
  console.log(problem);
}
console.log(`checkov: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped ` +
  `(checkov ${summary.checkov_version}, ${templates.length} templates, ${summary.resource_count} resources)`);
if (problems.length > 0 || summary.failed > 0 || summary.parsing_errors > 0) {
  process.exit(1);
}
