import * as fc from 'fast-check';
import { AccessLevel } from '../../lib/access-level';
import { AnyGrant, expiryText, isOrganizationGrant, NormalizedGrant, NormalizedOrganizationGrant } from '../../lib/model/grant';
import {
  grantFromRecord, grantToRecord, organizationGrantToRecord, OWN_ACCOUNT_RECORDED_PREFIX, RecordedGrant, recordedNarrowing, RecordResolver,
  thirdPartyGrantToRecord,
} from '../../lib/model/record';

/** Resolves every ARN as given, as synth does for a stack whose region names the partition. */
const RESOLVE: RecordResolver = { partition: 'aws', arn: value => value };

const account = fc.stringMatching(/^[0-9]{12}$/);
const prefix = fc.option(fc.stringMatching(/^[a-z0-9-]{1,10}\/$/), { nil: undefined });
const access = fc.constantFrom(AccessLevel.READ, AccessLevel.WRITE, AccessLevel.READ_WRITE);
const expires = fc.option(fc.integer({ min: 0, max: 4_000_000_000 }).map(seconds => new Date(seconds * 1000)), { nil: undefined });

const accountGrant: fc.Arbitrary<NormalizedGrant> = fc.record({
  number: fc.integer({ min: 1, max: 1000 }),
  accountId: account,
  principalArns: fc.option(fc.array(account.map(id => `arn:aws:iam::${id}:role/reader`), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  prefix,
  access,
  allowDelete: fc.boolean(),
  accessPointArn: fc.option(fc.constant('arn:aws:s3:eu-west-1:111111111111:accesspoint/ap-1'), { nil: undefined }),
  expires,
}, { requiredKeys: ['number', 'accountId', 'access', 'allowDelete'] });

const organizationGrant: fc.Arbitrary<NormalizedOrganizationGrant> = fc.record({
  number: fc.integer({ min: 1, max: 1000 }),
  organizationId: fc.stringMatching(/^o-[a-z0-9]{10}$/),
  organizationalUnitPaths: fc.option(fc.constant(['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/']), { nil: undefined }),
  roleName: fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,20}$/), { nil: undefined }),
  sharedPrefix: prefix,
  access,
  allowDelete: fc.boolean(),
  accessPointArn: fc.option(fc.constant('arn:aws:s3:eu-west-1:111111111111:accesspoint/org-1'), { nil: undefined }),
  expires,
}, { requiredKeys: ['number', 'organizationId', 'access', 'allowDelete'] });

/** The grant as the record holds it: the access point's name is not recorded (its ARN is), undefined fields dropped. */
function recordable(grant: AnyGrant): AnyGrant {
  return Object.fromEntries(Object.entries(grant).filter(([key, value]) => key !== 'accessPointName' && value !== undefined)) as AnyGrant;
}

function withoutUndefined(grant: AnyGrant | undefined): AnyGrant | undefined {
  return grant === undefined ? undefined : recordable(grant);
}

