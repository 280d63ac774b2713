import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { Expiration, Stack } from 'aws-cdk-lib';
import { AccessLevel, ConsumerReader, OrganizationConsumers, SharedBucket, SharingMode, ThirdPartyAccessRole } from '../../lib';
import { readRecords } from '../../lib/cli/assembly';
import { RECORD_METADATA_TYPE, RecordData } from '../../lib/model/record';
import { AssemblyWorkspace } from '../assemblies';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const VENDOR = '333333333333';
const EXTERNAL_ID = 'a-long-external-id-only-the-vendor-knows';

// Each test's assembly in a folder of one workspace, removed after the file's tests.
const synthesize = new AssemblyWorkspace('record').synthesize;

function recordsOf(directory: string): Array<{ stack: string; path: string; data: RecordData }> {
  return readRecords(directory).map(({ stack, path, data }) => ({ stack, path, data }));
}

const narrowing = { organizationId: null, minimumTlsVersion: 1.2, externalIdRequired: false, mfaRequired: false, keyOnlyThroughS3: true };

describe('the review record', () => {
  test('a SharedBucket records every grant, including those added after construction, with its end', () => {
    const directory = synthesize(app => {
      const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: 'eu-west-1' } });
      const shared = new SharedBucket(stack, 'Shared', {
        bucketName: 'recorded-bucket',
        consumers: [{ accountId: CONSUMER, prefix: 'analytics/', principalArns: [`arn:aws:iam::${CONSUMER}:role/Reader`] }],
      });
      shared.addConsumer({
        accountId: VENDOR, access: AccessLevel.READ_WRITE, allowDelete: true, expires: Expiration.atDate(new Date('2027-06-30T00:00:00Z')),
      });
    });
    expect(recordsOf(directory)).toEqual([{
      stack: 'Owner',
      path: '/Owner/Shared',
      data: {
        version: 1,
        kind: 'SharedBucket',
        bucketName: 'recorded-bucket',
        ownerAccountId: OWNER,
        region: 'eu-west-1',
        sharingMode: 'BUCKET_POLICY',
        encryptionKeyArn: null,
        grants: [
          {
            accountId: CONSUMER,
            principalArns: [`arn:aws:iam::${CONSUMER}:role/Reader`],
            prefix: 'analytics/',
            access: 'READ',
            allowDelete: false,
            expires: null,
            through: 'bucketPolicy',
            narrowing,
          },
          {
            accountId: VENDOR,
            principalArns: null,
            prefix: null,
            access: 'READ_WRITE',
            allowDelete: true,
            expires: '2027-06-30T00:00:00Z',
            through: 'bucketPolicy',
            narrowing,
          },
        ],
      },
    }]);
  });

  test('access points, organization grants and the organization narrowing are recorded as written', () => {
    const directory = synthesize(app => {
      const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: 'eu-west-1' } });
      new SharedBucket(stack, 'Shared', {
        bucketName: 'recorded-bucket',
        sharingMode: SharingMode.ACCESS_POINTS,
        organizationId: 'o-a1b2c3d4e5',
        minimumTlsVersion: 1.3,
        consumers: [{ accountId: CONSUMER, prefix: 'analytics/' }],
        organizationGrants: [{ organizationId: 'o-a1b2c3d4e5', roleName: 'MemberReader', organizationalUnitPaths: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'] }],
      });
    });
    const [{ data }] = recordsOf(directory);
    expect(data).toMatchObject({
      sharingMode: 'ACCESS_POINTS',
      grants: [
        {
          accountId: CONSUMER,
          through: 'accessPoint',
          accessPointArn: expect.stringMatching(new RegExp(`^arn:aws:s3:eu-west-1:${OWNER}:accesspoint/`)),
          narrowing: { ...narrowing, organizationId: 'o-a1b2c3d4e5', minimumTlsVersion: 1.3 },
        },
        {
          accountId: null,
          organizationId: 'o-a1b2c3d4e5',
          organizationalUnitPaths: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'],
          principalArns: ['arn:aws:iam::*:role/MemberReader'],
          prefix: '<account id>/',
          through: 'organization',
          accessPointArn: expect.stringMatching(/:accesspoint\//),
        },
      ],
    });
  });

  test('what only deployment knows is null: an environment-agnostic stack\'s account, region and generated names', () => {
    const directory = synthesize(app => {
      const stack = new Stack(app, 'Agnostic');
      new SharedBucket(stack, 'Shared', { consumers: [{ accountId: CONSUMER }] });
    });
    const [{ data }] = recordsOf(directory);
    expect(data).toMatchObject({ bucketName: null, ownerAccountId: null, region: null, encryptionKeyArn: null });
  });

  test('a third-party role records its grant with MFA and the external id requirement, never the external id', () => {
    const directory = synthesize(app => {
      const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: 'eu-west-1' } });
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName: 'recorded-bucket' });
      new ThirdPartyAccessRole(stack, 'Vendor', {
        sharedBucket, thirdPartyAccountId: VENDOR, externalId: EXTERNAL_ID, prefix: 'exports/', requireMfa: true, roleName: 'VendorAccess',
      });
      const vendor = new Stack(app, 'Vendor', { env: { account: VENDOR, region: 'eu-west-1' } });
      new ConsumerReader(vendor, 'Integration', {
        bucketName: 'recorded-bucket', bucketOwnerAccountId: OWNER, thirdPartyRoleArn: `arn:aws:iam::${OWNER}:role/VendorAccess`, roleName: 'Integration',
      });
    });
    const records = recordsOf(directory);
    expect(records.map(record => record.data)).toEqual([
      expect.objectContaining({ kind: 'SharedBucket', grants: [] }),
      {
        version: 1,
        kind: 'ThirdPartyAccessRole',
        sharedBucketPath: 'Owner/Shared',
        bucketName: 'recorded-bucket',
        roleName: 'VendorAccess',
        grant: {
          accountId: VENDOR,
          principalArns: null,
          prefix: 'exports/',
          access: 'READ',
          allowDelete: false,
          expires: null,
          through: 'thirdPartyRole',
          roleArn: `arn:aws:iam::${OWNER}:role/VendorAccess`,
          narrowing: { ...narrowing, externalIdRequired: true, mfaRequired: true },
        },
      },
      {
        version: 1,
        kind: 'ConsumerReader',
        accountId: VENDOR,
        roleArn: `arn:aws:iam::${VENDOR}:role/Integration`,
        bucketName: 'recorded-bucket',
        bucketOwnerAccountId: OWNER,
        bucketRegion: null,
        // The owner's role decides these.
        prefix: null,
        access: null,
        allowDelete: null,
        expires: null,
        encryptionKeyArn: null,
        accessPointArn: null,
        thirdPartyRoleArn: `arn:aws:iam::${OWNER}:role/VendorAccess`,
      },
    ]);
    const metadata = readdirSync(directory).filter(file => file.endsWith('.metadata.json')).map(file => readFileSync(join(directory, file), 'utf8'));
    expect(metadata.join('\n')).toContain(RECORD_METADATA_TYPE);
    expect(metadata.join('\n')).not.toContain(EXTERNAL_ID);
  });

  test('a ConsumerReader records what its role asks for; an OrganizationConsumers what it rolls out', () => {
    const directory = synthesize(app => {
      const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: 'eu-west-1' } });
      new ConsumerReader(consumer, 'Reader', {
        bucketName: 'recorded-bucket',
        bucketOwnerAccountId: OWNER,
        prefix: 'analytics/',
        access: AccessLevel.WRITE,
        roleName: 'Reader',
        encryptionKeyArn: `arn:aws:kms:eu-west-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        expires: Expiration.atDate(new Date('2027-01-01T12:00:00Z')),
      });
      const management = new Stack(app, 'Management', { env: { account: '777777777777', region: 'eu-west-1' } });
      new OrganizationConsumers(management, 'Members', {
        bucketName: 'recorded-bucket',
        bucketOwnerAccountId: OWNER,
        bucketRegion: 'eu-west-1',
        organizationalUnitIds: ['ou-ab12-11111111'],
        roleName: 'MemberReader',
        stackSetName: 'member-readers',
      });
    });
    expect(recordsOf(directory).map(record => record.data)).toEqual([
      {
        version: 1,
        kind: 'ConsumerReader',
        accountId: CONSUMER,
        roleArn: `arn:aws:iam::${CONSUMER}:role/Reader`,
        bucketName: 'recorded-bucket',
        bucketOwnerAccountId: OWNER,
        bucketRegion: 'eu-west-1',
        prefix: 'analytics/',
        access: 'WRITE',
        allowDelete: false,
        expires: '2027-01-01T12:00:00Z',
        encryptionKeyArn: `arn:aws:kms:eu-west-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        accessPointArn: null,
        thirdPartyRoleArn: null,
      },
      {
        version: 1,
        kind: 'OrganizationConsumers',
        bucketName: 'recorded-bucket',
        bucketOwnerAccountId: OWNER,
        bucketRegion: 'eu-west-1',
        organizationalUnitIds: ['ou-ab12-11111111'],
        roleName: 'MemberReader',
        sharedPrefix: null,
        access: 'READ',
        allowDelete: false,
        expires: null,
        accessPointArn: null,
        stackSetName: 'member-readers',
      },
    ]);
  });

  test('nothing of the record reaches a template', () => {
    const directory = synthesize(app => {
      const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: 'eu-west-1' } });
      new SharedBucket(stack, 'Shared', { bucketName: 'recorded-bucket', consumers: [{ accountId: CONSUMER }] });
    });
    expect(recordsOf(directory)).toHaveLength(1);
    expect(readFileSync(join(directory, 'Owner.template.json'), 'utf8')).not.toMatch(/cdk-cross-account-bucket:record|"kind"|"grants"/);
  });
});
