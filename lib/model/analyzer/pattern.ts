/**
 * IAM string patterns and the values they are matched against.
 *
 * A pattern is what a policy writes in Resource, NotResource, Principal and the values of its
 * String and Arn conditions: literal text, the wildcards `*` and `?` where the element allows them
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String),
 * and references to values known only per request: policy variables such as
 * `${aws:PrincipalAccount}` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html)
 * or values of the template the analyzer cannot resolve offline (a parameter, an import).
 *
 * A value is what the request carries: a concatenation of known text and string variables of the
 * request (the principal's account, the object key). Matching a pattern against a value happens
 * here as far as plain text allows (derivatives of the pattern by the value's known text), and
 * leaves to the solver only memberships of one variable in a regular language, or, where a
 * pattern refers to another variable, a constraint over both.
 */

/** One part of a pattern. */
export type PatternPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'one' }
  | { readonly kind: 'ref'; readonly variable: string };

export type Pattern = readonly PatternPart[];

/** One part of a value: known text, or a string variable of the request or of the template. */
export type ValuePart = string | { readonly variable: string };
export type Value = readonly ValuePart[];

/** A piece of text a policy holds after the template was resolved: known text or a named unknown. */
export type SymbolicPart = string | { readonly unknown: string };
export type Symbolic = readonly SymbolicPart[];

/** Joins adjacent text and drops empty text, in a value or a Symbolic (text and references alike). */
export function joinText<T extends object>(parts: ReadonlyArray<string | T>): Array<string | T> {
  const out: Array<string | T> = [];
  for (const part of parts) {
    const last = out[out.length - 1];
    if (typeof part === 'string' && typeof last === 'string') out[out.length - 1] = last + part;
    else if (part !== '') out.push(part);
  }
  return out;
}

export function text(value: string): Pattern {
  return value === '' ? [] : [{ kind: 'text', text: value }];
}

/** Joins adjacent text parts, so that equal patterns have equal shapes. */
export function normalizePattern(parts: readonly PatternPart[]): Pattern {
  const out: PatternPart[] = [];
  for (const part of parts) {
    const last = out[out.length - 1];
    if (part.kind === 'text') {
      if (part.text === '') continue;
      if (last?.kind === 'text') {
        out[out.length - 1] = { kind: 'text', text: last.text + part.text };
        continue;
      }
    }
    if (part.kind === 'any' && last?.kind === 'any') continue;
    out.push(part);
  }
  return out;
}

export interface PatternOptions {
  /** `*` and `?` are wildcards (Like operators, Resource, NotResource, Arn operators). */
  readonly wildcards: boolean;
  /** `${...}` is a policy variable (policies of Version 2012-10-17). */
  readonly variables: boolean;
}

/**
 * Parses the text a policy holds into a pattern. A policy variable becomes a reference to the
 * request variable `variableFor` names for it; `${*}`, `${?}` and `${$}` are the literal characters
 * (reference_policies_variables.html, "Special characters"). A variable `variableFor` does not know,
 * or one with a default value, throws: the caller turns that into an unknown of the answer.
 */
export function parsePattern(value: Symbolic, options: PatternOptions, variableFor: (key: string) => string): Pattern {
  const parts: PatternPart[] = [];
  for (const piece of value) {
    if (typeof piece !== 'string') {
      parts.push({ kind: 'ref', variable: unknownVariable(piece.unknown) });
      continue;
    }
    let literal = '';
    const flush = () => {
      if (literal) parts.push({ kind: 'text', text: literal });
      literal = '';
    };
    for (let index = 0; index < piece.length; index++) {
      const char = piece[index];
      if (options.variables && char === '$' && piece[index + 1] === '{') {
        const end = piece.indexOf('}', index);
        if (end > 0) {
          const inside = piece.slice(index + 2, end);
          index = end;
          if (inside === '*' || inside === '?' || inside === '$') {
            literal += inside;
            continue;
          }
          if (inside.includes(',')) {
            throw new UnsupportedPattern(`policy variable with a default value \${${inside}}`);
          }
          flush();
          parts.push({ kind: 'ref', variable: variableFor(inside.trim()) });
          continue;
        }
      }
      if (options.wildcards && (char === '*' || char === '?')) {
        flush();
        parts.push({ kind: char === '*' ? 'any' : 'one' });
        continue;
      }
      literal += char;
    }
    flush();
  }
  return normalizePattern(parts);
}

