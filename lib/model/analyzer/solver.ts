/**
 * The solver: decides formulas with z3 (z3-runtime.ts loads it and drives each of its contexts).
 *
 * Formulas reach z3 as SMT-LIB text. Strings take part the way Zelkova lets them (Backes et al.,
 * "Semantic-based Automated Reasoning for AWS Access Policies using SMT", FMCAD 2018, section IV):
 * every test of a string variable against a pattern is a Boolean atom; the Boolean and arithmetic
 * skeleton is solved first, and each string variable's atoms, as that solution sets them, are then
 * checked together in one regular-membership query (`str.in_re v (re.inter ...)`), which z3's
 * derivative-based regex solver answers in milliseconds. An unrealizable combination comes back as
 * a lemma (a minimal set of atoms that cannot hold together) and the skeleton is solved again.
 * Asking z3 the whole formula at once with its string theory was tried first: a containment of two
 * key patterns took it minutes, the same question as one membership milliseconds.
 */
import { Atom, Literal, atomsIn, components, literalEquations } from './literals';
import { smtVariable } from './pattern';
import { decodeString, parseNumber, parseValues } from './smt-values';
import { simpleWitness } from './string-witness';
import { FALSE, TRUE, Term, not, or } from './terms';
import { SmtContext, z3 } from './z3-runtime';

export class SolverUnknownError extends Error {}

export type SortName = 'Bool' | 'Int' | 'Real';

/** A satisfying assignment: every declared variable's value, as z3 printed it, decoded. */
export interface SolverModel {
  readonly strings: ReadonlyMap<string, string>;
  readonly numbers: ReadonlyMap<string, number>;
  readonly booleans: ReadonlyMap<string, boolean>;
}

export class Solver {
  public static async create(): Promise<Solver> {
    const { Z3, em } = await z3();
    const make = () => {
      const config = Z3.mk_config();
      Z3.set_param_value(config, 'model', 'true');
      const context = Z3.mk_context(config);
      Z3.del_config(config);
      return new SmtContext(em, context);
    };
    const solver = new Solver(make(), make());
    await solver.strings.run('(set-option :timeout 20000)');
    return solver;
  }

  private readonly atoms = new Map<string, Atom>();
  private readonly atomsByName = new Map<string, Atom>();
  private readonly stringDomains = new Map<string, string>();
  private readonly stringLengths = new Map<string, number>();
  private readonly declared = new Map<string, SortName>();
  private readonly realizable = new Map<string, Map<string, string> | undefined>();
  /** Declarations made since the last call into z3, sent with the next one. */
  private pendingSkeleton: string[] = [];
  private pendingStrings: string[] = [];
  /**
   * Lemmas learned under a context, each with its atoms, by the newest of its atoms: asserted again in
   * each later context that has all of them (see enter). Lemmas learned without a context stay at the base level.
   */
  private readonly lemmasByAtom = new Map<string, Array<{ readonly lemma: string; readonly atoms: readonly string[] }>>();
  /**
   * The context asserted in a scope of its own (see solve), its atoms, and the declarations made under
   * it, which must be sent again at the base level after it.
   */
  private context?: { readonly formula: Term; readonly atoms: readonly string[]; readonly declarations: string[] };
  /** Statistics for the bench: skeleton checks and string checks made. */
  public readonly statistics = { skeletonChecks: 0, stringChecks: 0, lemmas: 0 };

  private constructor(private readonly skeleton: SmtContext, private readonly strings: SmtContext) {}

  /**
   * Declares a string variable whose values lie in `domain` (a regular expression), of `length`
   * characters if given (as a length, not a bounded loop: z3 decides the one in milliseconds where
   * the other takes it seconds).
   */
  public declareString(name: string, domain = 're.all', length?: number): void {
    if (this.stringDomains.has(name)) return;
    this.stringDomains.set(name, domain);
    if (length !== undefined) this.stringLengths.set(name, length);
    this.pendingStrings.push(`(declare-const ${smtVariable(name)} String)`);
  }

  /** The length every value of a string variable has, where it is fixed. */
  public fixedLength(name: string): number | undefined {
    return this.stringLengths.get(name);
  }

  public hasString(name: string): boolean {
    return this.stringDomains.has(name);
  }

