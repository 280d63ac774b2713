/**
 * The checks of one grant of a SharedBucket, at construction (props) and when added later
 * (addConsumer, addOrganizationGrant): each failure names the property, the value and what is
 * expected (validation.ts collects them).
 */
import { Construct } from 'constructs';
import { knownAndDifferent } from './arns';
import { validExpiry } from './expiry';
import { refuseOrganizationNotify, validateNotify } from './notifications';
import { defaultAccessPointName, defaultOrganizationAccessPointName } from './sharing/access-point-sharing';
import { PropsValidator } from './validation';
import { ConsumerGrant, OrganizationGrant } from '../grants';
import { SharingMode } from '../sharing-mode';

/** The SharedBucket whose grants are checked: its access point names derive from its path. */
export interface GrantScopeOfBucket extends Construct {
  readonly sharingMode: SharingMode;
}

/** `number`: the grant's 1-based position among the organization grants, which names its default access point. */
export function validateOrganizationGrant(
  scope: GrantScopeOfBucket, validator: PropsValidator, prop: string, grant: OrganizationGrant, bucketOrganizationId: string | undefined,
  namesInUse: Set<string>, number: number,
): void {
  const validOrganization = validator.organizationId(`${prop}.organizationId`, grant.organizationId);
  if (validOrganization && knownAndDifferent(bucketOrganizationId, grant.organizationId)) {
    validator.fail(`${prop}.organizationId`, grant.organizationId,
      `the organizationId of the SharedBucket, ${bucketOrganizationId}: every grant of this SharedBucket requires that organization, ` +
      'so a grant to another one could never be used');
  }
  validator.organizationalUnitPaths(`${prop}.organizationalUnitPaths`, grant.organizationalUnitPaths,
    validOrganization ? grant.organizationId : undefined);
  validator.roleName(`${prop}.roleName`, grant.roleName);
  validator.prefix(`${prop}.sharedPrefix`, grant.sharedPrefix);
  validator.accessLevel(`${prop}.access`, grant.access);
  validExpiry(validator, `${prop}.expires`, grant.expires);
  refuseOrganizationNotify(validator, prop, grant);
  validateAccessPointName(scope, validator, `${prop}.accessPointName`, grant.accessPointName,
    defaultOrganizationAccessPointName(scope, number), namesInUse, `'<path>-org${number}'`);
}

/**
 * An access point name, in SharingMode.ACCESS_POINTS only, valid and unique among the grants'
 * (`defaultName`, shown as `defaultShown`, when unset).
 */
function validateAccessPointName(
  scope: GrantScopeOfBucket, validator: PropsValidator, prop: string, accessPointName: string | undefined, defaultName: string,
  namesInUse: Set<string>, defaultShown: string,
): void {
  if (scope.sharingMode !== SharingMode.ACCESS_POINTS) {
    if (accessPointName !== undefined) {
      validator.fail(prop, accessPointName,
        'no accessPointName unless sharingMode is SharingMode.ACCESS_POINTS: in SharingMode.BUCKET_POLICY no access point is created');
    }
    return;
  }
  if (accessPointName !== undefined && !validator.accessPointName(prop, accessPointName)) {
    return;
  }
  const name = accessPointName ?? defaultName;
  if (namesInUse.has(name)) {
    validator.fail(prop, name, 'an access point name no other grant of this SharedBucket uses' +
      (accessPointName === undefined ? ` (unset, the grant gets its default name ${defaultShown}, which an earlier grant took): set one` : ''));
  }
  namesInUse.add(name);
}

/** `number`: the grant's 1-based position among all grants, which names its default access point. */
export function validateGrant(
  scope: GrantScopeOfBucket, validator: PropsValidator, prop: string, grant: ConsumerGrant, namesInUse: Set<string>, number: number,
): void {
  validator.accountId(`${prop}.accountId`, grant.accountId);
  if (validator.principalArns(`${prop}.principalArns`, grant.principalArns, grant.accountId)) {
    validator.samePartition(`${prop}.principalArns`, grant.principalArns);
  }
  validator.prefix(`${prop}.prefix`, grant.prefix);
  validator.accessLevel(`${prop}.access`, grant.access);
  validExpiry(validator, `${prop}.expires`, grant.expires);
  validateNotify(validator, prop, grant);
  validateAccessPointName(scope, validator, `${prop}.accessPointName`, grant.accessPointName,
    defaultAccessPointName(scope, number), namesInUse, `'<path>-${number}'`);
}
