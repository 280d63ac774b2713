import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Adds a warning to `scope` (`Annotations.addWarningV2`), its trace ending where the user's code
 * called in.
 *
 * The trace a warning records is the JavaScript call stack (the `constructs` library captures it).
 * In TypeScript that stack reaches the user's code. Called from Python, Java, Go or .NET, the
 * code runs in the jsii kernel, a Node.js process, whose stack holds none of the user's frames.
 * From jsii 1.136.0, with `JSII_HOST_STACK_TRACES=1`, the host runtime sends its own stack with
 * each call, and the kernel holds it in the global `Symbol.for('jsii.context.hostStackTrace')`
 * while the call runs, most recent frame first, each `[file, line, column, function]` (jsii
 * runtime README, "Host Stack Traces"; aws/jsii#5153). Those frames are appended to the trace
 * here, as aws-cdk-lib appends them to the traces it renders itself (its `captureStackTrace`,
 * aws/aws-cdk#38124): without the first, the host runtime's own call into the kernel.
 */
export function addWarning(scope: IConstruct, id: string, message: string): void {
  const before = scope.node.metadata.length;
  Annotations.of(scope).addWarningV2(id, message);
  const hostTrace = hostStackTrace();
  if (hostTrace.length === 0) {
    return;
  }
  // Nothing new when the warning was acknowledged or is already there.
  for (const entry of scope.node.metadata.slice(before)) {
    entry.trace?.push(...hostTrace);
  }
}

/** The host's frames of the call the kernel is running, rendered as V8 renders its own; none outside jsii. */
function hostStackTrace(): string[] {
  const frames: unknown = (globalThis as Record<symbol, unknown>)[Symbol.for('jsii.context.hostStackTrace')];
  if (!Array.isArray(frames)) {
    return [];
  }
  return frames.slice(1).map(frame => {
    const [file, line, column, name] = frame as [string, number, number, string];
    return `${name} (${file}:${line}${column > 0 ? `:${column}` : ''})`;
  });
}