  /** Declares a Bool, Int or Real variable of the skeleton. */
  public declare(name: string, sort: SortName): string {
    const symbol = smtVariable(name);
    const existing = this.declared.get(name);
    if (existing && existing !== sort) throw new Error(`${name} is declared as ${existing}, not ${sort}`);
    if (!existing) {
      this.declared.set(name, sort);
      this.pendingSkeleton.push(`(declare-const ${symbol} ${sort})`);
    }
    return symbol;
  }

  /** The atom "variable ∈ regex". */
  public membership(variable: string, regex: string): Term {
    this.declareUnknown(variable);
    return this.atom(`${variable}\u0000${regex}`, () => ({ variables: [variable], regex }));
  }

  /** An atom for a constraint over several string variables (a pattern that refers to a variable). */
  public constraint(variables: readonly string[], constraint: string): Term {
    variables.forEach(variable => this.declareUnknown(variable));
    return this.atom(`${[...variables].sort().join(',')}\u0000${constraint}`, () => ({ variables: [...new Set(variables)], constraint }));
  }

  /** Values of the template the analyzer could not resolve are string variables of their own. */
  private declareUnknown(variable: string): void {
    if (this.stringDomains.has(variable)) return;
    if (!variable.startsWith('unknown:')) throw new Error(`string variable ${variable} is not declared`);
    this.declareString(variable);
  }

  private atom(key: string, make: () => Omit<Atom, 'name'>): Term {
    let atom = this.atoms.get(key);
    if (!atom) {
      atom = { name: `atom!${this.atoms.size}`, ...make() };
      this.atoms.set(key, atom);
      this.atomsByName.set(atom.name, atom);
      this.pendingSkeleton.push(`(declare-const ${smtVariable(atom.name)} Bool)`);
    }
    return smtVariable(atom.name);
  }

  /**
   * A request that satisfies `formula` and `context`, or undefined when none does. Throws
   * SolverUnknownError when z3 gives up (its time limit), never answering "none" for what it did
   * not decide.
   *
   * The context is what many questions in a row share (the policies of one path to a bucket): z3
   * takes it in once, in a scope of its own that stays until a question comes with another
   * context, and each question adds only its own part. z3 answers such a question about eight
   * times faster than one that brings the whole formula.
   */
  public async solve(formula: Term, context: Term = TRUE): Promise<SolverModel | undefined> {
    if (formula === FALSE || context === FALSE) return undefined;
    const learned: string[] = [];
    await this.flush();
    await this.enter(context);
    await this.skeleton.run('(push)');
    try {
      await this.skeleton.run(`(assert ${formula})`);
      for (;;) {
        this.statistics.skeletonChecks++;
        const verdict = (await this.skeleton.run('(check-sat)')).trim();
        if (verdict === 'unsat') return undefined;
        if (verdict !== 'sat') throw new SolverUnknownError(`z3 answered ${verdict}`);
        const inPlay = [...new Set([...atomsIn(formula), ...this.context?.atoms ?? []])];
        const values = await this.values(inPlay, [...this.declared.keys()]);
        const literals: Literal[] = inPlay.map(name => ({ atom: this.atomsByName.get(name)!, value: values.get(name) === 'true' }));
        const strings = new Map<string, string>();
        let refuted = false;
        for (const component of components(literals)) {
          // A constraint over several variables with the memberships of its own variables first:
          // most contradictions lie there, and the smaller question is the cheaper one.
          let refutedPart: Literal[] | undefined;
          if (component.some(literal => literal.atom.constraint !== undefined)) {
            for (const literal of component.filter(item => item.atom.constraint !== undefined)) {
              const ownMembership = (item: Literal) => item.atom.regex !== undefined && literal.atom.variables.includes(item.atom.variables[0]);
              const part = component.filter(item => item === literal || ownMembership(item));
              if (part.length < component.length && !(await this.realize(part))) {
                refutedPart = part;
                break;
              }
            }
          }
          const witness = refutedPart ? undefined : await this.realize(component);
          if (witness) {
            witness.forEach((value, variable) => strings.set(variable, value));
            continue;
          }
          const core = await this.minimize(refutedPart ?? component);
          const lemma = or(...core.map(literal => literal.value ? not(smtVariable(literal.atom.name)) : smtVariable(literal.atom.name)));
          this.statistics.lemmas++;
          learned.push(lemma);
          await this.skeleton.run(`(assert ${lemma})`);
          refuted = true;
        }
        if (refuted) continue;
        for (const variable of this.stringDomains.keys()) {
          if (!strings.has(variable)) strings.set(variable, await this.anyValue(variable));
        }
        const numbers = new Map<string, number>();
        const booleans = new Map<string, boolean>();
        for (const [name, sort] of this.declared) {
          const raw = values.get(name);
          if (raw === undefined) continue;
          if (sort === 'Bool') booleans.set(name, raw === 'true');
          else numbers.set(name, parseNumber(raw));
        }
        return { strings, numbers, booleans };
      }
    } finally {
      await this.skeleton.run('(pop)');
      // A lemma holds of every string, whatever the formula: keep it for the next questions.
      for (const lemma of learned) {
        await this.skeleton.run(`(assert ${lemma})`);
        if (this.context) this.keep(lemma);
      }
    }
  }

