import { Annotations, Aspects, IAspect, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AccessLevel } from '../access-level';
import { SharingMode } from '../sharing-mode';

/**
 * Owner and consumer checked against each other at synth: when a ConsumerReader and the
 * SharedBucket (or ThirdPartyAccessRole) it names are in the same app, a consumer that no grant
 * covers, or covers only in part, gets the warning `consumerNotGranted`, naming both constructs,
 * what differs and the change that makes them agree.
 *
 * Every construct registers with the registry of its app (the construct tree's root) when it is
 * created; each ConsumerReader checks itself in an aspect, which runs at synth, once every
 * construct of the app exists, so the order of construction does not matter. The owner's grants
 * are indexed by account once per check round: a check costs a lookup, not a scan of the grants.
 */

/** One grant of an owner, normalised: who, where, what, and through which access point. */
export interface OwnerGrant {
  readonly accountId: string;
  readonly principalArns?: string[];
  readonly prefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete: boolean;
  /** SharingMode.ACCESS_POINTS: the grant's access point. */
  readonly accessPointArn?: string;
  /** When the grant ends (its statements carry `DateLessThan aws:CurrentTime`); undefined: it does not end. */
  readonly expires?: Date;
}

/** One organization grant of an owner, normalised. */
export interface OwnerOrganizationGrant {
  readonly organizationId: string;
  readonly organizationalUnitPaths?: string[];
  readonly roleName?: string;
  readonly sharedPrefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete: boolean;
  /** SharingMode.ACCESS_POINTS: the grant's access point. */
  readonly accessPointArn?: string;
  /** When the grant ends; undefined: it does not end. */
  readonly expires?: Date;
}

/** A SharedBucket, as the check sees it. */
export interface SharedBucketRecord {
  readonly construct: IConstruct;
  readonly bucketName: string;
  readonly sharingMode: SharingMode;
  /** The grants so far (read at synth: grants added after construction count). */
  grants(): OwnerGrant[];
  /** The organization grants so far. */
  organizationGrants(): OwnerOrganizationGrant[];
}

/** What an OrganizationConsumers rolls out to the accounts of its units. */
export interface OrganizationConsumersRequest {
  readonly construct: IConstruct;
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

/** A ThirdPartyAccessRole, as the check sees it. */
export interface ThirdPartyRoleRecord {
  readonly construct: IConstruct;
  readonly bucketName: string;
  /** The role's name, when fixed. */
  readonly roleName?: string;
  readonly thirdPartyAccountId: string;
  readonly thirdPartyPrincipalArns?: string[];
  /** When the role's trust and policy end; undefined: they do not end. */
  readonly expires?: Date;
}

/** What a ConsumerReader asks for. */
export interface ConsumerRequest {
  readonly construct: IConstruct;
  readonly bucketName: string;
  readonly bucketOwnerAccountId: string;
  /** The role's ARN when known at synth (a fixed roleName, or a role imported by ARN). */
  readonly principalArn?: string;
  readonly prefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete: boolean;
  readonly accessPointArn?: string;
  readonly thirdPartyRoleArn?: string;
  /** When the consumer's identity policy ends; undefined: it does not end. */
  readonly expires?: Date;
}

const WARNING_ID = 'cdk-cross-account-bucket:consumerNotGranted';

class Registry {
  public readonly sharedBuckets: SharedBucketRecord[] = [];
  public readonly thirdPartyRoles: ThirdPartyRoleRecord[] = [];
  private grantsByAccount?: Map<SharedBucketRecord, Map<string, OwnerGrant[]>>;

  /** Grants by account, built once for all the readers one synth checks. */
  public grantsOf(owner: SharedBucketRecord, accountId: string): OwnerGrant[] {
    if (this.grantsByAccount === undefined) {
      this.grantsByAccount = new Map();
    }
    let index = this.grantsByAccount.get(owner);
    if (index === undefined) {
      index = new Map();
      for (const grant of owner.grants()) {
        index.set(grant.accountId, [...index.get(grant.accountId) ?? [], grant]);
      }
      this.grantsByAccount.set(owner, index);
    }
    return index.get(accountId) ?? [];
  }

