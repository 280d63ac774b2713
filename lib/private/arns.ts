/**
 * ARNs and the values in them (account, region, partition) as synth knows them: the ARN patterns
 * the format rules check against, what a concrete ARN says, and comparisons that hold only between
 * values known at synth (a token is neither equal to nor different from anything yet).
 */
import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';

const PARTITION = 'aws(?:-[a-z]+)*';
// An optional path of segments, then the name. No '*' or '?' anywhere: in ArnEquals as in
// ArnLike they are wildcards, and a wildcard would widen the grant beyond the listed roles.
const IAM_PATH_AND_NAME = '(/(?:[\\w+=,.@-]+/)*)([\\w+=,.@-]+)';
export const PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):(role|user)${IAM_PATH_AND_NAME}$`);
export const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):role${IAM_PATH_AND_NAME}$`);
export const KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:([a-z0-9-]+):(\\d{12}):key/[A-Za-z0-9-]+$`);
export const KEY_ALIAS_ARN = new RegExp(`^arn:${PARTITION}:kms:[a-z0-9-]+:\\d{12}:alias/`);
export const ACCESS_POINT_ARN = new RegExp(`^arn:${PARTITION}:s3:([a-z0-9-]+):(\\d{12}):accesspoint/([a-z0-9][a-z0-9-]{1,48}[a-z0-9])$`);

/** Whether both values are known at synth time and equal. */
export function knownAndEqual(a: string | undefined, b: string | undefined): boolean {
  return isKnown(a) && isKnown(b) && a === b;
}

/** Whether both values are known at synth time and differ. */
export function knownAndDifferent(a: string | undefined, b: string | undefined): boolean {
  return isKnown(a) && isKnown(b) && a !== b;
}

function isKnown(value: string | undefined): value is string {
  return value !== undefined && !Token.isUnresolved(value);
}

/** The region of a concrete access point ARN, or undefined. */
export function accessPointRegion(value: string | undefined): string | undefined {
  if (value === undefined || Token.isUnresolved(value)) {
    return undefined;
  }
  return ACCESS_POINT_ARN.exec(value)?.[1];
}

/** The account and region of a concrete key ARN, or undefined. */
export function parseKeyArn(value: string | undefined): { region: string; account: string } | undefined {
  if (value === undefined || Token.isUnresolved(value)) {
    return undefined;
  }
  const match = KEY_ARN.exec(value);
  return match ? { region: match[1], account: match[2] } : undefined;
}

/**
 * The partition of the scope's stack when its region is known at synth ('aws', 'aws-cn',
 * 'aws-us-gov'...), from aws-cdk-lib's region table; undefined otherwise.
 */
export function knownPartition(scope: IConstruct): string | undefined {
  const region = Stack.of(scope).region;
  return Token.isUnresolved(region) ? undefined : RegionInfo.get(region).partition;
}

/** `arn` with the stack's partition token replaced by the partition, where that is known. */
export function withKnownPartition(scope: IConstruct, arn: string): string {
  const partition = knownPartition(scope);
  const token = `arn:${Stack.of(scope).partition}:`;
  return partition !== undefined && arn.startsWith(token) ? `arn:${partition}:${arn.slice(token.length)}` : arn;
}
