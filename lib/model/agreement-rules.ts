import { AccessLevel } from '../access-level';
import { NormalizedGrant, NormalizedOrganizationGrant } from './grant';
import { notificationDifferences, NotificationAsk } from './notifications';
import { SharingMode } from '../sharing-mode';

/**
 * The rules that decide whether an owner's grants (the grant model, grant.ts) cover what a
 * consumer asks for, over plain data: the synth-time check (agreement.ts, over the constructs of one app) and the CLI's
 * `review` (over the records of several cloud assemblies) both call them, so a consumer the one
 * accepts the other accepts, and the findings read the same.
 *
 * Nothing here imports aws-cdk-lib: the CLI runs with node's builtins only. Values only
 * deployment knows are recognised by the caller's `isUnknown` (at synth `Token.isUnresolved`;
 * in the CLI, what the record could not resolve); a check on an unknown value is skipped.
 */

/** A SharedBucket and its grants. */
export interface OwnerBucket {
  /** The SharedBucket's construct path, as the findings name it. */
  readonly path: string;
  readonly bucketName: string;
  /** The account of the SharedBucket's stack; undefined when only deployment knows it. */
  readonly accountId?: string;
  /** The region of the SharedBucket's stack, the bucket's; undefined when only deployment knows it. */
  readonly region?: string;
  readonly sharingMode: SharingMode;
  readonly grants: NormalizedGrant[];
  readonly organizationGrants: NormalizedOrganizationGrant[];
}

/** A ThirdPartyAccessRole of a SharedBucket. */
export interface OwnerThirdPartyRole {
  /** The ThirdPartyAccessRole's construct path. */
  readonly path: string;
  readonly bucketName: string;
  /** The role's name, when fixed. */
  readonly roleName?: string;
  readonly thirdPartyAccountId: string;
  readonly thirdPartyPrincipalArns?: string[];
  /** When the role's trust and policy end; undefined: they do not end. */
  readonly expires?: Date;
}

/** Everything the owners wrote that a consumer is matched against. */
export interface OwnerSide {
  readonly buckets: OwnerBucket[];
  readonly thirdPartyRoles: OwnerThirdPartyRole[];
}

/** What a ConsumerReader asks for (and whether it expects notifications). */
export interface ConsumerAsk extends NotificationAsk {
  /** The ConsumerReader's construct path. */
  readonly path: string;
  /** The consumer's account (its stack's). */
  readonly accountId: string;
  readonly bucketName: string;
  readonly bucketOwnerAccountId: string;
  /** The role's ARN when known at synth (a fixed roleName, or a role imported by ARN). */
  readonly principalArn?: string;
  readonly prefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete: boolean;
  readonly accessPointArn?: string;
  readonly thirdPartyRoleArn?: string;
  /**
   * The region the consumer's key statement names (`kms:ViaService s3.<region>.amazonaws.com`),
   * where the consumer fixed it (bucketRegion, or the region of encryptionKeyArn or
   * accessPointArn); undefined when it follows the owner's.
   */
  readonly bucketRegion?: string;
  /** When the consumer's identity policy ends; undefined: it does not end. */
  readonly expires?: Date;
}

/** What an OrganizationConsumers rolls out to the accounts of its units. */
export interface OrganizationConsumersAsk {
  /** The OrganizationConsumers' construct path. */
  readonly path: string;
  readonly bucketName: string;
  readonly bucketOwnerAccountId: string;
  readonly roleName: string;
  readonly sharedPrefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete: boolean;
  /** StackSet targets: OU ids and root ids. */
  readonly organizationalUnitIds: string[];
  /** The organization grant's access point the member roles go through. */
  readonly accessPointArn?: string;
}

/** Whether a value is known only at deployment; checks on such values are skipped. */
export type IsUnknown = (value: unknown) => boolean;

/** The disagreement of a consumer with the owners, and the owner construct it names. */
export interface Disagreement {
  readonly message: string;
  /** The owner side the message names: the SharedBucket, or the ThirdPartyAccessRole whose trust differs. */
  readonly owner: OwnerBucket | OwnerThirdPartyRole;
}

