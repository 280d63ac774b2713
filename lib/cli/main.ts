#!/usr/bin/env node
/**
 * `cdk-cross-account-bucket`: a reader of the cloud assembly `cdk synth` writes. It reports what
 * this library's constructs recorded there (lib/model/record.ts) and nothing else.
 *
 * Exit codes (README "Reviewing access"): 0 success; 1 a finding (review: a consumer no grant
 * covers, or access that grows against --against; explain: the request is denied); 2 an error
 * (bad arguments, a folder that is no cloud assembly, ...), printed as one line on standard error.
 */
import { CliError } from './assembly';
import { runExplain } from './explain';
import { REVIEW_SUMMARY, runReview } from './review';
import { AnalyzerUnavailableError } from '../model/analyzer/z3-runtime';

/** Where a command writes. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** A subcommand: parses its own arguments, writes its output, returns the exit code. */
export type Subcommand = (args: string[], output: Output) => number | Promise<number>;

const SUBCOMMANDS: Record<string, { readonly summary: string; readonly run: () => Subcommand }> = {
  review: { summary: REVIEW_SUMMARY, run: () => runReview },
  explain: { summary: 'whether the grants this library wrote allow one S3 request, and why (not)', run: () => runExplain },
};

const USAGE = () => [
  'Usage: cdk-cross-account-bucket <command> [options]',
  '',
  'Commands:',
  ...Object.entries(SUBCOMMANDS).map(([name, command]) => `  ${name.padEnd(9)}${command.summary}`),
  '',
  'Run cdk-cross-account-bucket <command> --help for its options.',
].join('\n');

/** Runs the CLI on `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[], output: Output): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    output.out(USAGE());
    return name === undefined ? 2 : 0;
  }
  const command = SUBCOMMANDS[name];
  try {
    if (command === undefined) {
      throw new CliError(`unknown command '${name}': expected one of ${Object.keys(SUBCOMMANDS).join(', ')}`);
    }
    return await command.run()(rest, output);
  } catch (error) {
    if (error instanceof CliError) {
      output.err(`cdk-cross-account-bucket: ${error.message}`);
      return error.exitCode;
    }
    // parseArgs rejects unknown options and missing values with a TypeError carrying a code.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      output.err(`cdk-cross-account-bucket ${name}: ${(error as Error).message}`);
      return 2;
    }
    if (error instanceof AnalyzerUnavailableError) {
      output.err(`cdk-cross-account-bucket ${name}: ${error.message}`);
      return 2;
    }
    output.err(`cdk-cross-account-bucket: internal error: ${(error as Error).message ?? String(error)} (please report it)`);
    return 3;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    out: text => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: text => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  }).then(code => {
    // z3's worker threads keep the process alive: exit once standard output and error are written.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}
