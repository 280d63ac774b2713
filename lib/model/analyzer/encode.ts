/**
 * Statements into formulas over the request: one function per element and per condition
 * operator family, each after the AWS page it follows. What the analyzer does not model becomes
 * an unknown: a Boolean of its own that the solver may set either way, named in every answer
 * that depends on it, so that nothing misunderstood ever reads as "no access".
 */
import {
  Pattern, PatternOptions, Symbolic, UnsupportedPattern, Value, ValuePart, derivative, hasWildcard, isGround, joinText, matchesEmpty, parsePattern,
  patternRegex, patternToString, smtString, smtVariable, splitAt,
} from './pattern';
import { PrincipalElement, Statement, describeSource } from './policy';
import { ACTIONS, KeyValue, PRINCIPAL_ACCOUNT, PRINCIPAL_PATH, PRINCIPAL_SERVICE, PrincipalType, RequestModel, actionIn, isMultivalued } from './request';
import { Solver } from './solver';
import { FALSE, TRUE, Term, and, decimal, fromBoolean, integer, not, or } from './terms';

/** Characters a request variable never holds: where a value continues with one, the variable ends. */
const EXCLUDED_CHARACTERS: Record<string, string> = { [PRINCIPAL_ACCOUNT]: ':/', [PRINCIPAL_PATH]: ':' };

/** Unknowns of one question: a Boolean per thing not modelled, with what it stands for. */
export class Unknowns {
  public readonly descriptions = new Map<string, string>();

  constructor(private readonly solver: Solver) {}

  public term(description: string): Term {
    const existing = [...this.descriptions].find(([, text]) => text === description);
    if (existing) return smtVariable(existing[0]);
    const name = `unknown!${this.descriptions.size}`;
    this.descriptions.set(name, description);
    return this.solver.declare(name, 'Bool');
  }
}

function joinValue(value: Value): ValuePart[] {
  return joinText(value);
}

function valueTerm(value: Value): string {
  const parts = joinValue(value).map(part => typeof part === 'string' ? smtString(part) : smtVariable(part.variable));
  if (parts.length === 0) return '""';
  return parts.length === 1 ? parts[0] : `(str.++ ${parts.join(' ')})`;
}

function valueVariables(value: Value): string[] {
  return value.flatMap(part => typeof part === 'string' ? [] : [part.variable]);
}

function patternVariables(pattern: Pattern): string[] {
  return pattern.flatMap(part => part.kind === 'ref' ? [part.variable] : []);
}

/**
 * Whether a value matches a pattern (StringLike semantics: `*` and `?` match any characters,
 * colons included). Known text is consumed here by derivatives; a variable followed by a character
 * it never holds is cut there; what is left is one variable's membership in a regular language.
 */
export function matchValue(solver: Solver, value: Value, pattern: Pattern, ignoreCase = false): Term {
  return matchParts(solver, joinValue(value), pattern, ignoreCase);
}

function matchParts(solver: Solver, value: ValuePart[], pattern: Pattern, ignoreCase: boolean): Term {
  if (value.length === 0) {
    if (pattern.some(part => part.kind === 'text' || part.kind === 'one')) return FALSE;
    return isGround(pattern) ? fromBoolean(matchesEmpty(pattern)) : native(solver, value, pattern, ignoreCase);
  }
  const [first, ...rest] = value;
  if (typeof first === 'string') {
    let residuals: Pattern[];
    try {
      residuals = derivative(pattern, first, ignoreCase);
    } catch (error) {
      if (error instanceof UnsupportedPattern) return native(solver, value, pattern, ignoreCase);
      throw error;
    }
    return or(...residuals.map(residual => matchParts(solver, rest, residual, ignoreCase)));
  }
  if (!isGround(pattern)) return native(solver, value, pattern, ignoreCase);
  if (rest.length === 0) return solver.membership(first.variable, patternRegex(pattern, ignoreCase));
  const next = rest[0];
  const excluded = EXCLUDED_CHARACTERS[first.variable] ?? '';
  if (typeof next === 'string' && excluded.includes(next[0])) {
    const remaining = joinValue([next.slice(1), ...rest.slice(1)]);
    return or(...splitAt(pattern, next[0])
      .filter(([left]) => !left.some(part => part.kind === 'text' && [...excluded].some(char => part.text.includes(char))))
      .map(([left, right]) => and(
        solver.membership(first.variable, patternRegex(left, ignoreCase)),
        matchParts(solver, remaining, right, ignoreCase),
      )));
  }
  return native(solver, value, pattern, ignoreCase);
}

