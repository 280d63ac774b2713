import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { organizationBucketStatement, organizationKeyStatement, OWN_ACCOUNT_PREFIX } from './organization-sharing';
import { SharingPath, SharingTarget } from './sharing-path';
import { accessActions } from '../../model/access-actions';
import { NormalizedGrant, NormalizedOrganizationGrant, expiryText } from '../../model/grant';
import { CHECKOV_SKIPS, skipCheckovChecks } from '../checkov';
import { expiryConditions } from '../expiry';
import {
  accountPrincipal, compactS3Statement, GrantScope, keyGrantStatement, listsWithinPrefix, oneOrMany, principalConditions,
} from '../grant-statements';
import { PolicyBudget } from '../policy-size';

/** Grants of one scope and one kind of identity, written as one statement per policy. */
interface MergedGrants {
  readonly accounts: string[];
  readonly principalArns: string[];
  readonly statements: iam.PolicyStatement[];
}

/**
 * SharingMode.BUCKET_POLICY: each grant in the bucket policy and the key policy, merged with the
 * grants of the same scope and the same end (`expires`), one statement per policy for objects
 * and listing, and one denial of listings that name no prefix.
 */
export class BucketPolicySharing implements SharingPath {
  public readonly budgetWayOut = 'Way out: sharingMode: SharingMode.ACCESS_POINTS gives each consumer an access point of its own, so that the bucket policy ' +
    'stays the same size whatever the number of consumers (README, "Scaling to many consumers").';
  public readonly accessPointArns: string[] = [];
  public readonly accessPointNames: ReadonlySet<string> = new Set();
  public readonly organizationAccessPointArns: string[] = [];
  /** Grants merged by scope and kind of identity. */
  private readonly mergedGrants = new Map<string, MergedGrants>();
  /** Principals that may list the whole bucket (exceptions to the listing denial). */
  private readonly wholeBucketListers: string[] = [];
  private listingDenial?: iam.PolicyStatement;

  constructor(private readonly target: SharingTarget) {}

  public policyBudgets(): PolicyBudget[] {
    return [];
  }

  /**
   * The grant joins the statements of grants with the same scope and
   * the same kind of identity (named principals, or whole accounts), or starts new ones. Merging
   * never widens a grant: within a group every account gets the same actions on the same
   * resources, and a named principal's ARN carries its own account.
   */
  public addGrant(grant: NormalizedGrant): string[] {
    const grantScope = scopeOf(this.target, grant);
    // A prefix named after the consumer's own account ('222222222222/') is written with the
    // policy variable ${aws:PrincipalAccount}, which IAM replaces with the caller's account: every
    // such grant of the same level then shares one statement, and each account still reaches
    // only its own prefix. The variable cannot come from user input (prefixes may not contain '${').
    const scope: GrantScope = isOwnAccountPrefix(grant)
      ? { ...grantScope, prefix: `${OWN_ACCOUNT_PREFIX}/` }
      : grantScope;
    const namesPrincipals = grant.principalArns !== undefined;
    // Grants with different ends never share a statement: each statement carries one end.
    const key = [namesPrincipals ? 'principals' : 'accounts', scope.access, scope.allowDelete, scope.prefix ?? '\u0000',
      grant.expires === undefined ? '' : expiryText(grant.expires)].join('|');
    const existing = this.mergedGrants.get(key);
    const account = accountPrincipal(grant.accountId);
    if (existing === undefined) {
      const sidPrefix = `${this.target.statementIdPrefix}Grant${this.mergedGrants.size + 1}`;
      const conditions = [...principalConditions(grant.principalArns, this.target.organizationId), ...expiryConditions(grant.expires)];
      const bucketStatement = compactS3Statement(scope, { sidPrefix, principals: [account], conditions });
      this.target.bucket.addToResourcePolicy(bucketStatement);
      const keyStatement = keyGrantStatement(scope, {
        sidPrefix,
        principals: [account],
        keyArn: '*',
        bucketRegion: this.target.bucketRegion,
        conditions,
      });
      this.target.encryptionKey.addToResourcePolicy(keyStatement);
      this.mergedGrants.set(key, {
        accounts: [grant.accountId],
        principalArns: [...grant.principalArns ?? []],
        statements: [bucketStatement, keyStatement],
      });
    } else {
      const newAccount = !existing.accounts.includes(grant.accountId);
      if (newAccount) {
        existing.accounts.push(grant.accountId);
      }
      const newPrincipals = (grant.principalArns ?? []).filter(arn => !existing.principalArns.includes(arn));
      existing.principalArns.push(...newPrincipals);
      for (const merged of existing.statements) {
        if (newAccount) {
          merged.addPrincipals(account);
        }
        if (newPrincipals.length > 0) {
          merged.addCondition('ArnEquals', { 'aws:PrincipalArn': oneOrMany(existing.principalArns) });
        }
      }
    }

    if (listsWithinPrefix(scope)) {
      this.denyListingWithoutPrefix();
    } else if (scope.prefix === undefined && accessActions(scope.access, scope.allowDelete).bucketActions.length > 0) {
      const partition = Stack.of(this.target.scope).partition;
      const listers = grant.principalArns ?? [`arn:${partition}:iam::${grant.accountId}:*`];
      this.wholeBucketListers.push(...listers.filter(lister => !this.wholeBucketListers.includes(lister)));
      this.listingDenial?.addCondition('ArnNotLike', { 'aws:PrincipalArn': oneOrMany(this.wholeBucketListers) });
    }
    return accessActions(scope.access, scope.allowDelete).keyActions;
  }

