import { Lazy, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { knownPartition, withKnownPartition } from './arns';
import { RECORD_METADATA_TYPE, RecordData, RecordResolver } from '../model/record';

/**
 * Writing the review record (lib/model/record.ts): each construct hands over the normalised grants
 * it gave its policies, and the record is built from them at synth, once every grant is in (a
 * grant added with addConsumer after construction is recorded too), with the mappings of
 * lib/model/record.ts. Construct metadata: it goes into the cloud assembly beside the template,
 * never into the template. This file holds what needs the construct: resolving values synth knows.
 */
export function writeRecord(scope: IConstruct, produce: () => RecordData): void {
  scope.node.addMetadata(RECORD_METADATA_TYPE, Lazy.any({ produce }));
}

/** A value synth knows, or null for one only deployment knows (a token). */
export function known(value: string | undefined): string | null {
  return value === undefined || Token.isUnresolved(value) ? null : value;
}

/** The stack's account, or null when the stack is environment-agnostic. */
export function knownAccount(scope: IConstruct): string | null {
  return known(Stack.of(scope).account);
}

/** The stack's region, or null when the stack is environment-agnostic. */
export function knownRegion(scope: IConstruct): string | null {
  return known(Stack.of(scope).region);
}

/** An ARN with the partition token resolved where the region says which it is; null when still a token. */
export function knownArn(scope: IConstruct, arn: string | undefined): string | null {
  return arn === undefined ? null : known(withKnownPartition(scope, arn));
}

/** How the records of `scope`'s stack write a grant's values (RecordResolver, lib/model/record.ts). */
export function recordResolver(scope: IConstruct): RecordResolver {
  return { arn: value => knownArn(scope, value), partition: knownPartition(scope) ?? 'aws' };
}