/**
 * The owner's grants by account, built once per OwnerBucket object: with thousands of consumers
 * a check costs a lookup, not a scan of the grants. Callers hand over a new OwnerBucket when
 * its grants change.
 */
const GRANTS_BY_ACCOUNT = new WeakMap<OwnerBucket, Map<string, NormalizedGrant[]>>();

function grantsOf(owner: OwnerBucket, accountId: string): NormalizedGrant[] {
  let index = GRANTS_BY_ACCOUNT.get(owner);
  if (index === undefined) {
    index = new Map();
    for (const grant of owner.grants) {
      const grants = index.get(grant.accountId);
      if (grants === undefined) {
        index.set(grant.accountId, [grant]);
      } else {
        grants.push(grant);
      }
    }
    GRANTS_BY_ACCOUNT.set(owner, index);
  }
  return index.get(accountId) ?? [];
}

/**
 * Why the owners' grants do not cover what a ConsumerReader asks for, or undefined when a grant
 * covers it or its owner is not among them.
 */
export function consumerDisagreement(owners: OwnerSide, request: ConsumerAsk, isUnknown: IsUnknown): Disagreement | undefined {
  const consumerAccount = request.accountId;
  if (isUnknown(consumerAccount) || isUnknown(request.bucketName) || isUnknown(request.bucketOwnerAccountId)) {
    return undefined;
  }
  const sameName = owners.buckets.filter(owner => owner.bucketName === request.bucketName);
  const matching = sameName.filter(owner => owner.accountId === request.bucketOwnerAccountId);
  const who = `ConsumerReader ${request.path}`;
  if (matching.length === 0) {
    const other = sameName.find(owner => owner.accountId !== undefined);
    return other === undefined ? undefined : {
      owner: other,
      message: `${who} names bucket ${request.bucketName} of account ${request.bucketOwnerAccountId}, but SharedBucket ${other.path} ` +
        `of that name belongs to account ${other.accountId}: set bucketOwnerAccountId: '${other.accountId}'.`,
    };
  }
  const owner = matching[0];
  if (request.thirdPartyRoleArn !== undefined) {
    return thirdPartyDisagreement(owners, request, owner, consumerAccount, isUnknown);
  }
  const grants = grantsOf(owner, consumerAccount);
  const ownerName = `SharedBucket ${owner.path}`;
  if (grants.length === 0) {
    return {
      owner,
      message: `${who} (account ${consumerAccount}) is not granted by ${ownerName}: no grant names account ${consumerAccount}. ` +
        `Add a grant ${describeGrant(consumerAccount, request)} to the SharedBucket, or check the ConsumerReader's stack account.`,
    };
  }
  const differences = grants.map(grant => ({ grant, differences: grantDifferences(owner, grant, request, isUnknown) }));
  if (differences.some(candidate => candidate.differences.length === 0)) {
    return undefined;
  }
  const closest = differences.reduce((best, candidate) => candidate.differences.length < best.differences.length ? candidate : best);
  return {
    owner,
    message: `${who} (account ${consumerAccount}) is covered only in part by ${ownerName}: the closest grant, ` +
      `${describeGrant(consumerAccount, closest.grant)}, differs in ${closest.differences.join('; ')}.`,
  };
}

/**
 * Why the owners' organization grants do not cover what an OrganizationConsumers rolls out, or
 * undefined when one covers it or its owner is not among them.
 */
export function organizationConsumersDisagreement(
  owners: OwnerSide, request: OrganizationConsumersAsk, isUnknown: IsUnknown,
): Disagreement | undefined {
  if (isUnknown(request.bucketName) || isUnknown(request.bucketOwnerAccountId)) {
    return undefined;
  }
  const owner = owners.buckets.find(candidate => candidate.bucketName === request.bucketName
    && candidate.accountId === request.bucketOwnerAccountId);
  if (owner === undefined) {
    return undefined;
  }
  const message = organizationMessage(owner, request, isUnknown);
  return message === undefined ? undefined : { owner, message };
}

