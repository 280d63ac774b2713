import { Assignment, FormulaEvaluator, parseSExpression } from './concrete-evaluator';
import { Solver } from '../../../lib/model/analyzer/solver';

// Formulas without atoms: the solver's table is never read.
const evaluator = new FormulaEvaluator({} as Solver);
const values: Assignment = {
  strings: new Map([['key', 'data/ü"x'], ['account', '222222222222']]),
  numbers: new Map([['time', 1_800_000_000_000], ['tls', 1.2]]),
  booleans: new Map([['secure', true]]),
};
const holds = (formula: string) => evaluator.evaluate(formula, values);

test('SMT-LIB text: quoted symbols, strings with "" and \\u{...}', () => {
  expect(parseSExpression('(= |a:b/c| "x""y")')).toEqual(['=', '|a:b/c|', '"x""y"']);
  expect(holds('(= |key| "data/\\u{fc}""x")')).toBe(true);
});

test('Boolean and arithmetic operators', () => {
  expect(holds('(and |secure| (not (= |account| "333333333333")))')).toBe(true);
  expect(holds('(or false (< |tls| 1.2))')).toBe(false);
  expect(holds('(and (<= |tls| 1.2) (>= |time| 1800000000000) (> |time| (- 5)))')).toBe(true);
  expect(holds('(ite |secure| false true)')).toBe(false);
});

test.each([
  ['(re.++ (str.to_re "data/") (re.* re.allchar))', true],
  ['(re.++ (str.to_re "data/") (re.+ (re.range "a" "z")))', false],
  ['(re.inter (re.++ (str.to_re "d") re.all) (re.comp (re.++ re.all (str.to_re "y"))))', true],
  ['(re.comp (re.++ (str.to_re "data/") re.all))', false],
  ['(re.union (str.to_re "x") (re.++ (re.union (str.to_re "D") (str.to_re "d")) re.all))', true],
  ['(re.++ (str.to_re "data/") re.allchar (str.to_re """x"))', true],
])('regular expressions over a value: %s', (regex, expected) => {
  expect(holds(`(str.in_re |key| ${regex})`)).toBe(expected);
});

test('string constraints', () => {
  expect(holds('(str.prefixof "data/" |key|)')).toBe(true);
  expect(holds('(= (str.len |account|) 12)')).toBe(true);
  expect(holds('(= (str.substr |key| 0 5) "data/")')).toBe(true);
  expect(holds('(= (str.substr |key| 0 4) "data/")')).toBe(false);
  expect(holds('(= (str.substr |key| 99 3) "")')).toBe(true);
  expect(holds('(str.in_re (str.++ "arn:aws:iam::" |account|) (re.++ (str.to_re "arn:aws:iam::") (str.to_re |account|)))')).toBe(true);
});

test('anything else is refused, never guessed', () => {
  expect(() => holds('(str.contains |key| "a")')).toThrow(/does not know the operator str.contains/);
  expect(() => holds('|unset|')).toThrow(/no value to unset/);
});
