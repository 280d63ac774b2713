/**
 * Evaluates the analyzer's formulas on one concrete request, in JavaScript, without z3: the
 * differential test (differential.access.test.ts) decides a hundred thousand requests this way
 * and checks a few hundred of them against z3 itself (PolicyAnalyzer.isAllowed).
 *
 * A formula is SMT-LIB text over `and`, `or`, `not`, `=`, `ite`, `<`, `<=`, `>`, `>=`, integer,
 * decimal and Boolean constants, request variables (`|principal:type|`, `|action|`,
 * `|context:aws:currenttime|`, `|context:<key>#<type>:present|`...) and string atoms
 * (`|atom!N|`). An atom is what the solver's table says it is (Solver.atomDefinition): a
 * membership of one string variable in an SMT-LIB regular expression (`str.to_re`, `re.++`,
 * `re.union`, `re.*`, `re.+`, `re.allchar`, `re.range`, `re.comp`, `re.inter`, `re.all`), or a
 * constraint over several (`str.in_re`, `str.prefixof`, `=`, `str.++`, `str.len`). Anything else
 * throws: this checks the encoding, so it must never guess.
 *
 * This is test code: z3 decides in production.
 */
import { OBJECT_KEY, PRINCIPAL_ACCOUNT, PRINCIPAL_PATH, PRINCIPAL_SERVICE, PrincipalType, RequestModel, actionIndex } from '../../../lib/model/analyzer/request';
import { decodeString } from '../../../lib/model/analyzer/smt-values';
import { Solver } from '../../../lib/model/analyzer/solver';

/** A concrete request, as values of the solver's variables. */
export interface Assignment {
  readonly strings: ReadonlyMap<string, string>;
  readonly numbers: ReadonlyMap<string, number>;
  readonly booleans: ReadonlyMap<string, boolean>;
}

type SExpression = string | SExpression[];

/** Reads SMT-LIB text: lists, `|quoted symbols|`, `"strings"` (with `""` inside), other tokens. */
export function parseSExpression(text: string): SExpression {
  let index = 0;
  const skip = () => {
    while (index < text.length && /\s/.test(text[index])) index++;
  };
  const read = (): SExpression => {
    skip();
    const char = text[index];
    if (char === undefined) throw new Error('unexpected end of SMT-LIB text');
    if (char === '(') {
      index++;
      const list: SExpression[] = [];
      for (;;) {
        skip();
        if (text[index] === ')') {
          index++;
          return list;
        }
        list.push(read());
      }
    }
    if (char === ')') throw new Error(`unexpected ) at ${index}`);
    if (char === '|') {
      const end = text.indexOf('|', index + 1);
      const token = text.slice(index, end + 1);
      index = end + 1;
      return token;
    }
    if (char === '"') {
      let end = index + 1;
      for (;;) {
        const quote = text.indexOf('"', end);
        if (quote < 0) throw new Error('unterminated string literal');
        if (text[quote + 1] === '"') {
          end = quote + 2;
          continue;
        }
        end = quote + 1;
        break;
      }
      const token = text.slice(index, end);
      index = end;
      return token;
    }
    const start = index;
    while (index < text.length && !/[\s()]/.test(text[index])) index++;
    return text.slice(start, index);
  };
  const expression = read();
  skip();
  if (index !== text.length) throw new Error(`trailing text after the term: ${text.slice(index, index + 40)}`);
  return expression;
}

type Value = boolean | number | string;

/** Per-request state: the assignment and the atoms decided so far. */
interface Context {
  readonly assignment: Assignment;
  readonly atoms: Map<string, boolean>;
}

type Compiled = (context: Context) => Value;

function variableName(token: string): string | undefined {
  return token.startsWith('|') ? token.slice(1, -1) : undefined;
}

function lookup(assignment: Assignment, name: string): Value {
  const value = assignment.booleans.get(name) ?? assignment.numbers.get(name) ?? assignment.strings.get(name);
  if (value === undefined) throw new Error(`the request gives no value to ${name}`);
  return value;
}

/** A regular expression: the positions where a match that starts at `start` of `chars` can end. */
type Regex = (chars: readonly string[], start: number, context: Context) => number[];