  /** One statement in the bucket policy and one in the key policy, whatever the number of member accounts. */
  public addOrganizationGrant(grant: NormalizedOrganizationGrant): string[] {
    this.target.bucket.addToResourcePolicy(organizationBucketStatement(this.target, grant));
    this.target.encryptionKey.addToResourcePolicy(organizationKeyStatement(this.target, grant));
    if (this.target.encryptionKey.node.scope === this.target.scope) {
      skipCheckovChecks(this.target.encryptionKey, CHECKOV_SKIPS.keyForOrganization);
    }
    const actions = accessActions(grant.access, grant.allowDelete);
    if (actions.bucketActions.length > 0) {
      // The statement lists within the prefix with StringLikeIfExists, as a consumer grant's does.
      this.denyListingWithoutPrefix();
    }
    return actions.keyActions;
  }

  /**
   * The grants' single statements let a listing that names no prefix through (see
   * compactS3Statement): deny it to every principal outside the owner account except those
   * granted the whole bucket.
   */
  private denyListingWithoutPrefix(): void {
    if (this.listingDenial !== undefined) {
      return;
    }
    this.listingDenial = new iam.PolicyStatement({
      sid: `${this.target.statementIdPrefix}DenyListingWithoutPrefix`,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:ListBucket'],
      resources: [this.target.bucketArn],
      conditions: {
        Null: { 's3:prefix': 'true' },
        StringNotEquals: { 'aws:PrincipalAccount': Stack.of(this.target.scope).account },
      },
    });
    if (this.wholeBucketListers.length > 0) {
      this.listingDenial.addCondition('ArnNotLike', { 'aws:PrincipalArn': oneOrMany(this.wholeBucketListers) });
    }
    this.target.bucket.addToResourcePolicy(this.listingDenial);
  }
}

/** What one grant covers, on the target's bucket. */
export function scopeOf(target: SharingTarget, grant: NormalizedGrant): GrantScope {
  return { bucketArn: target.bucketArn, prefix: grant.prefix, access: grant.access, allowDelete: grant.allowDelete };
}

/** Whether the grant's prefix is its own account id, a known one: '222222222222/'. */
function isOwnAccountPrefix(grant: NormalizedGrant): boolean {
  return grant.prefix !== undefined && !Token.isUnresolved(grant.accountId) && grant.prefix === `${grant.accountId}/`;
}
