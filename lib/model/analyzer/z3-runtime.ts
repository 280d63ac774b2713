/**
 * z3 itself: the optional `z3-solver` package (Microsoft's WebAssembly build), loaded on first
 * use, one z3 context driven with SMT-LIB text, and the shutdown that lets the process exit.
 * The Solver (solver.ts) drives two such contexts.
 */
import { createRequire } from 'module';
import { join } from 'path';

/** z3-solver is an optional dependency: the constructs never load it, the analyzer does. */
export const Z3_PACKAGE = 'z3-solver';
export const Z3_VERSION = '5.2.0';

export class AnalyzerUnavailableError extends Error {}

interface Z3Module {
  init(): Promise<{ Z3: any; em: any }>;
}

function loadZ3Module(): Z3Module {
  const attempts: string[] = [];
  for (const base of [__filename, join(process.cwd(), 'package.json')]) {
    try {
      return createRequire(base)(Z3_PACKAGE) as Z3Module;
    } catch (error) {
      attempts.push(base);
    }
  }
  throw new AnalyzerUnavailableError(
    `the analyzer needs the npm package ${Z3_PACKAGE} (about 35 MB, not installed with the constructs): run \`npm install --save-dev ${Z3_PACKAGE}@${Z3_VERSION}\` in your project`);
}

interface Z3Runtime {
  readonly Z3: any;
  readonly em: any;
}

let runtime: Promise<Z3Runtime> | undefined;

/** The z3 runtime, loaded and initialised once. */
export async function z3(): Promise<Z3Runtime> {
  runtime ??= loadZ3Module().init();
  return runtime;
}

/**
 * Ends z3's worker threads so that the process can exit. Solvers made before are unusable after.
 */
export async function shutdownSolver(): Promise<void> {
  if (!runtime) return;
  const { em } = await runtime;
  runtime = undefined;
  // z3 runs on this thread (SmtContext), so the event loop has not yet read the "loaded" message
  // of the worker its timer started on: wait for it (10 ms is enough here; 1 s at most), or
  // emscripten prints that a worker it terminated sent a message.
  const workers = () => [...em.PThread.unusedWorkers, ...em.PThread.runningWorkers];
  for (let wait = 0; wait < 100 && workers().some(worker => !worker.loaded); wait++) await new Promise(resolve => setTimeout(resolve, 10));
  em.PThread.terminateAllThreads();
}

/**
 * One z3 context driven with SMT-LIB text.
 *
 * Each script runs synchronously on the calling thread (z3's C function `Z3_eval_smtlib2_string`,
 * which the WebAssembly build exports beside its asynchronous wrapper). z3-solver's asynchronous
 * `eval_smtlib2_string` starts a thread per call and answers through a timer: about 1.6 ms a call
 * on this project's 2-core machine, where a check of one of our skeletons takes under one, and a
 * review of 1,000 access points makes tens of thousands of calls (issue 20). z3's time limit still
 * holds (its timer runs on a thread of its own: `(set-option :timeout ...)` answers `unknown`).
 * The event loop waits meanwhile: the CLI, the plugin's child process and the tests do nothing else.
 */
export class SmtContext {
  constructor(private readonly em: any, private readonly context: unknown) {}

  public async run(script: string): Promise<string> {
    const text = this.evaluate(script);
    const error = /\(error "([^"]*)"\)/.exec(text);
    if (error) throw new Error(`z3 rejected the formula: ${error[1]}`);
    return text;
  }

  private evaluate(script: string): string {
    const bytes = new TextEncoder().encode(script);
    const pointer: number = this.em._malloc(bytes.length + 1);
    try {
      this.em.HEAPU8.set(bytes, pointer);
      this.em.HEAPU8[pointer + bytes.length] = 0;
      // The answer lives in the context until its next call: copied out at once.
      return String(this.em.UTF8ToString(this.em._Z3_eval_smtlib2_string(this.context, pointer)));
    } finally {
      this.em._free(pointer);
    }
  }
}
