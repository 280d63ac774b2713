/**
 * Owner and consumer checked against each other at synth (cdk-cross-account-bucket:consumerNotGranted).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ExistingBucketOwnerStack } from '../../examples/existing-bucket';
import { addOrganizationStacks, organizationSetup } from '../../examples/organization';
import { addExampleStacks, exampleSetup } from '../../examples/stacks';
import {
  AccessLevel, ConsumerGrant, ConsumerReader, ConsumerReaderProps, OrganizationConsumers, OrganizationConsumersProps, OrganizationGrant, SharedBucket,
  SharedBucketProps, SharingMode, ThirdPartyAccessRole, ThirdPartyAccessRoleProps,
} from '../../lib';

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const VENDOR = '333333333333';
const REGION = 'eu-west-1';
const BUCKET = 'agreement-shared-data';
const READER = `arn:aws:iam::${CONSUMER}:role/AnalyticsReader`;
const GRANT: ConsumerGrant = { accountId: CONSUMER, prefix: 'analytics/', principalArns: [READER] };

interface Pair {
  readonly app: App;
  readonly owner: Stack;
  readonly consumer: Stack;
  readonly shared: SharedBucket;
}

/** An owner and a consumer stack in one app; `consumerFirst` builds the ConsumerReader before the SharedBucket. */
function pair(
  reader: Partial<ConsumerReaderProps> = {},
  owner: Partial<SharedBucketProps> = {},
  consumerFirst = false,
): Pair {
  const app = new App();
  const ownerStack = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
  const consumerStack = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } });
  const addReader = () => new ConsumerReader(consumerStack, 'AnalyticsReader', {
    bucketName: BUCKET, bucketOwnerAccountId: OWNER, prefix: 'analytics/', roleName: 'AnalyticsReader', ...reader,
  });
  if (consumerFirst) {
    addReader();
  }
  const shared = new SharedBucket(ownerStack, 'Shared', { bucketName: BUCKET, consumers: [GRANT], ...owner });
  if (!consumerFirst) {
    addReader();
  }
  return { app, owner: ownerStack, consumer: consumerStack, shared };
}

/** The consumerNotGranted warnings of the consumer stack, as the user sees them. */
function disagreements(stack: Stack): string[] {
  return Annotations.fromStack(stack)
    .findWarning('*', Match.stringLikeRegexp('cdk-cross-account-bucket:consumerNotGranted'))
    .map(warning => String(warning.entry.data));
}

