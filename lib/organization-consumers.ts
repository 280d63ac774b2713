import { Aws, CfnOutput, CfnStackSet, Expiration, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AccessLevel } from './access-level';
import { ConsumerReader } from './consumer-reader';
import { RECORD_VERSION, recordedExpiry } from './model/record';
import { checkOrganizationConsumersAtSynth } from './private/agreement';
import { accessPointRegion, knownAndDifferent, withKnownPartition } from './private/arns';
import { validExpiry } from './private/expiry';
import { foreignReferences, MemberTemplate, reportMemberMessages, templateBodyProblem } from './private/member-template';
import { known, writeRecord } from './private/record-writer';
import { PropsValidator } from './private/validation';

/**
 * The account a service-managed StackSet is created from (CloudFormation `CallAs`).
 */
export enum StackSetCallAs {
  /** The organization's management account. */
  SELF = 'SELF',
  /**
   * A member account registered in the management account as a delegated administrator of
   * CloudFormation StackSets.
   */
  DELEGATED_ADMIN = 'DELEGATED_ADMIN',
}

/**
 * Properties of an OrganizationConsumers.
 */
export interface OrganizationConsumersProps {
  /** Name of the shared bucket in the owner's account. */
  readonly bucketName: string;

  /**
   * The account that owns the bucket. Every S3 statement of the member roles is limited to
   * buckets of this account (`aws:ResourceAccount`).
   */
  readonly bucketOwnerAccountId: string;

  /**
   * Region of the bucket: KMS is allowed only through S3 in this region, on keys of the owner's
   * account in this region.
   */
  readonly bucketRegion: string;

  /**
   * Where the StackSet deploys: organizational unit ids (`ou-...`) or the organization's root id
   * (`r-...`). Every account of these units, and of the units below them, gets the role; accounts
   * that join later get it too, and accounts that leave lose it. StackSets never deploy to the
   * organization's management account, even when it is in one of these units (CloudFormation
   * API reference, DeploymentTargets).
   */
  readonly organizationalUnitIds: string[];

  /**
   * Name of the role in every member account: the owner's `OrganizationGrant.roleName`, which the
   * owner's bucket policy names as `arn:<partition>:iam::*:role/<roleName>`. Created without a path.
   */
  readonly roleName: string;

  /**
   * A prefix every member account shares, ending in '/', as the owner granted it
   * (`OrganizationGrant.sharedPrefix`).
   *
   * @default - each member account's own prefix, `<its account id>/`
   */
  readonly sharedPrefix?: string;

  /**
   * What the role may do under its prefix; must not exceed what the owner granted.
   *
   * @default AccessLevel.READ
   */
  readonly access?: AccessLevel;

  /**
   * Also allow `s3:DeleteObject` under the prefix (never `s3:DeleteObjectVersion`).
   *
   * @default false
   */
  readonly allowDelete?: boolean;

  /**
   * `SharingMode.ACCESS_POINTS`: the organization grant's access point (the owner's
   * `organizationAccessPointArns`, in the order of its organization grants). Each member role
   * then reaches the bucket only through it, as the owner's bucket policy requires in that mode.
   *
   * @default - the member roles address the bucket directly (`SharingMode.BUCKET_POLICY`)
   */
  readonly accessPointArn?: string;

  /**
   * Who may assume the role inside each member account. It is written into the template every
   * member deploys, so it must not refer to resources of this app: a service principal, a
   * principal by literal ARN, or `new iam.AccountRootPrincipal()` (pseudo parameters such as
   * `Aws.ACCOUNT_ID` resolve in each member account).
   *
   * @default - the root of each member account: principals of that account that its own IAM
   * policies allow
   */
  readonly assumedBy?: iam.IPrincipal;

  /**
   * Name of the StackSet: letters, digits and hyphens, starting with a letter, up to 128
   * characters, unique in this account and region. Changing it replaces the StackSet, which
   * deletes the role in every account and creates it again.
   *
   * @default - derived from the construct path, with a hash of it
   */
  readonly stackSetName?: string;

  /**
   * Whether this stack deploys in the organization's management account or in a delegated
   * administrator of StackSets.
   *
   * @default StackSetCallAs.SELF
   */
  readonly callAs?: StackSetCallAs;

  /**
   * The one region in which every member account gets its stack instance. The role is global
   * (IAM), so one region is enough, and a second region would fail on the role's name, which
   * the first region's stack already holds.
   *
   * @default - `bucketRegion`: the region every member account must already be allowed to use,
   * since its S3 and KMS requests go there
   */
  readonly stackInstanceRegion?: string;

