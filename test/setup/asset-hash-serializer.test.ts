import serializer from './asset-hash-serializer';

describe('asset hash serializer', () => {
  const hash = 'a'.repeat(40) + '0123456789abcdef01234567';

  test('replaces every asset hash in a string', () => {
    const key = `${hash}.zip`;
    expect(serializer.test(key)).toBe(true);
    expect(serializer.serialize(`${key} and ${hash}.json`)).toBe('"[ASSET HASH].zip and [ASSET HASH].json"');
  });

  test('leaves other strings to the default serializer', () => {
    expect(serializer.test('arn:aws:s3:::bucket/prefix/*')).toBe(false);
    expect(serializer.test(hash.slice(1))).toBe(false);
    expect(serializer.test(42)).toBe(false);
  });

  test('is the serializer jest applies to snapshots', () => {
    expect({ assetKey: `${hash}.zip` }).toMatchInlineSnapshot(`
      {
        "assetKey": "[ASSET HASH].zip",
      }
    `);
  });
});
