import { CfnOutput, FeatureFlags, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { ConsumerGrant, OrganizationGrant } from './grants';
import { NormalizedGrant, NormalizedOrganizationGrant } from './model/grant';
import { grantToRecord, organizationGrantToRecord, RECORD_VERSION, recordedNarrowing } from './model/record';
import { registerSharedBucket } from './private/agreement';
import { withKnownPartition } from './private/arns';
import { BaselineTarget, denyForeignEncryption, denyInsecureTransport } from './private/baseline-statements';
import { CHECKOV_SKIPS, skipCheckovChecks } from './private/checkov';
import { inspectExistingBucket } from './private/existing-bucket';
import { normalizeGrant, normalizeOrganizationGrant } from './private/grant-normalization';
import { validateGrant, validateOrganizationGrant } from './private/grant-validation';
import { warnAboutGrant, warnAboutOrganizationGrant } from './private/grant-warnings';
import { NotificationForwarding } from './private/notifications';
import { checkPolicyBudgets, policyBudget, PolicyBudget, PolicyKind } from './private/policy-size';
import { known, knownAccount, knownArn, knownRegion, recordResolver, writeRecord } from './private/record-writer';
import { configureReplication, validateReplication } from './private/replication';
import { accessLogsBucketProps, encryptionKeyProps, SecureBucketSettings, sharedBucketProps } from './private/secure-defaults';
import { AccessPointSharing } from './private/sharing/access-point-sharing';
import { BucketPolicySharing } from './private/sharing/bucket-policy-sharing';
import { SharingPath, SharingTarget } from './private/sharing/sharing-path';
import { shareStatementIdPrefix } from './private/statement-ids';
import { PropsValidator } from './private/validation';
import { addWarning } from './private/warnings';
import { SharedBucketReplicationProps } from './replication-target';
import { SharingMode } from './sharing-mode';

/**
 * Properties of a SharedBucket.
 */
export interface SharedBucketProps extends SharedBucketReplicationProps {
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
   * Organizations, or organizational units, whose accounts get access. More can be added with
   * `addOrganizationGrant`.
   *
   * @default - no organization grants
   */
  readonly organizationGrants?: OrganizationGrant[];

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
   * In `SharingMode.ACCESS_POINTS` the key policy then names the organization instead of each
   * consumer account, which takes the mode to 10,000 consumers: any principal of the organization
   * may have S3 use the key for this bucket, and the access point and bucket policies still decide
   * which objects each reaches (README, "Scaling to many consumers").
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
   * A bucket defined in this CDK app to share as it is, instead of a new one. The grants go into
   * its bucket policy and into the key policy of its key (`existingBucket.encryptionKey`); no
   * second bucket, key or log bucket is created, and the bucket's settings are never changed.
   *
   * It must be encrypted with SSE-KMS by a `kms.Key` defined in this app, have a fixed
   * `bucketName`, and not let writers own their objects (`ObjectWriter`, `BucketOwnerPreferred`);
   * each is a synth error otherwise. Whatever it lacks of the secure defaults (versioning, Block
   * Public Access, access logs, an S3 Bucket Key, explicit object ownership) is a warning naming
   * the bucket prop to set. The deny statements this library always writes (no plain HTTP, no TLS
   * below `minimumTlsVersion`, no writes naming another encryption or key, none with a
   * customer-provided key) go into its policy.
   * Not together with `bucketName`, `encryptionKey`, `serverAccessLogsBucket` or `removalPolicy`.
   *
   * @default - a new bucket with the secure defaults
   */
  readonly existingBucket?: s3.Bucket;

  /**
   * How consumers get access: through the bucket policy, or through an S3 access point each
   * (for hundreds to thousands of consumers; see README, "Scaling to many consumers").
   *
   * @default SharingMode.BUCKET_POLICY
   */
  readonly sharingMode?: SharingMode;
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

  /** The organization every consumer grant also requires of the caller (`aws:PrincipalOrgID`), if any. */
  public readonly organizationId?: string;

  /** The lowest TLS version the bucket policy accepts. */
  public readonly minimumTlsVersion: number;

  private readonly consumerGrants: ConsumerGrant[] = [];
  private readonly organizationGrantList: OrganizationGrant[] = [];
  /**
   * The grants in the grant model (lib/model/grant.ts), as the sharing path wrote them, with their
   * access points: the agreement check and the review record read these, so what they report is
   * what the policies were written from.
   */
  private readonly normalizedGrants: NormalizedGrant[] = [];
  private readonly normalizedOrganizationGrants: NormalizedOrganizationGrant[] = [];
  /** Where the grants are written: the path of the sharing mode. */
  private readonly path: SharingPath;
  /** Starts every statement id this share writes: '' for the first share on its bucket and key (statement-ids.ts). */
  private readonly statementIdPrefix: string;
  /** The rules that forward object events to the grants that notify (notifications.ts). */
  private readonly notifications: NotificationForwarding;

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
    (props.consumers ?? []).forEach((grant, index) => validateGrant(this, validator, `consumers[${index}]`, grant, accessPointNames, index + 1));
    (props.organizationGrants ?? []).forEach((grant, index) =>
      validateOrganizationGrant(this, validator, `organizationGrants[${index}]`, grant, props.organizationId, accessPointNames, index + 1));
    const existing = props.existingBucket === undefined ? undefined : inspectExistingBucket(validator, props.existingBucket, {
      bucketName: props.bucketName,
      encryptionKey: props.encryptionKey,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      removalPolicy: props.removalPolicy,
    }, Stack.of(this));
    validateReplication(this, validator, props, props.existingBucket !== undefined);
    validator.throwIfInvalid();

    // Log delivery by bucket policy, not by the LogDeliveryWrite ACL (which BucketOwnerEnforced
    // forbids), whatever the app's own feature flags say. Scoped to this construct's children.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    const settings: SecureBucketSettings = {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      minimumTlsVersion: props.minimumTlsVersion ?? 1.2,
    };

    if (props.existingBucket !== undefined) {
      // Known: inspectExistingBucket recorded a problem, and throwIfInvalid threw, otherwise.
      const facts = existing!.facts!;
      this.encryptionKey = facts.encryptionKey;
      this.bucketName = facts.bucketName;
      this.bucketArn = `arn:${Stack.of(this).partition}:s3:::${this.bucketName}`;
      this.bucket = props.existingBucket;
      for (const missing of existing!.missingDefaults) {
        addWarning(this, `cdk-cross-account-bucket:${missing.id}`, missing.message);
      }
    } else {
      this.encryptionKey = props.encryptionKey
        ?? new kms.Key(this, 'Key', encryptionKeyProps(settings, `Encrypts the shared bucket ${this.node.path}`));
      this.bucketName = props.bucketName ?? this.defaultBucketName();
      this.bucketArn = `arn:${Stack.of(this).partition}:s3:::${this.bucketName}`;
      this.bucket = this.createBucket(props, settings);
    }
    // Unique among the shares that write into this bucket's policy or this key's.
    this.statementIdPrefix = shareStatementIdPrefix([this.bucket, this.encryptionKey]);
    if (props.existingBucket !== undefined) {
      // A bucket this library creates gets these from its props (enforceSSL, minimumTLSVersion).
      denyInsecureTransport(this.baselineTarget(), settings.minimumTlsVersion);
    }
    denyForeignEncryption(this.baselineTarget());
    const replication = configureReplication(this, this, props);

    const target: SharingTarget = {
      scope: this,
      bucket: this.bucket,
      encryptionKey: this.encryptionKey,
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      bucketRegion: Stack.of(this).region,
      organizationId: props.organizationId,
      statementIdPrefix: this.statementIdPrefix,
    };
    this.path = this.sharingMode === SharingMode.ACCESS_POINTS ? new AccessPointSharing(target) : new BucketPolicySharing(target);
    this.notifications = new NotificationForwarding({
      scope: this, bucket: this.bucket, bucketName: this.bucketName, existingBucket: existing !== undefined,
    });

    this.organizationId = props.organizationId;
    this.minimumTlsVersion = settings.minimumTlsVersion;
    for (const grant of props.consumers ?? []) {
      this.addGrant(grant);
    }
    for (const grant of props.organizationGrants ?? []) {
      this.writeOrganizationGrant(grant);
    }

    registerSharedBucket({
      construct: this,
      bucketName: this.bucketName,
      sharingMode: this.sharingMode,
      grants: () => this.normalizedGrants,
      organizationGrants: () => this.normalizedOrganizationGrants,
    });

    writeRecord(this, () => ({
      version: RECORD_VERSION,
      kind: 'SharedBucket',
      bucketName: known(this.bucketName),
      ownerAccountId: knownAccount(this),
      region: knownRegion(this),
      sharingMode: this.sharingMode === SharingMode.ACCESS_POINTS ? 'ACCESS_POINTS' : 'BUCKET_POLICY',
      encryptionKeyArn: knownArn(this, this.encryptionKey.keyArn),
      grants: [
        ...this.normalizedGrants.map(grant => ({
          ...grantToRecord(grant, recordedNarrowing(this.organizationId, this.minimumTlsVersion), recordResolver(this)),
          ...this.notifications.recorded(grant),
        })),
        ...this.normalizedOrganizationGrants.map(grant => organizationGrantToRecord(grant, this.minimumTlsVersion, recordResolver(this))),
      ],
      ...replication === undefined ? {} : { replication: replication.record() },
    }));

    // After every grant is in: the policies' deployed sizes against their AWS limits.
    this.node.addValidation({ validate: () => checkPolicyBudgets(this, this.policyBudgets(), this.path.budgetWayOut) });

    new CfnOutput(this, 'BucketName', {
      description: 'Name of the shared bucket (ConsumerReader bucketName)',
      value: this.bucket.bucketName,
    });
    new CfnOutput(this, 'BucketArn', {
      description: 'ARN of the shared bucket',
      value: this.bucket.bucketArn,
    });
    new CfnOutput(this, 'EncryptionKeyArn', {
      description: 'ARN of the key that encrypts the shared bucket (ConsumerReader encryptionKeyArn)',
      value: this.encryptionKey.keyArn,
    });
  }

  /** The bucket with the secure defaults, its access log bucket unless the user gave one. */
  private createBucket(props: SharedBucketProps, settings: SecureBucketSettings): s3.Bucket {
    const serverAccessLogsBucket = props.serverAccessLogsBucket
      ?? skipCheckovChecks(new s3.Bucket(this, 'AccessLogs', accessLogsBucketProps(settings)), CHECKOV_SKIPS.accessLogBucket);
    if (props.serverAccessLogsBucket instanceof s3.Bucket
      && !FeatureFlags.of(props.serverAccessLogsBucket).isEnabled(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY)) {
      // CDK would then switch the user's log bucket to the LogDeliveryWrite ACL.
      addWarning(this, 'cdk-cross-account-bucket:logBucketUsesAcl',
        `serverAccessLogsBucket ${props.serverAccessLogsBucket.node.path} receives logs through the LogDeliveryWrite ACL, ` +
        `which turns ACLs back on for it. Set the feature flag ${cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY} ` +
        'in cdk.json (or on the scope of that bucket) so that log delivery is granted by bucket policy instead.');
    }
    return new s3.Bucket(this, 'Bucket', sharedBucketProps(settings, this.bucketName, this.encryptionKey, serverAccessLogsBucket));
  }

  /**
   * Gives another account access to the bucket: adds the grant's statements to the bucket
   * policy and to the key policy.
   */
  public addConsumer(grant: ConsumerGrant): void {
    const validator = new PropsValidator(this, 'SharedBucket', SharedBucket.prototype.addConsumer);
    validateGrant(this, validator, 'addConsumer(grant)', grant, new Set(this.path.accessPointNames), this.consumerGrants.length + 1);
    validator.throwIfInvalid();
    this.addGrant(grant);
  }

  /**
   * ARNs of the consumers' access points, in the order of `consumers` (SharingMode.ACCESS_POINTS;
   * empty otherwise). Hand each consumer its own: ConsumerReader `accessPointArn`.
   */
  public get accessPointArns(): string[] {
    return [...this.path.accessPointArns];
  }

  /**
   * Gives the accounts of an organization, or of some of its OUs, access to the bucket: one
   * statement in the bucket policy (or an access point of its own in SharingMode.ACCESS_POINTS)
   * and one in the key policy.
   */
  public addOrganizationGrant(grant: OrganizationGrant): void {
    const validator = new PropsValidator(this, 'SharedBucket', SharedBucket.prototype.addOrganizationGrant);
    validateOrganizationGrant(this, validator, 'addOrganizationGrant(grant)', grant, this.organizationId,
      new Set(this.path.accessPointNames), this.organizationGrantList.length + 1);
    validator.throwIfInvalid();
    this.writeOrganizationGrant(grant);
  }

  /** The organization grants added so far, in order. */
  public get organizationGrants(): OrganizationGrant[] {
    return [...this.organizationGrantList];
  }

  /**
   * ARNs of the organization grants' access points, in the order of `organizationGrants`
   * (SharingMode.ACCESS_POINTS; empty otherwise).
   */
  public get organizationAccessPointArns(): string[] {
    return [...this.path.organizationAccessPointArns];
  }

  /** The consumer grants added so far, in order. */
  public get consumers(): ConsumerGrant[] {
    return [...this.consumerGrants];
  }

  private addGrant(grant: ConsumerGrant): void {
    this.consumerGrants.push(grant);
    const normalized = normalizeGrant(grant, this.consumerGrants.length);
    const keyActions = this.path.addGrant(normalized);
    this.normalizedGrants.push(this.withAccessPoint(normalized, this.path.accessPointArns[normalized.number - 1]));
    this.notifications.addGrant(normalized);
    warnAboutGrant(this, normalized, keyActions);
  }

  private writeOrganizationGrant(grant: OrganizationGrant): void {
    this.organizationGrantList.push(grant);
    const normalized = normalizeOrganizationGrant(grant, this.organizationGrantList.length);
    const keyActions = this.path.addOrganizationGrant(normalized);
    this.normalizedOrganizationGrants.push(this.withAccessPoint(normalized, this.path.organizationAccessPointArns[normalized.number - 1]));
    warnAboutOrganizationGrant(this, normalized, keyActions);
  }

  /** The grant with the ARN of the access point its path created for it (SharingMode.ACCESS_POINTS), partition resolved where known. */
  private withAccessPoint<T extends NormalizedGrant | NormalizedOrganizationGrant>(grant: T, accessPointArn: string | undefined): T {
    return accessPointArn === undefined ? grant : { ...grant, accessPointArn: withKnownPartition(this, accessPointArn) };
  }

  private baselineTarget(): BaselineTarget {
    return { bucket: this.bucket, bucketArn: this.bucketArn, encryptionKey: this.encryptionKey, statementIdPrefix: this.statementIdPrefix };
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
    budgets.push(...this.path.policyBudgets());
    return budgets;
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
}
