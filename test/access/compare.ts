/**
 * The comparison users ask for: the same sweep over plain aws-cdk-lib grants (`grantRead` and
 * `grantReadWrite` with a prefix, to another account) and over SharedBucket, counting what each
 * allows beyond the intent. `npx projen compare` prints it; README holds the generated table,
 * and test/access/compare.test.ts keeps the two equal.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { intends, Level, Reach } from './intent';
import { OWNER, REGION } from './scenario';
import { dataRequests, evaluate, kmsRequests, Outcome, probeFor, s3Requests, summarize } from './sweep';
import { ALLOW_EVERYTHING, deployedKeyArn, World } from './world';
import { AccessLevel, SharedBucket } from '../../lib';

const CONSUMER = '222222222222';
const BUCKET = 'compare-shared-bucket';
const PREFIX = 'partner-a/';
const CONSUMER_ROLE = `arn:aws:iam::${CONSUMER}:role/PartnerReader`;

type Grantee = 'account' | 'role';

interface Variant {
  readonly label: string;
  /** Column heading in the second table. */
  readonly short: string;
  readonly level: Level;
  readonly allowDelete: boolean;
  readonly build: (stack: Stack) => kms.IKey;
}

/**
 * A plain aws-cdk-lib bucket with the defaults SharedBucket gives its bucket (TLS only, SSE-KMS
 * with a bucket key, versioning, Block Public Access, BucketOwnerEnforced, SSE-C blocked), so that comparisons
 * differ only in the grants. Also used by the scale benchmark (scripts/bench/scenario.ts).
 */
export function plainSecureBucket(stack: Stack, bucketName: string): s3.Bucket {
  return new s3.Bucket(stack, 'Bucket', {
    bucketName,
    encryption: s3.BucketEncryption.KMS,
    bucketKeyEnabled: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
  });
}

/** A bucket with the same defaults as SharedBucket's, granted the plain aws-cdk-lib way. */
function plainBucket(stack: Stack, grantee: Grantee, readWrite: boolean): kms.IKey {
  const bucket = plainSecureBucket(stack, BUCKET);
  const principal = grantee === 'account'
    ? new iam.AccountPrincipal(CONSUMER)
    : iam.Role.fromRoleArn(stack, 'Partner', CONSUMER_ROLE);
  if (readWrite) {
    bucket.grantReadWrite(principal, `${PREFIX}*`);
  } else {
    bucket.grantRead(principal, `${PREFIX}*`);
  }
  return bucket.encryptionKey!;
}

function sharedBucket(stack: Stack, access: AccessLevel, allowDelete: boolean): kms.IKey {
  return new SharedBucket(stack, 'Shared', {
    bucketName: BUCKET,
    consumers: [{ accountId: CONSUMER, prefix: PREFIX, access, allowDelete, principalArns: [CONSUMER_ROLE] }],
  }).encryptionKey;
}

const grantCall = (method: string, grantee: string) => `\`${method}(${grantee}, '${PREFIX}*')\``;

export const VARIANTS: Variant[] = [
  {
    short: 'grantRead, account',
    label: grantCall('grantRead', 'new AccountPrincipal(consumer)'),
    level: 'read',
    allowDelete: false,
    build: stack => plainBucket(stack, 'account', false),
  },
  {
    short: 'grantRead, role',
    label: grantCall('grantRead', 'Role.fromRoleArn(consumer role)'),
    level: 'read',
    allowDelete: false,
    build: stack => plainBucket(stack, 'role', false),
  },
  {
    short: 'SharedBucket READ',
    label: '`SharedBucket`, `access: READ`',
    level: 'read',
    allowDelete: false,
    build: stack => sharedBucket(stack, AccessLevel.READ, false),
  },
  {
    short: 'grantReadWrite, account',
    label: grantCall('grantReadWrite', 'new AccountPrincipal(consumer)'),
    level: 'read-write',
    allowDelete: true,
    build: stack => plainBucket(stack, 'account', true),
  },
  {
    short: 'grantReadWrite, role',
    label: grantCall('grantReadWrite', 'Role.fromRoleArn(consumer role)'),
    level: 'read-write',
    allowDelete: true,
    build: stack => plainBucket(stack, 'role', true),
  },
  {
    short: 'SharedBucket READ_WRITE, delete',
    label: '`SharedBucket`, `access: READ_WRITE, allowDelete: true`',
    level: 'read-write',
    allowDelete: true,
    build: stack => sharedBucket(stack, AccessLevel.READ_WRITE, true),
  },
];

