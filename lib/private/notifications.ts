/**
 * New-object notifications, both sides (ConsumerGrant `notify`, ConsumerReader
 * `receiveNotifications` and `onObjectCreated`). The names and patterns come from
 * lib/model/notifications.ts, so the owner's rule and the consumer's bus policy agree.
 *
 * The mechanism is the one AWS documents for sending events to another account's event bus: a
 * rule on the sender's bus whose target is the receiver's bus, with an IAM role of the sender's
 * account that EventBridge assumes to put the events, and a resource policy on the receiver's
 * bus that lets the sender's account put events only from that rule (`aws:SourceArn` is the ARN
 * of the rule that sends the event). EventBridge User Guide, "Sending and receiving events
 * between AWS accounts" (eb-cross-account.html), "Example policy: Send events from specific rules
 * to an Amazon EventBridge bus in a different Region" (eb-event-bus-example-policy-restrict-rule.html)
 * and "Using IAM policy conditions in Amazon EventBridge" (eb-use-conditions.html).
 */
import { CfnResource, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct, IConstruct } from 'constructs';
import { knownAndEqual } from './arns';
import { PropsValidator } from './validation';
import { ConsumerGrant } from '../grants';
import { known } from './record-writer';
import { NormalizedGrant } from '../model/grant';
import {
  forwardingPattern, NOTIFIED_PREFIX, notificationRuleName, notificationStatementId, objectCreatedPattern,
} from '../model/notifications';
import { RecordedNotifications } from '../model/record';

/** The checks of one grant's `notify` and `notificationRegion` that need nothing but the grant. */
export function validateNotify(validator: PropsValidator, prop: string, grant: ConsumerGrant): void {
  validator.region(`${prop}.notificationRegion`, grant.notificationRegion);
  if (grant.notify !== true) {
    if (grant.notificationRegion !== undefined) {
      validator.fail(`${prop}.notificationRegion`, grant.notificationRegion, 'no notificationRegion unless notify is true: without notify no events are sent');
    }
    return;
  }
  if (grant.expires !== undefined) {
    validator.fail(`${prop}.notify`, true,
      'no notify together with expires: an EventBridge rule has no end date, so it would go on sending the consumer the keys of new ' +
      'objects after the grant has ended; leave notify off, or the grant without an end');
  }
  if (grant.prefix !== undefined && !Token.isUnresolved(grant.prefix) && !NOTIFIED_PREFIX.test(grant.prefix)) {
    validator.fail(`${prop}.prefix`, grant.prefix,
      "with notify, a prefix of letters, digits and '. _ - ~ /' only: S3 URL-encodes the keys of some event messages, and a prefix " +
      "with other characters ('+', '%', a space...) could match the encoded key of an object outside it, or miss keys under it");
  }
}

/**
 * Organization grants have no `notify` (their per-account prefix `<account id>/` would need a rule
 * per member account, which the owner cannot list); TypeScript and the jsii languages refuse the
 * property, plain JavaScript would drop it without a word.
 */
export function refuseOrganizationNotify(validator: PropsValidator, prop: string, grant: object): void {
  const notify = (grant as { notify?: unknown }).notify;
  if (notify !== undefined) {
    validator.fail(`${prop}.notify`, notify,
      'no notify on an organization grant: notifications are sent per consumer account, and an organization grant names no accounts ' +
      '(use a ConsumerGrant with notify for each account to notify)');
  }
}

/** The SharedBucket as the forwarding sees it. */
export interface ForwardingSource {
  readonly scope: Construct;
  readonly bucket: s3.Bucket;
  /** The bucket's name as synth knows it (a token for an environment-agnostic default name). */
  readonly bucketName: string;
  /** Whether the bucket is the user's (`existingBucket`), whose settings are never changed. */
  readonly existingBucket: boolean;
}

interface ConsumerForwarding {
  readonly accountId: string;
  readonly rule: events.Rule;
  readonly prefixes: Array<string | undefined>;
  readonly regions: Set<string>;
}

/**
 * The owner side: the bucket sends its events to EventBridge, and one rule per consumer account
 * forwards the events under that account's notified prefixes to its default bus, through one
 * role that may only put events on those buses. Created with the first grant that notifies, so a
 * SharedBucket without one writes nothing more.
 */
export class NotificationForwarding {
  private role?: iam.Role;
  private readonly consumers = new Map<string, ConsumerForwarding>();

  constructor(private readonly source: ForwardingSource) {}

