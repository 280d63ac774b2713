import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { knownAndEqual } from './arns';
import { warnIfExpiring } from './expiry';
import { addWarning } from './warnings';
import { NormalizedGrant, NormalizedOrganizationGrant } from '../model/grant';

/**
 * The warnings a grant of a SharedBucket can earn once written: choices that are allowed but
 * widen who gets access, or that AWS would deny. Each id can be acknowledged (docs/warnings.md).
 */

/** The SharedBucket the grant was written to. */
export interface WarnedBucket extends IConstruct {
  readonly encryptionKey: kms.IKey;
}

/** `keyActions`: the KMS actions the grant's key statement allows, for the imported-key warning. */
export function warnAboutGrant(bucket: WarnedBucket, grant: NormalizedGrant, keyActions: string[]): void {
  const which = `The grant to account ${grant.accountId}${grant.prefix === undefined ? '' : ` (prefix '${grant.prefix}')`}`;
  warnIfKeyNotManaged(bucket, keyActions, `account ${grant.accountId}, that consumer's`);
  warnIfExpiring(bucket, which, grant.expires);

  if (grant.principalArns === undefined) {
    addWarning(bucket, 'cdk-cross-account-bucket:grantToWholeAccount',
      `${which} names no principalArns: ` +
      `any principal of account ${grant.accountId} that the account's own IAM policies allow may use it. ` +
      'Narrow it with principalArns (the consumer\'s roles), or acknowledge this warning if the whole account is meant.');
  }

  if (knownAndEqual(grant.accountId, Stack.of(bucket).account)) {
    addWarning(bucket, 'cdk-cross-account-bucket:consumerIsOwnerAccount',
      `Consumer ${grant.accountId} is the account that owns the bucket. Cross-account grants are not needed ` +
      'within one account: grant its roles access with identity policies (for example bucket.grantRead(role)).');
  }
}

/** `keyActions`: the KMS actions the grant's key statement allows, for the imported-key warning. */
export function warnAboutOrganizationGrant(bucket: WarnedBucket, grant: NormalizedOrganizationGrant, keyActions: string[]): void {
  warnIfKeyNotManaged(bucket, keyActions, `the accounts of organization ${grant.organizationId}, their`);
  warnIfExpiring(bucket, `The organization grant ${grant.number} (organization ${grant.organizationId})`, grant.expires);

  // The organization's counterpart of grantToWholeAccount: narrowed by neither the role every
  // member uses nor the OUs, the grant reaches every principal of every member account.
  if (grant.roleName === undefined && grant.organizationalUnitPaths === undefined) {
    const where = grant.sharedPrefix === undefined ? 'each account\'s own prefix' : `prefix '${grant.sharedPrefix}'`;
    addWarning(bucket, 'cdk-cross-account-bucket:organizationWideGrant',
      `The organization grant ${grant.number} (organization ${grant.organizationId}, ${where}) names neither roleName ` +
      `nor organizationalUnitPaths: any principal of every account of organization ${grant.organizationId} that the account's own ` +
      'IAM policies allow may use it. Narrow it with roleName (the role each member account uses, which OrganizationConsumers deploys) ' +
      'or organizationalUnitPaths, or acknowledge this warning if the whole organization is meant.');
  }
}

/** An imported key's policy cannot be changed from here; say so rather than pretend. */
function warnIfKeyNotManaged(bucket: WarnedBucket, keyActions: string[], whose: string): void {
  if (!(bucket.encryptionKey instanceof kms.Key)) {
    addWarning(bucket, 'cdk-cross-account-bucket:keyPolicyNotManaged',
      'encryptionKey is imported, so its key policy cannot be changed here. Until it allows ' +
      `${keyActions.join(' and ')} through S3 for ${whose} requests ` +
      'are denied (the key policy of a key this library creates shows the exact form).');
  }
}
