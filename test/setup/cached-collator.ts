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
const collators = new Map<string, Intl.Collator>();
// The simulator passes one module-level options object: look it up by identity first.
const collatorsByOptions = new WeakMap<Intl.CollatorOptions, Intl.Collator>();

String.prototype.localeCompare = function localeCompare(
  this: string, that: string, locales?: string | string[], options?: Intl.CollatorOptions,
): number {
  if (locales !== undefined || options === undefined) {
    return originalLocaleCompare.call(this, that, locales, options);
  }
  let collator = collatorsByOptions.get(options);
  if (collator === undefined) {
    const key = JSON.stringify(options);
    collator = collators.get(key) ?? new Intl.Collator(undefined, options);
    collators.set(key, collator);
    collatorsByOptions.set(options, collator);
  }
  return collator.compare(String(this), String(that));
};