/** What a request allowed beyond intent gives away, for the second table. */
function kindOf(outcome: Outcome): string {
  const { action, resource, options = {} } = outcome.request;
  if (action.startsWith('kms:')) {
    return options.viaService === `s3.${REGION}.amazonaws.com` ? 'KMS: other actions or other buckets, through S3' : 'KMS: the key used directly or through another region';
  }
  if (action === 's3:DeleteObjectVersion') {
    return 'S3: permanent deletes (`s3:DeleteObjectVersion`)';
  }
  if (!resource.includes('/')) {
    return action.startsWith('s3:List') ? 'S3: listing outside the prefix, versions, uploads' : 'S3: bucket configuration and policy';
  }
  if (!resource.startsWith(`arn:aws:s3:::${BUCKET}/${PREFIX}`)) {
    return 'S3: objects outside the prefix';
  }
  return 'S3: object versions, ACLs, tags, retention, legal hold, restore';
}

export interface Comparison {
  readonly label: string;
  readonly short: string;
  readonly s3: number;
  readonly kms: number;
  readonly data: number;
  readonly missing: number;
  readonly requests: number;
  readonly kinds: Record<string, number>;
}

/** Runs the full sweep for the consumer role, which allows itself everything: the owner's policies alone bound it. */
export async function compare(): Promise<Comparison[]> {
  const results: Comparison[] = [];
  for (const variant of VARIANTS) {
    const app = new App();
    const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: REGION } });
    const keyArn = deployedKeyArn(variant.build(stack));
    const world = new World().addStack(stack);
    world.addPrincipal(CONSUMER_ROLE, ALLOW_EVERYTHING);
    const reach: Reach = {
      bucketArn: `arn:aws:s3:::${BUCKET}`, prefix: PREFIX, level: variant.level, allowDelete: variant.allowDelete, keyArn, region: REGION, minimumTlsVersion: 1.2,
    };
    const intended = (request: any) => intends([reach], request);
    // No SSE-C writes: both buckets block SSE-C in their encryption settings, which S3 applies
    // before any policy and the evaluator does not model, so the grants do not differ there.
    const probe = { ...probeFor(BUCKET, [PREFIX, 'partner-b/']), customerProvidedKeys: false };
    const s3Outcomes = await evaluate(world, await s3Requests(world, CONSUMER_ROLE, probe), intended);
    const kmsOutcomes = await evaluate(world, await kmsRequests(world, CONSUMER_ROLE, probe), intended);
    const data = summarize(await dataRequests(world, s3Outcomes, kmsOutcomes, intended));
    const s3Summary = summarize(s3Outcomes);
    const kmsSummary = summarize(kmsOutcomes);
    const kinds: Record<string, number> = {};
    for (const outcome of [...s3Summary.unexpected, ...kmsSummary.unexpected]) {
      kinds[kindOf(outcome)] = (kinds[kindOf(outcome)] ?? 0) + 1;
    }
    results.push({
      label: variant.label,
      short: variant.short,
      s3: s3Summary.unexpected.length,
      kms: kmsSummary.unexpected.length,
      data: data.unexpected.length,
      missing: s3Summary.missing.length + kmsSummary.missing.length + data.missing.length,
      requests: s3Summary.requests + kmsSummary.requests + data.requests,
      kinds,
    });
  }
  return results;
}

/** The comparison as the Markdown README shows. */
export function comparisonTables(results: Comparison[]): string {
  const lines = [
    '| grant to the consumer | S3 requests allowed beyond intent | KMS requests beyond intent | SSE-KMS reads and writes beyond intent | intended requests denied |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...results.map(result => `| ${result.label} | ${result.s3} | ${result.kms} | ${result.data} | ${result.missing} |`),
    '',
    `| what the requests beyond intent give away | ${results.map(result => result.short).join(' | ')} |`,
    '| --- | ' + results.map(() => '---:').join(' | ') + ' |',
  ];
  const kinds = [...new Set(results.flatMap(result => Object.keys(result.kinds)))].sort();
  for (const kind of kinds) {
    lines.push(`| ${kind} | ${results.map(result => result.kinds[kind] ?? 0).join(' | ')} |`);
  }
  const requests = Math.min(...results.map(result => result.requests));
  lines.push('', `Each sweep evaluates ${requests.toLocaleString('en-US')} or more requests.`);
  return lines.join('\n');
}
