import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { knownAndDifferent } from './arns';
import { PropsValidator } from './validation';

/** A secure default the user's bucket lacks: a warning, never a change to their bucket. */
export interface MissingDefault {
  /** Warning id, after `cdk-cross-account-bucket:`. */
  readonly id: string;
  readonly message: string;
}

/** What SharedBucket shares of a bucket defined elsewhere in the app. */
export interface ExistingBucketFacts {
  /** The physical name, from the bucket's `bucketName` prop. */
  readonly bucketName: string;
  readonly encryptionKey: kms.Key;
}

/** The CloudFormation properties of the bucket that decide whether it can be shared. */
interface BucketSettings {
  readonly bucketEncryption?: {
    readonly serverSideEncryptionConfiguration?: Array<{
      readonly bucketKeyEnabled?: boolean;
      readonly serverSideEncryptionByDefault?: { readonly sseAlgorithm?: string };
    }>;
  };
  readonly ownershipControls?: { readonly rules?: Array<{ readonly objectOwnership?: string }> };
  readonly versioningConfiguration?: { readonly status?: string };
  readonly publicAccessBlockConfiguration?: Record<string, boolean | undefined>;
  readonly loggingConfiguration?: unknown;
}

/** Props of SharedBucket that describe a bucket it creates, and so contradict `existingBucket`. */
export interface CreatedBucketProps {
  readonly bucketName?: string;
  readonly encryptionKey?: kms.IKey;
  readonly serverAccessLogsBucket?: s3.IBucket;
  readonly removalPolicy?: unknown;
}

const PROP = 'existingBucket';

/**
 * Records in `validator` every reason the bucket cannot be shared as it is, and returns what
 * it lacks of the secure defaults. The bucket's settings are read from its CloudFormation
 * resource (`Stack.resolve` of the L1 properties, which holds across aws-cdk-lib versions);
 * what is a token there (a parameter, a condition) is not known and not judged. The facts are
 * returned only when nothing was recorded.
 */
