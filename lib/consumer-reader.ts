import { Annotations, CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AccessLevel } from './access-level';
import { GrantScope, keyGrantStatement, s3GrantStatements } from './private/grant-statements';
import { knownAndEqual, parseKeyArn, PropsValidator } from './private/validation';

/**
 * Properties of a ConsumerReader.
 */
export interface ConsumerReaderProps {
  /**
   * Name of the shared bucket in the owner's account (the BucketName output of the owner stack).
   */
  readonly bucketName: string;

  /**
   * The account that owns the bucket. Every S3 statement is limited to buckets of this
   * account (`aws:ResourceAccount`), so a bucket of the same name elsewhere is never reached.
   */
  readonly bucketOwnerAccountId: string;

  /**
   * ARN of the key that encrypts the bucket (the EncryptionKeyArn output of the owner stack).
   * Must be a key ARN: an alias ARN is refused, because aliases do not resolve across accounts.
   *
   * @default - no KMS permission: reading or writing SSE-KMS objects is denied (a warning says so)
   */
  readonly encryptionKeyArn?: string;

  /**
   * Region of the bucket, for the `kms:ViaService` condition.
   *
   * @default - the region of `encryptionKeyArn`, else the region of this stack
   */
  readonly bucketRegion?: string;

  /**
   * The key prefix granted by the owner, ending in '/'.
   *
   * @default - the whole bucket
   */
  readonly prefix?: string;

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
   * An existing role to give the access to, for example one that already runs a workload.
   *
   * @default - a new role, assumable by `assumedBy`
   */
  readonly role?: iam.IRole;

  /**
   * Who may assume the created role. Not allowed together with `role`.
   *
   * @default - principals of this account that its IAM policies allow (the account root)
   */
  readonly assumedBy?: iam.IPrincipal;

  /**
   * ARN of the owner's ThirdPartyAccessRole. When set, the role gets only `sts:AssumeRole` on
   * that role and no direct bucket or key access: the owner's role decides prefix, access level
   * and key, so `prefix`, `access`, `allowDelete` and `encryptionKeyArn` must be left unset.
   *
   * @default - direct access to the bucket
   */
  readonly thirdPartyRoleArn?: string;
}

/**
 * The consumer side of a shared bucket: an identity policy in the consumer account that lets a
 * role use the bucket the owner shared with it, or assume the owner's ThirdPartyAccessRole.
 *
 * Cross-account access needs both sides to agree: this policy grants exactly what the owner's
 * bucket and key policies allow for the same prefix and access level.
 */
export class ConsumerReader extends Construct {
  /** The role that has the access. */
  public readonly role: iam.IRole;

  /** The identity policy attached to the role. */
  public readonly policy: iam.Policy;

  constructor(scope: Construct, id: string, props: ConsumerReaderProps) {
    super(scope, id);

    const validator = new PropsValidator(this, 'ConsumerReader');
    validator.bucketName('bucketName', props.bucketName);
    validator.accountId('bucketOwnerAccountId', props.bucketOwnerAccountId);
    validator.keyArn('encryptionKeyArn', props.encryptionKeyArn);
    validator.region('bucketRegion', props.bucketRegion);
    validator.prefix('prefix', props.prefix);
    validator.roleArn('thirdPartyRoleArn', props.thirdPartyRoleArn, props.bucketOwnerAccountId);
    if (props.role !== undefined && props.assumedBy !== undefined) {
      validator.fail('assumedBy', props.assumedBy, 'no assumedBy together with role: an existing role keeps its own trust policy');
    }
    if (props.thirdPartyRoleArn !== undefined) {
      const decidedByOwnerRole = {
        prefix: props.prefix,
        access: props.access,
        allowDelete: props.allowDelete,
        encryptionKeyArn: props.encryptionKeyArn,
        bucketRegion: props.bucketRegion,
      };
      for (const [prop, value] of Object.entries(decidedByOwnerRole)) {
        if (value !== undefined) {
          validator.fail(prop, value, `no ${prop} together with thirdPartyRoleArn: the owner's ThirdPartyAccessRole decides it`);
        }
      }
    }
    validator.throwIfInvalid();

    const consumerAccount = Stack.of(this).account;
    if (knownAndEqual(props.bucketOwnerAccountId, consumerAccount)) {
      Annotations.of(this).addWarningV2('cdk-cross-account-bucket:consumerIsOwnerAccount',
        `bucketOwnerAccountId ${props.bucketOwnerAccountId} is this stack's own account. ConsumerReader is for ` +
        'another account\'s bucket; within one account use bucket.grantRead(role) and friends.');
    }

    this.role = props.role ?? new iam.Role(this, 'Role', {
      description: `Uses the S3 bucket ${props.bucketName} shared by account ${props.bucketOwnerAccountId}`,
      assumedBy: props.assumedBy ?? new iam.AccountRootPrincipal(),
    });

    const statements = props.thirdPartyRoleArn !== undefined
      ? [new iam.PolicyStatement({
        sid: 'AssumeThirdPartyAccessRole',
        actions: ['sts:AssumeRole'],
        resources: [props.thirdPartyRoleArn],
      })]
      : this.directAccessStatements(props);

    this.policy = new iam.Policy(this, 'Policy', {
      document: new iam.PolicyDocument({ statements }),
    });
    this.policy.attachToRole(this.role);

    new CfnOutput(this, 'RoleArn', {
      description: 'ARN of the consumer role (list it in the owner\'s principalArns to narrow the grant to it)',
      value: this.role.roleArn,
    });
  }

  private directAccessStatements(props: ConsumerReaderProps): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    const grantScope: GrantScope = {
      bucketArn: `arn:${stack.partition}:s3:::${props.bucketName}`,
      prefix: props.prefix,
      access: props.access ?? AccessLevel.READ,
      allowDelete: props.allowDelete ?? false,
    };
    const sidPrefix = 'SharedBucket';
    const statements = s3GrantStatements(grantScope, {
      sidPrefix,
      conditions: [{ StringEquals: { 'aws:ResourceAccount': props.bucketOwnerAccountId } }],
    });

    if (props.encryptionKeyArn === undefined) {
      Annotations.of(this).addWarningV2('cdk-cross-account-bucket:noEncryptionKey',
        'encryptionKeyArn is not set, so the role gets no KMS permission and cannot read or write objects encrypted with SSE-KMS ' +
        '(every SharedBucket object is). Set it to the EncryptionKeyArn output of the owner stack.');
    } else {
      const bucketRegion = props.bucketRegion ?? parseKeyArn(props.encryptionKeyArn)?.region ?? stack.region;
      statements.push(keyGrantStatement(grantScope, { sidPrefix, keyArn: props.encryptionKeyArn, bucketRegion }));
    }
    return statements;
  }
}