function organizationMessage(owner: OwnerBucket, request: OrganizationConsumersAsk, isUnknown: IsUnknown): string | undefined {
  const who = `OrganizationConsumers ${request.path}`;
  const ownerName = `SharedBucket ${owner.path}`;
  let grants = owner.organizationGrants;
  if (owner.sharingMode === SharingMode.ACCESS_POINTS) {
    const accessPoints = grants.map(grant => grant.accessPointArn).filter((arn): arn is string => arn !== undefined);
    if (request.accessPointArn === undefined) {
      return `${who}: ${ownerName} shares through access points (SharingMode.ACCESS_POINTS), and the member roles go straight to the bucket, ` +
        'which allows requests only through access points: set accessPointArn to the organization grant\'s access point ' +
        `(the SharedBucket's organizationAccessPointArns${accessPoints.length === 0 ? '' : `: ${list(accessPoints)}`}).`;
    }
    grants = grants.filter(grant => grant.accessPointArn === request.accessPointArn);
    if (grants.length === 0) {
      return `${who}: accessPointArn ${request.accessPointArn} is not the access point of any organization grant of ${ownerName} ` +
        `(its organizationAccessPointArns: ${accessPoints.length === 0 ? 'none' : list(accessPoints)}).`;
    }
  } else if (request.accessPointArn !== undefined) {
    return `${who}: accessPointArn ${request.accessPointArn} is set, but ${ownerName} shares through its bucket policy ` +
      '(SharingMode.BUCKET_POLICY), which has no access points: remove accessPointArn.';
  }
  if (grants.length === 0) {
    return `${who} rolls out the role ${request.roleName}, but ${ownerName} has no organization grant: add one ` +
      `{ organizationId: '<your organization>', roleName: '${request.roleName}'${request.sharedPrefix === undefined ? '' : `, sharedPrefix: '${request.sharedPrefix}'`} }.`;
  }
  const differences = grants.map(grant => organizationDifferences(grant, request, isUnknown));
  if (differences.some(candidate => candidate.length === 0)) {
    return undefined;
  }
  const closest = differences.reduce((best, candidate) => candidate.length < best.length ? candidate : best);
  return `${who} is covered only in part by the organization grants of ${ownerName}: the closest differs in ${closest.join('; ')}.`;
}

function organizationDifferences(grant: NormalizedOrganizationGrant, request: OrganizationConsumersAsk, isUnknown: IsUnknown): string[] {
  const differences: string[] = [];
  if (grant.roleName !== undefined && grant.roleName !== request.roleName) {
    differences.push(`the role: the grant names roleName '${grant.roleName}', the member roles are named '${request.roleName}'`);
  }
  if (grant.sharedPrefix === undefined && request.sharedPrefix !== undefined) {
    differences.push(`the prefix: the grant gives each account its own prefix, the member roles ask for the shared prefix '${request.sharedPrefix}'`);
  } else if (grant.sharedPrefix !== undefined && !(request.sharedPrefix ?? '').startsWith(grant.sharedPrefix)) {
    differences.push(`the prefix: the grant shares '${grant.sharedPrefix}', the member roles ask for ${request.sharedPrefix === undefined
      ? 'their own prefix <account id>/' : `'${request.sharedPrefix}'`}; set sharedPrefix: '${grant.sharedPrefix}'`);
  }
  if (!accessCovers(grant.access, request.access)) {
    differences.push(`the access level: the member roles ask for ${request.access}, the grant gives ${grant.access}`);
  }
  if (request.allowDelete && !grant.allowDelete) {
    differences.push('delete: the member roles ask for allowDelete, the grant does not allow it');
  }
  const paths = grant.organizationalUnitPaths;
  if (paths !== undefined && !isUnknown(request.organizationalUnitIds)) {
    const outside = request.organizationalUnitIds.filter(id => !paths.some(path => path.includes(`/${id}/`)));
    if (outside.length > 0) {
      differences.push(`the units: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not in the grant's organizationalUnitPaths ` +
        `${list(paths)}, so their accounts would get the role and no access (acknowledge this warning if they are units below a granted one)`);
    }
  }
  return differences;
}