/** Compiles SMT-LIB terms into closures; atoms are compiled once from the solver's table. */
export class FormulaEvaluator {
  private readonly formulas = new Map<string, Compiled>();
  private readonly atomTerms = new Map<string, Compiled>();
  private readonly atomVariables = new Map<string, string[]>();
  private readonly atomCache = new Map<string, Map<string, boolean>>();

  constructor(private readonly solver: Solver) {}

  /** Whether `formula` holds of the request. */
  public evaluate(formula: string, assignment: Assignment): boolean {
    let compiled = this.formulas.get(formula);
    if (!compiled) {
      compiled = this.compile(parseSExpression(formula));
      this.formulas.set(formula, compiled);
    }
    const value = compiled({ assignment, atoms: new Map() });
    if (typeof value !== 'boolean') throw new Error(`the formula is not Boolean: ${formula.slice(0, 80)}`);
    return value;
  }

  private atom(name: string, context: Context): boolean {
    const known = context.atoms.get(name);
    if (known !== undefined) return known;
    let compiled = this.atomTerms.get(name);
    if (!compiled) {
      const definition = this.solver.atomDefinition(name);
      if (!definition) throw new Error(`${name} is not an atom of the solver`);
      this.atomVariables.set(name, [...new Set([...(definition.regex ?? definition.constraint ?? '').matchAll(/\|([^|]*)\|/g)].map(match => match[1]).concat(definition.variables))]);
      if (definition.regex !== undefined) {
        const regex = this.regex(parseSExpression(definition.regex));
        const variable = definition.variables[0];
        compiled = item => {
          const chars = [...(lookup(item.assignment, variable) as string)];
          return regex(chars, 0, item).includes(chars.length);
        };
      } else {
        compiled = this.compile(parseSExpression(definition.constraint!));
      }
      this.atomTerms.set(name, compiled);
    }
    // An atom depends on its variables' values only: decided once per combination of them.
    const variables = this.atomVariables.get(name)!;
    const cacheKey = variables.map(variable => lookup(context.assignment, variable)).join('\u0000');
    let cache = this.atomCache.get(name);
    if (!cache) {
      cache = new Map();
      this.atomCache.set(name, cache);
    }
    let value = cache.get(cacheKey);
    if (value === undefined) {
      value = compiled(context) as boolean;
      cache.set(cacheKey, value);
    }
    context.atoms.set(name, value);
    return value;
  }

  private compile(expression: SExpression): Compiled {
    if (typeof expression === 'string') return this.leaf(expression);
    const [head, ...rest] = expression;
    if (typeof head !== 'string') throw new Error('a term must start with an operator');
    const args = () => rest.map(item => this.compile(item));
    switch (head) {
      case 'and': {
        const parts = args();
        return context => parts.every(part => part(context) === true);
      }
      case 'or': {
        const parts = args();
        return context => parts.some(part => part(context) === true);
      }
      case 'not': {
        const [inner] = args();
        return context => !(inner(context) as boolean);
      }
      case 'ite': {
        const [condition, then, otherwise] = args();
        return context => condition(context) ? then(context) : otherwise(context);
      }
      case '=': {
        const parts = args();
        return context => {
          const first = parts[0](context);
          return parts.slice(1).every(part => part(context) === first);
        };
      }
      case '<': case '<=': case '>': case '>=': {
        const [left, right] = args();
        const compare = { '<': (a: number, b: number) => a < b, '<=': (a: number, b: number) => a <= b, '>': (a: number, b: number) => a > b, '>=': (a: number, b: number) => a >= b }[head];
        return context => compare(left(context) as number, right(context) as number);
      }
      case '-': {
        const parts = args();
        if (parts.length === 1) return context => -(parts[0](context) as number);
        return context => (parts[0](context) as number) - (parts[1](context) as number);
      }
      case 'str.++': {
        const parts = args();
        return context => parts.map(part => part(context) as string).join('');
      }
      case 'str.len': {
        const [inner] = args();
        return context => [...(inner(context) as string)].length;
      }
      case 'str.substr': {
        // SMT-LIB: the substring of `length` characters from `start`, shorter at the end; "" when
        // `start` is outside the string or `length` is not positive.
        const [whole, start, length] = args();
        return context => {
          const chars = [...(whole(context) as string)];
          const from = start(context) as number;
          const count = length(context) as number;
          if (from < 0 || from >= chars.length || count <= 0) return '';
          return chars.slice(from, from + count).join('');
        };
      }
      case 'str.prefixof': {
        const [prefix, whole] = args();
        return context => (whole(context) as string).startsWith(prefix(context) as string);
      }
      case 'str.in_re': {
        const value = this.compile(rest[0]);
        const regex = this.regex(rest[1]);
        return context => {
          const chars = [...(value(context) as string)];
          return regex(chars, 0, context).includes(chars.length);
        };
      }
      default:
        throw new Error(`the concrete evaluator does not know the operator ${head}`);
    }
  }

