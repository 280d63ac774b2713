/**
 * The compiled command (build/cli/main.js, written by `npx projen compile`), run as users run it:
 * a separate node process, its exit code and its two output streams.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

export const CLI = join(__dirname, '..', '..', 'build', 'cli', 'main.js');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `cdk-cross-account-bucket <args>`, run in `cwd` (this process's by default). */
export function runCli(args: string[], cwd?: string): CliRun {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: compile the CLI first (npx projen compile)`);
  }
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