function grantDifferences(owner: OwnerBucket, grant: NormalizedGrant, request: ConsumerAsk, isUnknown: IsUnknown): string[] {
  const differences: string[] = [];
  if (owner.region !== undefined && request.bucketRegion !== undefined && !isUnknown(owner.region) && !isUnknown(request.bucketRegion)
    && owner.region !== request.bucketRegion) {
    // kms:ViaService is the endpoint of the service that called KMS for the principal, with its
    // region (AWS KMS Developer Guide, "Condition keys for AWS KMS", kms:ViaService:
    // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service);
    // S3 calls KMS from the bucket's region, so another region's endpoint never matches.
    differences.push(`the region: the consumer may use the key only through S3 in ${request.bucketRegion} ` +
      `(kms:ViaService s3.${request.bucketRegion}.amazonaws.com), and the bucket is in ${owner.region}, so its role can never decrypt; ` +
      `set bucketRegion: '${owner.region}' on the ConsumerReader (and an encryptionKeyArn or accessPointArn of that region)`);
  }
  if (grant.principalArns !== undefined && !isUnknown(grant.principalArns)) {
    if (request.principalArn === undefined) {
      differences.push(`the role: the grant names principalArns ${list(grant.principalArns)}, and the consumer's role gets a generated name; ` +
        `set roleName: '${roleNameOf(grant.principalArns[0])}' on the ConsumerReader`);
    } else if (!isUnknown(request.principalArn) && !grant.principalArns.some(arn => sameArn(arn, request.principalArn!))) {
      differences.push(`the role: ${request.principalArn} is not among the grant's principalArns ${list(grant.principalArns)}; ` +
        `set roleName: '${roleNameOf(grant.principalArns[0])}' on the ConsumerReader, or add '${request.principalArn}' to the grant's principalArns`);
    }
  }
  if (!isUnknown(request.prefix) && !isUnknown(grant.prefix) && !prefixCovers(grant.prefix, request.prefix)) {
    differences.push(`the prefix: the consumer asks for ${describePrefix(request.prefix)}, the grant covers ${describePrefix(grant.prefix)}; ` +
      `set prefix: '${grant.prefix}' (or a prefix under it) on the ConsumerReader, or grant ${describePrefix(request.prefix)}`);
  }
  if (!accessCovers(grant.access, request.access)) {
    differences.push(`the access level: the consumer asks for ${request.access}, the grant gives ${grant.access}; ` +
      `set access: AccessLevel.${grant.access} on the ConsumerReader, or AccessLevel.${AccessLevel.READ_WRITE} on the grant`);
  }
  if (request.allowDelete && !grant.allowDelete) {
    differences.push('delete: the consumer asks for allowDelete, the grant does not allow it; set allowDelete: true on the grant, or remove it from the ConsumerReader');
  }
  differences.push(...notificationDifferences(owner.region, grant, request, isUnknown));
  if (owner.sharingMode === SharingMode.ACCESS_POINTS) {
    if (request.accessPointArn === undefined) {
      differences.push('the access point: the owner shares through access points (SharingMode.ACCESS_POINTS), and the consumer goes straight to the bucket; ' +
        `set accessPointArn to the grant's access point${grant.accessPointArn === undefined ? '' : ` (${grant.accessPointArn})`}`);
    } else if (grant.accessPointArn !== undefined && !sameArn(grant.accessPointArn, request.accessPointArn)
      // A consumer's access point only deployment knows (another stack's output) cannot be compared with a known one.
      && !(isUnknown(request.accessPointArn) && !isUnknown(grant.accessPointArn))) {
      differences.push(`the access point: the consumer names ${request.accessPointArn}, the grant's is ${grant.accessPointArn}; set accessPointArn to the grant's`);
    }
  } else if (request.accessPointArn !== undefined) {
    differences.push('the access point: the consumer names an access point, and the owner shares through the bucket policy (SharingMode.BUCKET_POLICY); ' +
      'remove accessPointArn from the ConsumerReader');
  }
  return differences;
}