  private leaf(token: string): Compiled {
    if (token === 'true') return () => true;
    if (token === 'false') return () => false;
    if (/^[0-9]+(\.[0-9]+)?$/.test(token)) {
      const number = Number(token);
      return () => number;
    }
    if (token.startsWith('"')) {
      const text = decodeString(token);
      return () => text;
    }
    const name = variableName(token);
    if (name === undefined) throw new Error(`the concrete evaluator does not know the symbol ${token}`);
    if (name.startsWith('atom!')) return context => this.atom(name, context);
    return context => lookup(context.assignment, name);
  }

  /** The regular expression's matcher: the end positions of its matches from a start position. */
  private regex(expression: SExpression): Regex {
    if (typeof expression === 'string') {
      if (expression === 're.allchar') return (chars, start) => start < chars.length ? [start + 1] : [];
      if (expression === 're.all') return (chars, start) => range(start, chars.length);
      if (expression === 're.none') return () => [];
      throw new Error(`the concrete evaluator does not know the regular expression ${expression}`);
    }
    const [head, ...rest] = expression;
    switch (head) {
      case 'str.to_re': {
        const value = this.compile(rest[0]);
        return (chars, start, context) => {
          const text = [...(value(context) as string)];
          for (let index = 0; index < text.length; index++) {
            if (chars[start + index] !== text[index]) return [];
          }
          return [start + text.length];
        };
      }
      case 're.range': {
        const [low, high] = rest.map(item => decodeString(item as string).codePointAt(0)!);
        return (chars, start) => {
          const code = chars[start]?.codePointAt(0);
          return code !== undefined && code >= low && code <= high ? [start + 1] : [];
        };
      }
      case 're.++': {
        const parts = rest.map(item => this.regex(item));
        return (chars, start, context) => {
          let positions = [start];
          for (const part of parts) {
            const next = new Set<number>();
            for (const position of positions) for (const end of part(chars, position, context)) next.add(end);
            positions = [...next];
            if (positions.length === 0) break;
          }
          return positions;
        };
      }
      case 're.union': {
        const parts = rest.map(item => this.regex(item));
        return (chars, start, context) => [...new Set(parts.flatMap(part => part(chars, start, context)))];
      }
      case 're.inter': {
        const parts = rest.map(item => this.regex(item));
        return (chars, start, context) => parts.slice(1).reduce(
          (ends, part) => { const other = new Set(part(chars, start, context)); return ends.filter(end => other.has(end)); },
          parts[0](chars, start, context));
      }
      case 're.comp': {
        const inner = this.regex(rest[0]);
        return (chars, start, context) => {
          const ends = new Set(inner(chars, start, context));
          return range(start, chars.length).filter(end => !ends.has(end));
        };
      }
      case 're.*': case 're.+': {
        const inner = this.regex(rest[0]);
        const plus = head === 're.+';
        return (chars, start, context) => {
          // Positions reached by one or more iterations; zero iterations reach `start` itself.
          const reached = new Set<number>();
          const frontier = [start];
          while (frontier.length > 0) {
            const position = frontier.pop()!;
            for (const end of inner(chars, position, context)) {
              if (!reached.has(end)) {
                reached.add(end);
                frontier.push(end);
              }
            }
          }
          if (!plus) reached.add(start);
          return [...reached];
        };
      }
      default:
        throw new Error(`the concrete evaluator does not know the regular expression operator ${String(head)}`);
    }
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

/** A request as the analyzer's AccessRequest describes it, with every context key it carries. */
export interface ConcreteRequest {
  /** `arn:aws:iam::<account>:role/...`, `...:user/...`, `...:root`, `anonymous`, or a service principal. */
  readonly principal: string;
  readonly action: string;
  readonly key?: string;
  /** Every context key of the request (aws:CurrentTime and aws:SecureTransport included). */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** The assignment of `model`'s variables for a request, as PolicyAnalyzer.isAllowed fixes them. */
export function assignmentFor(model: RequestModel, request: ConcreteRequest, unknownStrings: ReadonlyMap<string, string> = new Map()): Assignment {
  const strings = new Map<string, string>(unknownStrings);
  const numbers = new Map<string, number>();
  const booleans = new Map<string, boolean>();
  const arn = /^arn:[^:]+:iam::([0-9]{12}):(root|role\/.+|user\/.+)$/.exec(request.principal);
  if (arn) {
    numbers.set('principal:type', arn[2] === 'root' ? PrincipalType.ROOT : arn[2].startsWith('role/') ? PrincipalType.ROLE : PrincipalType.USER);
    strings.set(PRINCIPAL_ACCOUNT, arn[1]);
    strings.set(PRINCIPAL_PATH, arn[2]);
    strings.set(PRINCIPAL_SERVICE, 'none.amazonaws.com');
  } else if (request.principal === 'anonymous') {
    numbers.set('principal:type', PrincipalType.ANONYMOUS);
    strings.set(PRINCIPAL_ACCOUNT, '000000000000');
    strings.set(PRINCIPAL_PATH, 'anonymous');
    strings.set(PRINCIPAL_SERVICE, 'none.amazonaws.com');
  } else {
    numbers.set('principal:type', PrincipalType.SERVICE);
    strings.set(PRINCIPAL_ACCOUNT, '000000000000');
    strings.set(PRINCIPAL_PATH, 'service');
    strings.set(PRINCIPAL_SERVICE, request.principal);
  }
  const action = actionIndex(request.action);
  if (action === undefined) throw new Error(`${request.action} is not in the analyzer's catalogue`);
  numbers.set('action', action);
  // Bucket actions name no object: any key does, the formula does not read it for them.
  strings.set(OBJECT_KEY, request.key ?? 'no-object');
  // As isAllowed: principals whose identity policies are not in the templates may be allowed by them.
  booleans.set('identity:unknown-principal-allows', true);
  const context = new Map(Object.entries(request.context).map(([key, value]) => [key.toLowerCase(), value]));
  const time = context.get('aws:currenttime');
  if (typeof time !== 'string') throw new Error('the request needs aws:CurrentTime');
  numbers.set('context:aws:currenttime', parseTime(time));
  booleans.set('context:aws:securetransport', context.get('aws:securetransport') === 'true');
  for (const free of model.free.values()) {
    const given = context.get(free.key.toLowerCase());
    const values = given === undefined ? [] : typeof given === 'string' ? [given] : [...given];
    const variable = free.variable;
    booleans.set(`${variable}:present`, values.length > 0);
    switch (free.type) {
      case 'string': {
        strings.set(variable, values[0] ?? '');
        (free.value.elements ?? []).forEach((_, index) => {
          booleans.set(`${variable}#${index + 1}:present`, index + 1 < values.length);
          strings.set(`${variable}#${index + 1}`, values[index + 1] ?? '');
        });
        if (values.length > 1 + (free.value.elements ?? []).length) throw new Error(`${free.key} has more values than the model has elements`);
        break;
      }
      case 'bool':
        booleans.set(variable, values[0] === 'true');
        break;
      case 'date':
        numbers.set(variable, values.length > 0 ? parseTime(values[0]) : 0);
        break;
      case 'number':
        numbers.set(variable, values.length > 0 ? Number(values[0]) : 0);
        break;
    }
  }
  return { strings, numbers, booleans };
}

function parseTime(value: string): number {
  const milliseconds = /^-?[0-9]+(\.[0-9]+)?$/.test(value) ? Math.round(Number(value) * 1000) : Date.parse(value);
  if (Number.isNaN(milliseconds)) throw new Error(`not a time: ${value}`);
  return milliseconds;
}