/**
 * "`prefix` starts `value`". Where the prefix's length is known (text, and variables of a fixed
 * length such as the 12-digit account), as the equation of `value`'s first characters with it:
 * z3 decides a negated `str.prefixof` over an account and a key in seconds, the equation in a
 * tenth of one (measured on the organization grants of the example app).
 */
export function prefixTerm(solver: Solver, prefix: Pattern, prefixText: string, value: string): Term {
  let length = 0;
  for (const part of prefix) {
    const fixed = part.kind === 'text' ? [...part.text].length : part.kind === 'ref' ? solver.fixedLength(part.variable) : undefined;
    if (fixed === undefined) return `(str.prefixof ${prefixText} ${value})`;
    length += fixed;
  }
  return `(= (str.substr ${value} 0 ${length}) ${prefixText})`;
}

/** The match as a constraint over every variable involved, for z3's string theory to decide. */
function native(solver: Solver, value: Value, pattern: Pattern, ignoreCase: boolean): Term {
  const variables = [...new Set([...valueVariables(value), ...patternVariables(pattern)])];
  if (variables.length === 0) throw new Error('a match without variables is decided without the solver');
  // Without wildcards, or with one at the end only, the match is an equation or a prefix, which
  // z3 decides at once; a regular expression over a variable's value takes it seconds.
  const body = pattern[pattern.length - 1]?.kind === 'any' ? pattern.slice(0, -1) : pattern;
  if (!ignoreCase && !hasWildcard(body)) {
    const parts = body.map(part => part.kind === 'text' ? smtString(part.text) : smtVariable((part as { variable: string }).variable));
    const text = parts.length === 0 ? '""' : parts.length === 1 ? parts[0] : `(str.++ ${parts.join(' ')})`;
    if (body.length === pattern.length) return solver.constraint(variables, `(= ${valueTerm(value)} ${text})`);
    return solver.constraint(variables, prefixTerm(solver, body, text, valueTerm(value)));
  }
  return solver.constraint(variables, `(str.in_re ${valueTerm(value)} ${patternRegex(pattern, ignoreCase)})`);
}

/** Splits text parts at the first `count` colons; undefined if a colon could hide in a variable. */
function arnSegments<T>(
  parts: readonly T[], textOf: (part: T) => string | undefined, make: (text: string) => T, colonFree: (part: T) => boolean,
): T[][] | undefined {
  const segments: T[][] = [[]];
  for (const part of parts) {
    const value = textOf(part);
    if (value === undefined) {
      if (segments.length < 6 && !colonFree(part)) return undefined;
      segments[segments.length - 1].push(part);
      continue;
    }
    let rest = value;
    while (segments.length < 6) {
      const at = rest.indexOf(':');
      if (at < 0) break;
      if (at > 0) segments[segments.length - 1].push(make(rest.slice(0, at)));
      segments.push([]);
      rest = rest.slice(at + 1);
    }
    if (rest) segments[segments.length - 1].push(make(rest));
  }
  return segments;
}

/**
 * ArnLike and ArnEquals: each of the six colon-separated parts matches on its own, so a wildcard
 * never spans a colon before the resource part
 * (reference_policies_elements_condition_operators.html#Conditions_ARN). A pattern whose parts
 * cannot be told apart here is matched as a whole string, as StringLike would.
 */
export function matchArn(solver: Solver, value: Value, pattern: Pattern): Term {
  if (pattern.length === 1 && pattern[0].kind === 'any') return TRUE;
  const valueSegments = arnSegments<ValuePart>(joinValue(value), part => typeof part === 'string' ? part : undefined, text => text,
    part => typeof part !== 'string' && (EXCLUDED_CHARACTERS[part.variable] ?? '').includes(':'));
  const patternSegments = arnSegments(pattern, part => part.kind === 'text' ? part.text : undefined, text => ({ kind: 'text' as const, text }),
    part => part.kind !== 'ref');
  if (!valueSegments || !patternSegments || valueSegments.length !== 6 || patternSegments.length !== 6) {
    return matchValue(solver, value, pattern);
  }
  return and(...valueSegments.map((segment, index) => matchValue(solver, segment, patternSegments[index])));
}