function thirdPartyDisagreement(
  owners: OwnerSide, request: ConsumerAsk, owner: OwnerBucket, consumerAccount: string, isUnknown: IsUnknown,
): Disagreement | undefined {
  const who = `ConsumerReader ${request.path}`;
  const roleName = roleNameOf(request.thirdPartyRoleArn!);
  const roles = owners.thirdPartyRoles.filter(role => role.bucketName === owner.bucketName);
  const role = roles.find(candidate => candidate.roleName === roleName);
  if (role === undefined) {
    const named = roles.filter(candidate => candidate.roleName !== undefined).map(candidate => `'${candidate.roleName}' (${candidate.path})`);
    const generated = roles.filter(candidate => candidate.roleName === undefined).map(candidate => candidate.path);
    return {
      owner,
      message: `${who} assumes ${request.thirdPartyRoleArn}, but no ThirdPartyAccessRole of SharedBucket ${owner.path} has the roleName '${roleName}'` +
        (named.length > 0 ? `; the ones with a fixed name: ${named.join(', ')}` : '') +
        (generated.length > 0 ? `; ${generated.join(', ')} get a generated name: set roleName on them` : '') + '.',
    };
  }
  const differences: string[] = [];
  if (!isUnknown(role.thirdPartyAccountId) && role.thirdPartyAccountId !== consumerAccount) {
    differences.push(`the account: the role trusts account ${role.thirdPartyAccountId}, the consumer is account ${consumerAccount}; ` +
      `set thirdPartyAccountId: '${consumerAccount}' on the ThirdPartyAccessRole, or deploy the ConsumerReader in account ${role.thirdPartyAccountId}`);
  } else if (role.thirdPartyPrincipalArns !== undefined && !isUnknown(role.thirdPartyPrincipalArns)) {
    if (request.principalArn === undefined) {
      differences.push(`the role: the trust names thirdPartyPrincipalArns ${list(role.thirdPartyPrincipalArns)}, and the consumer's role gets a generated name; ` +
        `set roleName: '${roleNameOf(role.thirdPartyPrincipalArns[0])}' on the ConsumerReader`);
    } else if (!isUnknown(request.principalArn) && !role.thirdPartyPrincipalArns.some(arn => sameArn(arn, request.principalArn!))) {
      differences.push(`the role: ${request.principalArn} is not among the trust's thirdPartyPrincipalArns ${list(role.thirdPartyPrincipalArns)}; ` +
        `set roleName: '${roleNameOf(role.thirdPartyPrincipalArns[0])}' on the ConsumerReader, or add '${request.principalArn}' to thirdPartyPrincipalArns`);
    }
  }
  return differences.length === 0 ? undefined : {
    owner: role,
    message: `${who} cannot assume ThirdPartyAccessRole ${role.path}: its trust policy differs in ${differences.join('; ')}.`,
  };
}

/** Whether a grant's prefix (undefined: the whole bucket) covers the consumer's. */
export function prefixCovers(granted: string | undefined, asked: string | undefined): boolean {
  return granted === undefined || (asked !== undefined && asked.startsWith(granted));
}

/** Whether a granted access level allows everything the asked one does. */
export function accessCovers(granted: AccessLevel, asked: AccessLevel): boolean {
  return granted === asked || granted === AccessLevel.READ_WRITE;
}

/** ARNs equal but for the partition, which the owner side often writes as a token. */
export function sameArn(a: string, b: string): boolean {
  const withoutPartition = (arn: string) => arn.replace(/^arn:[^:]*:/, '');
  return withoutPartition(a) === withoutPartition(b);
}

/** The last path segment of a role ARN: its name. */
function roleNameOf(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

function describePrefix(prefix: string | undefined): string {
  return prefix === undefined ? 'the whole bucket' : `'${prefix}'`;
}

/** What a grant or a request names, in the form of a ConsumerGrant. */
interface GrantLike {
  readonly principalArns?: string[];
  readonly principalArn?: string;
  readonly prefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete: boolean;
}

function describeGrant(accountId: string, grant: GrantLike): string {
  const principals = grant.principalArns ?? (grant.principalArn === undefined ? undefined : [grant.principalArn]);
  const parts = [
    `accountId: '${accountId}'`,
    ...(principals === undefined ? [] : [`principalArns: ${list(principals)}`]),
    ...(grant.prefix === undefined ? [] : [`prefix: '${grant.prefix}'`]),
    `access: AccessLevel.${grant.access}`,
    ...(grant.allowDelete ? ['allowDelete: true'] : []),
  ];
  return `{ ${parts.join(', ')} }`;
}

function list(values: string[]): string {
  return `[${values.map(value => `'${value}'`).join(', ')}]`;
}
