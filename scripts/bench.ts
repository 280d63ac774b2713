/**
 * Scale benchmark: plain aws-cdk-lib grants against SharedBucket (default mode and access-point
 * scale mode) for N consumers, each in its own account reading its own prefix through one role.
 *
 *   1. bucket-policy bytes per consumer;
 *   2. the largest policy of every stack (nested stacks included) as a share of its AWS limit;
 *   3. the most consumers before some policy is over its limit (or synth is refused);
 *   4. synth time against plain aws-cdk-lib at equal N (median wall clock, ratio ours / plain);
 *   5. what the synth-time agreement check costs with 1,000 consumers in the owner's app;
 *   6. 10,000 consumers through access points with organizationId: every policy against its limit,
 *      every stack's resources, synth time against plain aws-cdk-lib at 10,000;
 *   7. organization grants: policy sizes against the number of accounts, beside per-account grants.
 *
 * Sizes are deployed sizes, as scripts/policy-sizes.ts counts them. A script, not a timed test:
 *
 *   npm run bench                      tables
 *   npm run --silent bench -- --json   the same numbers as JSON, alone on stdout (progress goes to stderr)
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { cpus, loadavg, tmpdir, totalmem } from 'os';
import { join } from 'path';
import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildAgreementApp, disagreements } from './bench/agreement';
import { LIMITS, measurePolicies, PolicySize } from './bench/policies';
import {
  baseline, buildApp, buildOrganizationApp, BUCKET_NAME, consumer, isPlain, Mode, MODE_LABELS, MODES, OWNER_ACCOUNT, REGION,
} from './bench/scenario';

const SIZES_N = [10, 50, 100, 1_000];
/** The default AWS quota of access points per account and region, and the search's cap for every mode. */
const SEARCH_CAP = 10_000;
const TIMING_GOAL = { n: 50, ratio: 1.5 };
// Other work on a shared machine makes single runs noisy; short runs can afford more repetitions.
const repetitions = (n: number) => (n <= 100 ? 15 : 3);
const json = process.argv.includes('--json');

// ---------------------------------------------------------------- one synthesis

type Outcome =
  | { readonly refused: false; readonly sizes: PolicySize[] }
  | { readonly refused: true; readonly message: string };

/**
 * A budget error is how the library refuses a configuration over a limit: its first line that
 * names the limit, up to the first full stop. Any other error is a bug and stops the bench.
 */
function budgetRefusal(error: unknown): string {
  const line = error instanceof Error ? error.message.split('\n').find(text => /\blimit\b/i.test(text)) : undefined;
  if (line === undefined) {
    throw error;
  }
  return line.trim().split(/(?<=\.) /)[0];
}

