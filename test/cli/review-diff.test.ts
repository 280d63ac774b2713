/**
 * `review NEW --against OLD`, in-process (lib/cli/review-diff.ts): what differs between two
 * grants and whether it widens access, and how the grants of two assemblies are paired. The
 * compiled command on real assemblies is in review.test.ts.
 */
import {
  accessCovers, bucketLabel, diffBuckets, expiryCovers, FieldChange, grantDifferences, prefixCovers, principalsCover, unitsCover,
} from '../../lib/cli/review-diff';
import { ReviewBucket } from '../../lib/cli/review-model';
import { RecordedGrant } from '../../lib/model/record';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const VENDOR = '333333333333';
const BUCKET = 'review-shared-data';
const READER = `arn:aws:iam::${CONSUMER}:role/AnalyticsReader`;
const OTHER_ROLE = `arn:aws:iam::${CONSUMER}:role/Other`;
const ORGANIZATION = 'o-a1b2c3d4e5';
const UNIT = `${ORGANIZATION}/r-ab12/ou-ab12-1/`;
const OTHER_UNIT = `${ORGANIZATION}/r-ab12/ou-ab12-2/`;

const base: RecordedGrant = {
  accountId: CONSUMER,
  principalArns: [READER],
  prefix: 'a/b/',
  access: 'READ',
  allowDelete: false,
  expires: '2027-01-01T00:00:00Z',
  through: 'thirdPartyRole',
  roleArn: `arn:aws:iam::${OWNER}:role/VendorAccess`,
  narrowing: { organizationId: ORGANIZATION, minimumTlsVersion: 1.2, externalIdRequired: true, mfaRequired: true, keyOnlyThroughS3: true },
};
const organizationBase: RecordedGrant = {
  ...base, accountId: null, organizationId: ORGANIZATION, organizationalUnitPaths: [UNIT], through: 'organization',
};
const narrowing = (change: Partial<RecordedGrant['narrowing']>): Partial<RecordedGrant> => ({ narrowing: { ...base.narrowing, ...change } });

function field(name: string, before: string, after: string, grows: boolean): FieldChange {
  return { field: name, before, after, grows };
}

