import * as fc from 'fast-check';

// test/setup/cached-collator.ts caches a collator for `localeCompare(that, undefined, options)`;
// `locales: []` (the default locale too) still goes to the engine's own localeCompare.
const OPTIONS: Intl.CollatorOptions[] = [{ sensitivity: 'accent' }, { sensitivity: 'base' }, { sensitivity: 'case' }, { numeric: true }];

test('the cached collator compares as the engine does', () => {
  expect('StringLike'.localeCompare('stringlike', undefined, { sensitivity: 'accent' })).toBe(0);
  expect('données'.localeCompare('donnees', undefined, { sensitivity: 'accent' })).not.toBe(0);
  const text = fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z]{0,6}$/), fc.constantFrom('IfExists', 'ifexists', 'StringLike', 'i', 'I', 'ı', 'é', 'E'),
    // Single characters of ARNs and resource patterns, as iam-utils compares them.
    fc.constantFrom(':', '/', '-', '*', '?', '0', '9', 'a', 'A', 'z', ''));
  // The same options objects again (cached by identity), and new ones each call (as iam-utils passes them).
  const someOptions = fc.oneof(fc.constantFrom(...OPTIONS), fc.constantFrom(...OPTIONS).map(option => ({ ...option })));
  fc.assert(fc.property(text, text, someOptions, (first, second, options) =>
    Math.sign(first.localeCompare(second, undefined, options)) === Math.sign(first.localeCompare(second, [], options))), { numRuns: 5_000 });
});
