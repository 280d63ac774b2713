/**
 * A value for one string variable, found and checked without z3, where every test on it has one of
 * a few simple shapes: anything, not empty, digits, one string, a string and anything after it.
 * Those are most of what a review asks of a variable (an account, a key under a consumer's prefix,
 * a listed prefix), and z3's string solver takes 2 to 20 ms for each of them, where checking a
 * candidate here takes microseconds.
 *
 * Only an answer "this value satisfies every test" comes from here, and only after each test was
 * evaluated on the value, exactly: a test of another shape, or a string that is not printable ASCII,
 * leaves the question to z3, as does a set of tests no candidate satisfies (which z3 may find
 * unsatisfiable, or satisfy with another value).
 */

/** A test on the variable's value: its regular expression (SMT-LIB), and whether the value must match it or must not. */
export interface StringTest {
  readonly regex: string;
  readonly holds: boolean;
}

interface Shape {
  readonly matches: (value: string) => boolean;
  /** The one string it matches. */
  readonly equals?: string;
  /** What every string it matches starts with. */
  readonly prefix?: string;
}

const LITERAL = '("(?:[^"]|"")*")';
const EQUALS = new RegExp(`^\\(str\\.to_re ${LITERAL}\\)$`);
const PREFIX = new RegExp(`^\\(re\\.\\+\\+ \\(str\\.to_re ${LITERAL}\\) (?:\\(re\\.\\* re\\.allchar\\)|re\\.all)\\)$`);
/** Printable ASCII but the backslash (which smtString writes as an escape), quotes doubled. */
const PRINTABLE = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|"")*)"$/;

/** The text of an SMT-LIB string literal, where it is printable ASCII without escapes. */
function printable(literal: string): string | undefined {
  const body = PRINTABLE.exec(literal);
  return body ? body[1].replace(/""/g, '"') : undefined;
}

function shapeOf(regex: string): Shape | undefined {
  switch (regex) {
    case 're.all':
    case '(re.* re.allchar)':
      return { matches: () => true };
    case '(re.+ re.allchar)':
      return { matches: value => value.length > 0 };
    case '(re.* (re.range "0" "9"))':
      return { matches: value => /^[0-9]*$/.test(value) };
  }
  const equals = EQUALS.exec(regex);
  if (equals) {
    const value = printable(equals[1]);
    return value === undefined ? undefined : { matches: other => other === value, equals: value };
  }
  const prefix = PREFIX.exec(regex);
  if (prefix) {
    const value = printable(prefix[1]);
    return value === undefined ? undefined : { matches: other => other.startsWith(value), prefix: value };
  }
  return undefined;
}

/**
 * A printable ASCII value of `length` characters (if given) that passes every test, or undefined
 * when the tests are not all of the shapes above or no candidate passes them.
 */
export function simpleWitness(tests: readonly StringTest[], length?: number): string | undefined {
  const checks: Array<(value: string) => boolean> = [];
  const equals: string[] = [];
  const prefixes: string[] = [];
  for (const test of tests) {
    const shape = shapeOf(test.regex);
    if (!shape) return undefined;
    checks.push(test.holds ? shape.matches : value => !shape.matches(value));
    if (test.holds && shape.equals !== undefined) equals.push(shape.equals);
    if (test.holds && shape.prefix !== undefined) prefixes.push(shape.prefix);
  }
  if (length !== undefined) checks.push(value => value.length === length);
  const start = equals[0] ?? prefixes.reduce((longest, prefix) => prefix.length > longest.length ? prefix : longest, '');
  const candidates = equals.length > 0 ? [start] : [start, ...['a', '0', 'x/', 'b0'].map(tail => start + tail)];
  return candidates.find(candidate => checks.every(check => check(candidate)));
}