function onlyDisagreement(stack: Stack): string {
  const found = disagreements(stack);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('owner and consumer in one app', () => {
  test.each([false, true])('a matching pair gives no warning (consumer built first: %s)', consumerFirst => {
    expect(disagreements(pair({}, {}, consumerFirst).consumer)).toEqual([]);
  });

  test('a prefix inside the granted prefix is covered', () => {
    expect(disagreements(pair({ prefix: 'analytics/2026/' }).consumer)).toEqual([]);
  });

  test('a grant added with addConsumer after the ConsumerReader was built counts', () => {
    const { shared, consumer } = pair({ prefix: 'ingest/', access: AccessLevel.WRITE });
    shared.addConsumer({ accountId: CONSUMER, prefix: 'ingest/', access: AccessLevel.WRITE, principalArns: [READER] });
    expect(disagreements(consumer)).toEqual([]);
  });

  test('a role imported by ARN is matched against principalArns', () => {
    const app = new App();
    const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
    new SharedBucket(owner, 'Shared', { bucketName: BUCKET, consumers: [GRANT] });
    const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } });
    new ConsumerReader(consumer, 'Existing', {
      bucketName: BUCKET, bucketOwnerAccountId: OWNER, prefix: 'analytics/', role: iam.Role.fromRoleArn(consumer, 'Role', READER),
    });
    expect(disagreements(consumer)).toEqual([]);
  });

  test('another role name: the warning names both constructs, the role and the fix', () => {
    const message = onlyDisagreement(pair({ roleName: 'AnalyticsReaderX' }).consumer);
    expect(message).toContain('ConsumerReader Consumer/AnalyticsReader (account 222222222222) is covered only in part by SharedBucket Owner/Shared');
    expect(message).toContain(`the role: arn:aws:iam::${CONSUMER}:role/AnalyticsReaderX is not among the grant's principalArns ['${READER}']`);
    expect(message).toContain("set roleName: 'AnalyticsReader' on the ConsumerReader");
  });

  test('a role with a generated name cannot be listed in principalArns', () => {
    expect(onlyDisagreement(pair({ roleName: undefined }).consumer)).toMatch(/the consumer's role gets a generated name; set roleName: 'AnalyticsReader'/);
  });

  test('another prefix', () => {
    expect(onlyDisagreement(pair({ prefix: 'reports/' }).consumer))
      .toMatch(/the prefix: the consumer asks for 'reports\/', the grant covers 'analytics\/'; set prefix: 'analytics\/' \(or a prefix under it\)/);
  });

  test('the whole bucket where only a prefix is granted', () => {
    expect(onlyDisagreement(pair({ prefix: undefined }).consumer)).toMatch(/the consumer asks for the whole bucket, the grant covers 'analytics\/'/);
  });

  test('more access than granted', () => {
    expect(onlyDisagreement(pair({ access: AccessLevel.READ_WRITE }).consumer))
      .toMatch(/the access level: the consumer asks for READ_WRITE, the grant gives READ; set access: AccessLevel.READ on the ConsumerReader/);
  });

  test('less access than granted is covered', () => {
    expect(disagreements(pair({ access: AccessLevel.WRITE }, { consumers: [{ ...GRANT, access: AccessLevel.READ_WRITE }] }).consumer)).toEqual([]);
  });

  test('delete not granted', () => {
    expect(onlyDisagreement(pair({ access: AccessLevel.READ, allowDelete: true }).consumer))
      .toMatch(/delete: the consumer asks for allowDelete, the grant does not allow it/);
  });

  test('several differences are listed together', () => {
    const message = onlyDisagreement(pair({ roleName: 'Other', prefix: 'reports/', access: AccessLevel.WRITE }).consumer);
    expect(message).toMatch(/the role: .*; the prefix: .*; the access level: /);
  });

  test('an account no grant names', () => {
    expect(onlyDisagreement(pair({}, { consumers: [{ ...GRANT, accountId: VENDOR, principalArns: undefined }] }).consumer))
      .toMatch(/is not granted by SharedBucket Owner\/Shared: no grant names account 222222222222. Add a grant \{ accountId: '222222222222', .*prefix: 'analytics\/', access: AccessLevel.READ \}/);
  });

  test('the closest of several grants of the account is reported', () => {
    const message = onlyDisagreement(pair({ prefix: 'analytics/', access: AccessLevel.WRITE }, {
      consumers: [{ ...GRANT, prefix: 'other/', access: AccessLevel.READ }, { ...GRANT, prefix: 'analytics/', access: AccessLevel.READ }],
    }).consumer);
    expect(message).toContain("prefix: 'analytics/', access: AccessLevel.READ }, differs in the access level");
    expect(message).not.toContain('the prefix:');
  });

  test('a bucket of that name owned by another account', () => {
    expect(onlyDisagreement(pair({ bucketOwnerAccountId: '444444444444' }).consumer))
      .toMatch(/names bucket agreement-shared-data of account 444444444444, but SharedBucket Owner\/Shared of that name belongs to account 111111111111/);
  });

  test('no warning when the owner is not in this app', () => {
    const app = new App();
    const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER, region: REGION } });
    new ConsumerReader(consumer, 'Reader', { bucketName: BUCKET, bucketOwnerAccountId: OWNER, prefix: 'reports/' });
    expect(disagreements(consumer)).toEqual([]);
  });

  test('the check is a warning: synth succeeds, so a rollout can stage the two sides', () => {
    const { app } = pair({ prefix: 'reports/' });
    expect(() => app.synth()).not.toThrow();
  });

  describe('SharingMode.ACCESS_POINTS', () => {
    const accessPoints: Partial<SharedBucketProps> = { sharingMode: SharingMode.ACCESS_POINTS, consumers: [{ ...GRANT, accessPointName: 'analytics' }] };
    const accessPointArn = `arn:aws:s3:${REGION}:${OWNER}:accesspoint/analytics`;

    test("the grant's access point: no warning", () => {
      expect(disagreements(pair({ accessPointArn }, accessPoints).consumer)).toEqual([]);
    });

    test('straight to the bucket', () => {
      expect(onlyDisagreement(pair({}, accessPoints).consumer))
        .toMatch(new RegExp(`the owner shares through access points .*set accessPointArn to the grant's access point \\(${accessPointArn}\\)`));
    });

    test('another access point', () => {
      expect(onlyDisagreement(pair({ accessPointArn: `arn:aws:s3:${REGION}:${OWNER}:accesspoint/other` }, accessPoints).consumer))
        .toMatch(/the consumer names arn:aws:s3:eu-west-1:111111111111:accesspoint\/other, the grant's is arn:aws:s3:eu-west-1:111111111111:accesspoint\/analytics/);
    });

    test('an access point where the owner shares through the bucket policy', () => {
      expect(onlyDisagreement(pair({ accessPointArn }).consumer)).toMatch(/the owner shares through the bucket policy .*remove accessPointArn/);
    });
  });

  describe('a consumer that assumes a ThirdPartyAccessRole', () => {
    const ROLE_NAME = 'SharedDataVendorAccess';
    const VENDOR_ROLE = `arn:aws:iam::${VENDOR}:role/VendorIntegration`;

    function vendorPair(role: Partial<ThirdPartyAccessRoleProps> = {}, reader: Partial<ConsumerReaderProps> = {}, vendorAccount = VENDOR): Stack {
      const app = new App();
      const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
      const shared = new SharedBucket(owner, 'Shared', { bucketName: BUCKET });
      const vendor = new Stack(app, 'Vendor', { env: { account: vendorAccount, region: REGION } });
      new ConsumerReader(vendor, 'VendorIntegration', {
        bucketName: BUCKET, bucketOwnerAccountId: OWNER, thirdPartyRoleArn: `arn:aws:iam::${OWNER}:role/${ROLE_NAME}`, roleName: 'VendorIntegration', ...reader,
      });
      new ThirdPartyAccessRole(owner, 'VendorAccess', {
        sharedBucket: shared, thirdPartyAccountId: VENDOR, externalId: 'vendor-external-id', thirdPartyPrincipalArns: [VENDOR_ROLE], roleName: ROLE_NAME, ...role,
      });
      return vendor;
    }

    test('a trust that admits the consumer: no warning', () => {
      expect(disagreements(vendorPair())).toEqual([]);
    });

    test('a trust of the whole account admits any of its roles', () => {
      expect(disagreements(vendorPair({ thirdPartyPrincipalArns: undefined }, { roleName: 'Anything' }))).toEqual([]);
    });

    test('a role the trust does not name', () => {
      expect(onlyDisagreement(vendorPair({}, { roleName: 'OtherIntegration' })))
        .toMatch(/cannot assume ThirdPartyAccessRole Owner\/VendorAccess: its trust policy differs in the role: arn:aws:iam::333333333333:role\/OtherIntegration is not among the trust's thirdPartyPrincipalArns/);
    });

    test('an account the trust does not name', () => {
      expect(onlyDisagreement(vendorPair({}, {}, '444444444444')))
        .toMatch(/the account: the role trusts account 333333333333, the consumer is account 444444444444/);
    });

    test('a role name no ThirdPartyAccessRole has', () => {
      expect(onlyDisagreement(vendorPair({ roleName: 'VendorAccessV2' })))
        .toMatch(/assumes arn:aws:iam::111111111111:role\/SharedDataVendorAccess, but no ThirdPartyAccessRole of SharedBucket Owner\/Shared has the roleName 'SharedDataVendorAccess'; the ones with a fixed name: 'VendorAccessV2'/);
    });

    test('a ThirdPartyAccessRole with a generated name cannot be named', () => {
      expect(onlyDisagreement(vendorPair({ roleName: undefined }))).toMatch(/Owner\/VendorAccess get a generated name: set roleName on them/);
    });
  });
});