describe('grantDifferences: each field that differs, and whether it widens access', () => {
  test.each<[string, Partial<RecordedGrant>, [string, string, string], RecordedGrant?]>([
    ['a wider prefix', { prefix: 'a/' }, ['prefix', 'a/b/', 'a/']],
    ['the whole bucket', { prefix: null }, ['prefix', 'a/b/', '(whole bucket)']],
    ['a prefix beside the old one', { prefix: 'a/c/' }, ['prefix', 'a/b/', 'a/c/']],
    ['READ -> READ_WRITE', { access: 'READ_WRITE' }, ['access', 'READ', 'READ_WRITE']],
    ['READ -> WRITE', { access: 'WRITE' }, ['access', 'READ', 'WRITE']],
    ['WRITE -> READ', { access: 'READ' }, ['access', 'WRITE', 'READ'], { ...base, access: 'WRITE' }],
    ['WRITE -> READ_WRITE', { access: 'READ_WRITE' }, ['access', 'WRITE', 'READ_WRITE'], { ...base, access: 'WRITE' }],
    ['delete added', { allowDelete: true }, ['delete', 'no', 'yes']],
    ['a later expiry', { expires: '2027-06-01T00:00:00Z' }, ['expires', '2027-01-01T00:00:00Z', '2027-06-01T00:00:00Z']],
    ['the expiry removed', { expires: null }, ['expires', '2027-01-01T00:00:00Z', 'never']],
    ['principalArns removed', { principalArns: null }, ['principals', READER, '(any)']],
    ['a principal added', { principalArns: [READER, OTHER_ROLE] }, ['principals', READER, `${READER}, ${OTHER_ROLE}`]],
    ['MFA dropped', narrowing({ mfaRequired: false }), ['MFA', 'required', 'not required']],
    ['the organizationId condition dropped', narrowing({ organizationId: null }), ['organizationId condition', ORGANIZATION, 'none']],
    ['the organizationId condition changed', narrowing({ organizationId: 'o-zzzzzzzzzz' }), ['organizationId condition', ORGANIZATION, 'o-zzzzzzzzzz']],
    ['the key no longer only through S3', narrowing({ keyOnlyThroughS3: false }), ['key only through S3', 'yes', 'no']],
    ['the external id dropped', narrowing({ externalIdRequired: false }), ['external id', 'required', 'not required']],
    ['a lower minimum TLS version', narrowing({ minimumTlsVersion: 1.0 }), ['minimum TLS', '1.2', '1']],
    ['an OU path added', { organizationalUnitPaths: [UNIT, OTHER_UNIT] }, ['units', UNIT, `${UNIT}, ${OTHER_UNIT}`], organizationBase],
    ['the OUs removed: the whole organization', { organizationalUnitPaths: null }, ['units', UNIT, '(whole organization)'], organizationBase],
  ])('%s grows access', (_, change, [name, was, now], before = base) => {
    expect(grantDifferences(before, { ...before, ...change })).toEqual([field(name, was, now, true)]);
  });

  const withoutMfa: RecordedGrant = { ...base, ...narrowing({ mfaRequired: false }) };
  const twoPrincipals: RecordedGrant = { ...base, principalArns: [READER, OTHER_ROLE] };
  test.each<[string, RecordedGrant, RecordedGrant, [string, string, string]]>([
    ['a narrower prefix', base, { ...base, prefix: 'a/b/c/' }, ['prefix', 'a/b/', 'a/b/c/']],
    ['a prefix where the whole bucket was granted', { ...base, prefix: null }, base, ['prefix', '(whole bucket)', 'a/b/']],
    ['READ_WRITE -> READ', { ...base, access: 'READ_WRITE' }, base, ['access', 'READ_WRITE', 'READ']],
    ['delete removed', { ...base, allowDelete: true }, base, ['delete', 'yes', 'no']],
    ['an earlier expiry', base, { ...base, expires: '2026-06-01T00:00:00Z' }, ['expires', '2027-01-01T00:00:00Z', '2026-06-01T00:00:00Z']],
    ['an expiry added', { ...base, expires: null }, base, ['expires', 'never', '2027-01-01T00:00:00Z']],
    ['a principal removed', twoPrincipals, base, ['principals', `${READER}, ${OTHER_ROLE}`, READER]],
    ['principals named where any were allowed', { ...base, principalArns: null }, base, ['principals', '(any)', READER]],
    ['MFA required', withoutMfa, base, ['MFA', 'not required', 'required']],
    ['the organizationId condition added', { ...base, ...narrowing({ organizationId: null }) }, base, ['organizationId condition', 'none', ORGANIZATION]],
    ['a higher minimum TLS version', base, { ...base, ...narrowing({ minimumTlsVersion: 1.3 }) }, ['minimum TLS', '1.2', '1.3']],
    ['a unit below the granted one', organizationBase, { ...organizationBase, organizationalUnitPaths: [`${UNIT}ou-ab12-3/`] }, ['units', UNIT, `${UNIT}ou-ab12-3/`]],
    ['units where the whole organization had access', { ...organizationBase, organizationalUnitPaths: null }, organizationBase,
      ['units', '(whole organization)', UNIT]],
  ])('%s does not grow access', (_, before, after, [name, was, now]) => {
    expect(grantDifferences(before, after)).toEqual([field(name, was, now, false)]);
  });

  test('several differences: listed in a fixed order, each marked on its own', () => {
    const after: RecordedGrant = { ...base, ...narrowing({ mfaRequired: false, minimumTlsVersion: 1.3 }), prefix: 'a/b/c/', access: 'READ_WRITE', expires: null };
    expect(grantDifferences(base, after)).toEqual([
      field('prefix', 'a/b/', 'a/b/c/', false),
      field('access', 'READ', 'READ_WRITE', true),
      field('expires', '2027-01-01T00:00:00Z', 'never', true),
      field('minimum TLS', '1.2', '1.3', false),
      field('MFA', 'required', 'not required', true),
    ]);
  });

  test('equal grants, and grants that differ only in what is not compared (the path, the role), have no differences', () => {
    expect(grantDifferences(base, { ...base })).toEqual([]);
    expect(grantDifferences(base, { ...base, through: 'bucketPolicy', roleArn: undefined })).toEqual([]);
  });
});