  /**
   * Largest share of the member accounts (rounded down, at least one) that a StackSet operation
   * (create, update, delete) deploys to at a time. Operations run with
   * `SOFT_FAILURE_TOLERANCE`, so this share holds whatever `failureTolerancePercentage` is.
   * Accounts that join an organizational unit later get the role through automatic deployment,
   * which these settings do not govern.
   *
   * @default 25
   */
  readonly maxConcurrentPercentage?: number;

  /**
   * Share of the member accounts (rounded down) whose stack instance may fail before
   * CloudFormation stops the operation. With 0, the first failure stops it and fails this
   * stack's deployment, so that an account without the role is seen rather than skipped; a
   * failed account only lacks access, it never has more.
   *
   * @default 0
   */
  readonly failureTolerancePercentage?: number;

  /**
   * Keep the role in an account that leaves the organizational units (the stack instance is
   * removed from the StackSet, its resources stay).
   *
   * @default false - an account that leaves loses the role
   */
  readonly retainStacksOnAccountRemoval?: boolean;

  /**
   * When the member roles' access ends: the end of the owner's `OrganizationGrant.expires`.
   * Every statement of each member role's identity policy carries
   * `DateLessThan aws:CurrentTime <end>` (see `ConsumerReader` `expires`); the role itself stays.
   * Synth warns when it has ended (`grantExpired`) or ends within 30 days (`grantExpiresSoon`).
   *
   * Must be a fixed time in whole seconds (`Expiration.atDate(new Date('2027-06-30T00:00:00Z'))`);
   * a fraction of a second, the mark of `Expiration.after(...)`, is an error (see
   * `ConsumerGrant.expires`).
   *
   * @default - the access does not end
   */
  readonly expires?: Expiration;
}

/**
 * The StackSet defaults, in one place (see the props for the reasons).
 */
const STACK_SET_DEFAULTS = {
  callAs: StackSetCallAs.SELF,
  maxConcurrentPercentage: 25,
  failureTolerancePercentage: 0,
  retainStacksOnAccountRemoval: false,
};

/**
 * The consumer role in every account of an organization's units, by a service-managed
 * CloudFormation StackSet: for the management account, or a delegated administrator of
 * StackSets, with trusted access between StackSets and AWS Organizations activated.
 *
 * Each member account gets a role named `roleName` with a `ConsumerReader` identity policy for
 * its own prefix `<account id>/` (or `sharedPrefix`) of the owner's bucket, matching the owner's
 * `OrganizationGrant`. The member template is built by CDK from `ConsumerReader` at construction
 * and inlined as the StackSet's template body: no assets and no CDK bootstrap in member accounts.
 */
export class OrganizationConsumers extends Construct {
  /** The StackSet. */
  public readonly stackSet: CfnStackSet;

  /** The StackSet's name. */
  public readonly stackSetName: string;

  /**
   * The template every member account deploys, as the StackSet's TemplateBody holds it (JSON
   * without white space).
   */
  public readonly memberTemplateBody: string;

