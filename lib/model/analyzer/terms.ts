/**
 * Boolean and arithmetic terms in SMT-LIB text, folded where a side is a constant so that
 * formulas stay as small as the policies allow.
 */
export type Term = string;

export const TRUE: Term = 'true';
export const FALSE: Term = 'false';

export function and(...terms: Term[]): Term {
  const kept: Term[] = [];
  for (const term of terms) {
    if (term === FALSE) return FALSE;
    if (term !== TRUE && !kept.includes(term)) kept.push(term);
  }
  if (kept.length === 0) return TRUE;
  return kept.length === 1 ? kept[0] : `(and ${kept.join(' ')})`;
}

export function or(...terms: Term[]): Term {
  const kept: Term[] = [];
  for (const term of terms) {
    if (term === TRUE) return TRUE;
    if (term !== FALSE && !kept.includes(term)) kept.push(term);
  }
  if (kept.length === 0) return FALSE;
  return kept.length === 1 ? kept[0] : `(or ${kept.join(' ')})`;
}

export function not(term: Term): Term {
  if (term === TRUE) return FALSE;
  if (term === FALSE) return TRUE;
  const inner = /^\(not (.*)\)$/s.exec(term);
  if (inner && balanced(inner[1])) return inner[1];
  return `(not ${term})`;
}

export function implies(condition: Term, consequence: Term): Term {
  return or(not(condition), consequence);
}

export function ite(condition: Term, then: Term, otherwise: Term): Term {
  if (condition === TRUE) return then;
  if (condition === FALSE) return otherwise;
  if (then === otherwise) return then;
  return `(ite ${condition} ${then} ${otherwise})`;
}

export function fromBoolean(value: boolean): Term {
  return value ? TRUE : FALSE;
}

/** Whether a term's parentheses close where it ends (so `(not X)` wraps exactly X). */
function balanced(term: string): boolean {
  let depth = 0;
  let quoted = false;
  let piped = false;
  for (const char of term) {
    if (piped) {
      piped = char !== '|';
      continue;
    }
    if (quoted) {
      quoted = char !== '"';
      continue;
    }
    if (char === '|') piped = true;
    else if (char === '"') quoted = true;
    else if (char === '(') depth++;
    else if (char === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** An integer literal in SMT-LIB (negative numbers are `(- n)`). */
export function integer(value: number): Term {
  if (!Number.isSafeInteger(value)) throw new Error(`not a safe integer: ${value}`);
  return value < 0 ? `(- ${-value})` : String(value);
}

/** A decimal literal in SMT-LIB for a finite number. */
export function decimal(value: number): Term {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  const magnitude = Math.abs(value);
  const digits = Number.isInteger(magnitude) ? `${magnitude}.0` : magnitude.toFixed(20).replace(/0+$/, '');
  return value < 0 ? `(- ${digits})` : digits;
}
