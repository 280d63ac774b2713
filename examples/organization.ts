/**
 * Sharing with an organization: the owner grants every account of one organizational unit (and
 * of the units below it) its own prefix `<account id>/` through one role name, and every account
 * of the organization one shared prefix of reference data; the management account rolls the role
 * out to every account of the unit with OrganizationConsumers (a StackSet). `examples/app.ts`
 * synthesizes both stacks beside the others.
 *
 * Placeholders, replaced by these variables when set:
 *   ORGANIZATION_ID          (default o-a1b2c3d4e5)
 *   ORGANIZATION_ROOT_ID     (default r-ab12)
 *   ORGANIZATIONAL_UNIT_ID   (default ou-ab12-11111111) the unit whose accounts get their own prefix
 *   MANAGEMENT_ACCOUNT_ID    (default 444444444444) the organization's management account
 */
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ExampleStackProps } from './stacks';
import { AccessLevel, OrganizationConsumers, SharedBucket } from '../lib';

export interface OrganizationSetup {
  readonly organizationId: string;
  readonly rootId: string;
  readonly organizationalUnitId: string;
  readonly managementAccountId: string;
  /** The role every account of the unit uses for its own prefix, fixed on both sides. */
  readonly memberRoleName: string;
  /** The role every account of the organization uses for the shared reference data. */
  readonly referenceRoleName: string;
}

export function organizationSetup(environment: Record<string, string | undefined> = {}): OrganizationSetup {
  return {
    organizationId: environment.ORGANIZATION_ID ?? 'o-a1b2c3d4e5',
    rootId: environment.ORGANIZATION_ROOT_ID ?? 'r-ab12',
    organizationalUnitId: environment.ORGANIZATIONAL_UNIT_ID ?? 'ou-ab12-11111111',
    managementAccountId: environment.MANAGEMENT_ACCOUNT_ID ?? '444444444444',
    memberRoleName: 'OrganizationDataReader',
    referenceRoleName: 'OrganizationReferenceReader',
  };
}

export interface OrganizationStackProps extends ExampleStackProps {
  readonly organization: OrganizationSetup;
}

/** The organization's bucket name in the example. */
export function organizationBucketName(ownerAccountId: string): string {
  return `organization-data-example-${ownerAccountId}`;
}

/** The owner: one bucket, two organization grants, whatever the number of member accounts. */
export class OrganizationOwnerStack extends Stack {
  public readonly sharedBucket: SharedBucket;

  constructor(scope: Construct, id: string, props: OrganizationStackProps) {
    super(scope, id, { ...props, env: { account: props.setup.ownerAccountId, region: props.setup.region } });
    const { setup, organization } = props;
    this.sharedBucket = new SharedBucket(this, 'OrganizationData', {
      bucketName: organizationBucketName(setup.ownerAccountId),
      organizationGrants: [
        {
          // Every account of the unit (and the units below it) reads its own prefix <account id>/.
          organizationId: organization.organizationId,
          organizationalUnitPaths: [`${organization.organizationId}/${organization.rootId}/${organization.organizationalUnitId}/`],
          roleName: organization.memberRoleName,
        },
        {
          // Every account of the organization reads the shared reference data, through its own role.
          organizationId: organization.organizationId,
          roleName: organization.referenceRoleName,
          sharedPrefix: 'reference/',
          access: AccessLevel.READ,
        },
      ],
    });
  }
}

/** The management account: the member roles, by StackSet, in every account of the unit and of the organization. */
export class OrganizationManagementStack extends Stack {
  public readonly members: OrganizationConsumers;
  public readonly referenceReaders: OrganizationConsumers;

  constructor(scope: Construct, id: string, props: OrganizationStackProps) {
    super(scope, id, { ...props, env: { account: props.organization.managementAccountId, region: props.setup.region } });
    const { setup, organization } = props;
    this.members = new OrganizationConsumers(this, 'OrganizationDataReaders', {
      bucketName: organizationBucketName(setup.ownerAccountId),
      bucketOwnerAccountId: setup.ownerAccountId,
      bucketRegion: setup.region,
      organizationalUnitIds: [organization.organizationalUnitId],
      roleName: organization.memberRoleName,
    });
    this.referenceReaders = new OrganizationConsumers(this, 'ReferenceReaders', {
      bucketName: organizationBucketName(setup.ownerAccountId),
      bucketOwnerAccountId: setup.ownerAccountId,
      bucketRegion: setup.region,
      // The organization's root: every account of the organization.
      organizationalUnitIds: [organization.rootId],
      roleName: organization.referenceRoleName,
      sharedPrefix: 'reference/',
    });
  }
}

/** The two organization stacks, as the example app and the tests build them. */
export function addOrganizationStacks(
  scope: Construct, props: OrganizationStackProps,
): { owner: OrganizationOwnerStack; management: OrganizationManagementStack } {
  return {
    owner: new OrganizationOwnerStack(scope, 'SharedBucketOrganizationOwner', props),
    management: new OrganizationManagementStack(scope, 'SharedBucketOrganizationManagement', props),
  };
}