  constructor(scope: Construct, id: string, props: OrganizationConsumersProps) {
    super(scope, id);

    const validator = new PropsValidator(this, 'OrganizationConsumers');
    // Written into the member template: only values known at synth.
    const where = 'the template every member account deploys';
    const bucketName = validator.knownAtSynth('bucketName', props.bucketName, where);
    const bucketOwnerAccountId = validator.knownAtSynth('bucketOwnerAccountId', props.bucketOwnerAccountId, where);
    const bucketRegion = validator.knownAtSynth('bucketRegion', props.bucketRegion, where);
    const roleName = validator.knownAtSynth('roleName', props.roleName, where);
    const sharedPrefix = validator.knownAtSynth('sharedPrefix', props.sharedPrefix, where);
    // The owner's organizationAccessPointArns name the partition by token: known here when this stack's region is.
    const accessPointArn = validator.knownAtSynth('accessPointArn',
      props.accessPointArn === undefined ? undefined : withKnownPartition(this, props.accessPointArn), where);
    validator.bucketName('bucketName', bucketName);
    if (bucketOwnerAccountId !== undefined) {
      validator.accountId('bucketOwnerAccountId', bucketOwnerAccountId);
    }
    validator.region('bucketRegion', bucketRegion);
    validator.roleName('roleName', roleName);
    validator.prefix('sharedPrefix', sharedPrefix);
    if (bucketOwnerAccountId !== undefined && validator.accessPointArn('accessPointArn', accessPointArn, bucketOwnerAccountId, 'SharedBucket organizationAccessPointArns')) {
      validator.samePartition('accessPointArn', accessPointArn);
      if (knownAndDifferent(accessPointRegion(accessPointArn), bucketRegion)) {
        validator.fail('accessPointArn', accessPointArn, `an access point in the bucket's region ${bucketRegion}: an access point lives in the region of its bucket`);
      }
    }
    validator.accessLevel('access', props.access);
    validator.organizationalUnitIds('organizationalUnitIds', props.organizationalUnitIds);
    validator.stackSetName('stackSetName', props.stackSetName);
    validator.enumValue('callAs', props.callAs, StackSetCallAs, 'StackSetCallAs');
    validator.region('stackInstanceRegion', props.stackInstanceRegion);
    validator.percentage('maxConcurrentPercentage', props.maxConcurrentPercentage, 1);
    validator.percentage('failureTolerancePercentage', props.failureTolerancePercentage, 0);
    // Checked here, so that the error names this construct and its prop, not the member template's reader.
    const expires = validExpiry(validator, 'expires', props.expires);

    const member = new MemberTemplate();
    try {
      if (props.assumedBy !== undefined) {
        checkMemberPrincipal(validator, member, props.assumedBy);
      }
      validator.throwIfInvalid();

      member.stack.templateOptions.description = `The role ${roleName}, which uses the S3 bucket ${bucketName} shared by account ` +
        `${bucketOwnerAccountId} (cdk-cross-account-bucket OrganizationConsumers)`;
      const reader = new ConsumerReader(member.stack, 'Consumer', {
        bucketName: bucketName!,
        bucketOwnerAccountId: bucketOwnerAccountId!,
        bucketRegion,
        // CloudFormation resolves the account in each member account: the owner's grant names
        // `${aws:PrincipalAccount}/`, so each role asks for its own prefix and nothing is copied.
        prefix: sharedPrefix ?? `${Aws.ACCOUNT_ID}/`,
        access: props.access,
        allowDelete: props.allowDelete,
        roleName,
        assumedBy: props.assumedBy,
        accessPointArn,
        expires: props.expires,
      });
      (reader.node.findChild('RoleArn') as CfnOutput).description = `ARN of the role ${roleName} of this member account`;
      const synthesis = member.synthesize();
      this.memberTemplateBody = JSON.stringify(synthesis.template);
      reportMemberMessages(this, synthesis.messages);
    } finally {
      member.dispose();
    }

    checkOrganizationConsumersAtSynth({
      construct: this,
      bucketName: bucketName!,
      bucketOwnerAccountId: bucketOwnerAccountId!,
      roleName: roleName!,
      sharedPrefix,
      access: props.access ?? AccessLevel.READ,
      allowDelete: props.allowDelete ?? false,
      organizationalUnitIds: props.organizationalUnitIds,
      accessPointArn,
    });

    this.stackSetName = props.stackSetName ?? defaultStackSetName(this);
    writeRecord(this, () => ({
      version: RECORD_VERSION,
      kind: 'OrganizationConsumers',
      bucketName: bucketName!,
      bucketOwnerAccountId: bucketOwnerAccountId!,
      bucketRegion: bucketRegion!,
      organizationalUnitIds: [...props.organizationalUnitIds],
      roleName: roleName!,
      sharedPrefix: sharedPrefix ?? null,
      access: props.access ?? AccessLevel.READ,
      allowDelete: props.allowDelete ?? false,
      expires: recordedExpiry(expires),
      accessPointArn: accessPointArn ?? null,
      stackSetName: known(this.stackSetName),
    }));
    this.stackSet = new CfnStackSet(this, 'StackSet', {
      stackSetName: this.stackSetName,
      description: `The role ${roleName} in every account of the organizational units, for the S3 bucket ${bucketName} of account ${bucketOwnerAccountId}`,
      permissionModel: 'SERVICE_MANAGED',
      callAs: props.callAs ?? STACK_SET_DEFAULTS.callAs,
      // Accounts added to a target unit get a stack instance, removed ones lose it unless
      // retained (AWS::CloudFormation::StackSet AutoDeployment).
      autoDeployment: {
        enabled: true,
        retainStacksOnAccountRemoval: props.retainStacksOnAccountRemoval ?? STACK_SET_DEFAULTS.retainStacksOnAccountRemoval,
      },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      // Queues an update behind a running automatic deployment instead of failing on it
      // (CloudFormation API reference, ManagedExecution: conflicting operations are queued).
      managedExecution: { Active: true },
      operationPreferences: {
        // STRICT_FAILURE_TOLERANCE (CloudFormation's default) would cap the concurrency at the
        // failure tolerance plus one: with a tolerance of 0, one account at a time
        // (CloudFormation API reference, StackSetOperationPreferences, ConcurrencyMode).
        // Percentages are of the accounts per region, rounded down (at least one concurrent).
        concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        maxConcurrentPercentage: props.maxConcurrentPercentage ?? STACK_SET_DEFAULTS.maxConcurrentPercentage,
        failureTolerancePercentage: props.failureTolerancePercentage ?? STACK_SET_DEFAULTS.failureTolerancePercentage,
      },
      stackInstancesGroup: [{
        deploymentTargets: { organizationalUnitIds: props.organizationalUnitIds },
        regions: [props.stackInstanceRegion ?? bucketRegion!],
      }],
      templateBody: this.memberTemplateBody,
    });

    // At synth, so that what the escape hatches changed on the StackSet is checked too.
    this.node.addValidation({ validate: () => this.checkStackSet() });
  }

