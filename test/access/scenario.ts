/**
 * Builds owner and consumer stacks from a share configuration, deploys them into a World, and
 * proves for each principal that the requests allowed are exactly the intended ones.
 */
import { App, Stack } from 'aws-cdk-lib';
import { intends, Level, Reach, TrustIntent, trustIntends } from './intent';
import {
  assumeRoleRequests, dataRequests, evaluate, expectExactly, kmsRequests, Outcome, Probe, probeFor, ProofSummary, s3Requests,
} from './sweep';
import { ALLOW_EVERYTHING, deployedKeyArn, PolicyDocument, SimulatedRequest, World } from './world';
import { AccessLevel, ConsumerReader, SharedBucket, ThirdPartyAccessRole } from '../../lib';

export const OWNER = '111111111111';
export const OUTSIDER = '999999999999';
export const REGION = 'eu-west-1';
export const BUCKET_NAME = 'shared-bucket-proof';
export const ORGANIZATION = 'o-proof12345';

export interface GrantConfig {
  readonly accountId: string;
  readonly prefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete?: boolean;
  /** Role names in the consumer account named in principalArns; undefined for the whole account. */
  readonly roleNames?: string[];
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
}

/** A principal the proofs evaluate, with what it is meant to reach. */
export interface ProbedPrincipal {
  readonly arn: string;
  readonly description: string;
  /** Identity policies to use instead of the deployed ones. */
  readonly identity?: PolicyDocument[];
  readonly intended: (request: SimulatedRequest) => boolean;
}

export interface Share {
  readonly world: World;
  readonly config: ShareConfig;
  readonly keyArn: string;
  readonly bucketArn: string;
  readonly probe: Probe;
  readonly thirdPartyRoles: Array<{ config: ThirdPartyConfig; roleArn: string; trust: TrustIntent }>;
}

/** The intent-level name of each AccessLevel. */
export const LEVELS: Record<AccessLevel, Level> = {
  [AccessLevel.READ]: 'read',
  [AccessLevel.WRITE]: 'write',
  [AccessLevel.READ_WRITE]: 'read-write',
};

export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

/** Name of the role a ConsumerReader creates for grant `index` when the grant names no roles. */
function readerRoleName(index: number): string {
  return `Grant${index}Reader`;
}

/** Synthesizes the owner stack and one consumer stack per account, and deploys them into a World. */
export function deployShare(config: ShareConfig): Share {
  const app = new App();
  const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
  const sharedBucket = new SharedBucket(owner, 'Shared', {
    bucketName: BUCKET_NAME,
    organizationId: config.organizationId,
    minimumTlsVersion: config.minimumTlsVersion,
    consumers: config.grants.map(grant => ({
      accountId: grant.accountId,
      prefix: grant.prefix,
      access: grant.access,
      allowDelete: grant.allowDelete,
      principalArns: grant.roleNames?.map(name => roleArn(grant.accountId, name)),
    })),
  });
  const keyArn = deployedKeyArn(sharedBucket.encryptionKey);
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
    });
    const arn = roleArn(OWNER, roleName);
    const trust: TrustIntent = {
      roleArn: arn,
      trustedAccount: thirdParty.accountId,
      principalArns: thirdParty.roleNames?.map(name => roleArn(thirdParty.accountId, name)),
      externalId: thirdParty.externalId,
      requireMfa: thirdParty.requireMfa ?? false,
    };
    return { config: thirdParty, roleArn: arn, trust };
  });

  // Each consumer account deploys a ConsumerReader per role the owner named (or one role for an
  // account-wide grant); each third party one per trusted role, allowed to assume the owner's role.
  const consumerStacks = new Map<string, Stack>();
  const consumerStack = (accountId: string) => {
    let stack = consumerStacks.get(accountId);
    if (stack === undefined) {
      stack = new Stack(app, `Consumer${accountId}`, { env: { account: accountId, region: REGION } });
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
        encryptionKeyArn: keyArn,
        prefix: grant.prefix,
        access: grant.access,
        allowDelete: grant.allowDelete,
        roleName,
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
      });
    }
  });

  const organizations = Object.fromEntries((config.organizationAccounts ?? []).map(account => [account, config.organizationId!]));
  const world = new World({ organizations }).addStack(owner);
  for (const stack of consumerStacks.values()) {
    world.addStack(stack);
  }
  const prefixes = [...config.grants.map(grant => grant.prefix), ...(config.thirdParties ?? []).map(thirdParty => thirdParty.prefix)];
  return {
    world,
    config,
    keyArn,
    bucketArn: `arn:aws:s3:::${BUCKET_NAME}`,
    probe: probeFor(BUCKET_NAME, prefixes, config.leanProbe ?? false),
    thirdPartyRoles,
  };
}

/** The reach a grant means, on the share's bucket. */
export function reachOf(share: Share, grant: { prefix?: string; access: AccessLevel; allowDelete?: boolean }): Reach {
  return {
    bucketArn: share.bucketArn,
    prefix: grant.prefix,
    level: LEVELS[grant.access],
    allowDelete: grant.allowDelete ?? false,
    keyArn: share.keyArn,
    region: REGION,
    minimumTlsVersion: share.config.minimumTlsVersion ?? 1.2,
  };
}

/** The owner's grants that cover `principal`: its account, listed (or not narrowed), in the organization if required. */
export function ownerReaches(share: Share, principal: string): Reach[] {
  const account = principal.split(':')[4];
  const inOrganization = share.config.organizationId === undefined
    || (share.config.organizationAccounts ?? []).includes(account);
  return share.config.grants
    .filter(grant => grant.accountId === account && inOrganization)
    .filter(grant => grant.roleNames === undefined || grant.roleNames.some(name => roleArn(account, name) === principal))
    .map(grant => reachOf(share, grant));
}