export function inspectExistingBucket(
  validator: PropsValidator,
  bucket: s3.IBucket,
  contradicting: CreatedBucketProps,
  sharingStack: Stack,
): { facts?: ExistingBucketFacts; missingDefaults: MissingDefault[] } {
  for (const [prop, value] of Object.entries(contradicting)) {
    if (value !== undefined) {
      validator.fail(prop, describeProp(value), `no ${prop} together with existingBucket: the existing bucket keeps its own ${EXISTING_SETTING[prop]}`);
    }
  }
  if (!(bucket instanceof s3.Bucket)) {
    validator.fail(PROP, bucket.node.path,
      'a bucket defined in this CDK app with new s3.Bucket(...), not one imported with fromBucketName or fromBucketAttributes: ' +
      'the grants need a bucket policy resource, and a new AWS::S3::BucketPolicy would replace the policy the bucket has today. ' +
      'Define the bucket in this app (cdk import can adopt a deployed one), or write the statements into its existing policy yourself');
    return { missingDefaults: [] };
  }
  const path = bucket.node.path;
  const bucketStack = Stack.of(bucket);
  for (const attribute of ['account', 'region'] as const) {
    if (knownAndDifferent(bucketStack[attribute], sharingStack[attribute])) {
      validator.fail(PROP, path, `a bucket of this SharedBucket's ${attribute} ${sharingStack[attribute]}, not of ${bucketStack[attribute]}`);
    }
  }
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  const settings = bucketStack.resolve({
    bucketEncryption: cfnBucket.bucketEncryption,
    ownershipControls: cfnBucket.ownershipControls,
    versioningConfiguration: cfnBucket.versioningConfiguration,
    publicAccessBlockConfiguration: cfnBucket.publicAccessBlockConfiguration,
    loggingConfiguration: cfnBucket.loggingConfiguration,
  }) as BucketSettings;

  const encryption = settings.bucketEncryption?.serverSideEncryptionConfiguration?.[0];
  const algorithm = encryption?.serverSideEncryptionByDefault?.sseAlgorithm;
  const key = bucket.encryptionKey;
  if (!(key instanceof kms.Key) || (algorithm !== 'aws:kms' && !isDeployTimeValue(algorithm))) {
    validator.fail(PROP, path, `a bucket encrypted with SSE-KMS by a customer-managed key defined in this app, but it has ${describeEncryption(algorithm, key)}`);
  }

  const ownership = settings.ownershipControls?.rules?.[0]?.objectOwnership;
  if (ownership === 'ObjectWriter' || ownership === 'BucketOwnerPreferred') {
    validator.fail(PROP, path,
      `a bucket with objectOwnership BUCKET_OWNER_ENFORCED, but it has ${ownership}: consumers who write would own their objects, ` +
      'and ACLs, not the bucket and key policies, would decide who reads them');
  }

  // Without a bucketName, the L1 name is a token that resolves to nothing (CloudFormation names it).
  const bucketName = bucketStack.resolve(cfnBucket.bucketName) === undefined ? undefined : cfnBucket.bucketName;
  if (bucketName === undefined) {
    validator.fail(PROP, path,
      'a bucket with a bucketName set, but its name is generated at deploy time: the key policy names the bucket ' +
      '(kms:EncryptionContext:aws:s3:arn) and the bucket names the key, so the name must be known without referring to the bucket; ' +
      'set bucketName on the bucket');
  }

  const missingDefaults: MissingDefault[] = [];
  const warn = (id: string, lacks: string, prop: string) => missingDefaults.push({
    id,
    message: `existingBucket ${path} ${lacks}. It is shared as it is; set ${prop} on the bucket for the secure default.`,
  });
  if (settings.versioningConfiguration?.status !== 'Enabled') {
    warn('existingBucketNotVersioned', 'is not versioned, so a consumer allowed to delete or overwrite destroys data for good', 'versioned: true');
  }
  const blocks = settings.publicAccessBlockConfiguration;
  if (!isDeployTimeValue(blocks) && !['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'].every(setting => blocks?.[setting] === true)) {
    warn('existingBucketPublicAccessNotBlocked', 'does not block all public access', 'blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL');
  }
  if (settings.loggingConfiguration === undefined) {
    warn('existingBucketNoAccessLogs', 'writes no server access logs, so no record shows what consumers read or wrote', 'serverAccessLogsBucket');
  }
  if (algorithm === 'aws:kms' && encryption?.bucketKeyEnabled !== true) {
    warn('existingBucketNoBucketKey', 'has no S3 Bucket Key, so every object request calls KMS (cost and request quotas)', 'bucketKeyEnabled: true');
  }
  if (ownership === undefined) {
    warn('existingBucketObjectOwnershipUnset',
      'does not set object ownership: S3 applies BucketOwnerEnforced to buckets created since April 2023, but an older bucket keeps ACLs',
      'objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED');
  }
  return {
    facts: bucketName !== undefined && key instanceof kms.Key ? { bucketName, encryptionKey: key } : undefined,
    missingDefaults,
  };
}

const EXISTING_SETTING: Record<string, string> = {
  bucketName: 'name',
  encryptionKey: 'encryption key (existingBucket.encryptionKey)',
  serverAccessLogsBucket: 'access log settings',
  removalPolicy: 'removal policy',
};

function describeEncryption(algorithm: string | undefined, key: kms.IKey | undefined): string {
  if (algorithm === undefined) {
    return 'no default encryption set (S3 then uses SSE-S3): set encryption: s3.BucketEncryption.KMS and encryptionKey, ' +
      'since the key policy of a customer-managed key is what lets another account decrypt, and what this library narrows';
  }
  if (algorithm === 'AES256') {
    return 'SSE-S3 (BucketEncryption.S3_MANAGED): set encryption: s3.BucketEncryption.KMS and encryptionKey, since the key policy ' +
      'of a customer-managed key is what lets another account decrypt, and what this library narrows';
  }
  if (algorithm === 'aws:kms' && key === undefined) {
    return 'the AWS-managed key aws/s3 (BucketEncryption.KMS_MANAGED), whose key policy cannot be changed to grant another account: ' +
      'set encryption: s3.BucketEncryption.KMS with an encryptionKey defined in this app';
  }
  if (algorithm === 'aws:kms') {
    return `the imported key ${key!.keyArn}, whose key policy cannot be changed from this app: pass a kms.Key defined in this app`;
  }
  return `${algorithm} (for example DSSE-KMS): set encryption: s3.BucketEncryption.KMS; the bucket policy refuses writes that name ` +
    'an encryption other than aws:kms';
}

/** A value CloudFormation computes at deploy time (a parameter, a condition): not judged at synth. */
function isDeployTimeValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && Object.keys(value).some(key => key === 'Ref' || key.startsWith('Fn::'));
}

function describeProp(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const path = (value as { node?: { path?: string } })?.node?.path;
  return path ?? String(value);
}
