/**
 * Jest snapshot serializer: replaces asset hashes (64 hex characters, as CDK writes them in
 * asset keys, parameters and bootstrap checks) with a fixed marker, so that a snapshot changes
 * when what a template says changes, not when an asset's bytes or CDK's bundling do.
 */
const ASSET_HASH = /[0-9a-f]{64}/;
const ALL_ASSET_HASHES = new RegExp(ASSET_HASH.source, 'g');

export = {
  test: (value: unknown): boolean => typeof value === 'string' && ASSET_HASH.test(value),
  serialize: (value: string): string => JSON.stringify(value.replace(ALL_ASSET_HASHES, '[ASSET HASH]')),
};
