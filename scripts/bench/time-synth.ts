/**
 * One timed synth in a process of its own, for runs that may take too long to wait for:
 * `ts-node --transpile-only scripts/bench/time-synth.ts <mode> <N> <validation on|off>` prints
 * `{"milliseconds": …}`, the wall clock of building the app and app.synth() after a warm-up at
 * N = 10, as bench.ts's in-process timings measure it. bench.ts kills it when it runs past its cap.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildApp, Mode, MODES } from './scenario';

const [mode, count, validation] = process.argv.slice(2);
if (!MODES.includes(mode as Mode) || !/^\d+$/.test(count ?? '') || !['on', 'off'].includes(validation)) {
  throw new Error(`usage: time-synth.ts <${MODES.join('|')}> <N> <on|off>, not ${process.argv.slice(2).join(' ')}`);
}
const outdir = mkdtempSync(join(tmpdir(), 'bench-cdk-'));
try {
  // Warm-up, as in bench.ts: load what the first synth of a process loads, then time.
  buildApp(mode as Mode, 10, join(outdir, 'warm-up'), validation === 'on').app.synth();
  const started = process.hrtime.bigint();
  const { app } = buildApp(mode as Mode, Number(count), outdir, validation === 'on');
  app.synth();
  console.log(JSON.stringify({ milliseconds: Number(process.hrtime.bigint() - started) / 1e6 }));
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
