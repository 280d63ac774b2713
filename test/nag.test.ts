import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExistingBucketOwnerStack } from '../examples/existing-bucket';
import { NotificationsConsumerStack, NotificationsOwnerStack } from '../examples/notifications';
import { addOrganizationStacks, organizationSetup } from '../examples/organization';
import { addReplicationStacks } from '../examples/replication';
import { addExampleStacks, exampleSetup } from '../examples/stacks';
import { AccessLevel, ConsumerReader, ReplicaBucket, SharedBucket, ThirdPartyAccessRole } from '../lib';

const setup = exampleSetup();

/** cdk-nag's AwsSolutions findings for everything under `scope`, acknowledged ones left out. */
function findings(scope: App): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap(violation =>
    violation.violatingResources.map(resource => `${violation.ruleName} ${resource.constructPath}`));
}

function exampleApp(): App {
  const app = new App();
  addExampleStacks(app, setup);
  new ExistingBucketOwnerStack(app, 'SharedBucketExistingOwner', { setup });
  addOrganizationStacks(app, { setup, organization: organizationSetup() });
  addReplicationStacks(app, setup);
  new NotificationsOwnerStack(app, 'SharedBucketNotifiedOwner', { setup });
  new NotificationsConsumerStack(app, 'SharedBucketNotifiedConsumer', { setup });
  return app;
}

describe('cdk-nag AwsSolutions', () => {
  test('the example stacks have no unacknowledged findings', () => {
    expect(findings(exampleApp())).toEqual([]);
  });

  test('synth with the rule pack as a validation plugin passes', () => {
    const app = exampleApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
  });

  // What the constructs themselves trigger, without any acknowledgement: only the object
  // wildcard of a prefix grant, which the examples acknowledge with a reason.
  describe('without acknowledgements', () => {
    const bucketName = 'nag-shared-bucket';
    const wildcard = (prefix: string) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucketName}/${prefix}*]`;

    test('SharedBucket with consumers of every access level: no finding', () => {
      const app = new App();
      const stack = new Stack(app, 'Owner', { env: { account: setup.ownerAccountId, region: setup.region } });
      new SharedBucket(stack, 'Shared', {
        bucketName,
        organizationId: 'o-a1b2c3d4e5',
        consumers: [
          { accountId: setup.consumerAccountId, prefix: 'read/' },
          { accountId: setup.consumerAccountId, prefix: 'write/', access: AccessLevel.WRITE, allowDelete: true },
          { accountId: setup.thirdPartyAccountId, access: AccessLevel.READ_WRITE },
        ],
      });

      expect(findings(app)).toEqual([]);
    });

    test('ThirdPartyAccessRole: only the prefix wildcard', () => {
      const app = new App();
      const stack = new Stack(app, 'Owner', { env: { account: setup.ownerAccountId, region: setup.region } });
      const sharedBucket = new SharedBucket(stack, 'Shared', { bucketName });
      new ThirdPartyAccessRole(stack, 'Vendor', {
        sharedBucket,
        thirdPartyAccountId: setup.thirdPartyAccountId,
        externalId: setup.externalId,
        prefix: 'vendor/',
      });

      expect(findings(app)).toEqual([`${wildcard('vendor/')} Owner/Vendor/Role/Resource`]);
    });

    test('ConsumerReader with encryptionKeyArn: only the prefix wildcard', () => {
      const app = new App();
      const stack = new Stack(app, 'Consumer', { env: { account: setup.consumerAccountId, region: setup.region } });
      new ConsumerReader(stack, 'Reader', {
        bucketName,
        bucketOwnerAccountId: setup.ownerAccountId,
        encryptionKeyArn: `arn:aws:kms:${setup.region}:${setup.ownerAccountId}:key/00000000-0000-0000-0000-000000000000`,
        prefix: 'read/',
      });

      expect(findings(app)).toEqual([`${wildcard('read/')} Consumer/Reader/Policy/Resource`]);
    });

    test('SharedBucket with replicateTo: only the prefix wildcards of the replication role', () => {
      const app = new App();
      const stack = new Stack(app, 'Owner', { env: { account: setup.ownerAccountId, region: setup.region } });
      new SharedBucket(stack, 'Shared', {
        bucketName,
        replicationRoleName: 'SharedDataReplication',
        replicateTo: [{
          accountId: '444444444444',
          bucketName: 'nag-replica',
          prefix: 'data/',
          keyArn: `arn:aws:kms:${setup.region}:444444444444:key/00000000-0000-0000-0000-000000000000`,
        }],
      });

      expect(findings(app)).toEqual([
        `${wildcard('data/')} Owner/Shared/ReplicationPolicy/Resource`,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::nag-replica/data/*] Owner/Shared/ReplicationPolicy/Resource',
      ]);
    });

    test('ReplicaBucket: no finding', () => {
      const app = new App();
      const stack = new Stack(app, 'Partner', { env: { account: '444444444444', region: setup.region } });
      new ReplicaBucket(stack, 'Replica', {
        bucketName: 'nag-replica', sourceAccountId: setup.ownerAccountId, sourceBucketName: bucketName, replicationRoleName: 'SharedDataReplication', prefix: 'data/',
      });

      expect(findings(app)).toEqual([]);
    });

    test('ConsumerReader without encryptionKeyArn: the prefix and the owner key wildcards', () => {
      const app = new App();
      const stack = new Stack(app, 'Consumer', { env: { account: setup.consumerAccountId, region: setup.region } });
      new ConsumerReader(stack, 'Reader', { bucketName, bucketOwnerAccountId: setup.ownerAccountId, prefix: 'read/' });

      expect(findings(app)).toEqual([
        `${wildcard('read/')} Consumer/Reader/Policy/Resource`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:${setup.region}:${setup.ownerAccountId}:key/*] Consumer/Reader/Policy/Resource`,
      ]);
    });
  });
});
