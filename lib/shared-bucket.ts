import { Annotations, CfnOutput, CfnResource, FeatureFlags, Names, NestedStack, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { AccessLevel } from './access-level';
import { accessActions } from './private/access-actions';
import { CHECKOV_SKIPS, skipCheckovChecks } from './private/checkov';
import {
  compactS3Statement, Conditions, GrantScope, keyGrantStatement, keyUseConditions, listsWithinPrefix, s3GrantStatements, statement,
} from './private/grant-statements';
import { checkPolicyBudgets, policyBudget, PolicyBudget, PolicyKind } from './private/policy-size';
import { accessLogsBucketProps, encryptionKeyProps, SecureBucketSettings, sharedBucketProps } from './private/secure-defaults';
import { knownAndEqual, PropsValidator } from './private/validation';
import { SharingMode } from './sharing-mode';

/**
 * One account's access to a SharedBucket.
 */
export interface ConsumerGrant {
  /**
   * The consumer's AWS account id (12 digits).
   */
  readonly accountId: string;

  /**
   * IAM roles or users of the consumer account that may use the grant.
   *
   * The policies name the account root as principal and list these ARNs in an
   * `aws:PrincipalArn` condition. That way the owner stack deploys before the roles exist,
   * and a role that is deleted and re-created keeps its access.
   *
   * @default - any principal of the consumer account that the account's own IAM policies allow
   */
  readonly principalArns?: string[];

  /**
   * The key prefix the consumer may use, ending in '/' (for example 'partner-a/').
   *
   * A prefix names a folder: 'data/' covers 'data/x' but not 'data-archive/x'. It may not
   * start with '/' or contain '*', '?' or '${'. A prefix named after the consumer's own account
   * ('222222222222/') lets any number of such grants share one statement of the bucket policy.
   *
   * @default - the whole bucket
   */
  readonly prefix?: string;

  /**
   * What the consumer may do under its prefix.
   *
   * @default AccessLevel.READ
   */
  readonly access?: AccessLevel;

  /**
   * Also allow `s3:DeleteObject` under the prefix.
   *
   * Never `s3:DeleteObjectVersion`: the bucket is versioned, so a delete leaves the data
   * recoverable by the owner.
   *
   * @default false
   */
  readonly allowDelete?: boolean;

  /**
   * Name of the grant's access point, in `SharingMode.ACCESS_POINTS` only: 3 to 50 lowercase
   * letters, digits and hyphens, unique among the access points of the owner account in the
   * bucket's region.
   *
   * @default - derived from the SharedBucket's construct path and the grant's number, for
   * example `owner-shared-1a2b3c4d-7` for the seventh grant
   */
  readonly accessPointName?: string;
}

/**
 * Properties of a SharedBucket.
 */
export interface SharedBucketProps {
  /**
   * Physical name of the bucket. Consumers in other accounts refer to the bucket by name.
   *
   * The name must be known without referring to the bucket resource itself: the key policy
   * names the bucket (`kms:EncryptionContext:aws:s3:arn`) and the bucket names the key.
   *
   * @default - a name derived from the construct path, then the account and region, for
   * example `owner-shared-1a2b3c4d-111122223333-eu-west-1` (also in the BucketName output)
   */
  readonly bucketName?: string;

  /**
   * Accounts that get access. More can be added with `addConsumer`.
   *
   * @default - no consumers
   */
  readonly consumers?: ConsumerGrant[];

  /**
   * The key that encrypts the bucket (SSE-KMS). Consumer grants are added to its key policy,
   * which is possible only for a key defined in this CDK app; for an imported key a warning
   * lists the grants its key policy must allow.
   *
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * An AWS Organizations id. When set, every consumer grant also requires the caller to belong
   * to this organization (`aws:PrincipalOrgID`).
   *
   * @default - no organization condition
   */
  readonly organizationId?: string;

  /**
   * Bucket that receives the server access logs. CDK grants S3 log delivery on it; for a
   * bucket with BucketOwnerEnforced ownership, enable the feature flag
   * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` where that bucket is defined.
   *
   * @default - a new log bucket (SSE-S3, Block Public Access, TLS only)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * What happens to the bucket, the log bucket and the key when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Requests with an older TLS version are denied.
   *
   * @default 1.2
   */
  readonly minimumTlsVersion?: number;

  /**
   * How consumers get access: through the bucket policy, or through an S3 access point each
   * (for hundreds to thousands of consumers; see README, "Scaling to many consumers").
   *
   * @default SharingMode.BUCKET_POLICY
   */
  readonly sharingMode?: SharingMode;
}

/** Access points per nested stack: well under CloudFormation's 500 resources per stack. */
const ACCESS_POINTS_PER_NESTED_STACK = 400;

/** Grants of one scope and one kind of identity, written as one statement per policy. */
interface MergedGrants {
  readonly accounts: string[];
  readonly principalArns: string[];
  readonly statements: iam.PolicyStatement[];
}

/** KMS actions granted to consumer accounts through S3 (SharingMode.ACCESS_POINTS). */
interface KeyActionGrant {
  readonly accounts: string[];
  readonly statement: iam.PolicyStatement;
}

/**
 * An S3 bucket shared with other AWS accounts, least privilege by default.
 *
 * Creates a versioned, SSE-KMS encrypted bucket with Block Public Access, BucketOwnerEnforced
 * object ownership, TLS-only access and server access logs, retained on delete. Each consumer
 * grant adds the statements its access level needs, and nothing more, to the bucket policy and
 * to the key policy (grants of the same scope share statements), or, in
 * `SharingMode.ACCESS_POINTS`, to an access point of its own. The key is usable by consumers
 * only through S3. At synth, every policy's deployed size is checked against its AWS limit.
 */
export class SharedBucket extends Construct {
  /** The shared bucket. */
  public readonly bucket: s3.Bucket;

  /** The key that encrypts the bucket. */
  public readonly encryptionKey: kms.IKey;

  /**
   * Name of the bucket, known at synth time (unlike `bucket.bucketName`, a reference to the
   * resource), up to the account and region of an environment-agnostic stack.
   */
  public readonly bucketName: string;

  /** ARN of the bucket built from its name; policies use it, so the key policy creates no cycle. */
  public readonly bucketArn: string;

  /** How consumers get access. */
  public readonly sharingMode: SharingMode;

  private readonly organizationId?: string;
  private readonly bucketRegion: string;
  private readonly consumerGrants: ConsumerGrant[] = [];
  /** SharingMode.BUCKET_POLICY: grants merged by scope and kind of identity. */
  private readonly mergedGrants = new Map<string, MergedGrants>();
  /** Principals that may list the whole bucket (exceptions to the listing denial). */
  private readonly wholeBucketListers: string[] = [];
  private listingDenial?: iam.PolicyStatement;
  /** SharingMode.ACCESS_POINTS */
  private readonly accessPointArnList: string[] = [];
  private readonly accessPointNames = new Set<string>();
  private readonly accessPointStacks: NestedStack[] = [];
  private delegation?: iam.PolicyStatement;
  private readonly delegatedActions = new Set<string>();
  private readonly keyActionGrants = new Map<string, KeyActionGrant>();

  constructor(scope: Construct, id: string, props: SharedBucketProps = {}) {
    super(scope, id);

    const validator = new PropsValidator(this, 'SharedBucket');
    validator.bucketName('bucketName', props.bucketName);
    validator.organizationId('organizationId', props.organizationId);
    validator.minimumTlsVersion('minimumTlsVersion', props.minimumTlsVersion);
    // An imported key must be named by its key ARN: the bucket policy compares writers' key ids
    // with it, and consumers need the key ARN itself.
    validator.keyArn('encryptionKey', props.encryptionKey?.keyArn);
    validator.sharingMode('sharingMode', props.sharingMode);
    this.sharingMode = props.sharingMode ?? SharingMode.BUCKET_POLICY;
    const accessPointNames = new Set<string>();
    (props.consumers ?? []).forEach((grant, index) => this.validateGrant(validator, `consumers[${index}]`, grant, accessPointNames, index + 1));
    validator.throwIfInvalid();

    // Log delivery by bucket policy, not by the LogDeliveryWrite ACL (which BucketOwnerEnforced
    // forbids), whatever the app's own feature flags say. Scoped to this construct's children.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    const settings: SecureBucketSettings = {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      minimumTlsVersion: props.minimumTlsVersion ?? 1.2,
    };
    this.organizationId = props.organizationId;
    this.bucketRegion = Stack.of(this).region;

    this.encryptionKey = props.encryptionKey
      ?? new kms.Key(this, 'Key', encryptionKeyProps(settings, `Encrypts the shared bucket ${this.node.path}`));
    const serverAccessLogsBucket = props.serverAccessLogsBucket
      ?? skipCheckovChecks(new s3.Bucket(this, 'AccessLogs', accessLogsBucketProps(settings)), CHECKOV_SKIPS.accessLogBucket);
    if (props.serverAccessLogsBucket instanceof s3.Bucket
      && !FeatureFlags.of(props.serverAccessLogsBucket).isEnabled(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY)) {
      // CDK would then switch the user's log bucket to the LogDeliveryWrite ACL.
      Annotations.of(this).addWarningV2('cdk-cross-account-bucket:logBucketUsesAcl',
        `serverAccessLogsBucket ${props.serverAccessLogsBucket.node.path} receives logs through the LogDeliveryWrite ACL, ` +
        `which turns ACLs back on for it. Set the feature flag ${cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY} ` +
        'in cdk.json (or on the scope of that bucket) so that log delivery is granted by bucket policy instead.');
    }

    this.bucketName = props.bucketName ?? this.defaultBucketName();
    this.bucketArn = `arn:${Stack.of(this).partition}:s3:::${this.bucketName}`;
    const bucket = new s3.Bucket(this, 'Bucket', sharedBucketProps(settings, this.bucketName, this.encryptionKey, serverAccessLogsBucket));
    this.bucket = bucket;
    this.denyForeignEncryption();

    for (const grant of props.consumers ?? []) {
      this.addGrant(grant);
    }

    // After every grant is in: the policies' deployed sizes against their AWS limits.
    this.node.addValidation({ validate: () => checkPolicyBudgets(this, this.policyBudgets(), this.budgetWayOut()) });

    new CfnOutput(this, 'BucketName', {
      description: 'Name of the shared bucket (ConsumerReader bucketName)',
      value: bucket.bucketName,
    });
    new CfnOutput(this, 'BucketArn', {
      description: 'ARN of the shared bucket',
      value: bucket.bucketArn,
    });
    new CfnOutput(this, 'EncryptionKeyArn', {
      description: 'ARN of the key that encrypts the shared bucket (ConsumerReader encryptionKeyArn)',
      value: this.encryptionKey.keyArn,
    });
  }

  /**
   * Gives another account access to the bucket: adds the grant's statements to the bucket
   * policy and to the key policy.
   */
  public addConsumer(grant: ConsumerGrant): void {
    const validator = new PropsValidator(this, 'SharedBucket');
    this.validateGrant(validator, 'addConsumer(grant)', grant, new Set(this.accessPointNames), this.consumerGrants.length + 1);
    validator.throwIfInvalid();
    this.addGrant(grant);
  }

  /**
   * ARNs of the consumers' access points, in the order of `consumers` (SharingMode.ACCESS_POINTS;
   * empty otherwise). Hand each consumer its own: ConsumerReader `accessPointArn`.
   */
  public get accessPointArns(): string[] {
    return [...this.accessPointArnList];
  }

  /** The consumer grants added so far, in order. */
  public get consumers(): ConsumerGrant[] {
    return [...this.consumerGrants];
  }

  private addGrant(grant: ConsumerGrant): void {
    this.consumerGrants.push(grant);
    const scope: GrantScope = {
      bucketArn: this.bucketArn,
      prefix: grant.prefix,
      access: grant.access ?? AccessLevel.READ,
      allowDelete: grant.allowDelete ?? false,
    };
    const keyActions = this.sharingMode === SharingMode.ACCESS_POINTS
      ? this.addAccessPointGrant(grant, scope)
      : this.addBucketPolicyGrant(grant, scope);

    if (!(this.encryptionKey instanceof kms.Key)) {
      // An imported key's policy cannot be changed from here; say so rather than pretend.
      Annotations.of(this).addWarningV2('cdk-cross-account-bucket:keyPolicyNotManaged',
        'encryptionKey is imported, so its key policy cannot be changed here. Until it allows ' +
        `${keyActions.join(' and ')} through S3 for account ${grant.accountId}, that consumer's requests ` +
        'are denied (the key policy of a key this library creates shows the exact form).');
    }

    if (knownAndEqual(grant.accountId, Stack.of(this).account)) {
      Annotations.of(this).addWarningV2('cdk-cross-account-bucket:consumerIsOwnerAccount',
        `Consumer ${grant.accountId} is the account that owns the bucket. Cross-account grants are not needed ` +
        'within one account: grant its roles access with identity policies (for example bucket.grantRead(role)).');
    }
  }

  /**
   * SharingMode.BUCKET_POLICY: the grant joins the statements of grants with the same scope and
   * the same kind of identity (named principals, or whole accounts), or starts new ones. Merging
   * never widens a grant: within a group every account gets the same actions on the same
   * resources, and a named principal's ARN carries its own account.
   */
  private addBucketPolicyGrant(grant: ConsumerGrant, grantScope: GrantScope): string[] {
    // A prefix named after the consumer's own account ('222222222222/') is written with the
    // policy variable ${aws:PrincipalAccount}, which IAM replaces with the caller's account: every
    // such grant of the same level then shares one statement, and each account still reaches
    // only its own prefix. The variable cannot come from user input (prefixes may not contain '${').
    const scope: GrantScope = isOwnAccountPrefix(grant)
      ? { ...grantScope, prefix: `${OWN_ACCOUNT_PREFIX}/` }
      : grantScope;
    const namesPrincipals = grant.principalArns !== undefined;
    const key = [namesPrincipals ? 'principals' : 'accounts', scope.access, scope.allowDelete, scope.prefix ?? '\u0000'].join('|');
    const existing = this.mergedGrants.get(key);
    const account = accountPrincipal(grant.accountId);
    if (existing === undefined) {
      const sidPrefix = `Grant${this.mergedGrants.size + 1}`;
      const conditions = this.principalConditions(grant.principalArns);
      const bucketStatement = compactS3Statement(scope, { sidPrefix, principals: [account], conditions });
      this.bucket.addToResourcePolicy(bucketStatement);
      const keyStatement = keyGrantStatement(scope, {
        sidPrefix,
        principals: [account],
        keyArn: '*',
        bucketRegion: this.bucketRegion,
        conditions,
      });
      this.encryptionKey.addToResourcePolicy(keyStatement);
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
      const partition = Stack.of(this).partition;
      const listers = grant.principalArns ?? [`arn:${partition}:iam::${grant.accountId}:*`];
      this.wholeBucketListers.push(...listers.filter(lister => !this.wholeBucketListers.includes(lister)));
      this.listingDenial?.addCondition('ArnNotLike', { 'aws:PrincipalArn': oneOrMany(this.wholeBucketListers) });
    }
    return accessActions(scope.access, scope.allowDelete).keyActions;
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
      sid: 'DenyListingWithoutPrefix',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:ListBucket'],
      resources: [this.bucketArn],
      conditions: {
        Null: { 's3:prefix': 'true' },
        StringNotEquals: { 'aws:PrincipalAccount': Stack.of(this).account },
      },
    });
    if (this.wholeBucketListers.length > 0) {
      this.listingDenial.addCondition('ArnNotLike', { 'aws:PrincipalArn': oneOrMany(this.wholeBucketListers) });
    }
    this.bucket.addToResourcePolicy(this.listingDenial);
  }

  /**
   * SharingMode.ACCESS_POINTS: the grant gets an access point of its own, whose policy holds it;
   * the bucket policy delegates the actions in use to the owner's access points; the key policy
   * lists the consumer accounts once per set of KMS actions (readers, writers).
   */
  private addAccessPointGrant(grant: ConsumerGrant, scope: GrantScope): string[] {
    const stack = Stack.of(this);
    const number = this.consumerGrants.length;
    // Unique: validateGrant has checked it against every earlier grant's name.
    const name = grant.accessPointName ?? this.defaultAccessPointName(number);
    this.accessPointNames.add(name);
    const accessPointArn = `arn:${stack.partition}:s3:${this.bucketRegion}:${stack.account}:accesspoint/${name}`;
    this.accessPointArnList.push(accessPointArn);

    const policy = new iam.PolicyDocument({
      statements: s3GrantStatements({ ...scope, accessPointArn }, {
        sidPrefix: 'Consumer',
        principals: [accountPrincipal(grant.accountId)],
        conditions: this.principalConditions(grant.principalArns),
      }),
    });
    new s3.CfnAccessPoint(this.accessPointStack(number), `AccessPoint${number}`, {
      bucket: this.bucketName,
      bucketAccountId: stack.account,
      name,
      policy,
      publicAccessBlockConfiguration: {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
    });

    const actions = accessActions(scope.access, scope.allowDelete);
    this.delegate([...actions.objectActions, ...actions.bucketActions]);
    this.grantKeyThroughAccessPoints(actions.keyActions, grant.accountId);
    return actions.keyActions;
  }

  /** The nested stack that holds access point `number` (1-based), created when first needed. */
  private accessPointStack(number: number): NestedStack {
    const index = Math.floor((number - 1) / ACCESS_POINTS_PER_NESTED_STACK);
    if (this.accessPointStacks[index] === undefined) {
      const nested = new NestedStack(this, `AccessPoints${index + 1}`, {
        description: `Access points ${index * ACCESS_POINTS_PER_NESTED_STACK + 1} to ${(index + 1) * ACCESS_POINTS_PER_NESTED_STACK} of the shared bucket ${this.node.path}`,
      });
      // The access points name the bucket by its name: the bucket must exist first.
      nested.nestedStackResource?.addResourceDependency(this.bucket.node.defaultChild as CfnResource);
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
        sid: 'DelegateToAccessPoints',
        effect: iam.Effect.ALLOW,
        principals: [new iam.AnyPrincipal()],
        actions: added,
        resources: [this.bucketArn, `${this.bucketArn}/*`],
        conditions: { StringEquals: { 's3:DataAccessPointAccount': Stack.of(this).account } },
      });
      this.bucket.addToResourcePolicy(this.delegation);
    } else if (added.length > 0) {
      this.delegation.addActions(...added);
    }
  }

  /**
   * One key statement per set of KMS actions (readers: decrypt; writers: generate data keys and
   * decrypt), listing the consumer accounts once each: usable only through S3 in the bucket's
   * region and only for this bucket. Which objects is for the access point and the bucket policy
   * to decide; a statement per grant would make the key policy the bound at a hundred-odd
   * consumers.
   */
  private grantKeyThroughAccessPoints(actions: string[], accountId: string): void {
    const key = actions.join(',');
    const existing = this.keyActionGrants.get(key);
    if (existing !== undefined) {
      if (!existing.accounts.includes(accountId)) {
        existing.accounts.push(accountId);
        existing.statement.addCondition('StringEquals', { 'kms:CallerAccount': oneOrMany(existing.accounts) });
      }
      return;
    }
    const sid = actions.includes('kms:GenerateDataKey') ? 'WritingConsumersKey' : 'ReadingConsumersKey';
    const keyStatement = statement(sid, {
      sidPrefix: sid,
      principals: [new iam.AnyPrincipal()],
      conditions: [
        keyUseConditions({ bucketArn: this.bucketArn, access: AccessLevel.READ, allowDelete: false }, this.bucketRegion),
        ...this.principalConditions(undefined),
      ],
    }, actions, ['*']);
    keyStatement.addCondition('StringEquals', { 'kms:CallerAccount': accountId });
    this.encryptionKey.addToResourcePolicy(keyStatement);
    if (this.encryptionKey.node.scope === this) skipCheckovChecks(this.encryptionKey, CHECKOV_SKIPS.keyThroughAccessPoints);
    this.keyActionGrants.set(key, { accounts: [accountId], statement: keyStatement });
  }

  /** `<construct path, at most 40 characters>-<grant number>`: valid and unique per SharedBucket. */
  private defaultAccessPointName(number: number): string {
    const base = Names.uniqueResourceName(this, { maxLength: 40, separator: '-' })
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
      .replace(/^-+/, '');
    return `${base}-${number}`;
  }

  /** `number`: the grant's 1-based position among all grants, which names its default access point. */
  private validateGrant(validator: PropsValidator, prop: string, grant: ConsumerGrant, namesInUse: Set<string>, number: number): void {
    validator.accountId(`${prop}.accountId`, grant.accountId);
    validator.principalArns(`${prop}.principalArns`, grant.principalArns, grant.accountId);
    validator.prefix(`${prop}.prefix`, grant.prefix);
    validator.accessLevel(`${prop}.access`, grant.access);
    if (this.sharingMode !== SharingMode.ACCESS_POINTS) {
      if (grant.accessPointName !== undefined) {
        validator.fail(`${prop}.accessPointName`, grant.accessPointName,
          'no accessPointName unless sharingMode is SharingMode.ACCESS_POINTS: in SharingMode.BUCKET_POLICY no access point is created');
      }
      return;
    }
    if (grant.accessPointName !== undefined && !validator.accessPointName(`${prop}.accessPointName`, grant.accessPointName)) {
      return;
    }
    const name = grant.accessPointName ?? this.defaultAccessPointName(number);
    if (namesInUse.has(name)) {
      validator.fail(`${prop}.accessPointName`, name, 'an access point name no other grant of this SharedBucket uses' +
        (grant.accessPointName === undefined ? ` (unset, the grant gets its default name '<path>-${number}', which an earlier grant took): set one` : ''));
    }
    namesInUse.add(name);
  }

  /** The bucket policy, the key policy (of a key defined here) and every access point policy. */
  private policyBudgets(): PolicyBudget[] {
    const budgets: PolicyBudget[] = [];
    if (this.bucket.policy !== undefined) {
      budgets.push(policyBudget(PolicyKind.BUCKET_POLICY, this.bucket.policy, this.bucket.policy.document));
    }
    const cfnKey = this.encryptionKey instanceof kms.Key ? this.encryptionKey.node.defaultChild as kms.CfnKey : undefined;
    if (cfnKey?.keyPolicy !== undefined) {
      budgets.push(policyBudget(PolicyKind.KEY_POLICY, cfnKey, cfnKey.keyPolicy));
    }
    for (const nested of this.accessPointStacks) {
      for (const child of nested.node.children) {
        if (child instanceof s3.CfnAccessPoint) {
          budgets.push(policyBudget(PolicyKind.ACCESS_POINT_POLICY, child, child.policy));
        }
      }
    }
    return budgets;
  }

  private budgetWayOut(): string {
    return this.sharingMode === SharingMode.BUCKET_POLICY
      ? 'Way out: sharingMode: SharingMode.ACCESS_POINTS gives each consumer an access point of its own, so that the bucket policy ' +
        'stays the same size whatever the number of consumers (README, "Scaling to many consumers").'
      : 'Way out: split the consumers over several SharedBuckets (the key policy lists each consumer account once, so it holds ' +
        'about two thousand), and name fewer principalArns in a grant whose access point policy is over (README, "Scaling to many consumers").';
  }

  /**
   * A name known at synth time (up to the account and region tokens of an environment-agnostic
   * stack), unique per construct path, account and region.
   */
  private defaultBucketName(): string {
    const stack = Stack.of(this);
    const pathPart = Names.uniqueResourceName(this, { maxLength: 30, separator: '-' })
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '');
    return `${pathPart}-${stack.account}-${stack.region}`;
  }

  /** Narrowing shared by the bucket and key statements of one grant. */
  private principalConditions(principalArns: string[] | undefined): Conditions[] {
    const conditions: Conditions[] = [];
    if (principalArns !== undefined) {
      conditions.push({ ArnEquals: { 'aws:PrincipalArn': oneOrMany(principalArns) } });
    }
    if (this.organizationId !== undefined) {
      conditions.push({ StringEquals: { 'aws:PrincipalOrgID': this.organizationId } });
    }
    return conditions;
  }

  /**
   * A writer naming another encryption, or a key of its own, would leave objects the owner and
   * the other consumers cannot read. Requests that name neither get the bucket's default
   * encryption, so only a header that is present and different is denied.
   */
  private denyForeignEncryption(): void {
    this.denyPutObjectNaming('DenyOtherServerSideEncryption', 's3:x-amz-server-side-encryption', 'aws:kms');
    this.denyPutObjectNaming('DenyOtherEncryptionKey', 's3:x-amz-server-side-encryption-aws-kms-key-id', this.encryptionKey.keyArn);
  }

  /** Denies a PutObject whose request names `header` (it is present) with a value other than `allowed`. */
  private denyPutObjectNaming(sid: string, header: string, allowed: string): void {
    this.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects('*')],
      conditions: {
        Null: { [header]: 'false' },
        StringNotEquals: { [header]: allowed },
      },
    }));
  }
}

/** The policy variable IAM replaces with the calling principal's account id. */
const OWN_ACCOUNT_PREFIX = '${aws:PrincipalAccount}';

/** Whether the grant's prefix is its own account id, a known one: '222222222222/'. */
function isOwnAccountPrefix(grant: ConsumerGrant): boolean {
  return grant.prefix !== undefined && !Token.isUnresolved(grant.accountId) && grant.prefix === `${grant.accountId}/`;
}

/**
 * A whole account as principal, in the short form `{"AWS": "111122223333"}`. IAM treats it
 * exactly like `arn:aws:iam::111122223333:root` (every principal of the account that its own
 * policies allow), in 20 fewer characters per statement: the bucket policy's size is the bound
 * on consumers per bucket.
 */
function accountPrincipal(accountId: string): iam.IPrincipal {
  return new iam.ArnPrincipal(accountId);
}

/** A single condition value as a string, several as a list: the shorter rendering IAM reads alike. */
function oneOrMany(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : [...values];
}
