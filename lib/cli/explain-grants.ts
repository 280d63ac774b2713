/**
 * What the grants this library recorded say of one request: which grant of the bucket comes
 * closest, what keeps it from allowing the request, and what else the owner's policies and the
 * caller's own account require. The verdict itself is the policies' (explain.ts); this part tells
 * which grant to change.
 */
import { CliError, FoundRecord } from './assembly';
import { Caller, callerIs, grantableActions, isBucketAction, LEVELS, normalizeAction, parsePrincipal } from './explain-request';
import { AccessLevel } from '../access-level';
import { accessActions } from '../model/access-actions';
import { RecordedGrant, SharedBucketRecordData, ThirdPartyRoleRecordData } from '../model/record';


/** What the record writes for the prefix of a per-account organization grant. */
export const OWN_ACCOUNT_PREFIX_PLACEHOLDER = '<account id>';

/** One request to explain. */
export interface ExplainRequest {
  /** The caller: an IAM role, user or account root ARN, or an assumed-role session ARN. */
  readonly principal: string;
  /** An S3 action, with or without `s3:`, in any case. */
  readonly action: string;
  /** The object key; for a list action, the prefix listed (`s3:prefix`). */
  readonly key: string;
  /** The bucket's name, or its SharedBucket's construct path; needed when the assembly has several. */
  readonly bucket?: string;
  /** The access point the request goes through; undefined for a request straight to the bucket. */
  readonly accessPoint?: string;
  /** When the request is made. */
  readonly at: Date;
}

/** One grant of a bucket, as explain reports it. */
export interface ExplainedGrant {
  /** 1-based position among the bucket's grants as explain lists them. */
  readonly number: number;
  /** The construct path of the construct that recorded it. */
  readonly recordedBy: string;
  /** One line: who, prefix, access, delete, expiry, path. */
  readonly summary: string;
  readonly grant: RecordedGrant;
}

/** Why one grant does not allow the request. */
export interface GrantMiss {
  readonly grant: ExplainedGrant;
  readonly reasons: string[];
}

export interface Explanation {
  readonly allowed: boolean;
  readonly request: {
    readonly principal: string;
    readonly action: string;
    /** The resource the request names. */
    readonly resource: string;
    readonly key: string;
    readonly accessPoint: string | null;
    readonly at: string;
  };
  readonly bucket: {
    readonly bucketName: string | null;
    readonly ownerAccountId: string | null;
    readonly region: string | null;
    readonly stack: string;
    readonly path: string;
  };
  /** The grant that allows the request. */
  readonly grant: ExplainedGrant | null;
  /** What must also hold for the grant to apply, that explain cannot check (organization membership). */
  readonly provided: string[];
  /** Why not: one line per reason, general first. */
  readonly reasons: string[];
  /** The grants that came closest, each with what it lacks. */
  readonly misses: GrantMiss[];
  /** What else the owner's policies require of the request (transport, encryption, how to take the path). */
  readonly requestMust: string[];
  /** What the caller's own side must hold. */
  readonly consumerSide: string[];
  readonly note: string;
}

export const SCOPE_NOTE = 'This part reads the grants cdk-cross-account-bucket recorded in the cloud assembly, to tell which grant ' +
  'comes closest and what it lacks; the verdict is decided from the policies themselves.';

interface BucketRecord {
  readonly found: FoundRecord;
  readonly data: SharedBucketRecordData;
  readonly grants: ExplainedGrant[];
}

/** The shared buckets of the records, each with its grants and those of its third-party roles. */
export function bucketsOf(records: FoundRecord[]): BucketRecord[] {
  const buckets = records.filter(record => record.data.kind === 'SharedBucket').map(found => {
    const data = found.data as SharedBucketRecordData;
    const grants = data.grants.map(grant => ({ recordedBy: found.path, grant }));
    return { found, data, grants };
  });
  for (const found of records.filter(record => record.data.kind === 'ThirdPartyAccessRole')) {
    const data = found.data as ThirdPartyRoleRecordData;
    const bucket = buckets.find(candidate => constructPath(candidate.found.path) === constructPath(data.sharedBucketPath))
      ?? buckets.find(candidate => candidate.data.bucketName !== null && candidate.data.bucketName === data.bucketName);
    if (bucket === undefined) {
      continue;
    }
    // The SharedBucket may record its third-party roles' grants itself: count each once.
    const known = bucket.grants.some(({ grant }) => grant.through === 'thirdPartyRole'
      && (JSON.stringify(grant) === JSON.stringify(data.grant) || (grant.roleArn != null && grant.roleArn === data.grant.roleArn)));
    if (!known) {
      bucket.grants.push({ recordedBy: found.path, grant: data.grant });
    }
  }
  return buckets.map(bucket => ({
    ...bucket,
    grants: bucket.grants.map((entry, index) => ({ number: index + 1, ...entry, summary: summarizeGrant(entry.grant) })),
  }));
}

