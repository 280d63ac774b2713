/**
 * Reading what z3 prints: the `((name value) ...)` of get-value, its string literals and its numbers.
 */

/** Reads `((name value) ...)` as z3 prints get-value. */
export function parseValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const pattern = /\((\|(?:[^|])*\||[^\s()|]+)\s+("(?:[^"]|"")*"|\((?:[^()]|\([^()]*\))*\)|[^\s()]+)\)/g;
  for (const match of text.matchAll(pattern)) {
    const name = match[1].startsWith('|') ? match[1].slice(1, -1) : match[1];
    out.set(name, match[2]);
  }
  return out;
}

/** Decodes an SMT-LIB string literal as z3 prints it. */
export function decodeString(literal: string): string {
  const body = literal.startsWith('"') ? literal.slice(1, -1) : literal;
  return body
    .replace(/""/g, '"')
    .replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
}

/** Reads a number as z3 prints it: an integer, a decimal, `(- x)` or `(/ x y)`. */
export function parseNumber(raw: string): number {
  const trimmed = raw.trim();
  const negative = /^\(- (.*)\)$/.exec(trimmed);
  if (negative) return -parseNumber(negative[1]);
  const ratio = /^\(\/ (\S+) (\S+)\)$/.exec(trimmed);
  if (ratio) return parseNumber(ratio[1]) / parseNumber(ratio[2]);
  return Number(trimmed);
}
