import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { NormalizedGrant, NormalizedOrganizationGrant } from '../../model/grant';
import { PolicyBudget } from '../policy-size';

/**
 * One way of turning grants into policy. SharedBucket validates and normalises each grant (the
 * grant model, lib/model/grant.ts) and hands it to the path of its sharing mode; everything a kind of grant writes is in that path's
 * file (bucket-policy-sharing.ts, access-point-sharing.ts).
 */
export interface SharingPath {
  /** What to do when a policy of this path is over its limit. */
  readonly budgetWayOut: string;
  /** The grants' access point ARNs, in the order of the grants (empty when the path has none). */
  readonly accessPointArns: string[];
  /** The organization grants' access point ARNs, in the order of those grants (empty when the path has none). */
  readonly organizationAccessPointArns: string[];
  /** Access point names in use. */
  readonly accessPointNames: ReadonlySet<string>;
  /** Writes the grant's statements; returns the KMS actions it needs, for the imported-key warning. */
  addGrant(grant: NormalizedGrant): string[];
  /** Writes an organization grant's statements (organization-sharing.ts says what they are); returns its KMS actions. */
  addOrganizationGrant(grant: NormalizedOrganizationGrant): string[];
  /** The policies the path writes besides the bucket and key policies (access point policies). */
  policyBudgets(): PolicyBudget[];
}

/** What a path writes into: the SharedBucket's bucket and key, and what it knows at synth. */
export interface SharingTarget {
  /** The SharedBucket: the scope of what the path creates. */
  readonly scope: Construct;
  readonly bucket: s3.Bucket;
  readonly encryptionKey: kms.IKey;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly bucketRegion: string;
  readonly organizationId?: string;
  /**
   * Starts the id of every statement the path writes into the bucket and key policies: '' for
   * the first SharedBucket on the bucket and key, `Share<n>` for a later one (statement-ids.ts).
   */
  readonly statementIdPrefix: string;
}