  /** Makes `context` the one asserted (nothing for TRUE), in place of the one before. */
  private async enter(context: Term): Promise<void> {
    if ((this.context?.formula ?? TRUE) === context) return;
    if (this.context) {
      const declarations = this.context.declarations;
      this.context = undefined;
      await this.skeleton.run(`(pop)${declarations.join('')}`);
    }
    if (context === TRUE) return;
    const atoms = atomsIn(context);
    this.context = { formula: context, atoms, declarations: [] };
    // The lemmas about this context's atoms only: all of them at the base level would make every
    // check of a review of 10,000 access points carry 10,000 clauses about the others' accounts
    // (one lemma each), and a lemma left out is at worst learned again.
    const inContext = new Set(atoms);
    const relevant = atoms.flatMap(atom => this.lemmasByAtom.get(atom) ?? []).filter(item => item.atoms.every(atom => inContext.has(atom)));
    await this.skeleton.run(`(push)(assert ${context})${relevant.map(item => `(assert ${item.lemma})`).join('')}`);
  }

  /** Keeps a lemma learned under a context for later contexts, by its newest atom (one of a context's atoms if all of them are). */
  private keep(lemma: string): void {
    const atoms = atomsIn(lemma);
    if (atoms.length === 0) return;
    const newest = atoms.reduce((a, b) => Number(a.slice('atom!'.length)) > Number(b.slice('atom!'.length)) ? a : b);
    const kept = this.lemmasByAtom.get(newest);
    if (kept) kept.push({ lemma, atoms });
    else this.lemmasByAtom.set(newest, [{ lemma, atoms }]);
  }

  private async flush(): Promise<void> {
    if (this.pendingSkeleton.length > 0) {
      const declarations = this.pendingSkeleton.splice(0);
      this.context?.declarations.push(...declarations);
      await this.skeleton.run(declarations.join(''));
    }
    if (this.pendingStrings.length > 0) await this.strings.run(this.pendingStrings.splice(0).join(''));
  }

  private async values(atoms: string[], variables: string[]): Promise<Map<string, string>> {
    const names = [...atoms, ...variables];
    const out = new Map<string, string>();
    for (let start = 0; start < names.length; start += 500) {
      const chunk = names.slice(start, start + 500);
      const text = await this.skeleton.run(`(get-value (${chunk.map(smtVariable).join(' ')}))`);
      for (const [name, value] of parseValues(text)) out.set(name, value);
    }
    return out;
  }

