import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel } from '../access-level';
import { accessActions } from './access-actions';

/** IAM condition block: operator -> condition key -> value(s). */
export type Conditions = Record<string, Record<string, unknown>>;

/** What one grant covers: a bucket, an optional key prefix and an access level. */
export interface GrantScope {
  readonly bucketArn: string;
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

/** `<bucket>/<prefix>*`: the objects a grant reaches. */
export function objectArnPattern(scope: GrantScope): string {
  return `${scope.bucketArn}/${scope.prefix ?? ''}*`;
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
    const list = statement(`${options.sidPrefix}List`, options, actions.bucketActions, [scope.bucketArn]);
    if (scope.prefix !== undefined) {
      list.addConditions({ StringLike: { 's3:prefix': [`${scope.prefix}*`] } });
    }
    statements.push(list);
  }
  return statements;
}

/**
 * The KMS statement for one grant. The key is usable only through S3 in the bucket's region
 * (`kms:ViaService`) and only for this bucket (`kms:EncryptionContext:aws:s3:arn`: the bucket
 * ARN when S3 Bucket Keys are on, the object ARN when a writer turned them off).
 */
export function keyGrantStatement(scope: GrantScope, options: KeyStatementOptions): iam.PolicyStatement {
  const actions = accessActions(scope.access, scope.allowDelete);
  const result = statement(`${options.sidPrefix}Key`, options, actions.keyActions, [options.keyArn]);
  result.addConditions({
    StringEquals: { 'kms:ViaService': `s3.${options.bucketRegion}.amazonaws.com` },
    StringLike: { 'kms:EncryptionContext:aws:s3:arn': [scope.bucketArn, objectArnPattern(scope)] },
  });
  return result;
}

function statement(sid: string, options: GrantStatementOptions, actions: string[], resources: string[]): iam.PolicyStatement {
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