describe('the covering rules', () => {
  test('prefixCovers: null is the whole bucket; a prefix covers the prefixes below it', () => {
    expect([
      prefixCovers(null, 'a/'), prefixCovers(null, null), prefixCovers('a/', 'a/b/'), prefixCovers('a/', 'a/'),
      prefixCovers('a/b/', 'a/'), prefixCovers('a/', null), prefixCovers('a/', 'ab/'),
    ]).toEqual([true, true, true, true, false, false, false]);
  });

  test('accessCovers: READ_WRITE covers every level, any other only itself', () => {
    const levels = ['READ', 'WRITE', 'READ_WRITE'] as const;
    expect(levels.map(before => levels.map(after => accessCovers(before, after)))).toEqual([
      [true, false, false],
      [false, true, false],
      [true, true, true],
    ]);
  });

  test('expiryCovers: never covers every end; an end covers the same or an earlier one', () => {
    expect([
      expiryCovers(null, null), expiryCovers(null, '2027-01-01T00:00:00Z'), expiryCovers('2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z'),
      expiryCovers('2027-01-01T00:00:00Z', '2026-12-31T23:59:59Z'), expiryCovers('2027-01-01T00:00:00Z', '2027-01-01T00:00:01Z'),
      expiryCovers('2027-01-01T00:00:00Z', null),
    ]).toEqual([true, true, true, true, false, false]);
  });

  test('principalsCover and unitsCover: null (any principal, the whole organization) covers everything and is covered only by null', () => {
    expect([
      principalsCover(null, [READER]), principalsCover([READER, OTHER_ROLE], [OTHER_ROLE]), principalsCover([READER], [READER, OTHER_ROLE]),
      principalsCover([READER], null),
    ]).toEqual([true, true, false, false]);
    expect([
      unitsCover(undefined, [UNIT]), unitsCover(null, null), unitsCover([UNIT], [`${UNIT}ou-ab12-3/`]), unitsCover([UNIT], [OTHER_UNIT]),
      unitsCover([UNIT], null), unitsCover([UNIT], undefined),
    ]).toEqual([true, true, true, false, false, false]);
  });
});

describe('diffBuckets: pairing the grants of two assemblies', () => {
  const direct: RecordedGrant = {
    ...base, through: 'bucketPolicy', roleArn: undefined, narrowing: { ...base.narrowing, externalIdRequired: false, mfaRequired: false },
  };
  const bucket = (grants: RecordedGrant[], bucketName: string | null = BUCKET): ReviewBucket[] => [{
    bucketName, ownerAccountId: OWNER, region: 'eu-west-1', stack: 'Owner', assembly: 'x', path: '/Owner/Shared', sharingMode: 'BUCKET_POLICY', grants,
  }];

  test('two prefixes of one account pair by equal prefix first, then by nested prefix', () => {
    const other: RecordedGrant = { ...direct, prefix: 'other/', access: 'WRITE' };
    const narrowed: RecordedGrant = { ...direct, prefix: 'a/b/c/' };
    expect(diffBuckets(bucket([direct, other]), bucket([other, narrowed]))).toEqual([{
      change: '~', bucket: BUCKET, before: direct, after: narrowed, fields: [field('prefix', 'a/b/', 'a/b/c/', false)], grows: false,
    }]);
  });

  test('an unchanged grant is never paired with a changed one: equal grants are set aside first', () => {
    const wider: RecordedGrant = { ...direct, prefix: 'a/' };
    const widerReadWrite: RecordedGrant = { ...wider, access: 'READ_WRITE' };
    // 'a/b/' nests in 'a/': paired by nesting it would look like a narrowing of 'a/'.
    expect(diffBuckets(bucket([wider, direct]), bucket([widerReadWrite, direct]))).toEqual([{
      change: '~', bucket: BUCKET, before: wider, after: widerReadWrite, fields: [field('access', 'READ', 'READ_WRITE', true)], grows: true,
    }]);
  });

  test('prefixes that neither equal nor nest are an added and a removed grant, removals last', () => {
    const moved: RecordedGrant = { ...direct, prefix: 'z/' };
    expect(diffBuckets(bucket([direct]), bucket([moved]))).toEqual([
      { change: '+', bucket: BUCKET, after: moved, fields: [], grows: true },
      { change: '-', bucket: BUCKET, before: direct, fields: [], grows: false },
    ]);
  });

  test('a grant of another account, or through another path, is a new grant', () => {
    const vendor: RecordedGrant = { ...direct, accountId: VENDOR };
    const throughAccessPoint: RecordedGrant = { ...direct, through: 'accessPoint', accessPointArn: 'arn:ap' };
    expect(diffBuckets(bucket([direct]), bucket([vendor, throughAccessPoint]))).toEqual([
      { change: '+', bucket: BUCKET, after: vendor, fields: [], grows: true },
      { change: '+', bucket: BUCKET, after: throughAccessPoint, fields: [], grows: true },
      { change: '-', bucket: BUCKET, before: direct, fields: [], grows: false },
    ]);
  });

  test('grants of another bucket never pair; a bucket whose name only deployment knows is named by its path', () => {
    const unnamed = bucket([direct], null);
    expect(bucketLabel(unnamed[0])).toEqual('/Owner/Shared (name known at deployment)');
    expect(diffBuckets(bucket([direct]), unnamed)).toEqual([
      { change: '+', bucket: '/Owner/Shared (name known at deployment)', after: direct, fields: [], grows: true },
      { change: '-', bucket: BUCKET, before: direct, fields: [], grows: false },
    ]);
  });

  test('no change: nothing reported, whatever the order of the grants', () => {
    expect(diffBuckets(bucket([direct, base]), bucket([base, direct]))).toEqual([]);
  });
});