  /** Values of the component's variables that make its literals true, or undefined if none exist. */
  private async realize(literals: readonly Literal[]): Promise<Map<string, string> | undefined> {
    const key = literals.map(literal => `${literal.value ? '' : '!'}${literal.atom.name}`).sort().join(' ');
    if (this.realizable.has(key)) return this.realizable.get(key);
    const equations = literalEquations(literals);
    if (equations !== undefined) {
      const witness = equations === 'contradiction' ? undefined : await this.realize([equations]);
      this.realizable.set(key, witness);
      return witness;
    }
    const simple = this.simpleWitness(literals);
    if (simple) {
      this.realizable.set(key, simple);
      return simple;
    }
    const variables = [...new Set(literals.flatMap(literal => literal.atom.variables))];
    const assertions: string[] = [];
    const constrained = new Set(literals.filter(literal => literal.atom.constraint !== undefined && literal.atom.variables.length > 1)
      .flatMap(literal => literal.atom.variables));
    for (const variable of variables) {
      const symbol = smtVariable(variable);
      const regexes = [this.stringDomains.get(variable)!];
      for (const literal of literals) {
        if (literal.atom.regex === undefined || literal.atom.variables[0] !== variable) continue;
        // A membership in one literal string is an equation (or, negated, a disequation), which z3
        // decides at once and propagates into constraints over several variables; as a membership
        // (or its complement) it takes z3 seconds there. A disequation beside memberships alone is
        // the other way round: z3 took 18 to 23 s for "not the bucket's ARN, not under one
        // prefix, under another" (the KMS encryption context of two grants), 16 ms for the
        // complement in the intersection.
        const literalText = /^\(str\.to_re ("(?:[^"]|"")*")\)$/.exec(literal.atom.regex);
        if (literalText && (literal.value || constrained.has(variable))) {
          assertions.push(literal.value ? `(assert (= ${symbol} ${literalText[1]}))` : `(assert (not (= ${symbol} ${literalText[1]})))`);
          continue;
        }
        // Matching anything: no constraint.
        if (literal.value && (literal.atom.regex === '(re.* re.allchar)' || literal.atom.regex === 're.all')) continue;
        regexes.push(literal.value ? literal.atom.regex : `(re.comp ${literal.atom.regex})`);
      }
      const kept = regexes.filter(regex => regex !== 're.all');
      if (kept.length > 0) assertions.push(`(assert (str.in_re ${symbol} ${kept.length === 1 ? kept[0] : `(re.inter ${kept.join(' ')})`}))`);
      const length = this.stringLengths.get(variable);
      if (length !== undefined) assertions.push(`(assert (= (str.len ${symbol}) ${length}))`);
    }
    for (const literal of literals) {
      if (literal.atom.constraint !== undefined) {
        assertions.push(`(assert ${literal.value ? literal.atom.constraint : `(not ${literal.atom.constraint})`})`);
      }
    }
    this.statistics.stringChecks++;
    await this.flush();
    const output = await this.strings.run(`(push)${assertions.join('')}(check-sat)`);
    let witness: Map<string, string> | undefined;
    try {
      const verdict = output.trim();
      if (verdict === 'sat') {
        const text = await this.strings.run(`(get-value (${variables.map(smtVariable).join(' ')}))`);
        witness = new Map([...parseValues(text)].map(([name, value]) => [name, decodeString(value)]));
      } else if (verdict !== 'unsat') {
        throw new SolverUnknownError(`z3 could not decide whether strings exist that satisfy ${assertions.join(' ')}: ${verdict}`);
      }
    } finally {
      await this.strings.run('(pop)');
    }
    this.realizable.set(key, witness);
    return witness;
  }

  /** A value found without z3 (string-witness.ts), where the literals are memberships of one variable in simple expressions. */
  private simpleWitness(literals: readonly Literal[]): Map<string, string> | undefined {
    const variable = literals[0]?.atom.variables[0];
    if (variable === undefined) return undefined;
    if (literals.some(literal => literal.atom.regex === undefined || literal.atom.variables[0] !== variable)) return undefined;
    const tests = [{ regex: this.stringDomains.get(variable)!, holds: true }];
    for (const literal of literals) tests.push({ regex: literal.atom.regex!, holds: literal.value });
    const value = simpleWitness(tests, this.stringLengths.get(variable));
    return value === undefined ? undefined : new Map([[variable, value]]);
  }

  /** A smallest set of the literals that still cannot hold together (deletion-based). */
  private async minimize(literals: readonly Literal[]): Promise<Literal[]> {
    let core = [...literals];
    for (let index = core.length - 1; index >= 0 && core.length > 1; index--) {
      const without = core.filter((_, other) => other !== index);
      if (!(await this.realize(without))) core = without;
    }
    return core;
  }

  /**
   * What an atom stands for, by its name (`atom!N`, as formulas hold it): its string variables and
   * either the regular expression the one variable is a member of, or the constraint over several.
   * For tests that evaluate formulas on concrete requests without z3 (test/model/analyzer/concrete-evaluator.ts).
   */
  public atomDefinition(name: string): { readonly variables: readonly string[]; readonly regex?: string; readonly constraint?: string } | undefined {
    const atom = this.atomsByName.get(name);
    return atom && { variables: atom.variables, regex: atom.regex, constraint: atom.constraint };
  }

  private async anyValue(variable: string): Promise<string> {
    const witness = await this.realize([{ atom: { name: `domain!${variable}`, variables: [variable], regex: 're.all' }, value: true }]);
    return witness?.get(variable) ?? '';
  }
}
