/**
 * Builds owner and consumer stacks from a share configuration, deploys them into a World, and
 * proves for each principal that the requests allowed are exactly the intended ones.
 */
import { createHash } from 'crypto';
import { App, Expiration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, CfnAccessPoint, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { parseAccessPointResource } from './access-point-arn';
import { CompleteProof, proveComplete } from './complete';
import { completeIntentOf } from './complete-intent';
import { intends, Level, Reach, TrustIntent, trustIntends } from './intent';
import { canonicalReaches, recordedOwnerReaches, recordedRoleReaches } from './recorded-intent';
import {
  assumeRoleRequests, dataRequests, evaluate, expectExactly, kmsRequests, Outcome, Probe, probeFor, ProofSummary, s3Requests,
} from './sweep';
import { ACCESS_POINT_MANAGEMENT_ACTIONS, ALLOW_EVERYTHING, deployedKeyArn, PolicyDocument, SimulatedRequest, World } from './world';
import { AccessLevel, ConsumerReader, OrganizationConsumers, SharedBucket, SharingMode, ThirdPartyAccessRole } from '../../lib';
import { FoundRecord, readRecords } from '../../lib/cli/assembly';
import { shutdownSolver } from '../../lib/model/analyzer/z3-runtime';

// z3's worker threads end with the test file that proved a share (a no-op where none did).
afterAll(() => shutdownSolver());

export const OWNER = '111111111111';
export const OUTSIDER = '999999999999';
export const REGION = 'eu-west-1';
export const BUCKET_NAME = 'shared-bucket-proof';
export const ORGANIZATION = 'o-proof12345';
/** The organization's management account, which deploys OrganizationConsumers. */
export const MANAGEMENT = '777777777777';

export interface GrantConfig {
  readonly accountId: string;
  readonly prefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete?: boolean;
  /** Role names in the consumer account named in principalArns; undefined for the whole account. */
  readonly roleNames?: string[];
  /** The grant's end (`expires`, ISO 8601 in whole seconds). @default - no end */
  readonly expires?: string;
  /** The end of the grant's ConsumerReaders (their own `expires`). @default - the grant's `expires` */
  readonly consumerExpires?: string;
}

/** An organization grant of the owner (SharedBucket organizationGrants). */
export interface OrganizationGrantConfig {
  readonly organizationId: string;
  readonly organizationalUnitPaths?: string[];
  readonly roleName?: string;
  readonly sharedPrefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete?: boolean;
  /** The grant's end, and its OrganizationConsumers' (`expires`, ISO 8601 in whole seconds). @default - no end */
  readonly expires?: string;
}

/** An account's place in an organization, as AWS Organizations reports it. */
export interface Membership {
  readonly organizationId: string;
  /** `aws:PrincipalOrgPaths`: `<organization id>/<root id>/<OU id>/.../` */
  readonly path: string;
}

export interface ThirdPartyConfig {
  readonly accountId: string;
  readonly externalId: string;
  readonly prefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete?: boolean;
  readonly requireMfa?: boolean;
  /** Role names of the third-party account named in the trust policy; undefined for any. */
  readonly roleNames?: string[];
  /** The role's end, and its ConsumerReaders' (`expires`, ISO 8601 in whole seconds). @default - no end */
  readonly expires?: string;
}

export interface ShareConfig {
  readonly grants: GrantConfig[];
  readonly thirdParties?: ThirdPartyConfig[];
  readonly organizationId?: string;
  /** Accounts in the organization (when organizationId is set). */
  readonly organizationAccounts?: string[];
  readonly minimumTlsVersion?: number;
  /**
   * Also deploy each consumer's ConsumerReader (and each third party's), and prove each consumer
   * role as deployed as well as allowing itself everything.
   * @default true
   */
  readonly deployConsumers?: boolean;
  /** Probe fewer object keys per prefix (random configurations). @default false */
  readonly leanProbe?: boolean;
  /** @default SharingMode.BUCKET_POLICY */
  readonly sharingMode?: SharingMode;
  /**
   * The consumers' ConsumerReaders name no key (`encryptionKeyArn` unset): they are written
   * before the owner's key exists, and may use the owner's keys only through S3 for this bucket.
   * @default false (each names the owner's key ARN)
   */
  readonly keylessConsumers?: boolean;
  /**
   * The region of the consumers' stacks (default: the owner's). Their ConsumerReaders set no
   * bucketRegion: the bucket's comes from the owner's SharedBucket in the same app.
   */
  readonly consumerRegion?: string;
  /**
   * Share a bucket the owner app already defines (`existingBucket`): SSE-KMS with its own key,
   * versioned, Block Public Access, BucketOwnerEnforced, without access logs.
   * @default false (SharedBucket creates the bucket)
   */
  readonly existingBucket?: boolean;
  /**
   * With `existingBucket`: its key has a key policy of its own with no statement for the account
   * root, so no IAM policy of the owner's account can grant the key (only the key policy can).
   * @default false (aws-cdk-lib's default key policy, which lets the account's IAM policies grant it)
   */
  readonly keyWithoutAccountRoot?: boolean;
  /**
   * With `existingBucket`: its Block Public Access lets a public bucket policy in and serve
   * (BlockPublicPolicy and RestrictPublicBuckets off; ACLs still blocked).
   * @default false (BLOCK_ALL)
   */
  readonly existingBucketAllowsPublicPolicies?: boolean;
  /** The owner's organization grants. */
  readonly organizationGrants?: OrganizationGrantConfig[];
  /**
   * Accounts in organizations, with their OU paths: each is probed with the role name of every
   * organization grant (and, as deployed, a ConsumerReader for its own prefix when
   * `deployConsumers`), and with a role of another name.
   */
  readonly memberships?: Record<string, Membership>;
  /**
   * Statements added to the bucket policy by hand (`bucket.addToResourcePolicy`), as policy JSON:
   * what a user adds beside the share (the differential test of the analyzer).
   * @default - none
   */
  readonly extraBucketStatements?: object[];
}

/** A principal the proofs evaluate, with what it is meant to reach. */
export interface ProbedPrincipal {
  readonly arn: string;
  readonly description: string;
  /** Identity policies to use instead of the deployed ones. */
  readonly identity?: PolicyDocument[];
  readonly intended: (request: SimulatedRequest) => boolean;
  /** What its S3 sweep probes. @default - the share's probe */
  readonly probes?: Probe[];
}

export interface Share {
  readonly world: World;
  readonly config: ShareConfig;
  readonly keyArn: string;
  readonly bucketArn: string;
  readonly probe: Probe;
  readonly thirdPartyRoles: Array<{ config: ThirdPartyConfig; roleArn: string; trust: TrustIntent }>;
  /**
   * SharingMode.ACCESS_POINTS: each grant's access point ARN, in the order of the grants (empty
   * otherwise). The probe goes through each of them, and through the outsider's.
   */
  readonly accessPointArns: string[];
  /** SharingMode.ACCESS_POINTS: each organization grant's access point ARN, in their order. */
  readonly organizationAccessPointArns: string[];
  /** The review records of the share's cloud assembly, as the CLI reads them (recorded-intent.ts). */
  readonly records: FoundRecord[];
}

/**
 * SharingMode.ACCESS_POINTS: an access point the outsider creates in its own account on the
 * shared bucket, whose policy lets the outsider do anything through it. Only the bucket policy
 * (delegating to the owner's access points only) keeps the outsider out.
 */
export const OUTSIDER_ACCESS_POINT = `arn:aws:s3:${REGION}:${OUTSIDER}:accesspoint/outsider-on-shared-bucket`;

/** The intent-level name of each AccessLevel. */
export const LEVELS: Record<AccessLevel, Level> = {
  [AccessLevel.READ]: 'read',
  [AccessLevel.WRITE]: 'write',
  [AccessLevel.READ_WRITE]: 'read-write',
};

export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

/** An end of the configuration as an Expiration. */
function expiration(time: string | undefined): Expiration | undefined {
  return time === undefined ? undefined : Expiration.fromString(time);
}

/** Name of the role a ConsumerReader creates for grant `index` when the grant names no roles. */
export function readerRoleName(index: number): string {
  return `Grant${index}Reader`;
}

/** Synthesizes the owner stack and one consumer stack per account, and deploys them into a World. */
export function deployShare(config: ShareConfig): Share {
  // CloudFormation schema validation at synth (seconds for a thousand access points) checks
  // nothing the proofs rely on: it only warns.
  const app = new App({ builtinCloudFormationValidation: false });
  const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
  const existingBucket = config.existingBucket === true ? new Bucket(owner, 'TeamBucket', {
    bucketName: BUCKET_NAME,
    encryption: BucketEncryption.KMS,
    encryptionKey: new Key(owner, 'TeamKey', config.keyWithoutAccountRoot === true ? {
      // Key administration for one named role, and no use of the key by anyone of the account.
      policy: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({
          actions: ['kms:Describe*', 'kms:Put*', 'kms:Enable*', 'kms:Disable*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
          principals: [new iam.ArnPrincipal(roleArn(OWNER, 'KeyAdministrator'))],
          resources: ['*'],
        })],
      }),
    } : undefined),
    bucketKeyEnabled: true,
    versioned: true,
    blockPublicAccess: config.existingBucketAllowsPublicPolicies === true
      ? new BlockPublicAccess({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false })
      : BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  }) : undefined;
  const sharedBucket = new SharedBucket(owner, 'Shared', {
    existingBucket,
    bucketName: existingBucket === undefined ? BUCKET_NAME : undefined,
    sharingMode: config.sharingMode,
    organizationId: config.organizationId,
    minimumTlsVersion: config.minimumTlsVersion,
    organizationGrants: config.organizationGrants?.map(({ expires, ...grant }) => ({ ...grant, expires: expiration(expires) })),
    consumers: config.grants.map(grant => ({
      accountId: grant.accountId,
      prefix: grant.prefix,
      access: grant.access,
      allowDelete: grant.allowDelete,
      principalArns: grant.roleNames?.map(name => roleArn(grant.accountId, name)),
      expires: expiration(grant.expires),
    })),
  });
  for (const statement of config.extraBucketStatements ?? []) {
    sharedBucket.bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(statement));
  }
  const keyArn = deployedKeyArn(sharedBucket.encryptionKey);
  const accessPointArns = sharedBucket.accessPointArns.map(arn => concreteArn(owner, arn));
  const organizationAccessPointArns = sharedBucket.organizationAccessPointArns.map(arn => concreteArn(owner, arn));
  const thirdPartyRoles = (config.thirdParties ?? []).map((thirdParty, index) => {
    const roleName = `ThirdParty${index}Access`;
    new ThirdPartyAccessRole(owner, `ThirdParty${index}`, {
      sharedBucket,
      thirdPartyAccountId: thirdParty.accountId,
      externalId: thirdParty.externalId,
      prefix: thirdParty.prefix,
      access: thirdParty.access,
      allowDelete: thirdParty.allowDelete,
      requireMfa: thirdParty.requireMfa,
      thirdPartyPrincipalArns: thirdParty.roleNames?.map(name => roleArn(thirdParty.accountId, name)),
      roleName,
      expires: expiration(thirdParty.expires),
    });
    const arn = roleArn(OWNER, roleName);
    const trust: TrustIntent = {
      roleArn: arn,
      trustedAccount: thirdParty.accountId,
      principalArns: thirdParty.roleNames?.map(name => roleArn(thirdParty.accountId, name)),
      externalId: thirdParty.externalId,
      requireMfa: thirdParty.requireMfa ?? false,
      ...(thirdParty.expires === undefined ? {} : { expires: thirdParty.expires }),
    };
    return { config: thirdParty, roleArn: arn, trust };
  });

  // Each consumer account deploys a ConsumerReader per role the owner named (or one role for an
  // account-wide grant); each third party one per trusted role, allowed to assume the owner's role.
  const consumerStacks = new Map<string, Stack>();
  const consumerStack = (accountId: string) => {
    let stack = consumerStacks.get(accountId);
    if (stack === undefined) {
      stack = new Stack(app, `Consumer${accountId}`, { env: { account: accountId, region: config.consumerRegion ?? REGION } });
      consumerStacks.set(accountId, stack);
    }
    return stack;
  };
  const deployConsumers = config.deployConsumers ?? true;
  config.grants.filter(() => deployConsumers).forEach((grant, index) => {
    for (const roleName of grant.roleNames ?? [readerRoleName(index)]) {
      new ConsumerReader(consumerStack(grant.accountId), `Grant${index}${roleName}`, {
        bucketName: BUCKET_NAME,
        bucketOwnerAccountId: OWNER,
        encryptionKeyArn: config.keylessConsumers === true ? undefined : keyArn,
        accessPointArn: accessPointArns[index],
        prefix: grant.prefix,
        access: grant.access,
        allowDelete: grant.allowDelete,
        roleName,
        expires: expiration(grant.consumerExpires ?? grant.expires),
      });
    }
  });
  thirdPartyRoles.filter(() => deployConsumers).forEach(({ config: thirdParty, roleArn: arn }, index) => {
    for (const roleName of thirdParty.roleNames ?? [`ThirdParty${index}Integration`]) {
      new ConsumerReader(consumerStack(thirdParty.accountId), `ThirdParty${index}${roleName}`, {
        bucketName: BUCKET_NAME,
        bucketOwnerAccountId: OWNER,
        thirdPartyRoleArn: arn,
        roleName,
        expires: expiration(thirdParty.expires),
      });
    }
  });

  const accessPointMode = config.sharingMode === SharingMode.ACCESS_POINTS;
  if (accessPointMode) {
    const outsider = new Stack(app, 'OutsiderAccessPoint', { env: { account: OUTSIDER, region: REGION } });
    new CfnAccessPoint(outsider, 'OnSharedBucket', {
      bucket: BUCKET_NAME,
      bucketAccountId: OWNER,
      name: OUTSIDER_ACCESS_POINT.split('/')[1],
      policy: {
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OUTSIDER}:root` }, Action: 's3:*', Resource: [OUTSIDER_ACCESS_POINT, `${OUTSIDER_ACCESS_POINT}/object/*`],
        }],
      },
    });
    consumerStacks.set(OUTSIDER, outsider);
  }

  // Each organization grant that names a role has it rolled out by OrganizationConsumers: the
  // StackSet's member template (its TemplateBody), deployed in every member account of the grant's
  // organization, each resolving AWS::AccountId to itself as CloudFormation does.
  const memberships = Object.entries(config.memberships ?? {});
  const memberTemplates: Array<{ body: string; stackSetName: string; organizationId: string }> = [];
  (config.organizationGrants ?? []).filter(() => deployConsumers).forEach((grant, index) => {
    if (grant.roleName === undefined) {
      return;
    }
    const management = new Stack(app, `Management${index}`, { env: { account: MANAGEMENT, region: REGION } });
    const members = new OrganizationConsumers(management, 'Members', {
      bucketName: BUCKET_NAME,
      bucketOwnerAccountId: OWNER,
      bucketRegion: REGION,
      organizationalUnitIds: ['ou-root-aaaaaaaa'],
      roleName: grant.roleName,
      sharedPrefix: grant.sharedPrefix,
      access: grant.access,
      allowDelete: grant.allowDelete,
      // SharingMode.ACCESS_POINTS: the member roles go through the grant's own access point.
      accessPointArn: organizationAccessPointArns[index],
      expires: expiration(grant.expires),
    });
    memberTemplates.push({ body: members.memberTemplateBody, stackSetName: members.stackSetName, organizationId: grant.organizationId });
  });

  const organizations = {
    ...Object.fromEntries((config.organizationAccounts ?? []).map(account => [account, config.organizationId!])),
    ...Object.fromEntries(memberships.map(([account, membership]) => [account, membership.organizationId])),
  };
  const organizationPaths = Object.fromEntries(memberships.map(([account, membership]) => [account, membership.path]));
  const world = new World({ organizations, organizationPaths }).addStack(owner);
  for (const template of memberTemplates) {
    for (const [account] of memberships.filter(([, candidate]) => candidate.organizationId === template.organizationId)) {
      world.addTemplate(JSON.parse(template.body), { stackName: `StackSet-${template.stackSetName}-${account}`, account, region: REGION, partition: 'aws' });
    }
  }
  for (const stack of consumerStacks.values()) {
    world.addStack(stack);
  }
  const probe = probeFor(BUCKET_NAME, prefixesOf(config), config.leanProbe ?? false);
  return {
    world,
    config,
    keyArn,
    bucketArn: `arn:aws:s3:::${BUCKET_NAME}`,
    probe: accessPointMode ? { ...probe, accessPointArns: [...accessPointArns, ...organizationAccessPointArns, OUTSIDER_ACCESS_POINT] } : probe,
    thirdPartyRoles,
    accessPointArns,
    organizationAccessPointArns,
    // Synthesized already (World.addStack): the cached assembly.
    records: readRecords(app.synth().directory),
  };
}

/**
 * The intent of `principal` on the owner's side, from the review record, after checking that it
 * is the intent of the configuration (`fromConfiguration`): the proofs then show that the
 * evaluator allows exactly what the record says.
 */
function recordedIntent(principal: string, fromRecord: Reach[], fromConfiguration: Reach[]): Reach[] {
  const recorded = canonicalReaches(fromRecord);
  const configured = canonicalReaches(fromConfiguration);
  if (JSON.stringify(recorded) !== JSON.stringify(configured)) {
    throw new Error(`The review record says ${principal} reaches\n  ${recorded.join('\n  ') || '(nothing)'}\n` +
      `but the configuration means\n  ${configured.join('\n  ') || '(nothing)'}`);
  }
  return fromRecord;
}

/** ownerReaches, from the review record (checked against the configuration). */
function recordedOwnerIntent(share: Share, principal: string): Reach[] {
  return recordedIntent(principal, recordedOwnerReaches(share, principal), ownerReaches(share, principal));
}

/** An ARN the owner stack built from its own account, region and partition, as a plain string. */
function concreteArn(owner: Stack, arn: string): string {
  const resolved = Token.isUnresolved(arn) ? owner.resolve(arn) : arn;
  if (typeof resolved === 'string') {
    return resolved;
  }
  // Fn::Join of literals and the partition pseudo parameter.
  const join = resolved?.['Fn::Join'];
  if (join === undefined) {
    throw new Error(`Cannot make ${JSON.stringify(resolved)} a concrete ARN`);
  }
  return (join[1] as unknown[]).map(part => typeof part === 'string' ? part : part && (part as any).Ref === 'AWS::Partition' ? 'aws' : fail(part)).join(join[0]);
}

function fail(part: unknown): never {
  throw new Error(`Unexpected part of an access point ARN: ${JSON.stringify(part)}`);
}

/**
 * The reach a grant means, on the share's bucket. In SharingMode.ACCESS_POINTS, a consumer grant
 * (`grantIndex`) reaches the bucket only through its access point, and the owner's key policy
 * leaves the choice of objects to the access point (`keyScope: 'bucket'`).
 */
export function reachOf(
  share: Share, grant: { prefix?: string; access: AccessLevel; allowDelete?: boolean; expires?: string }, grantIndex?: number,
): Reach {
  const accessPointArn = grantIndex === undefined ? undefined : share.accessPointArns[grantIndex];
  return {
    bucketArn: share.bucketArn,
    prefix: grant.prefix,
    level: LEVELS[grant.access],
    allowDelete: grant.allowDelete ?? false,
    keyArn: share.keyArn,
    region: REGION,
    minimumTlsVersion: share.config.minimumTlsVersion ?? 1.2,
    ...(accessPointArn === undefined ? {} : { accessPointArn, keyScope: 'bucket' as const }),
    ...(grant.expires === undefined ? {} : { expires: grant.expires }),
  };
}

/**
 * What a consumer's ConsumerReader allows: its grant, through the grant's access point in
 * SharingMode.ACCESS_POINTS, with KMS for the grant's prefix only (its key statement names the
 * prefix in either mode), on the owner's key or, keyless, on any key of the owner account.
 */
export function consumerReaderReach(share: Share, grant: GrantConfig, grantIndex: number): Reach {
  const keyArn = share.config.keylessConsumers === true ? `arn:aws:kms:${REGION}:${OWNER}:key/*` : share.keyArn;
  const expires = grant.consumerExpires ?? grant.expires;
  return { ...reachOf(share, { ...grant, expires }, grantIndex), keyScope: 'prefix', keyArn };
}

/**
 * The owner's grants that cover `principal`: its account, listed (or not narrowed), in the
 * organization if required. In SharingMode.ACCESS_POINTS the key policy names accounts only (or,
 * with organizationId, the organization), so the account's other grants (or, with organizationId,
 * every grant) give the principal their KMS part (`keyOnly`).
 */
export function ownerReaches(share: Share, principal: string): Reach[] {
  const account = principal.split(':')[4];
  const inOrganization = share.config.organizationId === undefined
    || (share.config.organizationAccounts ?? []).includes(account);
  const accountGrants = share.config.grants
    .map((grant, index) => ({ grant, index }))
    .filter(({ grant }) => grant.accountId === account && inOrganization);
  const covers = (grant: GrantConfig) => grant.roleNames === undefined || grant.roleNames.some(name => roleArn(account, name) === principal);
  // With organizationId, the key policy of SharingMode.ACCESS_POINTS names the organization, not
  // accounts: every member gets the KMS part of every grant.
  const keyByOrganization = share.config.organizationId !== undefined && inOrganization;
  const keyOnly = share.accessPointArns.length === 0 ? [] : share.config.grants
    .map((grant, index) => ({ grant, index }))
    .filter(({ grant }) => keyByOrganization
      ? !(grant.accountId === account && covers(grant))
      : accountGrants.some(candidate => candidate.grant === grant) && !covers(grant))
    .map(({ grant, index }) => ({ ...reachOf(share, grant, index), keyOnly: true }));
  return [
    ...accountGrants.filter(({ grant }) => covers(grant)).map(({ grant, index }) => reachOf(share, grant, index)),
    ...keyOnly,
    ...organizationReaches(share, principal),
  ];
}

/**
 * What the owner's organization grants give `principal`: each grant whose organization, OUs (its
 * account's path under one of the grant's) and role name (if any) it matches. A member reaches its
 * own prefix `<account>/` (the key for the whole bucket: the key policy names no prefix then) or
 * the shared prefix.
 */
export function organizationReaches(share: Share, principal: string): Reach[] {
  const account = principal.split(':')[4];
  const membership = share.config.memberships?.[account];
  return (share.config.organizationGrants ?? []).flatMap((grant, index) => {
    const member = membership !== undefined
      && membership.organizationId === grant.organizationId
      && (share.config.organizationId === undefined || share.config.organizationId === grant.organizationId)
      && (grant.organizationalUnitPaths === undefined || grant.organizationalUnitPaths.some(path => membership.path.startsWith(path)))
      && (grant.roleName === undefined || principal === roleArn(account, grant.roleName));
    return member ? [organizationGrantReach(share, index, grant.sharedPrefix ?? `${account}/`)] : [];
  });
}

/**
 * What organization grant `index` gives a member on the owner's side, on `prefix` (the shared
 * prefix, or the member's own): the key for the whole bucket when the key policy names no prefix
 * (each member's own prefix, or the grant's access point choosing the objects).
 */
export function organizationGrantReach(share: Share, index: number, prefix: string | undefined): Reach {
  const grant = share.config.organizationGrants![index];
  const accessPointArn = share.organizationAccessPointArns[index];
  return {
    bucketArn: share.bucketArn,
    prefix,
    level: LEVELS[grant.access],
    allowDelete: grant.allowDelete ?? false,
    keyArn: share.keyArn,
    region: REGION,
    minimumTlsVersion: share.config.minimumTlsVersion ?? 1.2,
    keyScope: grant.sharedPrefix === undefined || accessPointArn !== undefined ? 'bucket' as const : 'prefix' as const,
    ...(accessPointArn === undefined ? {} : { accessPointArn }),
    ...(grant.expires === undefined ? {} : { expires: grant.expires }),
  };
}

/**
 * What a member role of OrganizationConsumers' StackSet (organization grant `index`, in `account`)
 * allows itself: the grant's prefix (or the account's own), on any key of the owner's account.
 */
export function memberReaderReaches(share: Share, account: string, roleName: string): Reach[] {
  return (share.config.organizationGrants ?? [])
    .map((grant, index) => ({ grant, index }))
    .filter(({ grant }) => grant.roleName === roleName && grant.organizationId === share.config.memberships![account].organizationId)
    .map(({ grant, index }): Reach => ({
      bucketArn: share.bucketArn,
      prefix: grant.sharedPrefix ?? `${account}/`,
      level: LEVELS[grant.access],
      allowDelete: grant.allowDelete ?? false,
      keyArn: `arn:aws:kms:${REGION}:${OWNER}:key/*`,
      region: REGION,
      minimumTlsVersion: share.config.minimumTlsVersion ?? 1.2,
      ...(share.organizationAccessPointArns[index] === undefined ? {} : { accessPointArn: share.organizationAccessPointArns[index] }),
      ...(grant.expires === undefined ? {} : { expires: grant.expires }),
    }));
}

/**
 * SharingMode.ACCESS_POINTS: what the S3 sweep of a principal allowing itself everything probes
 * (undefined, the share's probe alone, in SharingMode.BUCKET_POLICY). The share's probe goes
 * straight to the bucket and through the access points the principal may use (`own`); the lean
 * probe (the actions any level grants and their dangerous neighbours, one object per prefix)
 * goes through every other access point: an access point policy names one grant's principals,
 * so the others need only show that they refuse this one. The first probe also sets the KMS
 * sweep (proveBucketAccess).
 */
function ownerSideProbes(share: Share, own: string[]): Probe[] | undefined {
  const all = share.probe.accessPointArns ?? [];
  if (all.length === 0) {
    return undefined;
  }
  return [
    { ...share.probe, accessPointArns: all.filter(arn => own.includes(arn)) },
    { ...leanProbeOf(share), accessPointArns: all.filter(arn => !own.includes(arn)), direct: false },
  ];
}

/**
 * SharingMode.ACCESS_POINTS: what the sweep of a consumer role as deployed probes: the share's
 * probe through its own access point, the lean probe straight to the bucket and through every
 * other access point. Its identity policy can only narrow what the owner's policies allow, which
 * the same role allowing itself everything proves in full (ownerSideProbes).
 */
function consumerSideProbes(share: Share, own: string[]): Probe[] | undefined {
  const all = share.probe.accessPointArns ?? [];
  if (all.length === 0) {
    return undefined;
  }
  return [
    { ...share.probe, accessPointArns: all.filter(arn => own.includes(arn)), direct: false },
    { ...leanProbeOf(share), accessPointArns: all.filter(arn => !own.includes(arn)) },
  ];
}

function leanProbeOf(share: Share): Probe {
  const lean = probeFor(share.probe.bucketName, prefixesOf(share.config), true);
  return share.probe.currentTime === undefined ? lean : { ...lean, currentTime: share.probe.currentTime };
}

/** The share proved with the lean probe (through the same access points), whatever its own probe. */
export function withLeanProbe(share: Share): Share {
  const accessPointArns = share.probe.accessPointArns;
  return { ...share, probe: { ...leanProbeOf(share), ...(accessPointArns === undefined ? {} : { accessPointArns }) } };
}

/**
 * The share with every request of its proofs made at `currentTime` (`aws:CurrentTime`): the same
 * deployed policies, proved before and after a grant's end.
 */
export function shareAt(share: Share, currentTime: string): Share {
  return { ...share, probe: { ...share.probe, currentTime } };
}

/** The access points through which `reaches` intend S3 requests. */
function accessPointsOf(reaches: Reach[]): string[] {
  return reaches.filter(reach => reach.keyOnly !== true && reach.accessPointArn !== undefined).map(reach => reach.accessPointArn!);
}

function prefixesOf(config: ShareConfig): Array<string | undefined> {
  return [
    ...config.grants.map(grant => grant.prefix),
    ...(config.thirdParties ?? []).map(thirdParty => thirdParty.prefix),
    // Organization grants: the shared prefix, or every member's own.
    ...(config.organizationGrants ?? []).flatMap(grant => grant.sharedPrefix !== undefined ? [grant.sharedPrefix]
      : Object.keys(config.memberships ?? {}).map(account => `${account}/`)),
  ];
}

/**
 * Everyone the proofs evaluate against a share: each consumer role as deployed (its
 * ConsumerReader policy) and with an identity policy that allows everything (the owner's
 * policies alone must bound it); a role the owner did not name in each consumer account where
 * some grant names roles; an outsider account that allows itself everything (and, in
 * SharingMode.ACCESS_POINTS, has an access point of its own on the bucket); each third party's
 * roles, directly.
 */
export function principalsOf(share: Share): ProbedPrincipal[] {
  const { world, config } = share;
  const result: ProbedPrincipal[] = [];
  config.grants.forEach((grant, index) => {
    for (const roleName of grant.roleNames ?? [readerRoleName(index)]) {
      const arn = roleArn(grant.accountId, roleName);
      const owner = recordedOwnerIntent(share, arn);
      const consumer = [consumerReaderReach(share, grant, index)];
      if (config.deployConsumers ?? true) {
        result.push({
          arn,
          description: `${arn} as deployed (ConsumerReader of grant ${index})`,
          intended: request => intends(owner, request) && intends(consumer, request),
          probes: consumerSideProbes(share, accessPointsOf(consumer)),
        });
      } else if (!world.principals.has(arn)) {
        world.addPrincipal(arn);
      }
      result.push({
        arn,
        description: `${arn} allowing itself everything`,
        identity: [ALLOW_EVERYTHING],
        intended: request => intends(owner, request),
        probes: ownerSideProbes(share, accessPointsOf(owner)),
      });
    }
  });
  for (const account of new Set(config.grants.map(grant => grant.accountId))) {
    // Covered by the account's whole-account grants only, if it has any. When every grant of
    // the account is whole-account, the Grant<n>Reader roles above, allowing themselves
    // everything, are already such roles.
    if (config.grants.every(grant => grant.accountId !== account || grant.roleNames === undefined)) {
      continue;
    }
    const unnamed = roleArn(account, 'NotNamedByTheOwner');
    // Declared once: a share may be proved several times (shareAt).
    const arn = world.principals.has(unnamed) ? unnamed : world.addPrincipal(unnamed, ALLOW_EVERYTHING);
    const owner = recordedOwnerIntent(share, arn);
    result.push({
      arn,
      description: `${arn}, a role no grant names, allowing itself everything`,
      intended: request => intends(owner, request),
      probes: ownerSideProbes(share, accessPointsOf(owner)),
    });
  }
  // Organization members: the grant's role (as deployed, and allowing itself everything) and a
  // role of another name in every member account, whether the grant covers it or not.
  const organizationRoleNames = new Set((config.organizationGrants ?? []).map(grant => grant.roleName ?? 'AnyMemberRole'));
  for (const account of Object.keys(config.memberships ?? {})) {
    for (const roleName of [...organizationRoleNames, 'NotTheMemberRole']) {
      const arn = roleArn(account, roleName);
      const owner = recordedOwnerIntent(share, arn);
      const deployed = (config.deployConsumers ?? true) && world.principals.has(arn);
      if (deployed) {
        const consumer = memberReaderReaches(share, account, roleName);
        result.push({
          arn,
          description: `${arn} as deployed (the member role of OrganizationConsumers' StackSet)`,
          intended: request => intends(owner, request) && intends(consumer, request),
          probes: consumerSideProbes(share, accessPointsOf(consumer)),
        });
      } else if (!world.principals.has(arn)) {
        world.addPrincipal(arn, ALLOW_EVERYTHING);
      }
      result.push({
        arn,
        description: `${arn}, an organization member, allowing itself everything`,
        identity: [ALLOW_EVERYTHING],
        intended: request => intends(owner, request),
        probes: ownerSideProbes(share, accessPointsOf(owner)),
      });
    }
  }
  const outsider = world.principals.has(roleArn(OUTSIDER, 'Outsider')) ? roleArn(OUTSIDER, 'Outsider') : world.addPrincipal(roleArn(OUTSIDER, 'Outsider'), ALLOW_EVERYTHING);
  result.push({
    arn: outsider,
    description: `${outsider}, another account, allowing itself everything`,
    // Managing its own access point is its own business: it reaches nothing of the owner's.
    intended: request => request.resource === OUTSIDER_ACCESS_POINT && ACCESS_POINT_MANAGEMENT_ACTIONS.has(request.action),
    // Its own access point on the shared bucket allows it everything: the whole probe through it.
    probes: ownerSideProbes(share, [OUTSIDER_ACCESS_POINT]),
  });
  share.thirdPartyRoles.forEach(({ config: thirdParty, roleArn: accessRole }, index) => {
    const reach = recordedIntent(accessRole, recordedRoleReaches(share, accessRole), [reachOf(share, thirdParty)]);
    result.push({
      arn: accessRole,
      description: `${accessRole}, the owner's ThirdPartyAccessRole, once assumed`,
      intended: request => intends(reach, request),
    });
    for (const roleName of thirdParty.roleNames ?? [`ThirdParty${index}Integration`]) {
      const arn = roleArn(thirdParty.accountId, roleName);
      const thirdPartyOwner = recordedOwnerIntent(share, arn);
      result.push({
        arn,
        description: `${arn}, a third party, allowing itself everything, directly on the bucket`,
        identity: [ALLOW_EVERYTHING],
        intended: request => intends(thirdPartyOwner, request),
      });
    }
  });
  return result;
}

export interface SweepReport {
  readonly principal: string;
  readonly s3: ProofSummary;
  readonly kms: ProofSummary;
  readonly data: ProofSummary;
}

/** Every S3 and KMS request of the sweep for one principal, and data requests end to end. */
export async function proveBucketAccess(share: Share, principal: ProbedPrincipal): Promise<SweepReport> {
  const options = { identity: principal.identity };
  const probes = principal.probes ?? [share.probe];
  const s3Sweep = (await Promise.all(probes.map(probe => s3Requests(share.world, principal.arn, probe)))).flat();
  const s3 = await evaluate(share.world, s3Sweep, principal.intended, options);
  const kms = await evaluate(share.world, await kmsRequests(share.world, principal.arn, probes[0]), principal.intended, options);
  const data = await dataRequests(share.world, s3, kms, principal.intended, options);
  return {
    principal: principal.description,
    s3: expectExactly(s3, `S3 for ${principal.description}`),
    kms: expectExactly(kms, `KMS for ${principal.description}`),
    data: expectExactly(data, `S3+KMS data requests for ${principal.description}`),
  };
}

/**
 * AssumeRole on each third-party role: by each principal of its trusted account it names (or a
 * role of that account), by a role of that account it does not name, and by the outsider and
 * consumers, all allowing themselves everything; with right, wrong and no external id, with and
 * without MFA.
 */
export async function proveTrust(share: Share): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const { config: thirdParty, roleArn: arn, trust } of share.thirdPartyRoles) {
    const callers = [
      ...(thirdParty.roleNames ?? ['AnyRole']).map(name => roleArn(thirdParty.accountId, name)),
      roleArn(thirdParty.accountId, 'NotNamedInTheTrust'),
      roleArn(OUTSIDER, 'Outsider'),
      ...share.config.grants.map(grant => roleArn(grant.accountId, 'NotNamedByTheOwner')),
    ];
    for (const caller of new Set(callers)) {
      if (!share.world.principals.has(caller)) {
        share.world.addPrincipal(caller, ALLOW_EVERYTHING);
      }
      outcomes.push(...await evaluate(share.world, assumeRoleRequests(caller, arn, thirdParty.externalId, share.probe.currentTime),
        request => trustIntends(trust, request), { identity: [ALLOW_EVERYTHING] }));
    }
  }
  expectExactly(outcomes, 'AssumeRole on the third-party roles');
  return outcomes;
}

export interface ShareProof {
  /** The complete proof: questions asked of z3 (complete.ts). */
  readonly complete: CompleteProof;
  readonly principals: SweepReport[];
  readonly assumeRole: Outcome[];
  /** Requests evaluated in all. */
  readonly requests: number;
}

/**
 * Proves every principal of `principalsOf(share)` (or those `only` selects) and, when the share
 * has third-party roles, AssumeRole on them. Failures of all principals are reported together.
 */
export async function proveShare(share: Share, only: (principal: ProbedPrincipal) => boolean = () => true): Promise<ShareProof> {
  const reports: SweepReport[] = [];
  const failures: string[] = [];
  for (const principal of principalsOf(share).filter(only)) {
    try {
      reports.push(await proveBucketAccess(share, principal));
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  let assumeRole: Outcome[] = [];
  try {
    assumeRole = await proveTrust(share);
  } catch (error) {
    failures.push((error as Error).message);
  }
  let complete: CompleteProof = { questions: 0 };
  try {
    complete = await proveShareCompletely(share);
  } catch (error) {
    failures.push((error as Error).message);
  }
  if (failures.length > 0) {
    throw new Error(failures.join('\n\n'));
  }
  const requests = reports.reduce((total, report) => total + report.s3.requests + report.kms.requests + report.data.requests, assumeRole.length);
  return { complete, principals: reports, assumeRole, requests };
}

const completeProofs = new Map<string, Promise<CompleteProof>>();

/**
 * The complete proof of the share's templates (complete.ts), for every request at any time: once
 * per templates and configuration, however many times (shareAt) the sweeps prove them.
 */
export function proveShareCompletely(share: Share): Promise<CompleteProof> {
  const key = createHash('sha256').update(JSON.stringify([share.world.templates, share.config])).digest('hex');
  let proof = completeProofs.get(key);
  if (proof === undefined) {
    proof = proveComplete(share, completeIntentOf(share));
    completeProofs.set(key, proof);
  }
  return proof;
}

/**
 * The S3 requests a principal's sweep allowed, in short form (`s3:GetObject analytics/x.csv`,
 * `s3:ListBucket prefix=analytics/`), sorted: for assertions that read like the intent.
 */
export function allowedS3(report: SweepReport): string[] {
  return report.s3.allowedRequests.map(request => {
    // Through an access point: `@<access point name> ` before the key or prefix.
    const throughAccessPoint = parseAccessPointResource(request.resource);
    const [route, key, onObject] = throughAccessPoint === undefined
      ? ['', request.resource.split(':::')[1].split('/').slice(1).join('/'), request.resource.includes('/')]
      : [`@${throughAccessPoint.accessPointArn.split('/')[1]} `, throughAccessPoint.objectKey ?? '', throughAccessPoint.objectKey !== undefined];
    const options = request.options ?? {};
    const detail = onObject ? key : `prefix=${options.listPrefix ?? '(none)'}`;
    const extra = [options.tlsVersion && `tls=${options.tlsVersion}`, options.sseAlgorithm && `sse=${options.sseAlgorithm}`,
      options.sseCustomerAlgorithm && `sse-c=${options.sseCustomerAlgorithm}`]
      .filter(Boolean).join(' ');
    return `${request.action} ${route}${detail}${extra ? ` ${extra}` : ''}`;
  }).sort();
}

/** The KMS requests a principal's sweep allowed: action and encryption context (or 'direct'). */
export function allowedKms(report: SweepReport): string[] {
  return report.kms.allowedRequests.map(request => {
    const context = request.options?.encryptionContextArn?.split(':::')[1] ?? '(no context)';
    return `${request.action} via=${request.options?.viaService ?? 'direct'} ${context}`;
  }).sort();
}