  private checkStackSet(): string[] {
    const errors: string[] = [];
    const body = this.stackSet.templateBody;
    const sizeProblem = body === undefined || Token.isUnresolved(body)
      ? undefined
      : templateBodyProblem(`member template of ${this.node.path} (the StackSet's TemplateBody)`, body);
    if (sizeProblem !== undefined) {
      errors.push(sizeProblem);
    }
    const regions = stackInstanceRegions(Stack.of(this).resolve(this.stackSet.stackInstancesGroup));
    if (regions !== undefined && regions.length !== 1) {
      errors.push(`The StackSet of ${this.node.path} deploys to ${regions.length} regions (${regions.join(', ') || 'none'}): ` +
        'exactly one, since the role is global (IAM) and a second region would create a role of the same name again in each account.');
    }
    return errors;
  }
}

/**
 * `assumedBy` must be a principal each member account can name in its own template: resolved in
 * the member stack, where only pseudo parameters mean something, it may not refer to this app.
 */
function checkMemberPrincipal(validator: PropsValidator, member: MemberTemplate, principal: iam.IPrincipal): void {
  const expected = 'a principal that every member account can name in its own template';
  const wayOut = "Use a principal by literal ARN (new iam.ArnPrincipal('arn:aws:iam::...')), a service principal, " +
    "or new iam.AccountRootPrincipal() for each member account's own root";
  let resolved: unknown;
  try {
    const fragment = principal.policyFragment;
    resolved = member.stack.resolve({ principal: fragment.principalJson, conditions: fragment.conditions });
  } catch (error) {
    // A resource of this app with an environment: aws-cdk-lib refuses to name it in another one.
    validator.fail('assumedBy', String(principal), `${expected}, but it cannot be named outside this app (${(error as Error).message}). ${wayOut}`);
    return;
  }
  const foreign = foreignReferences(resolved);
  if (foreign.length > 0) {
    validator.fail('assumedBy', foreign.join(', '),
      `${expected}: it refers to ${foreign.length === 1 ? 'a resource' : 'resources'} of this app, which member accounts do not have. ${wayOut}`);
  }
}

/** `<construct path>-<hash>`, cut to 128 characters, starting with a letter as StackSet names must. */
function defaultStackSetName(scope: Construct): string {
  const name = Names.uniqueResourceName(scope, { maxLength: 128, separator: '-', allowedSpecialCharacters: '-' });
  return /^[A-Za-z]/.test(name) ? name : `StackSet-${name}`.slice(0, 128);
}

/** The distinct regions of resolved stack instance groups, or undefined where a token hides them. */
function stackInstanceRegions(groups: unknown): string[] | undefined {
  if (!Array.isArray(groups)) {
    return undefined;
  }
  const regions = new Set<string>();
  for (const group of groups) {
    const groupRegions = (group as { regions?: unknown } | undefined)?.regions;
    if (!Array.isArray(groupRegions)) {
      return undefined;
    }
    groupRegions.forEach(region => regions.add(typeof region === 'string' ? region : JSON.stringify(region)));
  }
  return [...regions];
}
