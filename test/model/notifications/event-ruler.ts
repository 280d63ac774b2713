import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * AWS's Event Ruler (github.com/aws/event-ruler, the matcher of EventBridge's event pattern
 * language, on Maven Central as software.amazon.event.ruler:event-ruler), run from the tests:
 * no JavaScript port is published on npm, and a matcher of our own would only prove that we
 * agree with ourselves. Needs `java` (17+) and `mvn`, which the CI machine has for the Java
 * smoke test. Maven resolves the jar once per test file.
 */
let classPath: string | undefined;

function eventRulerClassPath(): string {
  if (classPath === undefined) {
    const output = join(mkdtempSync(join(tmpdir(), 'event-ruler-')), 'classpath.txt');
    run('mvn', ['-q', '-B', '-f', join(__dirname, 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${output}`], '');
    classPath = readFileSync(output, 'utf8').trim();
  }
  return classPath;
}

function run(command: string, args: string[], input: string): string {
  const result = spawnSync(command, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  }
  return result.stdout;
}

/** For each event, the sorted names of the patterns that match it, as Event Ruler decides. */
export function matchingPatterns(patterns: Record<string, unknown>, events: unknown[]): string[][] {
  const stdout = run('java', ['-cp', eventRulerClassPath(), join(__dirname, 'PatternMatch.java')], JSON.stringify({ patterns, events }));
  return JSON.parse(stdout) as string[][];
}