/**
 * Everyone the proofs evaluate against a share: each consumer role as deployed (its
 * ConsumerReader policy) and with an identity policy that allows everything (the owner's
 * policies alone must bound it); a role of each consumer account the owner did not name; an
 * outsider account that allows itself everything; each third party's roles, directly.
 */
export function principalsOf(share: Share): ProbedPrincipal[] {
  const { world, config } = share;
  const result: ProbedPrincipal[] = [];
  config.grants.forEach((grant, index) => {
    for (const roleName of grant.roleNames ?? [readerRoleName(index)]) {
      const arn = roleArn(grant.accountId, roleName);
      const owner = ownerReaches(share, arn);
      const consumer = [reachOf(share, grant)];
      if (config.deployConsumers ?? true) {
        result.push({
          arn,
          description: `${arn} as deployed (ConsumerReader of grant ${index})`,
          intended: request => intends(owner, request) && intends(consumer, request),
        });
      } else {
        world.addPrincipal(arn);
      }
      result.push({
        arn,
        description: `${arn} allowing itself everything`,
        identity: [ALLOW_EVERYTHING],
        intended: request => intends(owner, request),
      });
    }
  });
  for (const account of new Set(config.grants.map(grant => grant.accountId))) {
    // Covered by the account's whole-account grants only, if it has any.
    const arn = world.addPrincipal(roleArn(account, 'NotNamedByTheOwner'), ALLOW_EVERYTHING);
    const owner = ownerReaches(share, arn);
    result.push({ arn, description: `${arn}, a role no grant names, allowing itself everything`, intended: request => intends(owner, request) });
  }
  const outsider = world.principals.has(roleArn(OUTSIDER, 'Outsider')) ? roleArn(OUTSIDER, 'Outsider') : world.addPrincipal(roleArn(OUTSIDER, 'Outsider'), ALLOW_EVERYTHING);
  result.push({ arn: outsider, description: `${outsider}, another account, allowing itself everything`, intended: () => false });
  share.thirdPartyRoles.forEach(({ config: thirdParty, roleArn: accessRole }, index) => {
    const reach = [reachOf(share, thirdParty)];
    result.push({
      arn: accessRole,
      description: `${accessRole}, the owner's ThirdPartyAccessRole, once assumed`,
      intended: request => intends(reach, request),
    });
    for (const roleName of thirdParty.roleNames ?? [`ThirdParty${index}Integration`]) {
      const arn = roleArn(thirdParty.accountId, roleName);
      result.push({
        arn,
        description: `${arn}, a third party, allowing itself everything, directly on the bucket`,
        identity: [ALLOW_EVERYTHING],
        intended: request => intends(ownerReaches(share, arn), request),
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
  const s3 = await evaluate(share.world, await s3Requests(share.world, principal.arn, share.probe), principal.intended, options);
  const kms = await evaluate(share.world, await kmsRequests(share.world, principal.arn, share.probe), principal.intended, options);
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
      outcomes.push(...await evaluate(share.world, assumeRoleRequests(caller, arn, thirdParty.externalId),
        request => trustIntends(trust, request), { identity: [ALLOW_EVERYTHING] }));
    }
  }
  expectExactly(outcomes, 'AssumeRole on the third-party roles');
  return outcomes;
}

export interface ShareProof {
  readonly principals: SweepReport[];
  readonly assumeRole: Outcome[];
  /** Requests evaluated in all. */
  readonly requests: number;
}

/**
 * Proves every principal of `principalsOf(share)` and, when the share has third-party roles,
 * AssumeRole on them. Failures of all principals are reported together.
 */
export async function proveShare(share: Share): Promise<ShareProof> {
  const reports: SweepReport[] = [];
  const failures: string[] = [];
  for (const principal of principalsOf(share)) {
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
  if (failures.length > 0) {
    throw new Error(failures.join('\n\n'));
  }
  const requests = reports.reduce((total, report) => total + report.s3.requests + report.kms.requests + report.data.requests, assumeRole.length);
  return { principals: reports, assumeRole, requests };
}

/**
 * The S3 requests a principal's sweep allowed, in short form (`s3:GetObject analytics/x.csv`,
 * `s3:ListBucket prefix=analytics/`), sorted: for assertions that read like the intent.
 */
export function allowedS3(report: SweepReport): string[] {
  return report.s3.allowedRequests.map(request => {
    const key = request.resource.split(':::')[1].split('/').slice(1).join('/');
    const options = request.options ?? {};
    const detail = request.resource.includes('/')
      ? key
      : `prefix=${options.listPrefix ?? '(none)'}`;
    const extra = [options.tlsVersion && `tls=${options.tlsVersion}`, options.sseAlgorithm && `sse=${options.sseAlgorithm}`]
      .filter(Boolean).join(' ');
    return `${request.action} ${detail}${extra ? ` ${extra}` : ''}`;
  }).sort();
}

/** The KMS requests a principal's sweep allowed: action and encryption context (or 'direct'). */
export function allowedKms(report: SweepReport): string[] {
  return report.kms.allowedRequests.map(request => {
    const context = request.options?.encryptionContextArn?.split(':::')[1] ?? '(no context)';
    return `${request.action} via=${request.options?.viaService ?? 'direct'} ${context}`;
  }).sort();
}