describe('organization grants and OrganizationConsumers in one app', () => {
  const ORGANIZATION = 'o-a1b2c3d4e5';
  const UNIT = 'ou-ab12-11111111';
  const ORGANIZATION_GRANT: OrganizationGrant = { organizationId: ORGANIZATION, organizationalUnitPaths: [`${ORGANIZATION}/r-ab12/${UNIT}/`], roleName: 'OrganizationReader' };

  function organizationPair(members: Partial<OrganizationConsumersProps> = {}, owner: Partial<SharedBucketProps> = {}): Stack {
    const app = new App();
    const ownerStack = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
    new SharedBucket(ownerStack, 'Shared', { bucketName: BUCKET, organizationGrants: [ORGANIZATION_GRANT], ...owner });
    const management = new Stack(app, 'Management', { env: { account: '444444444444', region: REGION } });
    new OrganizationConsumers(management, 'Members', {
      bucketName: BUCKET, bucketOwnerAccountId: OWNER, bucketRegion: REGION, organizationalUnitIds: [UNIT], roleName: 'OrganizationReader', ...members,
    });
    return management;
  }

  test('a matching pair: no warning', () => {
    expect(disagreements(organizationPair())).toEqual([]);
  });

  test('another role name', () => {
    expect(onlyDisagreement(organizationPair({ roleName: 'OtherReader' })))
      .toMatch(/OrganizationConsumers Management\/Members is covered only in part by the organization grants of SharedBucket Owner\/Shared: .*the role: the grant names roleName 'OrganizationReader', the member roles are named 'OtherReader'/);
  });

  test('a unit the grant does not name', () => {
    expect(onlyDisagreement(organizationPair({ organizationalUnitIds: ['ou-ab12-22222222'] })))
      .toMatch(/the units: ou-ab12-22222222 is not in the grant's organizationalUnitPaths/);
  });

  test('a shared prefix where the grant gives each account its own', () => {
    expect(onlyDisagreement(organizationPair({ sharedPrefix: 'reference/' }))).toMatch(/the grant gives each account its own prefix, the member roles ask for the shared prefix 'reference\/'/);
  });

  test('an owner without organization grants', () => {
    expect(onlyDisagreement(organizationPair({}, { organizationGrants: [] }))).toMatch(/has no organization grant: add one \{ organizationId: '<your organization>', roleName: 'OrganizationReader' \}/);
  });

  test('an owner in SharingMode.ACCESS_POINTS', () => {
    expect(onlyDisagreement(organizationPair({}, { sharingMode: SharingMode.ACCESS_POINTS })))
      .toMatch(/shares through access points .*member roles go straight to the bucket, .*set accessPointArn to the organization grant's access point/);
  });

  describe('SharingMode.ACCESS_POINTS, members through the grant\'s access point', () => {
    const owner: Partial<SharedBucketProps> = {
      sharingMode: SharingMode.ACCESS_POINTS, organizationGrants: [{ ...ORGANIZATION_GRANT, accessPointName: 'organization-readers' }],
    };
    const accessPoint = (name: string) => `arn:aws:s3:${REGION}:${OWNER}:accesspoint/${name}`;

    test('the grant\'s access point: no warning', () => {
      expect(disagreements(organizationPair({ accessPointArn: accessPoint('organization-readers') }, owner))).toEqual([]);
    });

    test('another access point', () => {
      expect(onlyDisagreement(organizationPair({ accessPointArn: accessPoint('someone-else') }, owner)))
        .toMatch(/accessPointArn arn:aws:s3:.*:accesspoint\/someone-else is not the access point of any organization grant of SharedBucket Owner\/Shared .*organization-readers/);
    });

    test('an access point where the owner shares through its bucket policy', () => {
      expect(onlyDisagreement(organizationPair({ accessPointArn: accessPoint('organization-readers') })))
        .toMatch(/shares through its bucket policy \(SharingMode.BUCKET_POLICY\), which has no access points: remove accessPointArn/);
    });
  });
});

test('the example app: every consumer is covered by a grant, and no permissive choice goes unacknowledged', () => {
  const app = new App();
  const setup = exampleSetup();
  const { owner, consumer, thirdParty } = addExampleStacks(app, setup);
  const existing = new ExistingBucketOwnerStack(app, 'SharedBucketExistingOwner', { setup });
  const organization = addOrganizationStacks(app, { setup, organization: organizationSetup() });
  for (const stack of [owner, consumer, thirdParty, existing, organization.owner, organization.management]) {
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  }
});

