/**
 * The collector of props problems: every rule (format-rules.ts, stackset-rules.ts) records what it
 * finds here, and the construct throws once, with all of them.
 */
import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { StackSetRules } from './stackset-rules';

/**
 * Collects every problem with one construct's props and throws once, naming the construct path,
 * each property, its value and what is expected. Values that are unresolved tokens are skipped:
 * they are not known until deploy time. Two exceptions: a list token where each item is written
 * on its own is an error (`listKnownAtSynth`), and a prefix token is checked again at synth, once
 * resolved (`prefix`).
 */
export class PropsValidator extends StackSetRules {
  private readonly problems: string[] = [];
  /** Prefixes given as tokens: checked at synth, once resolved (see `prefix`). */
  private readonly prefixesAtSynth: Array<{ readonly prop: string; readonly value: string }> = [];

  /**
   * @param calledThrough the public function the user called, whose frame and every frame above
   * it the thrown error's stack trace leaves out (default: the construct's constructor, for
   * validation during construction; a method validating later passes itself)
   */
  constructor(
    protected readonly scope: IConstruct,
    private readonly constructName: string,
    private readonly calledThrough: Function = scope.constructor,
  ) {
    super();
  }

  /**
   * Throws if any problem was found. Otherwise the checks that wait for synth (prefixes given as
   * tokens) are registered on the construct: only for props that were accepted, so a grant
   * refused here leaves no check behind.
   */
  public throwIfInvalid(): void {
    if (this.problems.length === 0) {
      this.checkPrefixesAtSynth();
      return;
    }
    const error = new Error(
      `${this.constructName} '${this.scope.node.path}' has invalid props:\n` +
      this.problems.map(problem => `  - ${problem}`).join('\n'),
    );
    // The stack trace starts in the caller's code, where the props were written, not in the
    // package's compiled files. Should calledThrough not be on the stack, V8 would leave no frame
    // at all: keep the whole trace then.
    const wholeStack = error.stack;
    Error.captureStackTrace(error, this.calledThrough);
    if (error.stack === String(error)) {
      error.stack = wholeStack;
    }
    throw error;
  }

  /**
   * A prefix given as a token may resolve at synth (a `Lazy`, a value computed from other
   * constructs): then it is checked like a literal one, since `Lazy.string({ produce: () => '*' })`
   * would otherwise grant the whole bucket, and one resolving to 'data' also 'data-archive/'. What
   * resolves only at deployment (a parameter, an import, a reference to a resource) stays
   * unchecked: CloudFormation substitutes it after every check of this library has run.
   */
  private checkPrefixesAtSynth(): void {
    if (this.prefixesAtSynth.length === 0) {
      return;
    }
    const prefixes = [...this.prefixesAtSynth];
    this.scope.node.addValidation({
      validate: () => {
        const stack = Stack.of(this.scope);
        const atSynth = new PropsValidator(this.scope, this.constructName);
        for (const { prop, value } of prefixes) {
          const resolved: unknown = stack.resolve(value);
          if (typeof resolved === 'string') {
            atSynth.prefix(`${prop} (a token, resolved at synth)`, resolved);
          }
        }
        return atSynth.problems.map(problem => `${this.constructName} '${this.scope.node.path}' has an invalid prop: ${problem}`);
      },
    });
  }

  /** Records a problem: `<prop> is '<value>': expected <expected>`. Returns false for chaining. */
  public fail(prop: string, value: unknown, expected: string): false {
    this.problems.push(`${prop} is ${describe(value)}: expected ${expected}`);
    return false;
  }

  protected checkPrefixAtSynth(prop: string, value: string): void {
    this.prefixesAtSynth.push({ prop, value });
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
