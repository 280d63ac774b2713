/**
 * What the synthesized event patterns match, decided by AWS's Event Ruler (the matcher of
 * EventBridge's pattern language; test/model/notifications/event-ruler.ts), against S3 events of the
 * documented shape: an object's key reaches a consumer only when it is under a prefix granted to
 * that consumer with notify, look-alikes included ('data-archive/' for 'data/'), and every key
 * does for a grant of the whole bucket.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ConsumerGrant, ConsumerReader, SharedBucket } from '../../lib';
import { matchingPatterns } from './notifications/event-ruler';

const OWNER = '111111111111';
const REGION = 'eu-west-1';
const BUCKET = 'team-data-111111111111';

/** Each consumer account and the prefixes it is granted with notify (undefined: the whole bucket). */
const NOTIFIED: Record<string, Array<string | undefined>> = {
  222222222222: ['data/'],
  333333333333: ['data-archive/'],
  444444444444: [undefined],
  555555555555: ['reports/2026/', 'shared/'],
};
/** Granted 'data/' too, without notify: it must get nothing. */
const NOT_NOTIFIED = '666666666666';

/**
 * An S3 event as Amazon S3 sends it to EventBridge (Amazon S3 User Guide, "EventBridge event
 * message structure", the Object Created example), for `key`.
 */
function s3Event(key: string, options: { detailType?: string; bucket?: string; account?: string } = {}): Record<string, unknown> {
  return {
    'version': '0',
    'id': '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': options.detailType ?? 'Object Created',
    'source': 'aws.s3',
    'account': options.account ?? OWNER,
    'time': '2021-11-12T00:00:00Z',
    'region': REGION,
    'resources': [`arn:aws:s3:::${options.bucket ?? BUCKET}`],
    'detail': {
      'version': '0',
      'bucket': { name: options.bucket ?? BUCKET },
      'object': { 'key': key, 'size': 5, 'etag': 'b1946ac92492d2347c6235b4d2611184', 'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e', 'sequencer': '617f08299329d189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      'requester': '123456789012',
      'source-ip-address': '1.2.3.4',
      'reason': 'PutObject',
    },
  };
}

/** The owner's forwarding rules as synthesized, by the consumer account their target bus names. */
function forwardingPatterns(): Record<string, unknown> {
  const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
  const consumers: ConsumerGrant[] = Object.entries(NOTIFIED).flatMap(([accountId, prefixes]) =>
    prefixes.map(prefix => ({ accountId, prefix, notify: true })));
  consumers.push({ accountId: NOT_NOTIFIED, prefix: 'data/' });
  new SharedBucket(stack, 'Shared', { bucketName: BUCKET, consumers });
  const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
  return Object.fromEntries(rules.map(rule => {
    const busArn = JSON.stringify(rule.Properties.Targets[0].Arn);
    return [/:(\d{12}):event-bus\/default/.exec(busArn)![1], rule.Properties.EventPattern];
  }));
}

/** The accounts whose grants cover `key`: the specification, written without the library. */
function entitled(key: string): string[] {
  return Object.entries(NOTIFIED)
    .filter(([, prefixes]) => prefixes.some(prefix => prefix === undefined || key.startsWith(prefix)))
    .map(([account]) => account)
    .sort();
}

const LOOK_ALIKES = [
  'data/x.csv', 'data/', 'data/sub/deep/y.parquet', 'data/é/ü.txt', 'data-archive/x', 'data-archive/', 'data', 'datax/y', 'Data/x',
  'DATA/x', 'other/data/x', '/data/x', 'dat/x', 'data%2Fx', 'data+x/y', 'data /x', 'reports/2026/a', 'reports/2026', 'reports/2025/a',
  'reports/20260/a', 'shared/z', 'shared', 'sharedx/z', 'x',
];

/** Keys built from the prefixes' own pieces, so that near misses are common; a fixed seed, the same every run. */
function generatedKeys(count: number): string[] {
  const pieces = ['data', 'data-archive', 'reports', '2026', '2025', 'shared', '/', '/', '-', 'x', 'Data', '.', 'é'];
  let seed = 23;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  return Array.from({ length: count }, () => Array.from({ length: 1 + next() % 6 }, () => pieces[next() % pieces.length]).join(''));
}

describe('the owner\'s forwarding rules, matched by Event Ruler', () => {
  const patterns = forwardingPatterns();

  test('one rule per notified account, none for the grant without notify', () => {
    expect(Object.keys(patterns).sort()).toEqual(Object.keys(NOTIFIED).sort());
  });

  test('a key reaches exactly the accounts granted a prefix it is under, look-alikes and generated keys included', () => {
    const keys = [...LOOK_ALIKES, ...generatedKeys(400)];
    const created = matchingPatterns(patterns, keys.map(key => s3Event(key)));
    const deleted = matchingPatterns(patterns, keys.map(key => s3Event(key, { detailType: 'Object Deleted' })));
    const mismatches = keys.filter((key, index) =>
      JSON.stringify(created[index]) !== JSON.stringify(entitled(key)) || JSON.stringify(deleted[index]) !== JSON.stringify(entitled(key)));
    expect(mismatches).toEqual([]);
    // The test can fail: the look-alikes hold keys under and outside the prefixes.
    expect(entitled('data-archive/x')).toEqual(['333333333333', '444444444444']);
    expect(created[LOOK_ALIKES.indexOf('data-archive/x')]).toEqual(['333333333333', '444444444444']);
    expect(created[LOOK_ALIKES.indexOf('data/x.csv')]).toEqual(['222222222222', '444444444444']);
  });

  test('nothing of another bucket, and no other event type', () => {
    const others = [
      s3Event('data/x', { bucket: 'team-data-111111111111-copy' }),
      s3Event('data/x', { bucket: 'other-bucket' }),
      s3Event('data/x', { detailType: 'Object Restore Completed' }),
      s3Event('data/x', { detailType: 'Object Tags Added' }),
    ];
    expect(matchingPatterns(patterns, others)).toEqual([[], [], [], []]);
  });
});

describe('the consumer\'s onObjectCreated rule, matched by Event Ruler', () => {
  function consumerPattern(prefix: string | undefined): unknown {
    const stack = new Stack(new App(), 'Consumer', { env: { account: '222222222222', region: REGION } });
    const reader = new ConsumerReader(stack, 'Reader', {
      bucketName: BUCKET, bucketOwnerAccountId: OWNER, bucketRegion: REGION, prefix, receiveNotifications: true,
    });
    reader.onObjectCreated('New', new targets.SqsQueue(new sqs.Queue(stack, 'Queue', { enforceSSL: true })));
    return Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))[0].Properties.EventPattern;
  }

  test('Object Created of this bucket from the owner\'s account, under the reader\'s prefix', () => {
    const patterns = { prefixed: consumerPattern('data/'), whole: consumerPattern(undefined) };
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [s3Event('data/x'), ['prefixed', 'whole']],
      [s3Event('data-archive/x'), ['whole']],
      [s3Event('data/x', { detailType: 'Object Deleted' }), []],
      [s3Event('data/x', { account: '999999999999' }), []],
      [s3Event('data/x', { bucket: 'other-bucket' }), []],
    ];
    expect(matchingPatterns(patterns, cases.map(([event]) => event))).toEqual(cases.map(([, expected]) => expected));
  });
});
