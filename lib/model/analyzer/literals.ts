/**
 * The string side of the solver's skeleton: atoms (a string variable in a regular expression, or
 * a constraint over several), the literals a skeleton model sets them to, grouped by the
 * variables they share, and the equations among them decided without z3.
 */
import { smtString } from './pattern';
import { decodeString } from './smt-values';

export interface Atom {
  readonly name: string;
  readonly variables: readonly string[];
  /** `str.in_re` of one variable in this regular expression. */
  readonly regex?: string;
  /** Any other constraint over string variables. */
  readonly constraint?: string;
}

export interface Literal {
  readonly atom: Atom;
  readonly value: boolean;
}

/**
 * Literals of one variable that are all equations and disequations with strings (`str.to_re "..."`)
 * decided without z3, where it is simple: two different strings cannot both be the value (nor one
 * be it and not be it): 'contradiction'; one string the value must be, with others it must not be:
 * the equation with that one alone (its domain and length still to check). Undefined for z3 to decide.
 */
export function literalEquations(literals: readonly Literal[]): Literal | 'contradiction' | undefined {
  if (literals.length < 2 || new Set(literals.map(literal => literal.atom.variables[0])).size !== 1) return undefined;
  const equals = new Map<string, Literal>();
  const differs = new Set<string>();
  for (const literal of literals) {
    const text = literal.atom.regex === undefined ? undefined : /^\(str\.to_re ("(?:[^"]|"")*")\)$/.exec(literal.atom.regex)?.[1];
    // Only strings written as smtString writes them: two different texts are then two different strings.
    if (text === undefined || smtString(decodeString(text)) !== text) return undefined;
    if (literal.value) equals.set(text, literal);
    else differs.add(text);
  }
  if (equals.size > 1 || [...equals.keys()].some(text => differs.has(text))) return 'contradiction';
  return equals.size === 1 ? [...equals.values()][0] : undefined;
}

/** The atoms a formula mentions (a lemma about an atom the formula does not mention cannot matter). */
export function atomsIn(formula: string): string[] {
  const names = new Set<string>();
  for (const match of formula.matchAll(/\|(atom![0-9]+)\|/g)) names.add(match[1]);
  return [...names];
}

/** Groups literals whose atoms share string variables. */
export function components(literals: readonly Literal[]): Literal[][] {
  const parent = new Map<string, string>();
  const find = (variable: string): string => {
    let root = variable;
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(variable, root);
    return root;
  };
  for (const literal of literals) {
    const [first, ...rest] = literal.atom.variables;
    if (!parent.has(first)) parent.set(first, first);
    for (const other of rest) {
      if (!parent.has(other)) parent.set(other, other);
      parent.set(find(other), find(first));
    }
  }
  const groups = new Map<string, Literal[]>();
  for (const literal of literals) {
    const root = find(literal.atom.variables[0]);
    groups.set(root, [...(groups.get(root) ?? []), literal]);
  }
  return [...groups.values()];
}