/** The solver variable of a template value the analyzer could not resolve. */
export function unknownVariable(name: string): string {
  return `unknown:${name}`;
}

/** The text of a Symbolic, where every part of it is known. */
export function symbolicText(symbolic: Symbolic): string | undefined {
  return symbolic.every(part => typeof part === 'string') ? symbolic.join('') : undefined;
}

/** A Symbolic as a value of the solver: each unknown a string variable of its own. */
export function symbolicValue(symbolic: Symbolic): Value {
  return symbolic.map(part => typeof part === 'string' ? part : { variable: unknownVariable(part.unknown) });
}

export function sameSymbolic(a: Symbolic, b: Symbolic): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class UnsupportedPattern extends Error {}

export function isGround(pattern: Pattern): boolean {
  return pattern.every(part => part.kind !== 'ref');
}

export function hasWildcard(pattern: Pattern): boolean {
  return pattern.some(part => part.kind === 'any' || part.kind === 'one');
}

export function patternToString(pattern: Pattern): string {
  return pattern.map(part => part.kind === 'text' ? part.text : part.kind === 'any' ? '*' : part.kind === 'one' ? '?' : `\${${part.variable}}`).join('');
}

function sameChar(a: string, b: string, ignoreCase: boolean): boolean {
  return a === b || (ignoreCase && a.toLowerCase() === b.toLowerCase());
}

/**
 * The patterns that must match the rest of a string after `prefix` for `pattern` to match the
 * whole string (Brzozowski's derivative, for IAM wildcards). Throws UnsupportedPattern when the
 * prefix runs into a reference, whose text is not known here.
 */
export function derivative(pattern: Pattern, prefix: string, ignoreCase = false): Pattern[] {
  // States: a position in the pattern's parts and an offset into a text part.
  let states: Array<{ part: number; offset: number }> = [{ part: 0, offset: 0 }];
  for (const char of prefix) {
    const next = new Map<string, { part: number; offset: number }>();
    const add = (state: { part: number; offset: number }) => next.set(`${state.part}:${state.offset}`, state);
    for (const state of closure(pattern, states)) {
      const part = pattern[state.part];
      if (!part) continue;
      switch (part.kind) {
        case 'text':
          if (sameChar(part.text[state.offset], char, ignoreCase)) {
            add(state.offset + 1 === part.text.length ? { part: state.part + 1, offset: 0 } : { part: state.part, offset: state.offset + 1 });
          }
          break;
        case 'one':
          add({ part: state.part + 1, offset: 0 });
          break;
        case 'any':
          add(state);
          break;
        case 'ref':
          throw new UnsupportedPattern(`the text ${JSON.stringify(prefix)} runs into \${${part.variable}} of ${patternToString(pattern)}`);
      }
    }
    states = [...next.values()];
    if (states.length === 0) return [];
  }
  const seen = new Set<string>();
  const out: Pattern[] = [];
  for (const state of states) {
    const part = pattern[state.part];
    const rest: PatternPart[] = [];
    if (part?.kind === 'text' && state.offset > 0) {
      rest.push({ kind: 'text', text: part.text.slice(state.offset) }, ...pattern.slice(state.part + 1));
    } else {
      rest.push(...pattern.slice(state.part));
    }
    const normalized = normalizePattern(rest);
    const key = JSON.stringify(normalized);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(normalized);
    }
  }
  return out;
}