  /** For the review record: where the grant's notifications go; nothing when it notifies no one. */
  public recorded(grant: NormalizedGrant): { notifications?: RecordedNotifications } {
    return grant.notify ? {
      notifications: { region: known(this.regionOf(grant)), ruleName: known(notificationRuleName(this.source.bucketName, grant.accountId)) },
    } : {};
  }

  public addGrant(grant: NormalizedGrant): void {
    if (!grant.notify) {
      return;
    }
    if (this.role === undefined) {
      this.start();
    }
    let consumer = this.consumers.get(grant.accountId);
    if (consumer === undefined) {
      consumer = this.addConsumer(grant);
      this.consumers.set(grant.accountId, consumer);
    }
    consumer.prefixes.push(grant.prefix);
    consumer.regions.add(this.regionOf(grant));
  }

  private regionOf(grant: NormalizedGrant): string {
    return grant.notificationRegion ?? Stack.of(this.source.scope).region;
  }

  private start(): void {
    const scope = this.source.scope;
    if (!this.source.existingBucket) {
      // Set on the bucket resource itself (AWS::S3::Bucket NotificationConfiguration.EventBridgeConfiguration),
      // not with the bucket's eventBridgeEnabled prop, which aws-cdk-lib writes through a
      // Custom::S3BucketNotifications resource and its Lambda function.
      const cfnBucket = this.source.bucket.node.defaultChild as s3.CfnBucket;
      cfnBucket.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }
    // Trusted by EventBridge without aws:SourceArn conditions: only a principal allowed iam:PassRole
    // on it, in the owner's account, can make a rule use it.
    this.role = new iam.Role(scope, 'NotificationRole', {
      description: `Lets EventBridge forward the object events of bucket ${this.source.bucketName} to the notified consumers' event buses`,
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
    });
    scope.node.addValidation({ validate: () => this.problems() });
  }

  private addConsumer(grant: NormalizedGrant): ConsumerForwarding {
    const scope = this.source.scope;
    const stack = Stack.of(scope);
    const prefixes: Array<string | undefined> = [];
    const regions = new Set<string>();
    const region = this.regionOf(grant);
    const id = Token.isUnresolved(grant.accountId) ? `Notify${this.consumers.size + 1}` : `Notify${grant.accountId}`;
    const rule = new events.Rule(scope, id, {
      ruleName: notificationRuleName(this.source.bucketName, grant.accountId),
      description: `Forwards the object events of bucket ${this.source.bucketName} under the prefixes granted to account ${grant.accountId}`,
      eventPattern: { source: ['aws.s3'] },
    });
    // The pattern holds every notified prefix of the account, known once all grants are in.
    (rule.node.defaultChild as events.CfnRule).eventPattern = Lazy.any({ produce: () => forwardingPattern(this.source.bucketName, prefixes) });
    const bus = events.EventBus.fromEventBusArn(scope, `${id}Bus`, `arn:${stack.partition}:events:${region}:${grant.accountId}:event-bus/default`);
    rule.addTarget(new targets.EventBus(bus, { role: this.role }));
    return { accountId: grant.accountId, rule, prefixes, regions };
  }

  /** What only synth knows: the bucket's name and settings, the accounts. */
  private problems(): string[] {
    const problems: string[] = [];
    const stack = Stack.of(this.source.scope);
    if (Token.isUnresolved(this.source.bucketName)) {
      problems.push('notify needs a bucket name known at synth, and this bucket\'s name is known only at deployment (an environment-agnostic ' +
        'stack\'s default name): the consumer\'s event bus policy names the forwarding rule, whose name derives from the bucket name. ' +
        'Set bucketName, or give the stack an account and region');
    }
    if (this.source.existingBucket && !sendsToEventBridge(this.source.bucket)) {
      problems.push(`notify needs existingBucket ${this.source.bucket.node.path} to send its events to EventBridge, and it does not: ` +
        'set eventBridgeEnabled: true on that bucket (this library never changes the settings of an existing bucket)');
    }
    for (const consumer of this.consumers.values()) {
      if (knownAndEqual(consumer.accountId, stack.account)) {
        problems.push(`notify on a grant to account ${consumer.accountId}, the account that owns the bucket: the rule would send the ` +
          'events back to the bus they come from. Within one account, add a rule on the default bus for the bucket\'s events instead');
      }
      if (consumer.regions.size > 1) {
        problems.push(`notify on grants to account ${consumer.accountId} with different notificationRegion (${[...consumer.regions].join(', ')}): ` +
          'one rule forwards the bucket\'s events to one bus of each consumer account; give its grants the same notificationRegion');
      }
      for (const region of consumer.regions) {
        const partition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
        if (partition !== undefined && partition !== 'aws' && !Token.isUnresolved(region) && region !== stack.region) {
          // "you can now route events between any AWS Regions, except AWS GovCloud (US) and China"
          // (AWS Compute Blog, "Expanding cross-Region event routing with Amazon EventBridge").
          problems.push(`notificationRegion ${region} for account ${consumer.accountId}: EventBridge does not route events to another region ` +
            `in partition ${partition}; expected the bucket's region ${stack.region}`);
        }
      }
    }
    return problems;
  }
}