export interface EncodeOptions {
  readonly model: RequestModel;
  readonly unknowns: Unknowns;
}

/** The resource of a request, for the kinds of action that act on it. */
export interface ResourceChoice {
  readonly when: Term;
  readonly value: Value;
}

function patternOf(value: Symbolic, options: PatternOptions, encode: EncodeOptions, presence: Term[]): Pattern {
  return parsePattern(value, options, key => {
    const known = encode.model.key(key, 'string');
    const parts = known.value as Value;
    if (parts.length !== 1 || typeof parts[0] === 'string') throw new UnsupportedPattern(`policy variable \${${key}}`);
    presence.push(known.present);
    return parts[0].variable;
  });
}

function symbolicText(value: Symbolic): string | undefined {
  return value.every(part => typeof part === 'string') ? value.join('') : undefined;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('').map(char => char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('')}$`, 'is');
}

/** Action and NotAction: case-insensitive, with wildcards (reference_policies_elements_action.html). */
export function actionTerm(statement: Statement, encode: EncodeOptions): Term {
  const patterns = statement.action ?? statement.notAction;
  if (!patterns) return encode.unknowns.term(`${describeSource(statement.source)} has neither Action nor NotAction`);
  const indices: number[] = [];
  const unknown: Term[] = [];
  for (const pattern of patterns) {
    const glob = symbolicText(pattern);
    if (glob === undefined) {
      unknown.push(encode.unknowns.term(`an action of ${describeSource(statement.source)} is not known offline`));
      continue;
    }
    const regex = globToRegExp(glob);
    ACTIONS.forEach((action, index) => {
      if (regex.test(action.name)) indices.push(index);
    });
  }
  const listed = or(actionIn(indices), ...unknown);
  return statement.action ? listed : not(listed);
}

/** Resource and NotResource (reference_policies_elements_resource.html): an ARN match of any listed pattern. */
export function resourceTerm(statement: Statement, resources: readonly ResourceChoice[], encode: EncodeOptions): Term {
  const patterns = statement.resource ?? statement.notResource;
  // Trust policies and key policies name no resource but their own: a missing element matches.
  if (!patterns) return TRUE;
  const listed = or(...patterns.map(value => {
    const presence: Term[] = [];
    let pattern: Pattern;
    try {
      pattern = patternOf(value, { wildcards: true, variables: statement.variables }, encode, presence);
    } catch (error) {
      if (!(error instanceof UnsupportedPattern)) throw error;
      return encode.unknowns.term(`a resource of ${describeSource(statement.source)}: ${error.message}`);
    }
    return and(...presence, or(...resources.map(resource => and(resource.when, matchArn(encode.model.solver, resource.value, pattern)))));
  }));
  return statement.resource ? listed : not(listed);
}

/** How a Principal element matches the request's principal. */
export interface PrincipalMatch {
  /** The principal is named (its ARN, `*`, a service): a same-account resource policy grants it alone. */
  readonly direct: Term;
  /** The principal's account is named: the account's identity policies must grant it too. */
  readonly account: Term;
}

/**
 * Principal element (reference_policies_elements_principal.html): `*` is everyone, anonymous
 * included; an account id or `arn:aws:iam::<account>:root` is every principal of that account,
 * through its identity policies; a role or user ARN is that role's sessions or that user; a
 * service principal is the service.
 */
export function principalMatch(element: PrincipalElement, statement: Statement, encode: EncodeOptions): PrincipalMatch {
  const { model, unknowns } = encode;
  const solver = model.solver;
  if (element.everyone) return { direct: TRUE, account: FALSE };
  const direct: Term[] = [];
  const account: Term[] = [];
  for (const value of element.aws) {
    if (value.length === 1 && value[0] === '*') {
      direct.push(TRUE);
      continue;
    }
    const accountPart = accountOf(value);
    if (accountPart) {
      account.push(and(model.isIamPrincipal, matchValue(solver, [{ variable: PRINCIPAL_ACCOUNT }], accountPart)));
      continue;
    }
    const arn = symbolicText(value.slice(0, 1)) ?? '';
    if (/^arn:[^:]+:iam::/.test(arn)) {
      const pattern = patternOf(value, { wildcards: false, variables: false }, encode, []);
      const text = patternToString(pattern);
      const type = /:role\//.test(text) ? PrincipalType.ROLE : /:user\//.test(text) ? PrincipalType.USER : undefined;
      if (type !== undefined) {
        direct.push(and(model.principalIs(type), matchValue(solver, model.principalArn, pattern.map(part => part.kind === 'text' ? { kind: 'text' as const, text: part.text.replace(/^arn:[^:]+:/, 'arn:aws:') } : part))));
        continue;
      }
    }
    direct.push(unknowns.term(`principal ${JSON.stringify(value)} of ${describeSource(statement.source)}`));
  }
  for (const value of element.service) {
    const pattern = patternOf(value, { wildcards: false, variables: false }, encode, []);
    direct.push(and(model.principalIs(PrincipalType.SERVICE), matchValue(solver, [{ variable: PRINCIPAL_SERVICE }], pattern)));
  }
  for (const value of [...element.federated, ...element.canonicalUser]) {
    direct.push(unknowns.term(`federated or canonical-user principal ${JSON.stringify(value)} of ${describeSource(statement.source)}`));
  }
  return { direct: or(...direct), account: or(...account) };
}

/** The account an account principal names (a 12-digit id or `arn:<partition>:iam::<id>:root`), as a pattern. */
function accountOf(value: Symbolic): Pattern | undefined {
  const text = symbolicText(value);
  if (text !== undefined) {
    const match = /^(?:arn:[^:]+:iam::)?([0-9]{12})(?::root)?$/.exec(text);
    if (!match || (text.startsWith('arn:') && !text.endsWith(':root'))) return undefined;
    return [{ kind: 'text', text: match[1] }];
  }
  // `arn:aws:iam::<unknown>:root`, or the unknown alone (a parameter holding an account id).
  if (value.length === 1) return [{ kind: 'ref', variable: `unknown:${(value[0] as { unknown: string }).unknown}` }];
  const [head, middle, tail] = value;
  if (value.length === 3 && typeof head === 'string' && /^arn:[^:]+:iam::$/.test(head) && typeof middle !== 'string' && tail === ':root') {
    return [{ kind: 'ref', variable: `unknown:${middle.unknown}` }];
  }
  return undefined;
}

interface OperatorParts {
  readonly set?: 'ForAnyValue' | 'ForAllValues';
  readonly base: string;
  readonly ifExists: boolean;
}

function parseOperator(operator: string): OperatorParts {
  let rest = operator;
  let set: OperatorParts['set'];
  const prefix = /^(ForAnyValue|ForAllValues):(.*)$/i.exec(rest);
  if (prefix) {
    set = prefix[1].toLowerCase() === 'foranyvalue' ? 'ForAnyValue' : 'ForAllValues';
    rest = prefix[2];
  }
  const ifExists = /IfExists$/i.test(rest) && !/^Null$/i.test(rest);
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  return { set, base: rest, ifExists };
}

type ElementTest = (value: Value | Term) => Term;

/** Parses a date condition value: ISO 8601 or seconds since the epoch (reference_policies_elements_condition_operators.html#Conditions_Date). */
export function parseDate(value: string): number | undefined {
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(value)) return Math.round(Number(value) * 1000);
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(value)) return undefined;
  const milliseconds = Date.parse(value);
  return Number.isNaN(milliseconds) ? undefined : milliseconds;
}

/**
 * One condition operator over one key (reference_policies_elements_condition_operators.html):
 * the values of one key are ORed (for negated operators: none may match); a key missing from the
 * request makes a positive operator false and a negated one true; `...IfExists` is true when the
 * key is missing; `Null` tests presence. Set operators (ForAnyValue, ForAllValues) test some or
 * every value of the key (reference_policies_condition-single-vs-multi-valued-context-keys.html);
 * ForAllValues holds of a key with no values.
 */
export function conditionTerm(condition: Statement['condition'][number], statement: Statement, encode: EncodeOptions): Term {
  const { model, unknowns } = encode;
  const solver = model.solver;
  const where = `${condition.operator} ${condition.key} of ${describeSource(statement.source)}`;
  const operator = parseOperator(condition.operator);
  const base = operator.base.toLowerCase();
  const texts = condition.values.map(symbolicText);

  if (base === 'null') {
    if (texts.some(text => text !== 'true' && text !== 'false')) return unknowns.term(`Null values of ${where}`);
    const key = model.key(condition.key, 'string');
    return or(...texts.map(text => text === 'true' ? not(key.present) : key.present));
  }

  let type: KeyValue['type'];
  let negated = false;
  let test: (value: Value | Term) => Term;
  try {
    if (base.startsWith('string') || base.startsWith('arn')) {
      type = 'string';
      const arn = base.startsWith('arn');
      const like = base.endsWith('like') || arn;
      const ignoreCase = base.includes('ignorecase');
      negated = base.includes('not');
      if (!['stringequals', 'stringnotequals', 'stringequalsignorecase', 'stringnotequalsignorecase', 'stringlike', 'stringnotlike',
        'arnequals', 'arnnotequals', 'arnlike', 'arnnotlike'].includes(base)) {
        return unknowns.term(`operator ${where}`);
      }
      const presence: Term[] = [];
      const patterns = condition.values.map(value => patternOf(value, { wildcards: like, variables: statement.variables }, encode, presence));
      test = value => and(...presence, or(...patterns.map(pattern => arn
        ? matchArn(solver, value as Value, pattern)
        : matchValue(solver, value as Value, pattern, ignoreCase))));
    } else if (base.startsWith('numeric') || base.startsWith('date')) {
      const date = base.startsWith('date');
      type = date ? 'date' : 'number';
      const comparison = base.slice(date ? 4 : 7);
      const symbol = { equals: '=', notequals: '=', lessthan: '<', lessthanequals: '<=', greaterthan: '>', greaterthanequals: '>=' }[comparison];
      if (!symbol) return unknowns.term(`operator ${where}`);
      negated = comparison === 'notequals';
      const numbers = texts.map(text => text === undefined ? undefined : date ? parseDate(text) : (/^-?[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : undefined));
      if (numbers.some(number => number === undefined)) return unknowns.term(`values of ${where}`);
      test = value => or(...numbers.map(number => `(${symbol} ${value} ${date ? integer(number!) : decimal(number!)})`));
    } else if (base === 'bool') {
      type = 'bool';
      if (texts.some(text => text?.toLowerCase() !== 'true' && text?.toLowerCase() !== 'false')) return unknowns.term(`values of ${where}`);
      test = value => or(...texts.map(text => text!.toLowerCase() === 'true' ? value as Term : not(value as Term)));
    } else {
      return unknowns.term(`operator ${where}`);
    }
  } catch (error) {
    if (error instanceof UnsupportedPattern) return unknowns.term(`${where}: ${error.message}`);
    throw error;
  }

  const key = model.key(condition.key, type);
  const elementTest: ElementTest = value => negated ? not(test(value)) : test(value);
  const multivalued = isMultivalued(condition.key);
  const elements = [{ present: key.present, value: key.value }, ...(key.elements ?? [])];
  if (operator.set === 'ForAllValues' || (multivalued && !operator.set && negated)) {
    return and(...elements.map(element => or(not(element.present), elementTest(element.value))));
  }
  if (operator.set === 'ForAnyValue' || multivalued) {
    const some = or(...elements.map(element => and(element.present, elementTest(element.value))));
    return operator.ifExists ? or(not(key.present), some) : some;
  }
  if (negated) return or(not(key.present), elementTest(key.value));
  return operator.ifExists ? or(not(key.present), elementTest(key.value)) : and(key.present, elementTest(key.value));
}

/** The Condition element: every operator and key must hold (reference_policies_elements_condition_logic_multiple_context_keys_or_values.html). */
export function conditionsTerm(statement: Statement, encode: EncodeOptions): Term {
  return and(...statement.condition.map(condition => conditionTerm(condition, statement, encode)));
}

/** What makes a statement apply to a request, apart from its principal. */
export function appliesTerm(statement: Statement, resources: readonly ResourceChoice[], encode: EncodeOptions): Term {
  return and(actionTerm(statement, encode), resourceTerm(statement, resources, encode), conditionsTerm(statement, encode));
}