  /** A construct was added: the next check builds the index anew. */
  public changed(): void {
    this.grantsByAccount = undefined;
  }
}

const REGISTRIES = new WeakMap<IConstruct, Registry>();

function registryOf(scope: IConstruct): Registry {
  const root = scope.node.root;
  let registry = REGISTRIES.get(root);
  if (registry === undefined) {
    registry = new Registry();
    REGISTRIES.set(root, registry);
  }
  return registry;
}

export function registerSharedBucket(record: SharedBucketRecord): void {
  const registry = registryOf(record.construct);
  registry.sharedBuckets.push(record);
  registry.changed();
}

export function registerThirdPartyRole(record: ThirdPartyRoleRecord): void {
  const registry = registryOf(record.construct);
  registry.thirdPartyRoles.push(record);
  registry.changed();
}

/** Checks the reader against the owner constructs of its app at synth. */
export function checkConsumerAtSynth(request: ConsumerRequest): void {
  const aspect: IAspect = {
    visit: node => {
      if (node === request.construct) {
        const finding = findDisagreement(registryOf(request.construct), request);
        if (finding !== undefined) {
          Annotations.of(request.construct).addWarningV2(WARNING_ID, finding);
        }
      }
    },
  };
  Aspects.of(request.construct).add(aspect);
}

/** Checks an OrganizationConsumers against the organization grants of its app's owner at synth. */
export function checkOrganizationConsumersAtSynth(request: OrganizationConsumersRequest): void {
  Aspects.of(request.construct).add({
    visit: node => {
      if (node === request.construct) {
        const finding = findOrganizationDisagreement(registryOf(request.construct), request);
        if (finding !== undefined) {
          Annotations.of(request.construct).addWarningV2(WARNING_ID, finding);
        }
      }
    },
  });
}

function findOrganizationDisagreement(registry: Registry, request: OrganizationConsumersRequest): string | undefined {
  if (Token.isUnresolved(request.bucketName) || Token.isUnresolved(request.bucketOwnerAccountId)) {
    return undefined;
  }
  const owner = registry.sharedBuckets.find(candidate => candidate.bucketName === request.bucketName
    && Stack.of(candidate.construct).account === request.bucketOwnerAccountId);
  if (owner === undefined) {
    return undefined;
  }
  const who = `OrganizationConsumers ${request.construct.node.path}`;
  const ownerName = `SharedBucket ${owner.construct.node.path}`;
  let grants = owner.organizationGrants();
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
  const differences = grants.map(grant => organizationDifferences(grant, request));
  if (differences.some(candidate => candidate.length === 0)) {
    return undefined;
  }
  const closest = differences.reduce((best, candidate) => candidate.length < best.length ? candidate : best);
  return `${who} is covered only in part by the organization grants of ${ownerName}: the closest differs in ${closest.join('; ')}.`;
}

function organizationDifferences(grant: OwnerOrganizationGrant, request: OrganizationConsumersRequest): string[] {
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
  if (paths !== undefined && !Token.isUnresolved(request.organizationalUnitIds)) {
    const outside = request.organizationalUnitIds.filter(id => !paths.some(path => path.includes(`/${id}/`)));
    if (outside.length > 0) {
      differences.push(`the units: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not in the grant's organizationalUnitPaths ` +
        `${list(paths)}, so their accounts would get the role and no access (acknowledge this warning if they are units below a granted one)`);
    }
  }
  return differences;
}

/** The warning's text, or undefined when a grant covers the request or the owner is not in this app. */
function findDisagreement(registry: Registry, request: ConsumerRequest): string | undefined {
  const consumerAccount = Stack.of(request.construct).account;
  if (Token.isUnresolved(consumerAccount) || Token.isUnresolved(request.bucketName) || Token.isUnresolved(request.bucketOwnerAccountId)) {
    return undefined;
  }
  const sameName = registry.sharedBuckets.filter(owner => owner.bucketName === request.bucketName);
  const owners = sameName.filter(owner => Stack.of(owner.construct).account === request.bucketOwnerAccountId);
  const who = `ConsumerReader ${request.construct.node.path}`;
  if (owners.length === 0) {
    const other = sameName.find(owner => !Token.isUnresolved(Stack.of(owner.construct).account));
    return other === undefined ? undefined
      : `${who} names bucket ${request.bucketName} of account ${request.bucketOwnerAccountId}, but SharedBucket ${other.construct.node.path} ` +
        `of that name belongs to account ${Stack.of(other.construct).account}: set bucketOwnerAccountId: '${Stack.of(other.construct).account}'.`;
  }
  const owner = owners[0];
  if (request.thirdPartyRoleArn !== undefined) {
    return thirdPartyDisagreement(registry, request, owner, consumerAccount);
  }
  const grants = registry.grantsOf(owner, consumerAccount);
  const ownerName = `SharedBucket ${owner.construct.node.path}`;
  if (grants.length === 0) {
    return `${who} (account ${consumerAccount}) is not granted by ${ownerName}: no grant names account ${consumerAccount}. ` +
      `Add a grant ${describeGrant(consumerAccount, request)} to the SharedBucket, or check the ConsumerReader's stack account.`;
  }
  const differences = grants.map(grant => ({ grant, differences: grantDifferences(owner, grant, request) }));
  if (differences.some(candidate => candidate.differences.length === 0)) {
    return undefined;
  }
  const closest = differences.reduce((best, candidate) => candidate.differences.length < best.differences.length ? candidate : best);
  return `${who} (account ${consumerAccount}) is covered only in part by ${ownerName}: the closest grant, ` +
    `${describeGrant(consumerAccount, closest.grant)}, differs in ${closest.differences.join('; ')}.`;
}

function grantDifferences(owner: SharedBucketRecord, grant: OwnerGrant, request: ConsumerRequest): string[] {
  const differences: string[] = [];
  if (grant.principalArns !== undefined && !Token.isUnresolved(grant.principalArns)) {
    if (request.principalArn === undefined) {
      differences.push(`the role: the grant names principalArns ${list(grant.principalArns)}, and the consumer's role gets a generated name; ` +
        `set roleName: '${roleNameOf(grant.principalArns[0])}' on the ConsumerReader`);
    } else if (!Token.isUnresolved(request.principalArn) && !grant.principalArns.some(arn => sameArn(arn, request.principalArn!))) {
      differences.push(`the role: ${request.principalArn} is not among the grant's principalArns ${list(grant.principalArns)}; ` +
        `set roleName: '${roleNameOf(grant.principalArns[0])}' on the ConsumerReader, or add '${request.principalArn}' to the grant's principalArns`);
    }
  }
  if (!Token.isUnresolved(request.prefix) && !Token.isUnresolved(grant.prefix) && !prefixCovers(grant.prefix, request.prefix)) {
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
  if (owner.sharingMode === SharingMode.ACCESS_POINTS) {
    if (request.accessPointArn === undefined) {
      differences.push('the access point: the owner shares through access points (SharingMode.ACCESS_POINTS), and the consumer goes straight to the bucket; ' +
        `set accessPointArn to the grant's access point${grant.accessPointArn === undefined ? '' : ` (${grant.accessPointArn})`}`);
    } else if (grant.accessPointArn !== undefined && !sameArn(grant.accessPointArn, request.accessPointArn)) {
      differences.push(`the access point: the consumer names ${request.accessPointArn}, the grant's is ${grant.accessPointArn}; set accessPointArn to the grant's`);
    }
  } else if (request.accessPointArn !== undefined) {
    differences.push('the access point: the consumer names an access point, and the owner shares through the bucket policy (SharingMode.BUCKET_POLICY); ' +
      'remove accessPointArn from the ConsumerReader');
  }
  return differences;
}

function thirdPartyDisagreement(
  registry: Registry, request: ConsumerRequest, owner: SharedBucketRecord, consumerAccount: string,
): string | undefined {
  const who = `ConsumerReader ${request.construct.node.path}`;
  const roleName = roleNameOf(request.thirdPartyRoleArn!);
  const roles = registry.thirdPartyRoles.filter(role => role.bucketName === owner.bucketName);
  const role = roles.find(candidate => candidate.roleName === roleName);
  if (role === undefined) {
    const named = roles.filter(candidate => candidate.roleName !== undefined).map(candidate => `'${candidate.roleName}' (${candidate.construct.node.path})`);
    const generated = roles.filter(candidate => candidate.roleName === undefined).map(candidate => candidate.construct.node.path);
    return `${who} assumes ${request.thirdPartyRoleArn}, but no ThirdPartyAccessRole of SharedBucket ${owner.construct.node.path} has the roleName '${roleName}'` +
      (named.length > 0 ? `; the ones with a fixed name: ${named.join(', ')}` : '') +
      (generated.length > 0 ? `; ${generated.join(', ')} get a generated name: set roleName on them` : '') + '.';
  }
  const differences: string[] = [];
  if (!Token.isUnresolved(role.thirdPartyAccountId) && role.thirdPartyAccountId !== consumerAccount) {
    differences.push(`the account: the role trusts account ${role.thirdPartyAccountId}, the consumer is account ${consumerAccount}; ` +
      `set thirdPartyAccountId: '${consumerAccount}' on the ThirdPartyAccessRole, or deploy the ConsumerReader in account ${role.thirdPartyAccountId}`);
  } else if (role.thirdPartyPrincipalArns !== undefined && !Token.isUnresolved(role.thirdPartyPrincipalArns)) {
    if (request.principalArn === undefined) {
      differences.push(`the role: the trust names thirdPartyPrincipalArns ${list(role.thirdPartyPrincipalArns)}, and the consumer's role gets a generated name; ` +
        `set roleName: '${roleNameOf(role.thirdPartyPrincipalArns[0])}' on the ConsumerReader`);
    } else if (!Token.isUnresolved(request.principalArn) && !role.thirdPartyPrincipalArns.some(arn => sameArn(arn, request.principalArn!))) {
      differences.push(`the role: ${request.principalArn} is not among the trust's thirdPartyPrincipalArns ${list(role.thirdPartyPrincipalArns)}; ` +
        `set roleName: '${roleNameOf(role.thirdPartyPrincipalArns[0])}' on the ConsumerReader, or add '${request.principalArn}' to thirdPartyPrincipalArns`);
    }
  }
  return differences.length === 0 ? undefined
    : `${who} cannot assume ThirdPartyAccessRole ${role.construct.node.path}: its trust policy differs in ${differences.join('; ')}.`;
}

/** Whether a grant's prefix (undefined: the whole bucket) covers the consumer's. */
function prefixCovers(granted: string | undefined, asked: string | undefined): boolean {
  return granted === undefined || (asked !== undefined && asked.startsWith(granted));
}

function accessCovers(granted: AccessLevel, asked: AccessLevel): boolean {
  return granted === asked || granted === AccessLevel.READ_WRITE;
}

/** ARNs equal but for the partition, which the owner side often writes as a token. */
function sameArn(a: string, b: string): boolean {
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
