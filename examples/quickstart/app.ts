// One bucket in the owner's account, shared two ways: a consumer account reads the prefix
// analytics/ with a role of its own, and a third party assumes a role in the owner's account,
// with an external id, to read vendor-exports/. Each account deploys its own stack.
import { App, Stack } from 'aws-cdk-lib';
import { ConsumerReader, SharedBucket, ThirdPartyAccessRole } from 'cdk-cross-account-bucket';

// Placeholders: put your own account ids and region here.
const ownerAccount = '111111111111'; // owns the bucket and its KMS key
const consumerAccount = '222222222222'; // reads analytics/
const thirdPartyAccount = '333333333333'; // a vendor, reads vendor-exports/
const region = 'eu-west-1';

// Names both sides fix up front, so that neither needs a value from the other's deployed stack.
// Bucket names are global across AWS: choose one nobody else has.
const bucketName = `shared-data-${ownerAccount}`;
const readerRoleName = 'AnalyticsReader'; // the consumer's role
const vendorAccessRoleName = 'SharedDataVendorAccess'; // the owner's role for the vendor
const vendorRoleName = 'VendorIntegration'; // the vendor's own role

const app = new App();

// The owner's account: the bucket, its key, and the bucket and key policies of every grant.
const owner = new Stack(app, 'SharedDataOwner', {
  env: { account: ownerAccount, region },
});
const shared = new SharedBucket(owner, 'SharedData', {
  bucketName,
  consumers: [
    {
      accountId: consumerAccount,
      prefix: 'analytics/',
      // Only this role of the consumer account, not every principal of it. The role need not
      // exist yet: the policies name it in a condition, not as a principal.
      principalArns: [`arn:aws:iam::${consumerAccount}:role/${readerRoleName}`],
    },
  ],
});
// A role in the owner's account that only the vendor's role may assume, with the external id.
new ThirdPartyAccessRole(owner, 'VendorAccess', {
  sharedBucket: shared,
  thirdPartyAccountId: thirdPartyAccount,
  thirdPartyPrincipalArns: [`arn:aws:iam::${thirdPartyAccount}:role/${vendorRoleName}`],
  externalId: 'vendor-chosen-external-id', // chosen by the vendor, configured on both sides
  prefix: 'vendor-exports/',
  roleName: vendorAccessRoleName,
});

// The consumer's account: a role whose identity policy reads analytics/ in the owner's bucket.
// The bucket's region comes from the owner's stack, which is in this app; set bucketRegion where it is not.
const consumer = new Stack(app, 'SharedDataConsumer', {
  env: { account: consumerAccount, region },
});
new ConsumerReader(consumer, 'AnalyticsReader', {
  bucketName,
  bucketOwnerAccountId: ownerAccount,
  prefix: 'analytics/',
  roleName: readerRoleName,
});

// The vendor's account: its role may assume the owner's role and do nothing else; the owner's
// role decides what it reaches.
const thirdParty = new Stack(app, 'SharedDataThirdParty', {
  env: { account: thirdPartyAccount, region },
});
new ConsumerReader(thirdParty, 'VendorIntegration', {
  bucketName,
  bucketOwnerAccountId: ownerAccount,
  thirdPartyRoleArn: `arn:aws:iam::${ownerAccount}:role/${vendorAccessRoleName}`,
  roleName: vendorRoleName,
});

app.synth();
