/**
 * The analyzer's cost, measured (issue 20, section 6): the compiled CLI (build/cli/main.js, run
 * `npx projen compile` first) as a user runs it, against the synthesis of the same app in the same
 * run (what a user already pays for `cdk synth`), as a ratio.
 *
 *   1. `review` of the example app, the solver's start included;
 *   2. `explain` of one request of the example app;
 *   3. `review` of the 1,000-consumer access-point share (examples/many-consumers.ts);
 *   4. with --large, the same for 10,000 consumers of one organization (minutes);
 *   5. the sizes of the npm tarball and the Python wheel in dist/, where they were built.
 *
 *   npm run bench:analyzer [-- --large]
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { addExampleApp } from '../examples/example-app';
import { addManyConsumersStacks } from '../examples/many-consumers';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'build', 'cli', 'main.js');

function milliseconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Synthesizes `build` into a fresh folder; returns the folder and the time it took. */
function synthesize(build: (app: App) => void): { folder: string; ms: number } {
  const folder = mkdtempSync(join(tmpdir(), 'bench-analyzer-'));
  const started = process.hrtime.bigint();
  const app = new App({ outdir: folder });
  build(app);
  app.synth();
  return { folder, ms: milliseconds(started) };
}

/** The median wall time of `runs` runs of the CLI, and its last exit code. */
function timeCli(args: string[], runs: number): { ms: number; exitCode: number | null } {
  const times: number[] = [];
  let exitCode: number | null = null;
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
    times.push(milliseconds(started));
    exitCode = result.status;
    if (result.status !== 0 && result.status !== 1) throw new Error(`cdk-cross-account-bucket ${args.join(' ')}: ${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], exitCode };
}

function row(label: string, ms: number, synthMs: number, goal: string, exitCode: number | null): string {
  return `  ${label.padEnd(44)} ${(ms / 1000).toFixed(1).padStart(7)} s   synth ${(synthMs / 1000).toFixed(1).padStart(6)} s   ratio ${(ms / synthMs).toFixed(2).padStart(6)}   exit ${exitCode}   goal ${goal}`;
}

function sizeOf(folder: string, pattern: RegExp): string {
  const directory = join(ROOT, folder);
  if (!existsSync(directory)) return `not built (${folder} is missing: npx projen package-all)`;
  const file = readdirSync(directory).find(name => pattern.test(name));
  return file ? `${(statSync(join(directory, file)).size / 1024).toFixed(0)} KiB (${folder}/${file})` : `not built in ${folder}`;
}

function main(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npx projen compile first`);
  const folders: string[] = [];
  try {
    console.log('The analyzer (the compiled CLI, median wall clock) against synthesizing the same app in the same run');
    const example = synthesize(app => addExampleApp(app, {}));
    folders.push(example.folder);
    const review = timeCli(['review', example.folder], 3);
    console.log(row('review, example app (z3 start included)', review.ms, example.ms, '<= 5 s', review.exitCode));
    const explain = timeCli(['explain', example.folder, '--principal', 'arn:aws:iam::222222222222:role/AnalyticsReader', '--action', 's3:GetObject',
      '--key', 'analytics/a.csv', '--bucket', 'cdk-cross-account-bucket-example-111111111111', '--at', '2026-12-01T09:00:00Z'], 3);
    console.log(row('explain, one request of the example app', explain.ms, example.ms, '<= 3 s', explain.exitCode));
    const many = synthesize(app => addManyConsumersStacks(app));
    folders.push(many.folder);
    const manyReview = timeCli(['review', many.folder], 1);
    console.log(row('review, 1,000 consumers through access points', manyReview.ms, many.ms, '<= 60 s', manyReview.exitCode));
    if (process.argv.includes('--large')) {
      // With the consumers' organization: the key policy names it instead of 10,000 accounts, which
      // would be 150 KB against its 32 KB limit (README, Scaling to many consumers).
      const large = synthesize(app => addManyConsumersStacks(app, 10_000, 'o-a1b2c3d4e5'));
      folders.push(large.folder);
      const largeReview = timeCli(['review', large.folder], 1);
      console.log(row('review, 10,000 consumers of an organization, access points', largeReview.ms, large.ms, '<= 5 min', largeReview.exitCode));
    }
    console.log('\nPackage sizes (the solver, z3-solver, is in neither: users install it to run the analyzer)');
    console.log(`  npm tarball   ${sizeOf('dist/js', /\.tgz$/)}`);
    console.log(`  Python wheel  ${sizeOf('dist/python', /\.whl$/)}`);
  } finally {
    folders.forEach(folder => rmSync(folder, { recursive: true, force: true }));
  }
}

main();