/** States reachable without consuming a character: a `*` may match nothing. */
function closure(pattern: Pattern, states: Array<{ part: number; offset: number }>) {
  const out = new Map<string, { part: number; offset: number }>();
  const stack = [...states];
  while (stack.length > 0) {
    const state = stack.pop()!;
    const key = `${state.part}:${state.offset}`;
    if (out.has(key)) continue;
    out.set(key, state);
    const part = pattern[state.part];
    if (part?.kind === 'any' && state.offset === 0) stack.push({ part: state.part + 1, offset: 0 });
  }
  return [...out.values()];
}

/** Whether a ground pattern matches the empty string. */
export function matchesEmpty(pattern: Pattern): boolean {
  return pattern.every(part => part.kind === 'any');
}

/** Whether a ground pattern matches a known text. */
export function matchesText(pattern: Pattern, value: string, ignoreCase = false): boolean {
  return derivative(pattern, value, ignoreCase).some(matchesEmpty);
}

/**
 * The ways to cut a ground pattern at the first occurrence of `separator` in the strings it
 * matches, for strings known to hold `separator` where the cut is and nowhere before it: pairs of
 * (pattern for the text before, pattern for the text after). A `*` may span the cut; then both
 * halves keep a `*`, which cannot match `separator` on the left because the text there has none.
 */
export function splitAt(pattern: Pattern, separator: string): Array<[Pattern, Pattern]> {
  const out: Array<[Pattern, Pattern]> = [];
  pattern.forEach((part, index) => {
    const before = pattern.slice(0, index);
    const after = pattern.slice(index + 1);
    if (part.kind === 'text') {
      let at = part.text.indexOf(separator);
      while (at >= 0) {
        out.push([
          normalizePattern([...before, { kind: 'text', text: part.text.slice(0, at) }]),
          normalizePattern([{ kind: 'text', text: part.text.slice(at + 1) }, ...after]),
        ]);
        at = part.text.indexOf(separator, at + 1);
      }
    } else if (part.kind === 'one') {
      out.push([normalizePattern(before), normalizePattern(after)]);
    } else if (part.kind === 'any') {
      out.push([normalizePattern([...before, part]), normalizePattern([part, ...after])]);
    }
  });
  return out;
}

/** SMT-LIB string literal (SMT-LIB 2.6: `""` escapes a quote; \u{...} any other character outside printable ASCII). */
export function smtString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"') out += '""';
    else if (char === '\\') out += '\\u{5c}';
    else if (code < 0x20 || code > 0x7e) out += `\\u{${code.toString(16)}}`;
    else out += char;
  }
  return out + '"';
}

/** The regular expression of a pattern, in SMT-LIB; references become the variable's value. */
export function patternRegex(pattern: Pattern, ignoreCase = false, anyChar = 're.allchar'): string {
  if (pattern.length === 0) return '(str.to_re "")';
  const parts = pattern.map(part => {
    switch (part.kind) {
      case 'text':
        return ignoreCase ? caseInsensitiveRegex(part.text) : `(str.to_re ${smtString(part.text)})`;
      case 'one':
        return anyChar;
      case 'any':
        return `(re.* ${anyChar})`;
      case 'ref':
        return `(str.to_re ${smtVariable(part.variable)})`;
    }
  });
  return parts.length === 1 ? parts[0] : `(re.++ ${parts.join(' ')})`;
}

function caseInsensitiveRegex(value: string): string {
  const chars = [...value].map(char => {
    const lower = char.toLowerCase();
    const upper = char.toUpperCase();
    return lower === upper ? `(str.to_re ${smtString(char)})` : `(re.union (str.to_re ${smtString(lower)}) (str.to_re ${smtString(upper)}))`;
  });
  return chars.length === 1 ? chars[0] : `(re.++ ${chars.join(' ')})`;
}

/** The SMT-LIB symbol of a variable: quoted, since names carry colons and slashes. */
export function smtVariable(name: string): string {
  return `|${name.replace(/[|\\]/g, '_')}|`;
}
