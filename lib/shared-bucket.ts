import { Annotations, CfnOutput, FeatureFlags, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { AccessLevel } from './access-level';
import { Conditions, GrantScope, keyGrantStatement, s3GrantStatements } from './private/grant-statements';
import { accessLogsBucketProps, encryptionKeyProps, SecureBucketSettings, sharedBucketProps } from './private/secure-defaults';
import { knownAndEqual, PropsValidator } from './private/validation';

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
   * start with '/' or contain '*', '?' or '${'.
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
}

/**
 * An S3 bucket shared with other AWS accounts, least privilege by default.
 *
 * Creates a versioned, SSE-KMS encrypted bucket with Block Public Access, BucketOwnerEnforced
 * object ownership, TLS-only access and server access logs, retained on delete. Each consumer
 * grant adds the statements its access level needs, and nothing more, to the bucket policy and
 * to the key policy. The key is usable by consumers only through S3.
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

  private readonly organizationId?: string;
  private readonly bucketRegion: string;
  private readonly consumerGrants: ConsumerGrant[] = [];

  constructor(scope: Construct, id: string, props: SharedBucketProps = {}) {
    super(scope, id);

    const validator = new PropsValidator(this, 'SharedBucket');
    validator.bucketName('bucketName', props.bucketName);
    validator.organizationId('organizationId', props.organizationId);
    validator.minimumTlsVersion('minimumTlsVersion', props.minimumTlsVersion);
    // An imported key must be named by its key ARN: the bucket policy compares writers' key ids
    // with it, and consumers need the key ARN itself.
    validator.keyArn('encryptionKey', props.encryptionKey?.keyArn);
    (props.consumers ?? []).forEach((grant, index) => validateGrant(validator, `consumers[${index}]`, grant));
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
      ?? new s3.Bucket(this, 'AccessLogs', accessLogsBucketProps(settings));
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
    validateGrant(validator, 'addConsumer(grant)', grant);
    validator.throwIfInvalid();
    this.addGrant(grant);
  }

  /** The consumer grants added so far, in order. */
  public get consumers(): ConsumerGrant[] {
    return [...this.consumerGrants];
  }

  private addGrant(grant: ConsumerGrant): void {
    this.consumerGrants.push(grant);
    const sidPrefix = `Consumer${this.consumerGrants.length}`;
    const scope: GrantScope = {
      bucketArn: this.bucketArn,
      prefix: grant.prefix,
      access: grant.access ?? AccessLevel.READ,
      allowDelete: grant.allowDelete ?? false,
    };
    const principals = [new iam.AccountPrincipal(grant.accountId)];
    const conditions = this.principalConditions(grant);

    for (const statement of s3GrantStatements(scope, { sidPrefix, principals, conditions })) {
      this.bucket.addToResourcePolicy(statement);
    }

    const keyStatement = keyGrantStatement(scope, {
      sidPrefix,
      principals,
      keyArn: '*',
      bucketRegion: this.bucketRegion,
      conditions: [...conditions, { StringEquals: { 'kms:CallerAccount': grant.accountId } }],
    });
    if (!this.encryptionKey.addToResourcePolicy(keyStatement).statementAdded) {
      // An imported key's policy cannot be changed from here; say so rather than pretend.
      Annotations.of(this).addWarningV2('cdk-cross-account-bucket:keyPolicyNotManaged',
        'encryptionKey is imported, so its key policy cannot be changed here. Until it allows ' +
        `${keyStatement.actions.join(' and ')} through S3 for account ${grant.accountId}, that consumer's requests ` +
        `are denied (statement ${sidPrefix}Key of a key this library creates shows the exact form).`);
    }

    if (knownAndEqual(grant.accountId, Stack.of(this).account)) {
      Annotations.of(this).addWarningV2('cdk-cross-account-bucket:consumerIsOwnerAccount',
        `Consumer ${grant.accountId} is the account that owns the bucket. Cross-account grants are not needed ` +
        'within one account: grant its roles access with identity policies (for example bucket.grantRead(role)).');
    }
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
  private principalConditions(grant: ConsumerGrant): Conditions[] {
    const conditions: Conditions[] = [];
    if (grant.principalArns !== undefined) {
      conditions.push({ ArnEquals: { 'aws:PrincipalArn': grant.principalArns } });
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

function validateGrant(validator: PropsValidator, prop: string, grant: ConsumerGrant): void {
  validator.accountId(`${prop}.accountId`, grant.accountId);
  validator.principalArns(`${prop}.principalArns`, grant.principalArns, grant.accountId);
  validator.prefix(`${prop}.prefix`, grant.prefix);
  validator.accessLevel(`${prop}.access`, grant.access);
}
