import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel } from '../access-level';
import { accessActions } from '../model/access-actions';

/** IAM condition block: operator -> condition key -> value(s). */
export type Conditions = Record<string, Record<string, unknown>>;

/** What one grant covers: a bucket, an optional key prefix and an access level. */
export interface GrantScope {
  readonly bucketArn: string;
  /**
   * The access point the grant is used through, if any: S3 statements then name the access
   * point's resources (`<access point ARN>` and `<access point ARN>/object/<prefix>*`); KMS
   * statements still name the bucket, whose ARN is the encryption context.
   */
  readonly accessPointArn?: string;
  /** Key prefix ending in '/', or undefined for the whole bucket. */
  readonly prefix?: string;
  readonly access: AccessLevel;
  readonly allowDelete: boolean;
}

export interface GrantStatementOptions {
  /** Start of every statement id; alphanumeric so that IAM identity policies accept it. */
  readonly sidPrefix: string;
  /** Who is granted, for resource policies. Omitted for identity policies. */
  readonly principals?: iam.IPrincipal[];
  /** Conditions added to every statement, for example `aws:PrincipalArn` narrowing. */
  readonly conditions?: Conditions[];
}

export interface KeyStatementOptions extends GrantStatementOptions {
  /** The key ARN for identity policies; `*` (the key itself) in a key policy. */
  readonly keyArn: string;
  /** Region of the bucket, for `kms:ViaService`. */
  readonly bucketRegion: string;
}

/** `<bucket>/<prefix>*` (or `<access point>/object/<prefix>*`): the objects a grant reaches. */
export function objectArnPattern(scope: GrantScope): string {
  return scope.accessPointArn === undefined
    ? bucketObjectArnPattern(scope)
    : `${scope.accessPointArn}/object/${scope.prefix ?? ''}*`;
}

/** `<bucket>/<prefix>*`: the objects of the bucket a grant reaches, as S3 names them to KMS. */
function bucketObjectArnPattern(scope: GrantScope): string {
  return `${scope.bucketArn}/${scope.prefix ?? ''}*`;
}

/** What `s3:ListBucket` is authorized on: the bucket, or the access point. */
function listingArn(scope: GrantScope): string {
  return scope.accessPointArn ?? scope.bucketArn;
}

/**
 * The S3 statements for one grant: object actions on `<bucket>/<prefix>*` and, for readers,
 * `s3:ListBucket` on the bucket limited to the prefix by `s3:prefix`.
 */
export function s3GrantStatements(scope: GrantScope, options: GrantStatementOptions): iam.PolicyStatement[] {
  const actions = accessActions(scope.access, scope.allowDelete);
  const statements = [
    statement(`${options.sidPrefix}Objects`, options, actions.objectActions, [objectArnPattern(scope)]),
  ];
  if (actions.bucketActions.length > 0) {
    const list = statement(`${options.sidPrefix}List`, options, actions.bucketActions, [listingArn(scope)]);
    if (scope.prefix !== undefined) {
      list.addConditions({ StringLike: { 's3:prefix': [`${scope.prefix}*`] } });
    }
    statements.push(list);
  }
  return statements;
}

/**
 * The S3 grant as one statement, for bucket policies where size counts: object actions and
 * `s3:ListBucket` together on `[<bucket>, <bucket>/<prefix>*]`. Each action matches only its own
 * resource type (an object action never matches the bucket ARN, `s3:ListBucket` never matches an
 * object ARN), so the pairing adds nothing. The listing stays inside the prefix through
 * `StringLikeIfExists s3:prefix`: object requests carry no `s3:prefix` and pass, a listing of
 * another prefix fails; a listing that names no prefix at all passes this statement, so the
 * bucket policy must also carry the `DenyListingWithoutPrefix` statement
 * (BucketPolicySharing.denyListingWithoutPrefix, lib/private/sharing/bucket-policy-sharing.ts).
 */
export function compactS3Statement(scope: GrantScope, options: GrantStatementOptions): iam.PolicyStatement {
  const actions = accessActions(scope.access, scope.allowDelete);
  const lists = actions.bucketActions.length > 0;
  const result = statement(options.sidPrefix, options,
    [...actions.objectActions, ...actions.bucketActions],
    lists ? [listingArn(scope), objectArnPattern(scope)] : [objectArnPattern(scope)]);
  if (lists && scope.prefix !== undefined) {
    result.addConditions({ StringLikeIfExists: { 's3:prefix': `${scope.prefix}*` } });
  }
  return result;
}

/** Whether `compactS3Statement` for this scope relies on the `DenyListingWithoutPrefix` statement. */
export function listsWithinPrefix(scope: GrantScope): boolean {
  return scope.prefix !== undefined && accessActions(scope.access, scope.allowDelete).bucketActions.length > 0;
}

/**
 * The KMS statement for one grant. The key is usable only through S3 in the bucket's region
 * (`kms:ViaService`) and only for this bucket (`kms:EncryptionContext:aws:s3:arn`: the bucket
 * ARN when S3 Bucket Keys are on, the object ARN when a writer turned them off).
 */
export function keyGrantStatement(scope: GrantScope, options: KeyStatementOptions): iam.PolicyStatement {
  const actions = accessActions(scope.access, scope.allowDelete);
  const result = statement(`${options.sidPrefix}Key`, options, actions.keyActions, [options.keyArn]);
  result.addConditions(keyUseConditions(scope, options.bucketRegion));
  return result;
}

/** Through S3 in the bucket's region, for the bucket (or, with a prefix, its objects under it). */
export function keyUseConditions(scope: GrantScope, bucketRegion: string): Conditions {
  return {
    StringEquals: { 'kms:ViaService': `s3.${bucketRegion}.amazonaws.com` },
    StringLike: { 'kms:EncryptionContext:aws:s3:arn': [scope.bucketArn, bucketObjectArnPattern(scope)] },
  };
}

export function statement(sid: string, options: GrantStatementOptions, actions: string[], resources: string[]): iam.PolicyStatement {
  const result = new iam.PolicyStatement({
    sid,
    effect: iam.Effect.ALLOW,
    principals: options.principals,
    actions,
    resources,
  });
  for (const conditions of options.conditions ?? []) {
    result.addConditions(conditions);
  }
  return result;
}

/**
 * A whole account as principal, in the short form `{"AWS": "111122223333"}`. IAM treats it
 * exactly like `arn:aws:iam::111122223333:root` (every principal of the account that its own
 * policies allow), in 20 fewer characters per statement: the bucket policy's size is the bound
 * on consumers per bucket.
 */
export function accountPrincipal(accountId: string): iam.IPrincipal {
  return new iam.ArnPrincipal(accountId);
}

/** A single condition value as a string, several as a list: the shorter rendering IAM reads alike. */
export function oneOrMany(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : [...values];
}

/** Narrowing shared by the bucket and key statements of one grant: its principals, the organization. */
export function principalConditions(principalArns: string[] | undefined, organizationId: string | undefined): Conditions[] {
  const conditions: Conditions[] = [];
  if (principalArns !== undefined) {
    conditions.push({ ArnEquals: { 'aws:PrincipalArn': oneOrMany(principalArns) } });
  }
  if (organizationId !== undefined) {
    conditions.push({ StringEquals: { 'aws:PrincipalOrgID': organizationId } });
  }
  return conditions;
}

