import { Names, NestedStack, Stack, CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { scopeOf } from './bucket-policy-sharing';
import { organizationAccessPointStatements, organizationKeyStatement } from './organization-sharing';
import { SharingPath, SharingTarget } from './sharing-path';
import { AccessLevel } from '../../access-level';
import { accessActions } from '../../model/access-actions';
import { NormalizedGrant, NormalizedOrganizationGrant, expiryText } from '../../model/grant';
import { CHECKOV_SKIPS, skipCheckovChecks } from '../checkov';
import { expiryConditions } from '../expiry';
import { accountPrincipal, keyUseConditions, oneOrMany, principalConditions, s3GrantStatements, statement } from '../grant-statements';
import { policyBudget, PolicyBudget, PolicyKind } from '../policy-size';

/** Access points per nested stack: well under CloudFormation's 500 resources per stack. */
const ACCESS_POINTS_PER_NESTED_STACK = 400;

/** KMS actions granted to consumer accounts through S3. */
interface KeyActionGrant {
  readonly accounts: string[];
  readonly statement: iam.PolicyStatement;
}

/**
 * SharingMode.ACCESS_POINTS: each grant gets an access point of its own (in nested stacks of
 * 400) whose policy holds it; the bucket policy delegates to the owner's access points and the
 * key policy lists the consumer accounts once per set of KMS actions.
 */
export class AccessPointSharing implements SharingPath {
  public readonly budgetWayOut: string;
  public readonly accessPointArns: string[] = [];
  public readonly accessPointNames = new Set<string>();
  /** The organization grants' access points, in the order of the organization grants. */
  public readonly organizationAccessPointArns: string[] = [];
  private readonly accessPointStacks: NestedStack[] = [];
  private delegation?: iam.PolicyStatement;
  private readonly delegatedActions = new Set<string>();
  private readonly keyActionGrants = new Map<string, KeyActionGrant>();

  constructor(private readonly target: SharingTarget) {
    this.budgetWayOut = target.organizationId === undefined
      ? 'Way out: set organizationId, when the consumers are accounts of your organization: the key policy then names the organization ' +
        'instead of listing each consumer account (README, "Scaling to many consumers"); or split the consumers over several SharedBuckets ' +
        '(listing accounts, the key policy holds about two thousand). Name fewer principalArns in a grant whose access point policy is over.'
      : 'Way out: name fewer principalArns in a grant whose access point policy is over, or split the consumers over several SharedBuckets ' +
        '(README, "Scaling to many consumers").';
  }

  /** Every access point policy. */
  public policyBudgets(): PolicyBudget[] {
    const budgets: PolicyBudget[] = [];
    for (const holder of [...this.accessPointStacks, this.target.scope]) {
      for (const child of holder.node.children) {
        if (child instanceof s3.CfnAccessPoint) {
          budgets.push(policyBudget(PolicyKind.ACCESS_POINT_POLICY, child, child.policy));
        }
      }
    }
    return budgets;
  }

  /**
   * An organization grant gets one access point, in the owner stack itself (there are few),
   * whose policy holds the grant; the key policy gets the grant's own statement, narrowed by
   * organization like the access point's, not a list of accounts.
   */
  public addOrganizationGrant(grant: NormalizedOrganizationGrant): string[] {
    const name = grant.accessPointName ?? defaultOrganizationAccessPointName(this.target.scope, grant.number);
    this.accessPointNames.add(name);
    const accessPointArn = this.accessPointArnOf(name);
    this.organizationAccessPointArns.push(accessPointArn);
    const accessPoint = this.accessPoint(this.target.scope, `OrganizationAccessPoint${grant.number}`, name,
      organizationAccessPointStatements(this.target, grant, accessPointArn));
    accessPoint.node.addDependency(this.target.bucket.node.defaultChild as CfnResource);
    const actions = accessActions(grant.access, grant.allowDelete);
    this.delegate([...actions.objectActions, ...actions.bucketActions]);
    this.target.encryptionKey.addToResourcePolicy(organizationKeyStatement(this.target, grant));
    if (this.target.encryptionKey.node.scope === this.target.scope) {
      skipCheckovChecks(this.target.encryptionKey, CHECKOV_SKIPS.keyForOrganization);
    }
    return actions.keyActions;
  }

  /**
   * The grant gets an access point of its own, whose policy holds it;
   * the bucket policy delegates the actions in use to the owner's access points; the key policy
   * lists the consumer accounts once per set of KMS actions (readers, writers) and end.
   */
  public addGrant(grant: NormalizedGrant): string[] {
    const scope = scopeOf(this.target, grant);
    const number = grant.number;
    // Unique: SharedBucket has checked it against every earlier grant's name.
    const name = grant.accessPointName ?? defaultAccessPointName(this.target.scope, number);
    this.accessPointNames.add(name);
    const accessPointArn = this.accessPointArnOf(name);
    this.accessPointArns.push(accessPointArn);

    this.accessPoint(this.accessPointStack(number), `AccessPoint${number}`, name, s3GrantStatements({ ...scope, accessPointArn }, {
      sidPrefix: 'Consumer',
      principals: [accountPrincipal(grant.accountId)],
      conditions: [...principalConditions(grant.principalArns, this.target.organizationId), ...expiryConditions(grant.expires)],
    }));

    const actions = accessActions(scope.access, scope.allowDelete);
    this.delegate([...actions.objectActions, ...actions.bucketActions]);
    this.grantKeyThroughAccessPoints(actions.keyActions, grant.accountId, grant.expires);
    return actions.keyActions;
  }

  private accessPointArnOf(name: string): string {
    const stack = Stack.of(this.target.scope);
    return `arn:${stack.partition}:s3:${this.target.bucketRegion}:${stack.account}:accesspoint/${name}`;
  }

  /** An access point on the bucket, with Block Public Access on, whose policy holds `statements`. */
  private accessPoint(scope: Construct, id: string, name: string, statements: iam.PolicyStatement[]): s3.CfnAccessPoint {
    return new s3.CfnAccessPoint(scope, id, {
      bucket: this.target.bucketName,
      bucketAccountId: Stack.of(this.target.scope).account,
      name,
      policy: new iam.PolicyDocument({ statements }),
      publicAccessBlockConfiguration: {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
    });
  }

  /** The nested stack that holds access point `number` (1-based), created when first needed. */
  private accessPointStack(number: number): NestedStack {
    const index = Math.floor((number - 1) / ACCESS_POINTS_PER_NESTED_STACK);
    if (this.accessPointStacks[index] === undefined) {
      const nested = new NestedStack(this.target.scope, `AccessPoints${index + 1}`, {
        description: `Access points ${index * ACCESS_POINTS_PER_NESTED_STACK + 1} to ${(index + 1) * ACCESS_POINTS_PER_NESTED_STACK} of the shared bucket ${this.target.scope.node.path}`,
      });
      // The access points name the bucket by its name: the bucket must exist first.
      // node.addDependency: CfnResource.addResourceDependency is newer than the aws-cdk-lib peer floor.
      nested.nestedStackResource?.node.addDependency(this.target.bucket.node.defaultChild as CfnResource);
      this.accessPointStacks[index] = nested;
    }
    return this.accessPointStacks[index];
  }

  /**
   * Delegates `actions` on the bucket to the access points of the owner account (the AWS
   * pattern "delegating access control to access points"): a request through one of them is
   * allowed here, and its access point policy decides. Only actions some grant uses.
   */
  private delegate(actions: string[]): void {
    const added = actions.filter(action => !this.delegatedActions.has(action));
    added.forEach(action => this.delegatedActions.add(action));
    if (this.delegation === undefined) {
      this.delegation = new iam.PolicyStatement({
        sid: `${this.target.statementIdPrefix}DelegateToAccessPoints`,
        effect: iam.Effect.ALLOW,
        principals: [new iam.AnyPrincipal()],
        actions: added,
        resources: [this.target.bucketArn, `${this.target.bucketArn}/*`],
        conditions: { StringEquals: { 's3:DataAccessPointAccount': Stack.of(this.target.scope).account } },
      });
      this.target.bucket.addToResourcePolicy(this.delegation);
    } else if (added.length > 0) {
      this.delegation.addActions(...added);
    }
  }

  /**
   * One key statement per set of KMS actions (readers: decrypt; writers: generate data keys and
   * decrypt), listing the consumer accounts once each: usable only through S3 in the bucket's
   * region and only for this bucket. Which objects is for the access point and the bucket policy
   * to decide; a statement per grant would make the key policy the bound at a hundred-odd
   * consumers. Grants with different ends (`expires`) never share a statement: each carries its
   * own end, in its statement id too (`ReadingConsumersKeyUntil20270630000000`).
   */
  private grantKeyThroughAccessPoints(actions: string[], accountId: string, expires: Date | undefined): void {
    const until = expires === undefined ? '' : expiryText(expires);
    const key = `${actions.join(',')}|${until}`;
    const existing = this.keyActionGrants.get(key);
    // With an organization, the statement names the organization (aws:PrincipalOrgID) and no
    // account: it stays the same size for ten thousand consumers. Which objects S3 may decrypt
    // for whom is for the access point and bucket policies to decide, as it is without one.
    const byOrganization = this.target.organizationId !== undefined;
    if (existing !== undefined) {
      if (!byOrganization && !existing.accounts.includes(accountId)) {
        existing.accounts.push(accountId);
        existing.statement.addCondition('StringEquals', { 'kms:CallerAccount': oneOrMany(existing.accounts) });
      }
      return;
    }
    const sid = this.target.statementIdPrefix + (actions.includes('kms:GenerateDataKey') ? 'WritingConsumersKey' : 'ReadingConsumersKey')
      + (until === '' ? '' : `Until${until.replace(/\D/g, '')}`);
    const keyStatement = statement(sid, {
      sidPrefix: sid,
      principals: [new iam.AnyPrincipal()],
      conditions: [
        keyUseConditions({ bucketArn: this.target.bucketArn, access: AccessLevel.READ, allowDelete: false }, this.target.bucketRegion),
        ...principalConditions(undefined, this.target.organizationId),
        ...expiryConditions(expires),
      ],
    }, actions, ['*']);
    if (!byOrganization) {
      keyStatement.addCondition('StringEquals', { 'kms:CallerAccount': accountId });
    }
    this.target.encryptionKey.addToResourcePolicy(keyStatement);
    if (this.target.encryptionKey.node.scope === this.target.scope) {
      skipCheckovChecks(this.target.encryptionKey, CHECKOV_SKIPS.keyThroughAccessPoints);
    }
    this.keyActionGrants.set(key, { accounts: [accountId], statement: keyStatement });
  }
}

/** `<construct path, at most 40 characters>-<grant number>`: valid and unique per SharedBucket. */
export function defaultAccessPointName(scope: Construct, number: number): string {
  const base = Names.uniqueResourceName(scope, { maxLength: 40, separator: '-' })
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .replace(/^-+/, '');
  return `${base}-${number}`;
}

/** `<construct path, at most 40 characters>-org<grant number>`: apart from the consumer grants' names. */
export function defaultOrganizationAccessPointName(scope: Construct, number: number): string {
  return defaultAccessPointName(scope, number).replace(/-(\d+)$/, '-org$1');
}

