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
  const a = first.toLowerCase();
  const b = second.toLowerCase();
  return a === b ? 0 : a < b ? -1 : 1;
}

function newCollator(options: Intl.CollatorOptions): CachedCollator {
  const collator = new Intl.Collator(undefined, options);
  const resolved = collator.resolvedOptions();
  return {
    collator,
    lettersByBase: ENGLISH_OR_ROOT && resolved.sensitivity === 'accent' && !resolved.numeric && !resolved.ignorePunctuation,
  };
}

/** Collators for options that hold a sensitivity and nothing else, by that sensitivity. */
const collatorsBySensitivity = new Map<string, CachedCollator>();

function cachedCollator(options: Intl.CollatorOptions): CachedCollator {
  let cached = collatorsByOptions.get(options);
  if (cached !== undefined) {
    return cached;
  }
  // @cloud-copilot/iam-utils compares resource patterns character by character, each call with a
  // new `{ sensitivity: 'accent' }`: looked up by its one value, not stringified and remembered
  // per object (that alone cost a tenth of a random configuration's CPU, most of it in GC).
  const keys = Object.keys(options);
  if (keys.length === 1 && keys[0] === 'sensitivity' && typeof options.sensitivity === 'string') {
    cached = collatorsBySensitivity.get(options.sensitivity);
    if (cached === undefined) {
      cached = newCollator(options);
      collatorsBySensitivity.set(options.sensitivity, cached);
    }
    return cached;
  }
  const key = JSON.stringify(options);
  cached = collators.get(key);
  if (cached === undefined) {
    cached = newCollator(options);
    collators.set(key, cached);
  }
  collatorsByOptions.set(options, cached);
  return cached;
}

String.prototype.localeCompare = function localeCompare(
  this: string, that: string, locales?: string | string[], options?: Intl.CollatorOptions,
): number {
  if (locales !== undefined || options === undefined) {
    return originalLocaleCompare.call(this, that, locales, options);
  }
  // No destructuring or other allocation here: this runs millions of times per proof run.
  const first = String(this);
  const second = String(that);
  // Identical strings are equal in every collation.
  if (first === second) {
    return 0;
  }
  const cached = cachedCollator(options);
  if (cached.lettersByBase && LETTERS.test(first) && LETTERS.test(second)) {
    return compareLetters(first, second);
  }
  return cached.collator.compare(first, second);
};
