/**
 * The third party's side at run time, with the AWS SDK for JavaScript v3: assume the owner's
 * ThirdPartyAccessRole with the external id, then list and read the shared prefix with the
 * temporary credentials. Type-checked by the test task; it needs real accounts to run.
 *
 * Run it from the vendor's account, as the VendorIntegration role (see stacks.ts):
 *   npx ts-node examples/third-party-sdk.ts
 */
import { GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

export interface SharedPrefixLocation {
  /** The RoleArn output of the owner's ThirdPartyAccessRole. */
  readonly roleArn: string;
  /** The external id agreed with the owner. */
  readonly externalId: string;
  readonly bucketName: string;
  /** The prefix the owner granted, ending in '/'. */
  readonly prefix: string;
  /** The bucket's region (SSE-KMS requests are made through S3 in this region). */
  readonly region: string;
}

/** Reads every object under the shared prefix, keyed by object key. */
export async function readSharedPrefix(location: SharedPrefixLocation): Promise<Map<string, string>> {
  const sts = new STSClient({ region: location.region });
  const assumed = await sts.send(new AssumeRoleCommand({
    RoleArn: location.roleArn,
    RoleSessionName: 'vendor-export-reader',
    ExternalId: location.externalId,
    DurationSeconds: 3600, // the role's maxSessionDuration defaults to one hour
  }));
  const credentials = assumed.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
    throw new Error(`AssumeRole on ${location.roleArn} returned no credentials`);
  }

  const s3 = new S3Client({
    region: location.region,
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    },
  });

  // ListBucket is granted only with s3:prefix under the shared prefix: always pass Prefix.
  const contents = new Map<string, string>();
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: location.bucketName, Prefix: location.prefix })) {
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined || object.Key.endsWith('/')) {
        continue;
      }
      // No SSE headers needed: S3 decrypts with the bucket key, which the role may use through S3.
      const response = await s3.send(new GetObjectCommand({ Bucket: location.bucketName, Key: object.Key }));
      contents.set(object.Key, await response.Body?.transformToString() ?? '');
    }
  }
  return contents;
}

if (require.main === module) {
  const required = (name: string): string => {
    const value = process.env[name];
    if (!value) {
      throw new Error(`Set ${name}`);
    }
    return value;
  };
  readSharedPrefix({
    roleArn: required('SHARED_BUCKET_ROLE_ARN'),
    externalId: required('SHARED_BUCKET_EXTERNAL_ID'),
    bucketName: required('SHARED_BUCKET_NAME'),
    prefix: process.env.SHARED_BUCKET_PREFIX ?? 'vendor-exports/',
    region: process.env.SHARED_BUCKET_REGION ?? 'eu-west-1',
  }).then(
    contents => contents.forEach((body, key) => console.log(`${key}: ${body.length} characters`)),
    error => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