/**
 * Whether a bucket of the app sends its events to EventBridge: on its resource
 * (NotificationConfiguration.EventBridgeConfiguration), or through aws-cdk-lib's
 * `eventBridgeEnabled` prop, which it keeps in a field of that name and writes through a custom
 * resource, not the bucket resource.
 */
function sendsToEventBridge(bucket: s3.Bucket): boolean {
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  const configuration = Stack.of(bucket).resolve(cfnBucket.notificationConfiguration) as
    { eventBridgeConfiguration?: { eventBridgeEnabled?: boolean } } | undefined;
  const onResource = configuration?.eventBridgeConfiguration !== undefined && configuration.eventBridgeConfiguration.eventBridgeEnabled !== false;
  return onResource || (bucket as unknown as { eventBridgeEnabled?: boolean }).eventBridgeEnabled === true;
}

/** The shared bucket as the consumer names it. */
export interface NotifiedBucket {
  readonly bucketName: string;
  readonly bucketOwnerAccountId: string;
  /** The bucket's region, where the owner's rule runs (a Lazy when it comes from the owner in this app). */
  readonly bucketRegion: string;
}

/**
 * The consumer side: a statement of the policy of this account's default event bus that lets the
 * bucket owner's account put events only through the rule that forwards this bucket's events to
 * this account. The principal is the owner's account root, as in AWS's example: no role of the
 * owner's needs to exist first, and `aws:SourceArn` is what narrows it to the rule. A direct
 * PutEvents call has no rule, so no `aws:SourceArn`, and ArnEquals on an absent key is false.
 */
export function allowOwnerRule(scope: Construct, bucket: NotifiedBucket): CfnResource {
  const stack = Stack.of(scope);
  // The resource as CloudFormation names it, not events.CfnEventBusPolicy: tools that read every
  // property of an L1 (cdk-nag does) would print jsii's warning for its deprecated `principal`.
  return new CfnResource(scope, 'NotificationsPolicy', {
    type: 'AWS::Events::EventBusPolicy',
    properties: {
      EventBusName: 'default',
      StatementId: notificationStatementId(bucket.bucketName),
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: `arn:${stack.partition}:iam::${bucket.bucketOwnerAccountId}:root` },
        Action: 'events:PutEvents',
        Resource: `arn:${stack.partition}:events:${stack.region}:${stack.account}:event-bus/default`,
        Condition: {
          ArnEquals: { 'aws:SourceArn': ownerRuleArn(scope, bucket) },
        },
      },
    },
  });
}

/** The ARN of the owner's rule that forwards this bucket's events to the scope's account. */
export function ownerRuleArn(scope: IConstruct, bucket: NotifiedBucket): string {
  const stack = Stack.of(scope);
  // A rule on the default bus has no bus name in its ARN (arn:...:rule/<name>).
  return `arn:${stack.partition}:events:${bucket.bucketRegion}:${bucket.bucketOwnerAccountId}:rule/` +
    notificationRuleName(bucket.bucketName, stack.account);
}

/** A rule on the consumer's default bus for the shared bucket's Object Created events under `prefix`. */
export function objectCreatedRule(
  scope: Construct, id: string, target: events.IRuleTarget, bucket: NotifiedBucket, prefix: string | undefined,
): events.Rule {
  const pattern = objectCreatedPattern(bucket.bucketName, bucket.bucketOwnerAccountId, prefix);
  return new events.Rule(scope, id, {
    description: `Object Created events of bucket ${bucket.bucketName} of account ${bucket.bucketOwnerAccountId}` +
      (prefix === undefined ? '' : ` under '${prefix}'`),
    // The model's pattern in the L2's spelling, so that the caller can still addEventPattern.
    eventPattern: { source: pattern.source as string[], detailType: pattern['detail-type'] as string[], account: pattern.account as string[], detail: pattern.detail as Record<string, unknown> },
    targets: [target],
  });
}