/** Builds and synthesizes `mode` with `n` consumers in a fresh app; returns what it took and whether it was refused. */
function synthesize<T>(mode: Mode, n: number, inspect: (stack: Stack) => T, builtinValidation = true): {
  result: { refused: false; value: T } | { refused: true; message: string };
  milliseconds: number;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-cdk-'));
  try {
    const started = process.hrtime.bigint();
    let synthesized: { refused: false; stack: Stack } | { refused: true; message: string };
    try {
      const { app, stack } = buildApp(mode, n, outdir, builtinValidation);
      app.synth();
      synthesized = { refused: false, stack };
    } catch (error) {
      synthesized = { refused: true, message: budgetRefusal(error) };
    }
    const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
    const result = synthesized.refused ? synthesized : { refused: false as const, value: inspect(synthesized.stack) };
    return { result, milliseconds };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const outcomes = new Map<string, Outcome>();

/** Policy sizes for `mode` at `n` consumers (cached: every measurement is deterministic). */
function measure(mode: Mode, n: number): Outcome {
  const key = `${mode}/${n}`;
  let outcome = outcomes.get(key);
  if (outcome === undefined) {
    const { result, milliseconds } = synthesize(mode, n, measurePolicies);
    outcome = result.refused ? result : { refused: false, sizes: result.value };
    outcomes.set(key, outcome);
    progress(`  measured ${mode} N=${n}: ${outcome.refused ? 'synth refused' : `${outcome.sizes.length} policies`} (${(milliseconds / 1000).toFixed(1)} s)`);
  }
  return outcome;
}

function sharedBucketPolicyBytes(sizes: PolicySize[]): number {
  const policy = sizes.find(candidate => candidate.kind === 'bucket policy' && candidate.bucketName === BUCKET_NAME);
  if (policy === undefined) {
    throw new Error(`No bucket policy for ${BUCKET_NAME} among ${sizes.map(candidate => candidate.where).join(', ')}`);
  }
  return policy.bytes;
}
const keyPolicyBytes = (sizes: PolicySize[]) => sizes.filter(policy => policy.kind === 'key policy').reduce((max, policy) => Math.max(max, policy.bytes), 0);
const largest = (sizes: PolicySize[]) => sizes.reduce((max, policy) => (policy.bytes / policy.limit > max.bytes / max.limit ? policy : max));
const overLimit = (sizes: PolicySize[]) => sizes.find(policy => policy.bytes > policy.limit);

// ---------------------------------------------------------------- 1 and 2: sizes

interface SizeRow {
  readonly n: number;
  readonly mode: Mode;
  readonly refused?: string;
  readonly bucketPolicyBytes?: number;
  readonly bucketPolicyBytesPerConsumer?: number;
  readonly keyPolicyBytes?: number;
  readonly keyPolicyBytesPerConsumer?: number;
  readonly largest?: { kind: string; where: string; bytes: number; limit: number; share: number };
  readonly policiesOverLimit?: number;
}

function sizeRows(modes: readonly Mode[]): SizeRow[] {
  const rows: SizeRow[] = [];
  for (const mode of modes) {
    const base = measure(mode, 0);
    if (base.refused) {
      throw new Error(`${mode} with no consumers was refused: ${base.message}`);
    }
    const baseBucket = sharedBucketPolicyBytes(base.sizes);
    const baseKey = keyPolicyBytes(base.sizes);
    for (const n of [0, ...SIZES_N]) {
      const outcome = measure(mode, n);
      if (outcome.refused) {
        rows.push({ n, mode, refused: outcome.message });
        continue;
      }
      const bucket = sharedBucketPolicyBytes(outcome.sizes);
      const key = keyPolicyBytes(outcome.sizes);
      const top = largest(outcome.sizes);
      rows.push({
        n,
        mode,
        bucketPolicyBytes: bucket,
        bucketPolicyBytesPerConsumer: n === 0 ? undefined : (bucket - baseBucket) / n,
        keyPolicyBytes: key,
        keyPolicyBytesPerConsumer: n === 0 ? undefined : (key - baseKey) / n,
        largest: { kind: top.kind, where: top.where, bytes: top.bytes, limit: top.limit, share: top.bytes / top.limit },
        policiesOverLimit: outcome.sizes.filter(policy => policy.bytes > policy.limit).length,
      });
    }
  }
  return rows;
}

// ---------------------------------------------------------------- 3: maximum consumers

interface MaximumRow {
  readonly mode: Mode;
  /** The most consumers that fit; equal to the cap when the cap was reached. */
  readonly maximum: number;
  readonly capped: boolean;
  readonly firstFailing?: number;
  readonly reason?: string;
  /** New syntheses the search needed, and how long it took. */
  readonly probes: number;
  readonly seconds: number;
}

/** Why `n` consumers do not fit, or undefined when they do. */
function failure(mode: Mode, n: number): string | undefined {
  const outcome = measure(mode, n);
  if (outcome.refused) {
    return `synth refused: ${outcome.message}`;
  }
  const over = overLimit(outcome.sizes);
  return over && `${over.kind} ${over.bytes.toLocaleString('en-US')} B > ${over.limit.toLocaleString('en-US')} B (${over.where})`;
}

/** Exponential then binary search for the last N that fits, starting from what is already measured. */
function maximumConsumers(mode: Mode): MaximumRow {
  const before = outcomes.size;
  const started = process.hrtime.bigint();
  const spent = () => ({ probes: outcomes.size - before, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
  let fits = 0;
  let fails: number | undefined;
  for (const [key] of outcomes) {
    const [keyMode, keyN] = key.split('/');
    if (keyMode !== mode) {
      continue;
    }
    const n = Number(keyN);
    if (failure(mode, n) === undefined) {
      fits = Math.max(fits, n);
    } else {
      fails = Math.min(fails ?? Infinity, n);
    }
  }
  while (fails === undefined) {
    const next = Math.min(Math.max(1, fits * 2), SEARCH_CAP);
    if (failure(mode, next) === undefined) {
      fits = next;
      if (next === SEARCH_CAP) {
        return { mode, maximum: SEARCH_CAP, capped: true, ...spent() };
      }
    } else {
      fails = next;
    }
  }
  while (fails - fits > 1) {
    const middle = Math.floor((fits + fails) / 2);
    if (failure(mode, middle) === undefined) {
      fits = middle;
    } else {
      fails = middle;
    }
  }
  return { mode, maximum: fits, capped: false, firstFailing: fails, reason: failure(mode, fails), ...spent() };
}

// ---------------------------------------------------------------- 4: synth time

interface TimingRow {
  /** Whether aws-cdk-lib's built-in CloudFormation template validation ran (the App default). */
  readonly builtinValidation: boolean;
  readonly n: number;
  readonly repetitions: number;
  /** Median milliseconds per mode. */
  readonly medians: Partial<Record<Mode, number>>;
  /** Modes whose synth was refused (the time is then the time to the refusal). */
  readonly refused: Mode[];
  /** Median of ours / median of plain with the same prefixes. */
  readonly ratios: Partial<Record<Mode, number>>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Wall clock of `new App()`, building the stack and `app.synth()`; no measuring of policies. */
function timeSynth(mode: Mode, n: number, builtinValidation: boolean): { milliseconds: number; refused: boolean } {
  const { result, milliseconds } = synthesize(mode, n, () => undefined, builtinValidation);
  return { milliseconds, refused: result.refused };
}

/**
 * Median synth times per N. Warm-up: the size pass has already run every mode at every N; then
 * three rounds at N = 50 and, where a run is short (N <= 100), one more run at the N timed.
 */
function timingRows(modes: readonly Mode[], builtinValidation: boolean): TimingRow[] {
  for (let round = 0; round < 3; round++) {
    modes.forEach(mode => timeSynth(mode, 50, builtinValidation));
  }
  const rows: TimingRow[] = [];
  for (const n of SIZES_N) {
    if (n <= 100) {
      modes.forEach(mode => timeSynth(mode, n, builtinValidation));
    }
    const samples = new Map<Mode, number[]>(modes.map(mode => [mode, []]));
    const refused = new Set<Mode>();
    const count = repetitions(n);
    for (let repetition = 0; repetition < count; repetition++) {
      // Alternate, and rotate who goes first, so that no mode always runs after the same one.
      const order = modes.map((_, index) => modes[(index + repetition) % modes.length]);
      for (const mode of order) {
        const sample = timeSynth(mode, n, builtinValidation);
        samples.get(mode)!.push(sample.milliseconds);
        if (sample.refused) {
          refused.add(mode);
        }
      }
    }
    const medians = Object.fromEntries(modes.map(mode => [mode, median(samples.get(mode)!)])) as Record<Mode, number>;
    const ratios = Object.fromEntries(modes.filter(mode => !isPlain(mode)).map(mode => [mode, medians[mode] / medians[baseline(mode)]]));
    rows.push({ builtinValidation, n, repetitions: count, medians, refused: [...refused], ratios });
    progress(`  timed N=${n}${builtinValidation ? '' : ' without built-in validation'}: ${modes.map(mode => `${mode} ${medians[mode].toFixed(0)} ms`).join(', ')}`);
  }
  return rows;
}

// ---------------------------------------------------------------- 5: the agreement check

const AGREEMENT_N = 1_000;
const AGREEMENT_REPETITIONS = 3;

interface AgreementRow {
  readonly n: number;
  readonly repetitions: number;
  /** Median milliseconds with every reader checked against the grants, and with the check stopping at its lookup. */
  readonly checkedMilliseconds: number;
  readonly uncheckedMilliseconds: number;
  readonly ratio: number;
  /** consumerNotGranted warnings in the checked app (every reader matches a grant: 0). */
  readonly warnings: number;
}

function agreementRow(): AgreementRow {
  const samples = { checked: [] as number[], unchecked: [] as number[] };
  let warnings = 0;
  // One warm-up of each, then alternating runs.
  for (let run = 0; run <= AGREEMENT_REPETITIONS; run++) {
    for (const checked of run % 2 === 0 ? [true, false] : [false, true]) {
      const outdir = mkdtempSync(join(tmpdir(), 'bench-agreement-'));
      try {
        const started = process.hrtime.bigint();
        const app = buildAgreementApp(AGREEMENT_N, checked, outdir);
        app.synth();
        const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
        if (run > 0) {
          samples[checked ? 'checked' : 'unchecked'].push(milliseconds);
        }
        if (checked) {
          warnings = disagreements(app);
        }
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    }
  }
  const checkedMilliseconds = median(samples.checked);
  const uncheckedMilliseconds = median(samples.unchecked);
  progress(`  agreement check, N=${AGREEMENT_N}: checked ${checkedMilliseconds.toFixed(0)} ms, not checked ${uncheckedMilliseconds.toFixed(0)} ms`);
  return {
    n: AGREEMENT_N,
    repetitions: AGREEMENT_REPETITIONS,
    checkedMilliseconds,
    uncheckedMilliseconds,
    ratio: checkedMilliseconds / uncheckedMilliseconds,
    warnings,
  };
}

// ---------------------------------------------------------------- 6: 10,000 consumers

const LARGE_N = 10_000;
const LARGE_REPETITIONS = 2;
/**
 * Plain aws-cdk-lib with its built-in template validation (the App default) takes 23 s at
 * N = 1,000 and grows faster than N, mostly validating one huge bucket policy: at N = 10,000
 * it is timed in a process of its own and stopped at this cap.
 */
const VALIDATED_PLAIN_CAP_SECONDS = 180;

interface LargeRow {
  readonly n: number;
  readonly largest: { kind: string; where: string; bytes: number; limit: number; share: number };
  readonly policiesOverLimit: number;
  /** Resources of the largest stack (nested stacks included) against CloudFormation's 500. */
  readonly mostResources: number;
  readonly stacks: number;
  /** Without aws-cdk-lib's built-in validation: medians of LARGE_REPETITIONS runs each. */
  readonly scaleMilliseconds: number;
  readonly plainMilliseconds: number;
  readonly ratio: number;
  /** With it (the App default): one run each, plain in a process of its own, stopped at the cap. */
  readonly validated: { scaleMilliseconds: number; plainMilliseconds?: number; plainCapSeconds: number };
}

/** One synth in a child process, or undefined when it ran past `capSeconds`. */
function timeSynthInChild(mode: Mode, n: number, builtinValidation: boolean, capSeconds: number): number | undefined {
  const child = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', join(__dirname, 'bench', 'time-synth.ts'),
    mode, String(n), builtinValidation ? 'on' : 'off'], { encoding: 'utf8', timeout: capSeconds * 1000, killSignal: 'SIGKILL', maxBuffer: 1_048_576 });
  if (child.error !== undefined && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return undefined;
  }
  if (child.status !== 0) {
    throw new Error(`time-synth.ts ${mode} ${n} failed: ${child.stderr || child.error}`);
  }
  return (JSON.parse(child.stdout.trim().split('\n').pop()!) as { milliseconds: number }).milliseconds;
}

function largeRow(): LargeRow {
  const { result } = synthesize('scale-org', LARGE_N, stack => {
    const stacks = [stack, ...stack.node.findAll().filter(NestedStack.isNestedStack)];
    const resources = stacks.map(candidate => Object.keys(Template.fromStack(candidate).toJSON().Resources ?? {}).length);
    return { sizes: measurePolicies(stack), mostResources: Math.max(...resources), stacks: stacks.length };
  }, false);
  if (result.refused) {
    throw new Error(`scale-org at N = ${LARGE_N} was refused: ${result.message}`);
  }
  const samples = { scale: [] as number[], plain: [] as number[] };
  for (let repetition = 0; repetition < LARGE_REPETITIONS; repetition++) {
    for (const mode of repetition % 2 === 0 ? ['scale-org', 'plain'] as const : ['plain', 'scale-org'] as const) {
      samples[mode === 'plain' ? 'plain' : 'scale'].push(timeSynth(mode, LARGE_N, false).milliseconds);
    }
  }
  const validatedScale = timeSynth('scale-org', LARGE_N, true).milliseconds;
  progress(`  N=${LARGE_N} with built-in validation: scale-org ${validatedScale.toFixed(0)} ms; plain in a child process, stopped after ${VALIDATED_PLAIN_CAP_SECONDS} s`);
  const validatedPlain = timeSynthInChild('plain', LARGE_N, true, VALIDATED_PLAIN_CAP_SECONDS);
  const top = largest(result.value.sizes);
  const row: LargeRow = {
    n: LARGE_N,
    largest: { kind: top.kind, where: top.where, bytes: top.bytes, limit: top.limit, share: top.bytes / top.limit },
    policiesOverLimit: result.value.sizes.filter(policy => policy.bytes > policy.limit).length,
    mostResources: result.value.mostResources,
    stacks: result.value.stacks,
    scaleMilliseconds: median(samples.scale),
    plainMilliseconds: median(samples.plain),
    ratio: median(samples.scale) / median(samples.plain),
    validated: { scaleMilliseconds: validatedScale, plainMilliseconds: validatedPlain, plainCapSeconds: VALIDATED_PLAIN_CAP_SECONDS },
  };
  progress(`  N=${LARGE_N}: largest ${top.kind} ${percent(row.largest.share)}, ${row.stacks} stacks, without validation scale-org ` +
    `${row.scaleMilliseconds.toFixed(0)} ms, plain ${row.plainMilliseconds.toFixed(0)} ms; with it, plain ${validatedPlain === undefined ? 'stopped' : `${validatedPlain.toFixed(0)} ms`}`);
  return row;
}

// ---------------------------------------------------------------- 7: organization grants

interface OrganizationRow {
  readonly n: number;
  /** N per-account grants, prefixes named after the accounts (default-own), or refused. */
  readonly perAccount: { bucketPolicyBytes: number; keyPolicyBytes: number } | { refused: string };
  /** One OrganizationGrant: the same app for any N. */
  readonly organization: { bucketPolicyBytes: number; keyPolicyBytes: number };
}

function organizationRows(): OrganizationRow[] {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-organization-'));
  let organization: { bucketPolicyBytes: number; keyPolicyBytes: number };
  try {
    const { app, stack } = buildOrganizationApp(outdir);
    app.synth();
    const sizes = measurePolicies(stack);
    organization = { bucketPolicyBytes: sharedBucketPolicyBytes(sizes), keyPolicyBytes: keyPolicyBytes(sizes) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return [10, 100, 1_000, LARGE_N].map(n => {
    const outcome = measure('default-own', n);
    const perAccount = outcome.refused ? { refused: outcome.message }
      : { bucketPolicyBytes: sharedBucketPolicyBytes(outcome.sizes), keyPolicyBytes: keyPolicyBytes(outcome.sizes) };
    return { n, perAccount, organization };
  });
}

// ---------------------------------------------------------------- output

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

const bytes = (value: number) => `${Math.round(value).toLocaleString('en-US')} B`;
const percent = (share: number) => `${(100 * share).toFixed(1)}%`;

/** A plain-text table: numbers right-aligned, the first column and `textColumns` left-aligned. */
function table(headers: string[], rows: string[][], textColumns: number[] = []): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map(row => row[column].length)));
  const left = new Set([0, ...textColumns]);
  const line = (cells: string[]) => cells.map((cell, column) => (left.has(column) ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ').trimEnd();
  return [line(headers), line(widths.map(width => '-'.repeat(width))), ...rows.map(line)].map(row => `  ${row}`).join('\n');
}

interface Report {
  readonly machine: { cpus: number; cpuModel: string; node: string; platform: string; memoryGiB: number };
  /** One-minute load average at the start and at the end: other work on the machine skews the times. */
  readonly loadAverage: { start: number; end: number };
  readonly awsCdkLib: string;
  readonly modes: readonly Mode[];
  readonly limits: typeof LIMITS;
  readonly sizes: SizeRow[];
  readonly maximums: MaximumRow[];
  readonly searchCap: number;
  readonly timings: TimingRow[];
  readonly timingGoal: typeof TIMING_GOAL;
  readonly agreement: AgreementRow;
  readonly large: LargeRow;
  readonly organizationGrants: OrganizationRow[];
  readonly seconds: number;
}

function printTimings(report: Report, builtinValidation: boolean): void {
  const { modes } = report;
  const ours = modes.filter(mode => !isPlain(mode));
  const timings = report.timings.filter(timing => timing.builtinValidation === builtinValidation);
  const refused = (timing: TimingRow, mode: Mode) => (timing.refused.includes(mode) ? ' (refused)' : '');
  console.log(table(
    ['N', 'runs', ...modes.map(mode => `${mode} ms`), ...ours.map(mode => `${mode}/${baseline(mode)}`)],
    timings.map(timing => [
      String(timing.n),
      String(timing.repetitions),
      ...modes.map(mode => `${timing.medians[mode]!.toFixed(0)}${refused(timing, mode)}`),
      ...ours.map(mode => `${timing.ratios[mode]!.toFixed(2)}${refused(timing, mode)}`),
    ]),
  ));
  const goal = timings.find(timing => timing.n === report.timingGoal.n)!;
  console.log(`  Goal, ratio at N = ${report.timingGoal.n} of ${report.timingGoal.ratio} or less: ${ours.map(mode => {
    const ratio = goal.ratios[mode]!;
    return `${mode} ${ratio.toFixed(2)} (${ratio <= report.timingGoal.ratio ? 'met' : 'NOT met'})`;
  }).join(', ')}.`);
}

function print(report: Report): void {
  const { modes } = report;
  const row = (mode: Mode, n: number) => report.sizes.find(size => size.mode === mode && size.n === n)!;
  const first = consumer(1);
  const { machine, loadAverage } = report;
  console.log([
    'Scale benchmark: plain aws-cdk-lib grants against SharedBucket',
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform};`,
    `load average ${loadAverage.start.toFixed(1)} at the start, ${loadAverage.end.toFixed(1)} at the end`,
    `aws-cdk-lib ${report.awsCdkLib}`,
    `Scenario: bucket ${BUCKET_NAME} in ${OWNER_ACCOUNT}, ${REGION}; consumer i in account 2<i in 11 digits> (first: ${first.accountId}),`,
    `  reading ${first.prefix.replace('0001', '<i>')} (in the -own modes: <account>/) through ${first.roleArn.replace(first.accountId, '<account>')} (READ).`,
    `Modes: ${modes.map(mode => `${mode} = ${MODE_LABELS[mode]}`).join('; ')}.`,
    'Sizes are deployed sizes: intrinsics resolved, JSON without white space (as npm run policy-sizes counts them).',
  ].join('\n'));

  const refusedCell = 'synth refused (budget)';
  const perConsumer = (size: SizeRow, value: number | undefined) =>
    (size.refused !== undefined ? refusedCell : value === undefined ? '-' : `${value.toFixed(1)} B`);
  console.log('\n1. Bytes per consumer: (size at N - size at N = 0) / N, of the shared bucket\'s policy and of the key policy');
  console.log(table(
    ['N', ...modes.map(mode => `${mode}: bucket policy`), ...modes.map(mode => `${mode}: key policy`)],
    SIZES_N.map(n => [
      String(n),
      ...modes.map(mode => perConsumer(row(mode, n), row(mode, n).bucketPolicyBytesPerConsumer)),
      ...modes.map(mode => perConsumer(row(mode, n), row(mode, n).keyPolicyBytesPerConsumer)),
    ]),
  ));
  console.log(`  At N = 0: bucket policy ${modes.map(mode => `${mode} ${bytes(row(mode, 0).bucketPolicyBytes!)}`).join(', ')}; ` +
    `key policy ${modes.map(mode => `${mode} ${bytes(row(mode, 0).keyPolicyBytes!)}`).join(', ')}.`);
  for (const size of report.sizes.filter(candidate => candidate.refused !== undefined)) {
    console.log(`  ${size.mode} at N = ${size.n} refused: ${size.refused}`);
  }

  console.log('\n2. Largest policy of every stack (nested stacks included), as a share of its AWS limit');
  console.log(table(
    ['N', ...modes],
    [0, ...SIZES_N].map(n => [String(n), ...modes.map(mode => {
      const size = row(mode, n);
      if (size.refused !== undefined || size.largest === undefined) {
        return refusedCell;
      }
      const over = size.policiesOverLimit ? `, ${size.policiesOverLimit} over` : '';
      return `${percent(size.largest.share)} (${size.largest.kind} ${bytes(size.largest.bytes)}${over})`;
    })]),
  ));
  console.log(`  Limits: ${Object.entries(LIMITS).map(([kind, limit]) => `${kind} ${bytes(limit)}`).join(', ')}.`);

  console.log('\n3. Most consumers before some policy is over its limit or synth is refused (exponential, then binary search;');
  console.log(`   capped at ${report.searchCap.toLocaleString('en-US')}, the default AWS quota of access points per account and region)`);
  console.log(table(
    ['mode', 'max consumers', 'first failing N', 'search', 'what fails there'],
    report.maximums.map(maximum => [
      maximum.mode,
      maximum.capped ? `>= ${maximum.maximum.toLocaleString('en-US')} (cap)` : maximum.maximum.toLocaleString('en-US'),
      maximum.firstFailing?.toLocaleString('en-US') ?? '-',
      `${maximum.probes} synths, ${maximum.seconds.toFixed(0)} s`,
      maximum.reason ?? 'nothing up to the cap',
    ]),
    [4],
  ));

  console.log('\n4. Synth time, ours / plain at equal N: median wall clock of new App() + stack + app.synth(), modes alternating, after warm-up');
  printTimings(report, true);
  console.log('\n   The same without aws-cdk-lib\'s built-in CloudFormation template validation (new App({ builtinCloudFormationValidation: false })):');
  printTimings(report, false);
  if (report.timings.some(timing => timing.refused.length > 0)) {
    console.log('  (refused): synth stopped with a budget error; the time is the time to that error.');
  }

  const { agreement } = report;
  console.log(`\n5. The agreement check (owner and consumers in one app): ${agreement.n.toLocaleString('en-US')} consumers in SharingMode.ACCESS_POINTS,`);
  console.log('   the owner stack and 20 consumer stacks of 50 ConsumerReaders; median wall clock of building and synthesizing the app');
  console.log(table(
    ['consumers', 'runs', 'checked ms', 'not checked ms', 'checked/not checked', 'consumerNotGranted warnings'],
    [[agreement.n.toLocaleString('en-US'), String(agreement.repetitions), agreement.checkedMilliseconds.toFixed(0),
      agreement.uncheckedMilliseconds.toFixed(0), agreement.ratio.toFixed(2), String(agreement.warnings)]],
  ));
  console.log('  Not checked: the readers name a bucket no SharedBucket of the app has, so the check stops at its first lookup.');

  const { large } = report;
  console.log(`\n6. ${large.n.toLocaleString('en-US')} prefix-isolated consumers through access points, with organizationId (scale-org)`);
  console.log(table(
    ['consumers', 'largest policy', 'policies over', 'stacks', 'most resources in a stack'],
    [[large.n.toLocaleString('en-US'), `${percent(large.largest.share)} (${large.largest.kind} ${bytes(large.largest.bytes)})`,
      String(large.policiesOverLimit), String(large.stacks), `${large.mostResources} of 500`]],
    [1],
  ));
  const plainValidated = large.validated.plainMilliseconds;
  console.log(table(
    ['synth', 'scale-org ms', 'plain ms', 'scale-org/plain'],
    [
      [`without built-in validation (median of ${LARGE_REPETITIONS} each)`, large.scaleMilliseconds.toFixed(0), large.plainMilliseconds.toFixed(0), large.ratio.toFixed(2)],
      ['with it, the App default (one run each; it skips nested stacks)', large.validated.scaleMilliseconds.toFixed(0),
        plainValidated === undefined ? `> ${(large.validated.plainCapSeconds * 1000).toLocaleString('en-US')} (stopped)` : plainValidated.toFixed(0),
        plainValidated === undefined ? `< ${(large.validated.scaleMilliseconds / (large.validated.plainCapSeconds * 1000)).toFixed(2)}`
          : (large.validated.scaleMilliseconds / plainValidated).toFixed(2)],
    ],
    [0],
  ));
  console.log('  Plain aws-cdk-lib writes all 10,000 grants into one bucket policy, far over its limit: it would not deploy.');

  console.log('\n7. Organization grants: bucket and key policy of N accounts, each reading its own prefix through one role');
  console.log(table(
    ['accounts', 'N grants (default-own): bucket policy', 'key policy', 'one OrganizationGrant: bucket policy', 'key policy'],
    report.organizationGrants.map(organizationRow => [
      organizationRow.n.toLocaleString('en-US'),
      'refused' in organizationRow.perAccount ? refusedCell : bytes(organizationRow.perAccount.bucketPolicyBytes),
      'refused' in organizationRow.perAccount ? refusedCell : bytes(organizationRow.perAccount.keyPolicyBytes),
      bytes(organizationRow.organization.bucketPolicyBytes),
      bytes(organizationRow.organization.keyPolicyBytes),
    ]),
  ));
  console.log('  The organization grant names no account: the owner\'s app, and so its policies, are the same for any number of them.');

  console.log(`\nBench took ${report.seconds.toFixed(1)} s.`);
}

function main(): void {
  const started = process.hrtime.bigint();
  const loadAtStart = loadavg()[0];
  progress('Policy sizes');
  const sizes = sizeRows(MODES);
  progress('Synth time');
  const timings = [...timingRows(MODES, true), ...timingRows(MODES, false)];
  progress('Maximum consumers');
  const maximums = MODES.map(maximumConsumers);
  progress('Agreement check');
  const agreement = agreementRow();
  progress(`${LARGE_N.toLocaleString('en-US')} consumers`);
  const large = largeRow();
  progress('Organization grants');
  const organizationGrants = organizationRows();
  const cpuList = cpus();
  const report: Report = {
    machine: {
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
    },
    loadAverage: { start: loadAtStart, end: loadavg()[0] },
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    awsCdkLib: require('aws-cdk-lib/package.json').version,
    modes: MODES,
    limits: LIMITS,
    sizes,
    maximums,
    searchCap: SEARCH_CAP,
    timings,
    timingGoal: TIMING_GOAL,
    agreement,
    large,
    organizationGrants,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  if (json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    print(report);
  }
}

main();
