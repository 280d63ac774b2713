/**
 * The request context AWS sets, built in one place. A key missing from a context silently keeps a
 * deny condition from firing (and an allow from matching), so no test builds a context by hand:
 * each request states what it does (`RequestOptions`) and this module sets every key AWS would.
 */
import { allowedContextKeysForRequest } from '@cloud-copilot/iam-simulate';
import { parseAccessPointResource } from './access-point-arn';
import type { Principal, ResourceTarget, World } from './world';

/** What a request does, beyond principal, action and resource. */
export interface RequestOptions {
  /** HTTPS (true) or plain HTTP. @default true */
  readonly secureTransport?: boolean;
  /** TLS version of an HTTPS request. @default '1.3' */
  readonly tlsVersion?: string;
  /** `s3:prefix` of a list request; undefined lists without a prefix. */
  readonly listPrefix?: string;
  /** `x-amz-server-side-encryption` header of a write. */
  readonly sseAlgorithm?: string;
  /** `x-amz-server-side-encryption-aws-kms-key-id` header of a write. */
  readonly sseKeyId?: string;
  /**
   * `x-amz-server-side-encryption-customer-algorithm` header of a write with a customer-provided
   * key (SSE-C, always `AES256`); such a request sends no `x-amz-server-side-encryption`.
   */
  readonly sseCustomerAlgorithm?: string;
  /** The service a KMS request comes through (`s3.<region>.amazonaws.com`); undefined for a direct call. */
  readonly viaService?: string;
  /** `kms:EncryptionContext:aws:s3:arn` of a KMS request made by S3. */
  readonly encryptionContextArn?: string;
  /** `sts:ExternalId` of an AssumeRole request; undefined sends none. */
  readonly externalId?: string;
  /** Whether the caller signed in with MFA. @default false */
  readonly mfa?: boolean;
  /** When the request is made (`aws:CurrentTime`, ISO 8601). @default PROOF_TIME */
  readonly currentTime?: string;
}

/**
 * The time of every request that states none: fixed, so that no proof depends on the clock
 * it runs at. AWS sets `aws:CurrentTime` on every request (a global condition key).
 */
export const PROOF_TIME = '2026-06-01T00:00:00Z';

/** `aws:CurrentTime` of a request. */
export function requestTime(options: RequestOptions | undefined): string {
  return options?.currentTime ?? PROOF_TIME;
}

/** Keys a request carries because of what it does: they must apply to the action, or the test is wrong. */
function requestedKeys(options: RequestOptions): Record<string, string> {
  const keys: Record<string, string | undefined> = {
    's3:prefix': options.listPrefix,
    's3:x-amz-server-side-encryption': options.sseAlgorithm,
    's3:x-amz-server-side-encryption-aws-kms-key-id': options.sseKeyId,
    's3:x-amz-server-side-encryption-customer-algorithm': options.sseCustomerAlgorithm,
    'kms:ViaService': options.viaService,
    'kms:EncryptionContext:aws:s3:arn': options.encryptionContextArn,
    'sts:ExternalId': options.externalId,
  };
  return definedOnly(keys);
}

