import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * One checkov check that does not apply to a resource, and why.
 *
 * checkov reads skips from the resource's own template metadata,
 * `Metadata: { checkov: { skip: [ { id, comment } ] } }`, and reports the check as SKIPPED with
 * the comment (checkov docs, "AWS CDK configuration scanning", docs/7.Scan Examples/CDK.md;
 * checkov 3.3.30 reads it in checkov/cloudformation/context_parser.py, collect_skip_comments).
 */
export interface CheckovSkip {
  /** The check id, for example CKV_AWS_18. */
  readonly id: string;
  /** Why the check does not apply to this resource in this library's design. */
  readonly comment: string;
}

/**
 * Every check this library skips, on the resources it creates, with the reason. README
 * ("checkov") lists the same; `npx projen checkov` runs the checks over every template.
 */
export const CHECKOV_SKIPS = {
  /** SharedBucket's own access log bucket (when no serverAccessLogsBucket is passed). */
  accessLogBucket: [
    {
      id: 'CKV_AWS_18',
      comment: 'This is the server access log bucket of the shared bucket: it receives the logs, and logging it in turn ' +
        'would need another log bucket for that one, without end (logging it to itself would log each log delivery). ' +
        'Its bucket policy grants writes only to the S3 logging service, for the shared bucket of this account.',
    },
  ],
  /** ReplicaBucket's own access log bucket. */
  replicaAccessLogBucket: [
    {
      id: 'CKV_AWS_18',
      comment: 'This is the server access log bucket of the replica bucket: it receives the logs, and logging it in turn ' +
        'would need another log bucket for that one, without end (logging it to itself would log each log delivery). ' +
        'Its bucket policy grants writes only to the S3 logging service, for the replica bucket of this account.',
    },
  ],
  /** The key SharedBucket creates, once SharingMode.ACCESS_POINTS has written a consumer statement to its policy. */
  keyThroughAccessPoints: [
    {
      id: 'CKV_AWS_33',
      comment: 'Principal * appears only in the ReadingConsumersKey and WritingConsumersKey statements of ' +
        'SharingMode.ACCESS_POINTS, whose conditions bound it: kms:CallerAccount to the consumer accounts, ' +
        'kms:ViaService to S3 in the bucket\'s region, kms:EncryptionContext:aws:s3:arn to this bucket. ' +
        'The check reads the principal, not the conditions.',
    },
  ],
  /** The key SharedBucket creates, once an organization grant has written its statement to the key policy. */
  keyForOrganization: [
    {
      id: 'CKV_AWS_33',
      comment: 'Principal * appears only in the Organization<n>Key statements of organization grants, whose conditions bound it: ' +
        'aws:PrincipalOrgID to the organization (and aws:PrincipalOrgPaths to its units, aws:PrincipalArn to its role name where set), ' +
        'kms:ViaService to S3 in the bucket\'s region, kms:EncryptionContext:aws:s3:arn to this bucket. ' +
        'An organization has no list of accounts to name instead. The check reads the principal, not the conditions.',
    },
  ],
} satisfies Record<string, readonly CheckovSkip[]>;

/**
 * Adds `skips` to the checkov metadata of `scope` (a CfnResource, or a construct whose default
 * child is one) and returns `scope`. Other metadata and earlier skips of other checks stay; a
 * check already skipped keeps its first reason. A construct without a CloudFormation resource of
 * its own (an imported key or bucket) is left alone: its template is not this app's.
 */
export function skipCheckovChecks<T extends IConstruct>(scope: T, skips: readonly CheckovSkip[]): T {
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (resource === undefined || !CfnResource.isCfnResource(resource)) {
    return scope;
  }
  const existing = resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined;
  const skip = [...existing?.skip ?? []];
  for (const entry of skips) {
    if (!skip.some(present => present.id === entry.id)) {
      skip.push({ id: entry.id, comment: entry.comment });
    }
  }
  resource.addMetadata('checkov', { ...existing, skip });
  return scope;
}
