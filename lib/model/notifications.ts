import { createHash } from 'node:crypto';

/**
 * New-object notifications (ConsumerGrant `notify`, ConsumerReader `receiveNotifications`), over
 * plain data: the names and event patterns both sides must agree on, and the agreement rule. The
 * owner's construct (lib/private/notifications.ts), the consumer's, the synth-time agreement
 * check and the CLI's `review` all take them from here, so the two sides compute the same rule
 * name without copying anything after a deploy.
 */

/** `source` of the events S3 sends to EventBridge. */
export const S3_EVENT_SOURCE = 'aws.s3';

/**
 * The detail types forwarded to a consumer: new objects, and objects deleted. Amazon S3 User
 * Guide, "EventBridge event message structure" (ev-events.html): `detail-type` "Object Created"
 * and "Object Deleted", `detail.bucket.name`, `detail.object.key`.
 */
export const OBJECT_CREATED = 'Object Created';
export const OBJECT_DELETED = 'Object Deleted';
export const FORWARDED_DETAIL_TYPES = [OBJECT_CREATED, OBJECT_DELETED];

/**
 * The characters a notified prefix may have. S3's notifications to SNS, SQS and Lambda carry the
 * key URL-encoded ("red flower.jpg" becomes "red+flower.jpg": Amazon S3 User Guide, "Event
 * message structure"); whether the key in its EventBridge events is encoded is not documented
 * (the examples' keys have no such character). A prefix of these characters only is the same
 * either way, and an encoded key starts with it only if the key does: a '+' or '%' in a prefix
 * could match the encoded form of a key outside it.
 */
export const NOTIFIED_PREFIX = /^[A-Za-z0-9._~/-]+$/;

/**
 * Name of the owner's rule that forwards one bucket's events to one consumer account: one rule
 * per bucket and consumer account, its pattern the union of that account's notified prefixes.
 * A rule name has at most 64 characters of `[.\-_A-Za-z0-9]` (EventBridge API Reference,
 * PutRule, Name), too few for a 63-character bucket name and an account id: the bucket name is
 * hashed. Bucket names are globally unique, so the name is unique in the owner's account.
 */
export function notificationRuleName(bucketName: string, consumerAccountId: string): string {
  return `s3-events-${consumerAccountId}-${shortHash(bucketName)}`;
}

/** The statement id of the consumer's event bus policy for one shared bucket. */
export function notificationStatementId(bucketName: string): string {
  return `shared-bucket-events-${shortHash(bucketName)}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** An EventBridge event pattern, as CloudFormation's `EventPattern` takes it. */
export type EventPattern = Record<string, unknown>;

/**
 * What the owner's rule forwards: this bucket's Object Created and Object Deleted events, for keys
 * under one of `prefixes` (`undefined` in it: a grant of the whole bucket, every key). A list of
 * `prefix` matchers is an OR (EventBridge User Guide, "Prefix matching" and "Content filtering in
 * Amazon EventBridge event patterns").
 */
export function forwardingPattern(bucketName: string, prefixes: ReadonlyArray<string | undefined>): EventPattern {
  return objectPattern(bucketName, FORWARDED_DETAIL_TYPES, prefixes);
}

/**
 * What the consumer's rule (ConsumerReader.onObjectCreated) takes from its default bus: Object
 * Created events of this bucket, sent in the owner's account (`account` is the bucket owner's:
 * ev-events.html), for keys under `prefix` when the consumer names one.
 */
export function objectCreatedPattern(bucketName: string, ownerAccountId: string, prefix: string | undefined): EventPattern {
  return { account: [ownerAccountId], ...objectPattern(bucketName, [OBJECT_CREATED], [prefix]) };
}

function objectPattern(bucketName: string, detailTypes: string[], prefixes: ReadonlyArray<string | undefined>): EventPattern {
  const wholeBucket = prefixes.length === 0 || prefixes.includes(undefined);
  const distinct = [...new Set(prefixes.filter((prefix): prefix is string => prefix !== undefined))].sort();
  return {
    'source': [S3_EVENT_SOURCE],
    'detail-type': detailTypes,
    'detail': {
      bucket: { name: [bucketName] },
      ...(wholeBucket ? {} : { object: { key: distinct.map(prefix => ({ prefix })) } }),
    },
  };
}

/** The notification side of an owner's grant. */
export interface NotifyingGrant {
  readonly notify?: boolean;
  /** The region of the consumer's bus the events go to; undefined: the bucket's. */
  readonly notificationRegion?: string;
}

/** The notification side of what a consumer asks for. */
export interface NotificationAsk {
  readonly receiveNotifications?: boolean;
  /** The region of the consumer's stack, whose default bus the policy opens. */
  readonly consumerRegion?: string;
}

/**
 * Why a grant does not send the notifications the consumer expects, as a difference the
 * agreement message lists; empty when it does, or the consumer expects none.
 */
export function notificationDifferences(
  ownerRegion: string | undefined, grant: NotifyingGrant, request: NotificationAsk, isUnknown: (value: unknown) => boolean,
): string[] {
  if (request.receiveNotifications !== true) {
    return [];
  }
  if (grant.notify !== true) {
    return ['notifications: the consumer expects them (receiveNotifications), the grant sends none; set notify: true on the grant, ' +
      'or remove receiveNotifications from the ConsumerReader'];
  }
  const sentTo = grant.notificationRegion ?? ownerRegion;
  if (sentTo !== undefined && request.consumerRegion !== undefined && !isUnknown(sentTo) && !isUnknown(request.consumerRegion)
    && sentTo !== request.consumerRegion) {
    return [`notifications: the grant sends them to the default event bus in ${sentTo}, the consumer's bus policy is in ${request.consumerRegion}; ` +
      `set notificationRegion: '${request.consumerRegion}' on the grant, or deploy the ConsumerReader in ${sentTo}`];
  }
  return [];
}