/** Keys AWS sets on every request that supports them. */
function ambientKeys(
  world: World, principal: Principal, action: string, target: ResourceTarget, options: RequestOptions,
): Record<string, ContextValue> {
  const secure = options.secureTransport ?? true;
  const service = action.split(':')[0];
  // An anonymous request carries no key about its principal (World.addAnonymous).
  const authenticated = principal.account !== '';
  const keys: Record<string, ContextValue | undefined> = {
    'aws:SecureTransport': String(secure),
    'aws:PrincipalArn': authenticated ? principal.arn : undefined,
    'aws:PrincipalAccount': authenticated ? principal.account : undefined,
    'aws:PrincipalOrgID': authenticated ? world.organizationOf(principal.account) : undefined,
    // Multi-valued: an account's path from its organization's root down to its OU.
    'aws:PrincipalOrgPaths': authenticated ? asList(world.organizationPathOf(principal.account)) : undefined,
    'aws:MultiFactorAuthPresent': authenticated ? String(options.mfa ?? false) : undefined,
    'aws:CurrentTime': requestTime(options),
    'aws:ResourceAccount': target.account,
    // Plain HTTP has no TLS version.
    's3:TlsVersion': service === 's3' && secure ? options.tlsVersion ?? '1.3' : undefined,
    's3:ResourceAccount': service === 's3' ? target.account : undefined,
    'kms:CallerAccount': service === 'kms' ? principal.account : undefined,
    'aws:ViaAWSService': service === 'kms' ? String(options.viaService !== undefined) : undefined,
    // A request through an access point, in both legs of its evaluation.
    's3:DataAccessPointAccount': target.accessPoint?.account,
    's3:DataAccessPointArn': target.accessPoint?.arn,
    's3:AccessPointNetworkOrigin': target.accessPoint?.networkOrigin,
  };
  return definedOnly(keys);
}

/**
 * Keys AWS sets when it evaluates the bucket policy of a request made through an access point,
 * although the catalogue lists them on the access point resource types only (world.ts renames
 * them there for the simulator: BUCKET_REQUEST_KEY_ALIASES).
 */
const ACCESS_POINT_KEYS = new Set(['s3:DataAccessPointAccount', 's3:DataAccessPointArn', 's3:AccessPointNetworkOrigin']);

/** A context value: one string, or several for a multi-valued key (`aws:PrincipalOrgPaths`). */
export type ContextValue = string | string[];

export async function requestContext(
  world: World, principal: Principal, action: string, resource: string, target: ResourceTarget, options: RequestOptions,
): Promise<Record<string, ContextValue>> {
  const allowed = await allowedKeys(action, resource);
  const context: Record<string, ContextValue> = {};
  for (const [key, value] of Object.entries(requestedKeys(options))) {
    if (!allowed(key)) {
      throw new Error(`${action} on ${resource} does not carry ${key}; the request options ask for it (${JSON.stringify(options)})`);
    }
    context[key] = value;
  }
  for (const [key, value] of Object.entries(ambientKeys(world, principal, action, target, options))) {
    if (allowed(key) || (ACCESS_POINT_KEYS.has(key) && target.accessPoint !== undefined && action.startsWith('s3:'))) {
      context[key] = value;
    }
  }
  return context;
}

const allowedKeyCache = new Map<string, Promise<(key: string) => boolean>>();

/**
 * The context keys AWS documents for this action on this kind of resource, from the simulator's
 * own catalogue: AWS sets a service's keys only on the actions that support them.
 */
export function allowedKeys(action: string, resource: string): Promise<(key: string) => boolean> {
  const [service, name] = action.split(':');
  const cacheKey = `${action}|${resourceKind(service, resource)}`;
  let matcher = allowedKeyCache.get(cacheKey);
  if (matcher === undefined) {
    matcher = allowedContextKeysForRequest(service, name, resource, false, undefined).then(keys => {
      // Catalogue entries name variable parts as ${tagkey} or <key>.
      const patterns = keys.map(pattern => new RegExp(`^${pattern.split(/\$\{[^}]*\}|<[^>]*>/).map(escapeRegExp).join('.+')}$`, 'i'));
      return (contextKey: string) => patterns.some(pattern => pattern.test(contextKey));
    });
    allowedKeyCache.set(cacheKey, matcher);
  }
  return matcher;
}

/** The kind of resource, as far as the catalogue's keys differ by it. */
function resourceKind(service: string, resource: string): string {
  if (service !== 's3') {
    return 'resource';
  }
  const throughAccessPoint = parseAccessPointResource(resource);
  if (throughAccessPoint !== undefined) {
    return throughAccessPoint.objectKey === undefined ? 'accesspoint' : 'accesspointobject';
  }
  return resource.includes('/') ? 'object' : 'bucket';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function definedOnly<T>(keys: Record<string, T | undefined>): Record<string, T> {
  return Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined)) as Record<string, T>;
}

function asList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : [value];
}