describe('the grant model and its record', () => {
  test('an account grant read back from its record is the grant written', () => {
    fc.assert(fc.property(accountGrant, grant => {
      const recorded = grantToRecord(grant, recordedNarrowing(undefined, 1.2), RESOLVE);
      expect(withoutUndefined(grantFromRecord(recorded, grant.number))).toEqual(recordable(grant));
    }));
  });

  test('an organization grant read back from its record is the grant written', () => {
    fc.assert(fc.property(organizationGrant, grant => {
      const recorded = organizationGrantToRecord(grant, 1.2, RESOLVE);
      expect(withoutUndefined(grantFromRecord(recorded, grant.number))).toEqual(recordable(grant));
    }));
  });

  test('a consumer grant is recorded with every field, through its access point when it has one', () => {
    const grant: NormalizedGrant = {
      number: 3,
      accountId: '222222222222',
      principalArns: ['arn:aws:iam::222222222222:role/reader'],
      prefix: 'partner-a/',
      access: AccessLevel.READ_WRITE,
      allowDelete: true,
      accessPointName: 'partner-a',
      accessPointArn: 'arn:aws:s3:eu-west-1:111111111111:accesspoint/partner-a',
      expires: new Date('2027-06-30T00:00:00.000Z'),
    };
    expect(grantToRecord(grant, recordedNarrowing('o-a1b2c3d4e5', 1.3), RESOLVE)).toEqual({
      accountId: '222222222222',
      principalArns: ['arn:aws:iam::222222222222:role/reader'],
      prefix: 'partner-a/',
      access: 'READ_WRITE',
      allowDelete: true,
      expires: '2027-06-30T00:00:00Z',
      through: 'accessPoint',
      accessPointArn: 'arn:aws:s3:eu-west-1:111111111111:accesspoint/partner-a',
      narrowing: { organizationId: 'o-a1b2c3d4e5', minimumTlsVersion: 1.3, externalIdRequired: false, mfaRequired: false, keyOnlyThroughS3: true },
    } satisfies RecordedGrant);
  });

  test('values only deployment knows are recorded as the resolver says: null for an access point, the token for a principal', () => {
    const unresolved: RecordResolver = { partition: 'aws-cn', arn: () => null };
    const recorded = grantToRecord({
      number: 1,
      accountId: '222222222222',
      principalArns: ['${Token[TOKEN.1]}'],
      access: AccessLevel.READ,
      allowDelete: false,
      accessPointArn: '${Token[TOKEN.2]}',
    }, recordedNarrowing(undefined, 1.2), unresolved);
    expect([recorded.principalArns, recorded.accessPointArn, recorded.through]).toEqual([['${Token[TOKEN.1]}'], null, 'accessPoint']);
  });

  test('an organization grant records its role as an ARN pattern in the partition, its own prefixes as <account id>/', () => {
    const recorded = organizationGrantToRecord({
      number: 2, organizationId: 'o-a1b2c3d4e5', roleName: 'DataReader', access: AccessLevel.READ, allowDelete: false,
    }, 1.2, { partition: 'aws-cn', arn: value => value });
    expect([recorded.principalArns, recorded.prefix, recorded.accountId, recorded.through, recorded.narrowing.organizationId])
      .toEqual([['arn:aws-cn:iam::*:role/DataReader'], OWN_ACCOUNT_RECORDED_PREFIX, null, 'organization', 'o-a1b2c3d4e5']);
  });

  test('a third party\'s grant is recorded through its role, and reads back as the third party\'s account grant', () => {
    const grant: NormalizedGrant = { number: 1, accountId: '333333333333', prefix: 'vendor/', access: AccessLevel.WRITE, allowDelete: false };
    const recorded = thirdPartyGrantToRecord(grant, 'arn:aws:iam::111111111111:role/vendor', recordedNarrowing(undefined, 1.2, { mfaRequired: true }));
    expect(recorded).toEqual({
      accountId: '333333333333',
      principalArns: null,
      prefix: 'vendor/',
      access: 'WRITE',
      allowDelete: false,
      expires: null,
      through: 'thirdPartyRole',
      roleArn: 'arn:aws:iam::111111111111:role/vendor',
      narrowing: { organizationId: null, minimumTlsVersion: 1.2, externalIdRequired: true, mfaRequired: true, keyOnlyThroughS3: true },
    } satisfies RecordedGrant);
    expect(withoutUndefined(grantFromRecord(recorded, 1))).toEqual(grant);
  });

  test('an account grant whose account only deployment knows cannot be read back', () => {
    const recorded = grantToRecord({ number: 1, accountId: 'x', access: AccessLevel.READ, allowDelete: false }, recordedNarrowing(undefined, 1.2), RESOLVE);
    expect(grantFromRecord({ ...recorded, accountId: null }, 1)).toBeUndefined();
  });

  test('isOrganizationGrant tells the kinds apart, and the end is written to the second', () => {
    expect([
      isOrganizationGrant({ number: 1, organizationId: 'o-a1b2c3d4e5', access: AccessLevel.READ, allowDelete: false }),
      isOrganizationGrant({ number: 1, accountId: '222222222222', access: AccessLevel.READ, allowDelete: false }),
      expiryText(new Date('2027-06-30T00:00:00.000Z')),
    ]).toEqual([true, false, '2027-06-30T00:00:00Z']);
  });
});
