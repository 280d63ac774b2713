/**
 * The benchmark scenario, built the same way for plain aws-cdk-lib and for SharedBucket: one
 * bucket in the owner account, N consumers in distinct accounts, each reading its own prefix
 * through one named role.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel, SharedBucket, SharingMode } from '../../lib';
import { plainSecureBucket } from '../../test/access/compare';

export const OWNER_ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';
export const BUCKET_NAME = 'shared-bench-bucket';

/**
 * plain aws-cdk-lib grants, SharedBucket's default mode, SharedBucket's access-point (scale) mode;
 * and plain and default again with each consumer's prefix named after its own account
 * (`<account id>/`), the layout whose grants SharedBucket merges into one statement.
 */
export type Mode = 'plain' | 'default' | 'scale' | 'scale-org' | 'plain-own' | 'default-own';
export const MODES: readonly Mode[] = ['plain', 'default', 'scale', 'scale-org', 'plain-own', 'default-own'];

export const MODE_LABELS: Record<Mode, string> = {
  'plain': 'plain aws-cdk-lib',
  'default': 'SharedBucket default',
  'scale': 'SharedBucket scale (access points)',
  'scale-org': 'SharedBucket scale with organizationId (the key policy names the organization)',
  'plain-own': 'plain aws-cdk-lib, prefix <account id>/',
  'default-own': 'SharedBucket default, prefix <account id>/',
};

/** The plain aws-cdk-lib mode a mode of ours is compared with: the one with the same prefixes. */
export function baseline(mode: Mode): Mode {
  return mode.endsWith('-own') ? 'plain-own' : 'plain';
}

export function isPlain(mode: Mode): boolean {
  return mode.startsWith('plain');
}

export interface Consumer {
  readonly accountId: string;
  readonly prefix: string;
  readonly roleArn: string;
}

/**
 * Consumer i (1-based): account 2 followed by i in 11 digits, prefix consumer-<i in 4 digits>/
 * (or `<account id>/` with `ownAccountPrefix`).
 */
export function consumer(i: number, ownAccountPrefix: boolean = false): Consumer {
  const accountId = `2${String(i).padStart(11, '0')}`;
  return {
    accountId,
    prefix: ownAccountPrefix ? `${accountId}/` : `consumer-${String(i).padStart(4, '0')}/`,
    roleArn: `arn:aws:iam::${accountId}:role/reader`,
  };
}

/**
 * The plain aws-cdk-lib bucket: the secure defaults SharedBucket uses, as the plain side of
 * test/access/compare.ts builds it, granted with `grantRead(role, '<prefix>*')` per consumer.
 */
function plainBucket(stack: Stack, consumers: Consumer[]): void {
  const bucket = plainSecureBucket(stack, BUCKET_NAME);
  consumers.forEach((grantee, index) => {
    bucket.grantRead(iam.Role.fromRoleArn(stack, `Consumer${index + 1}`, grantee.roleArn), `${grantee.prefix}*`);
  });
}

/** The organization of the consumers in the scale-org mode. */
export const BENCH_ORGANIZATION = 'o-bench12345';

/** SharedBucket with READ grants; `sharingMode` undefined leaves the library's default. */
function sharedBucket(stack: Stack, consumers: Consumer[], sharingMode: SharingMode | undefined, organizationId?: string): void {
  new SharedBucket(stack, 'Shared', {
    bucketName: BUCKET_NAME,
    organizationId,
    consumers: consumers.map(grantee => ({
      accountId: grantee.accountId,
      principalArns: [grantee.roleArn],
      prefix: grantee.prefix,
      access: AccessLevel.READ,
    })),
    sharingMode,
  });
}

/**
 * A new app with the owner stack for `mode` and `n` consumers, not synthesized yet.
 * `builtinValidation: false` turns off aws-cdk-lib's CloudFormation template validation at synth.
 */
export function buildApp(mode: Mode, n: number, outdir: string, builtinValidation = true): { app: App; stack: Stack } {
  const app = new App({ outdir, builtinCloudFormationValidation: builtinValidation });
  const stack = new Stack(app, 'BenchOwner', { env: { account: OWNER_ACCOUNT, region: REGION } });
  const consumers = Array.from({ length: n }, (_, index) => consumer(index + 1, mode.endsWith('-own')));
  if (isPlain(mode)) {
    plainBucket(stack, consumers);
  } else {
    sharedBucket(stack, consumers, mode.startsWith('scale') ? SharingMode.ACCESS_POINTS : undefined,
      mode === 'scale-org' ? BENCH_ORGANIZATION : undefined);
  }
  return { app, stack };
}

/**
 * The owner with one OrganizationGrant instead of N per-account grants: every account of one
 * unit reads its own prefix through one role. The owner's app names no account, so the same app
 * serves any number of them.
 */
export function buildOrganizationApp(outdir: string): { app: App; stack: Stack } {
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'BenchOwner', { env: { account: OWNER_ACCOUNT, region: REGION } });
  new SharedBucket(stack, 'Shared', {
    bucketName: BUCKET_NAME,
    organizationGrants: [{
      organizationId: BENCH_ORGANIZATION,
      organizationalUnitPaths: [`${BENCH_ORGANIZATION}/r-ab12/ou-ab12-11111111/`],
      roleName: 'reader',
    }],
  });
  return { app, stack };
}