function constructPath(path: string): string {
  return path.replace(/^\//, '');
}

function bucketLabel(bucket: BucketRecord): string {
  return bucket.data.bucketName ?? `${constructPath(bucket.found.path)} (name generated at deployment)`;
}

function selectBucket(records: FoundRecord[], wanted: string | undefined, source: string): BucketRecord {
  const buckets = bucketsOf(records);
  if (buckets.length === 0) {
    throw new CliError(`${source} has no SharedBucket of cdk-cross-account-bucket (synthesize the owner's app, with this version of the library)`);
  }
  if (wanted === undefined) {
    if (buckets.length > 1) {
      throw new CliError(`${source} has ${buckets.length} shared buckets: choose one with --bucket (${buckets.map(bucketLabel).join(', ')})`);
    }
    return buckets[0];
  }
  const matches = buckets.filter(bucket => bucket.data.bucketName === wanted || constructPath(bucket.found.path) === constructPath(wanted));
  if (matches.length === 0) {
    throw new CliError(`--bucket ${wanted}: no shared bucket of that name or construct path in ${source} (it has ${buckets.map(bucketLabel).join(', ')})`);
  }
  if (matches.length > 1) {
    throw new CliError(`--bucket ${wanted}: ${matches.length} shared buckets match in ${source}; give the construct path ` +
      `(${matches.map(bucket => constructPath(bucket.found.path)).join(', ')})`);
  }
  return matches[0];
}

/** Who a grant serves, in words. */
function who(grant: RecordedGrant): string {
  const principals = grant.principalArns === null ? 'any principal its own policies allow' : `principals ${grant.principalArns.join(', ')}`;
  if (grant.through === 'thirdPartyRole') {
    return `third party ${grant.accountId ?? '(account known at deployment)'} (${principals}) through the owner's role ${grant.roleArn ?? '(name generated at deployment)'}`;
  }
  if (grant.accountId === null) {
    const units = grant.organizationalUnitPaths == null || grant.organizationalUnitPaths.length === 0
      ? 'every account'
      : `the accounts of OUs ${grant.organizationalUnitPaths.join(', ')} (and of the OUs below them)`;
    return `organization ${grant.organizationId ?? '(unknown)'}: ${units} (${principals})`;
  }
  return `account ${grant.accountId} (${principals})`;
}

function pathText(grant: RecordedGrant): string {
  switch (grant.through) {
    case 'accessPoint': return `access point ${grant.accessPointArn ?? '(ARN known at deployment)'}`;
    case 'thirdPartyRole': return 'third-party role';
    case 'organization': return grant.accessPointArn == null ? 'organization (bucket policy)' : `organization, access point ${grant.accessPointArn}`;
    default: return 'bucket policy';
  }
}

function summarizeGrant(grant: RecordedGrant): string {
  return `${who(grant)}; prefix ${grant.prefix ?? '(the whole bucket)'}; ${grant.access}${grant.allowDelete ? ' + delete' : ''}; ` +
    `${grant.expires === null ? 'no end' : `until ${grant.expires}`}; through ${pathText(grant)}`;
}

/** The grant's prefix for this caller (`<account id>/` becomes the caller's account); null for the whole bucket. */
function prefixFor(grant: RecordedGrant, caller: Caller): string | null {
  return grant.prefix === null ? null : grant.prefix.split(OWN_ACCOUNT_PREFIX_PLACEHOLDER).join(caller.account);
}

/** The levels whose grants carry `action`, in words. */
function levelsWith(action: string): string {
  const levels = LEVELS.filter(level => {
    const actions = accessActions(level, false);
    return [...actions.objectActions, ...actions.bucketActions].includes(action);
  });
  return levels.join(' or ');
}

interface Check {
  readonly reasons: string[];
  readonly provided: string[];
}

/** What keeps `grant` from allowing the request, and what must hold besides. */
function checkGrant(bucket: BucketRecord, grant: RecordedGrant, caller: Caller, action: string, request: ExplainRequest): Check {
  const reasons: string[] = [];
  const provided: string[] = [];
  const viaRole = grant.through === 'thirdPartyRole';
  const asRole = viaRole && grant.roleArn != null && callerIs(caller, grant.roleArn);

  // Who.
  if (viaRole && !asRole) {
    const assumers = grant.principalArns === null
      ? `any principal of account ${grant.accountId} that its own policies allow`
      : grant.principalArns.join(', ');
    const mayAssume = grant.principalArns === null || grant.principalArns.some(arn => callerIs(caller, arn));
    reasons.push(`this grant goes through the owner's role ${grant.roleArn ?? '(name generated at deployment)'}: the bucket grants ${caller.arn} ` +
      `nothing itself; assume that role (with the external id${grant.narrowing.mfaRequired ? ' and MFA' : ''}) and make the request as it`);
    if (!mayAssume) {
      reasons.push(`${caller.arn} is not among the principals the role trusts (${assumers})`);
    }
  } else if (!viaRole && grant.principalArns !== null && !grant.principalArns.some(arn => callerIs(caller, arn))) {
    reasons.push(`${caller.arn} is not among the grant's principalArns (${grant.principalArns.join(', ')})`);
  }
  if (grant.accountId === null) {
    const units = grant.organizationalUnitPaths == null || grant.organizationalUnitPaths.length === 0
      ? ''
      : ` and in one of the OUs ${grant.organizationalUnitPaths.join(', ')} or an OU below them (aws:PrincipalOrgPaths)`;
    provided.push(`account ${caller.account} is a member of organization ${grant.organizationId ?? '(unknown)'} (aws:PrincipalOrgID)${units}: ` +
      'explain cannot know membership');
  } else if (grant.narrowing.organizationId !== null && !asRole) {
    provided.push(`account ${caller.account} is a member of organization ${grant.narrowing.organizationId} (aws:PrincipalOrgID): ` +
      'the bucket requires it of every caller, and explain cannot know membership');
  }

  // Where.
  const prefix = prefixFor(grant, caller);
  if (prefix !== null && !request.key.startsWith(prefix)) {
    const perAccount = grant.prefix !== null && grant.prefix.includes(OWN_ACCOUNT_PREFIX_PLACEHOLDER)
      ? ` (each member account reaches its own ${grant.prefix}: account ${caller.account} reaches ${prefix})` : '';
    reasons.push(isBucketAction(action)
      ? `listing with prefix '${request.key}' is outside the grant's prefix ${prefix}${perAccount}: s3:prefix must start with ${prefix}`
      : `key ${request.key} is outside the grant's prefix ${prefix}${perAccount}`);
  }

  // What.
  const actions = accessActions(grant.access as AccessLevel, grant.allowDelete);
  if (![...actions.objectActions, ...actions.bucketActions].includes(action)) {
    reasons.push(action === 's3:DeleteObject'
      ? 'the grant does not allow delete (allowDelete is off); s3:DeleteObject needs allowDelete: true'
      : `access ${grant.access} does not include ${action}; ${levelsWith(action)} does`);
  }

  // Until when.
  if (grant.expires !== null && request.at.getTime() >= Date.parse(grant.expires)) {
    reasons.push(`the grant expired at ${grant.expires} (the request is at ${isoSeconds(request.at)})`);
  }

  // Through which path.
  const grantAccessPoint = grant.accessPointArn ?? undefined;
  const throughAccessPoint = grant.through === 'accessPoint' || grantAccessPoint !== undefined;
  if (throughAccessPoint && request.accessPoint === undefined) {
    reasons.push(`the grant is only through the access point ${grantAccessPoint ?? '(ARN known at deployment)'}: requests straight to the bucket ` +
      'are denied; make the request through that access point (--access-point)');
  } else if (throughAccessPoint && grantAccessPoint !== undefined && request.accessPoint !== grantAccessPoint) {
    reasons.push(`the grant is only through the access point ${grantAccessPoint}, not ${request.accessPoint}`);
  } else if (!throughAccessPoint && request.accessPoint !== undefined) {
    reasons.push(`the grant is through the bucket policy, not through an access point: make the request straight to the bucket ${bucketLabel(bucket)}`);
  }
  return { reasons, provided };
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Decides whether the owner's grants recorded in `records` allow `request`. */
export function explain(records: FoundRecord[], request: ExplainRequest, source: string = 'the cloud assembly'): Explanation {
  const caller = parsePrincipal(request.principal);
  const { action, note: operationNote } = normalizeAction(request.action);
  const bucket = selectBucket(records, request.bucket, source);
  const accessPoints = new Set(bucket.grants.map(({ grant }) => grant.accessPointArn).filter((arn): arn is string => arn != null));
  if (request.accessPoint !== undefined && !accessPoints.has(request.accessPoint)) {
    throw new CliError(`--access-point ${request.accessPoint}: not an access point this library wrote for ${bucketLabel(bucket)} ` +
      `(${accessPoints.size === 0 ? 'it shares the bucket through its bucket policy' : `it wrote ${[...accessPoints].join(', ')}`})`);
  }
  const bucketName = bucket.data.bucketName ?? '<bucket>';
  const listing = isBucketAction(action);
  const resource = request.accessPoint === undefined
    ? (listing ? `arn:${caller.partition}:s3:::${bucketName}` : `arn:${caller.partition}:s3:::${bucketName}/${request.key}`)
    : (listing ? request.accessPoint : `${request.accessPoint}/object/${request.key}`);
  const base = {
    request: {
      principal: request.principal, action, resource, key: request.key, accessPoint: request.accessPoint ?? null, at: isoSeconds(request.at),
    },
    bucket: {
      bucketName: bucket.data.bucketName,
      ownerAccountId: bucket.data.ownerAccountId,
      region: bucket.data.region,
      stack: bucket.found.stack,
      path: constructPath(bucket.found.path),
    },
    note: SCOPE_NOTE,
  };
  const notes = operationNote === undefined ? [] : [operationNote];
  // Denied before any grant is weighed: nothing provided, missed or required.
  const deniedBefore = (reasons: string[]) => ({
    ...base, allowed: false, grant: null, provided: [], misses: [], requestMust: [], consumerSide: [], reasons,
  });

  if (!grantableActions().has(action)) {
    return deniedBefore([...notes, `${action} is an action cdk-cross-account-bucket never grants, at any access level: its grants carry only ` +
        `${[...grantableActions()].join(', ')} (s3:DeleteObject only with allowDelete)${neverGrantedWhy(action)}`]);
  }

  // The grants that can serve the caller: its account's, its organization's, and the third-party roles it is or may assume.
  const relevant = bucket.grants.filter(({ grant }) => grant.accountId === null
    || grant.accountId === caller.account
    || (grant.through === 'thirdPartyRole' && grant.roleArn != null && callerIs(caller, grant.roleArn)));
  if (relevant.length === 0) {
    const owner = bucket.data.ownerAccountId === caller.account
      ? ` ${caller.account} is the owner's account: this library grants its principals nothing beyond its third-party roles; ` +
        'access from within the owner account comes from their own IAM policies, which explain does not evaluate.'
      : '';
    return deniedBefore([...notes, `no grant of ${bucketLabel(bucket)} is for account ${caller.account}.${owner}`,
      ...(bucket.grants.length === 0 ? ['The bucket has no grants.'] : [
        `The bucket's grants go to: ${bucket.grants.map(({ grant }) => `${who(grant)} (prefix ${grant.prefix ?? 'the whole bucket'})`).join('; ')}.`,
      ])]);
  }

  const checks = relevant.map(grant => ({ grant, ...checkGrant(bucket, grant.grant, caller, action, request) }));
  const allowing = checks.filter(check => check.reasons.length === 0);
  // A grant that needs nothing explain cannot know comes first.
  const chosen = allowing.find(check => check.provided.length === 0) ?? allowing[0];
  if (chosen !== undefined) {
    return {
      ...base,
      allowed: true,
      grant: chosen.grant,
      provided: chosen.provided,
      misses: [],
      reasons: notes,
      requestMust: requestMust(bucket, chosen.grant.grant, caller, action, request),
      consumerSide: consumerSide(bucket, chosen.grant.grant, caller, action, resource),
    };
  }
  const ownAccount = relevant.filter(({ grant }) => grant.accountId === caller.account && grant.through !== 'thirdPartyRole');
  const summary = ownAccount.length > 0
    ? `account ${caller.account} has ${ownAccount.length} grant(s) on ${bucketLabel(bucket)}, with prefixes ` +
      `${ownAccount.map(({ grant }) => prefixFor(grant, caller) ?? '(the whole bucket)').join(', ')}; none allows this request`
    : `no grant of ${bucketLabel(bucket)} allows this request for account ${caller.account}`;
  return {
    ...base,
    allowed: false,
    grant: null,
    provided: [],
    requestMust: [],
    consumerSide: [],
    reasons: [...notes, summary],
    misses: checks.map(check => ({ grant: check.grant, reasons: [...check.reasons, ...check.provided.map(text => `(it also requires that ${text})`)] })),
  };
}

function neverGrantedWhy(action: string): string {
  if (action === 's3:DeleteObjectVersion') {
    return '. Deleting a version removes data for good; with versioning, s3:DeleteObject leaves a delete marker and the data stays recoverable';
  }
  if (/Acl$/.test(action)) {
    return '. ACLs are off (the bucket owner owns every object); access comes from policies only';
  }
  if (/^s3:(Put|Delete|Get)Bucket/.test(action) || /Configuration$/.test(action)) {
    return '. Bucket configuration stays with the owner';
  }
  return '';
}

/** What else the owner's policies require of the request, besides the grant. */
function requestMust(bucket: BucketRecord, grant: RecordedGrant, caller: Caller, action: string, request: ExplainRequest): string[] {
  const must: string[] = [];
  if (grant.through === 'thirdPartyRole') {
    const assumers = grant.principalArns === null ? `a principal of account ${grant.accountId}` : `one of ${grant.principalArns.join(', ')}`;
    must.push(`The request is made as the owner's role ${grant.roleArn}: the third party (${assumers}) must assume it with sts:AssumeRole ` +
      `and the external id${grant.narrowing.mfaRequired ? ', signed in with MFA' : ''}${grant.expires === null ? '' : `, before ${grant.expires}`}.`);
  }
  const accessPoint = grant.accessPointArn ?? undefined;
  if (accessPoint !== undefined) {
    must.push(`The request must go through the access point ${accessPoint} (its ARN or alias as the bucket); straight to the bucket it is denied.`);
  }
  must.push(`HTTPS with TLS ${grant.narrowing.minimumTlsVersion} or later: plain HTTP and older TLS are denied.`);
  if (action === 's3:PutObject') {
    must.push(`No other encryption than the bucket's SSE-KMS key${bucket.data.encryptionKeyArn === null ? '' : ` ${bucket.data.encryptionKeyArn}`}: ` +
      'send no encryption headers, or aws:kms with that key; never a customer-provided key (SSE-C).');
  }
  if (isBucketAction(action)) {
    const prefix = prefixFor(grant, caller);
    must.push(prefix === null
      ? `Listing may name any prefix (here '${request.key}').`
      : `The listing must name a prefix (s3:prefix) starting with ${prefix}; listing without a prefix is denied.`);
  }
  if (grant.expires !== null) {
    must.push(`The grant ends at ${grant.expires}: from then on the request is denied.`);
  }
  return must;
}

/** What the caller's own account must allow: its identity policy, and the key through S3. */
function consumerSide(bucket: BucketRecord, grant: RecordedGrant, caller: Caller, action: string, resource: string): string[] {
  if (grant.through === 'thirdPartyRole') {
    return [
      `The third party's principal must be allowed sts:AssumeRole on ${grant.roleArn} by its own identity policy.`,
      `The role ${grant.roleArn} holds the S3 and KMS permissions itself (written by this library): nothing more is needed on the third party's side.`,
    ];
  }
  const key = bucket.data.encryptionKeyArn
    ?? `the bucket's key (arn:${caller.partition}:kms:${bucket.data.region ?? '<region>'}:${bucket.data.ownerAccountId ?? '<owner>'}:key/<id>, ` +
      'the EncryptionKeyArn output of the owner stack)';
  const holder = caller.principalArn ?? `The role ${caller.roleName} (of the session ${caller.arn})`;
  const writer = grant.accountId === null ? 'OrganizationConsumers writes it for its member roles' : 'a ConsumerReader writes it';
  const side = [`${holder} needs an identity policy in account ${caller.account} that allows ${action} on ${resource}` +
    `${isBucketAction(action) ? ' (with s3:prefix as listed)' : ''} (${writer}).`];
  const via = `through S3 only (kms:ViaService s3.${bucket.data.region ?? '<region>'}.amazonaws.com)`;
  if (action === 's3:GetObject') {
    side.push(`SSE-KMS: kms:Decrypt on ${key}, ${via}.`);
  } else if (action === 's3:PutObject') {
    side.push(`SSE-KMS: kms:GenerateDataKey (and kms:Decrypt, for multipart uploads) on ${key}, ${via}.`);
  }
  return side;
}
