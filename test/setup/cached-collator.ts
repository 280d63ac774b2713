/**
 * The IAM simulator (through @cloud-copilot/iam-policy's `caseInsensitiveEquals`) compares
 * condition operators and keys with `a.localeCompare(b, undefined, { sensitivity: 'accent' })`,
 * and V8 builds a new ICU collator for every such call: a fifth of the access proofs' CPU time
 * went there. ECMA-402 defines `localeCompare(that, locales, options)` as
 * `new Intl.Collator(locales, options).compare(this, that)`
 * (https://tc39.es/ecma402/#sup-String.prototype.localeCompare), so a collator cached per
 * options gives the same answers: the default locale does not change within a test process.
 * Only calls without `locales` and with plain-data options are cached; the rest go to the original.
 */
const originalLocaleCompare = String.prototype.localeCompare;
interface CachedCollator {
  readonly collator: Intl.Collator;
  /** Whether ASCII letters compare by their base letter alone, alphabetically (see `compareLetters`). */
  readonly lettersByBase: boolean;
}

const collators = new Map<string, CachedCollator>();
// The simulator passes one module-level options object: look it up by identity first.
const collatorsByOptions = new WeakMap<Intl.CollatorOptions, CachedCollator>();

/**
 * With `{ sensitivity: 'accent' }` (the simulator's options) and the root or an English
 * collation, strings of ASCII letters compare by their base letters alone, in alphabetical
 * order: nearly every call the simulator makes (condition operators and keys) is answered
 * without ICU. Other default locales (Turkish, with its dotted and dotless i) always use ICU.
 */
const LETTERS = /^[A-Za-z]*$/;
const DEFAULT_LOCALE = new Intl.Collator().resolvedOptions().locale;
const ENGLISH_OR_ROOT = DEFAULT_LOCALE === 'und' || DEFAULT_LOCALE === 'en' || DEFAULT_LOCALE.startsWith('en-');

function compareLetters(first: string, second: string): number {
  const [a, b] = [first.toLowerCase(), second.toLowerCase()];
  return a === b ? 0 : a < b ? -1 : 1;
}

function cachedCollator(options: Intl.CollatorOptions): CachedCollator {
  let cached = collatorsByOptions.get(options);
  if (cached === undefined) {
    const key = JSON.stringify(options);
    cached = collators.get(key);
    if (cached === undefined) {
      const collator = new Intl.Collator(undefined, options);
      const resolved = collator.resolvedOptions();
      cached = {
        collator,
        lettersByBase: ENGLISH_OR_ROOT && resolved.sensitivity === 'accent' && !resolved.numeric && !resolved.ignorePunctuation,
      };
      collators.set(key, cached);
    }
    collatorsByOptions.set(options, cached);
  }
  return cached;
}

String.prototype.localeCompare = function localeCompare(
  this: string, that: string, locales?: string | string[], options?: Intl.CollatorOptions,
): number {
  if (locales !== undefined || options === undefined) {
    return originalLocaleCompare.call(this, that, locales, options);
  }
  const cached = cachedCollator(options);
  const [first, second] = [String(this), String(that)];
  if (cached.lettersByBase && LETTERS.test(first) && LETTERS.test(second)) {
    return compareLetters(first, second);
  }
  return cached.collator.compare(first, second);
};
