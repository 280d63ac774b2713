/**
 * Widening any statement the library writes yields a counterexample (issue 20, section 5): in
 * representative shares, each Allow statement the library writes (bucket policy, key policy,
 * access point policies, the third-party role's trust and identity policies, the consumers'
 * identity policies) is widened in turn, one way at a time:
 * - its Action gains the whole service (`s3:*`, `kms:*`, `sts:*`);
 * - its Resource becomes `*`;
 * - one of its condition keys is dropped;
 * - its Principal becomes everyone (`{ AWS: '*' }`), in a resource policy;
 * and the complete proof (complete.ts) must then find a request allowed beyond intent. A widening
 * that finds none is a statement (or condition) that grants nothing of its own in these shares:
 * each is listed in NO_COUNTEREXAMPLE with the reason, and the test fails if the list is not
 * exactly what the proof finds.
 *
 * Not widened: Deny statements (widening one refuses more, which is not a grant); the trust
 * policies of the consumers' own roles (the proofs do not model a principal assuming a consumer's
 * role: what that role reaches is proved for the role); the access-logs bucket's policy (the proofs
 * are of the shared bucket); the outsider's own access point (not the library's).
 */
import { writtenStatements } from './breakage';
import { proveComplete } from './complete';
import { completeIntentOf } from './complete-intent';
import { deployShare, OUTSIDER, Share, ShareConfig } from './scenario';
import { World } from './world';
import { AccessLevel, SharingMode } from '../../lib';

jest.setTimeout(600_000);

interface Widening {
  readonly name: string;
  /** The widened statement, or undefined when it is as wide already. */
  widen(statement: any): any;
}

function wideningsOf(statement: any): Widening[] {
  const actions: string[] = [statement.Action ?? []].flat();
  const service = actions[0]?.split(':')[0];
  const conditions = Object.entries<Record<string, unknown>>(statement.Condition ?? {})
    .flatMap(([operator, keys]) => Object.keys(keys).map(key => ({ operator, key })));
  return [
    {
      name: `Action + ${service}:*`,
      widen: () => service === undefined || actions.some(action => action === '*' || action === `${service}:*`)
        ? undefined : { ...statement, Action: [...actions, `${service}:*`] },
    },
    { name: 'Resource *', widen: () => statement.Resource === undefined || statement.Resource === '*' ? undefined : { ...statement, Resource: '*' } },
    ...conditions.map(({ operator, key }) => ({
      name: `without ${operator} ${key}`,
      widen: () => {
        const keys = Object.fromEntries(Object.entries(statement.Condition[operator]).filter(([other]) => other !== key));
        const condition = Object.fromEntries(Object.entries({ ...statement.Condition, [operator]: keys })
          .filter(([, value]) => Object.keys(value as object).length > 0));
        return Object.keys(condition).length > 0 ? { ...statement, Condition: condition } : (({ Condition: _dropped, ...rest }) => rest)(statement);
      },
    })),
    {
      name: 'Principal *',
      widen: () => statement.Principal === undefined || statement.Principal === '*' || statement.Principal?.AWS === '*'
        ? undefined : { ...statement, Principal: { AWS: '*' } },
    },
  ];
}

interface Outcome {
  readonly statement: string;
  readonly widening: string;
  /** The first line of the complete proof's failure: the request allowed beyond intent. */
  readonly counterexample?: string;
}

/** Widens every Allow statement the library writes in the share, one way at a time, and proves each. */
async function widenEach(share: Share): Promise<Outcome[]> {
  const intent = completeIntentOf(share);
  const outcomes: Outcome[] = [];
  const trusted = new Set(intent.trusts.map(trust => trust.roleArn.split('/').pop()));
  const statements = writtenStatements(share.world, account => account !== OUTSIDER).filter(written => written.statement.Effect === 'Allow'
    && !(written.kind === 'trust policy' && !trusted.has(written.resource.Properties?.RoleName))
    && !written.where.includes('AccessLogs'));
  for (const written of statements) {
    for (const widening of wideningsOf(written.statement)) {
      const widened = widening.widen(written.statement);
      if (widened === undefined) continue;
      const world = { ...share.world, templates: written.replaced(widened) } as World;
      let counterexample: string | undefined;
      try {
        await proveComplete({ ...share, world }, intent, { overGrantOnly: true });
      } catch (error) {
        counterexample = (error as Error).message.split('\n').find(line => line.includes('ALLOWED, NOT INTENDED')) ?? (error as Error).message;
      }
      outcomes.push({ statement: written.where, widening: widening.name, counterexample });
    }
  }
  return outcomes;
}

const SHARES: Record<string, ShareConfig> = {
  'bucket policy': {
    grants: [
      { accountId: '222222222222', prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] },
      { accountId: '333333333333', prefix: 'ingest/', access: AccessLevel.WRITE, allowDelete: true },
    ],
    thirdParties: [{ accountId: '444444444444', externalId: 'vendor-7f3a9c', prefix: 'vendor/', access: AccessLevel.READ, roleNames: ['Integration'], requireMfa: true }],
  },
  'access points': {
    sharingMode: SharingMode.ACCESS_POINTS,
    grants: [{ accountId: '222222222222', prefix: 'analytics/', access: AccessLevel.READ_WRITE, roleNames: ['Analyst'] }],
  },
};

const CONSUMER_BOUNDED = 'a ConsumerReader statement, bounded by the owner\'s policies, which grant the role what it grants itself: '
  + 'it is needed for the grant to work across accounts, and narrows nothing of its own';
const OWN_BUCKET_ONLY = 'keeps the role off a bucket of the same name in another account: the proofs quantify over the owner\'s bucket only';
const NAMED_AGAIN = 'the statement names its principals again in aws:PrincipalArn (ArnEquals): its Principal element adds nothing of its own';

/**
 * Widenings that give no counterexample, by share: what they match, and why the statement (or
 * condition) grants nothing of its own there. Each rule must match some widening, and only
 * widenings without a counterexample.
 */
const NO_COUNTEREXAMPLE: Record<string, Array<[RegExp, string]>> = {
  'bucket policy': [
    [/^Consumer\d+\/Grant.*: (Action \+ (s3|kms):\*|Resource \*|without \S+ (s3:prefix|kms:ViaService|kms:EncryptionContext:aws:s3:arn))$/, CONSUMER_BOUNDED],
    [/: without StringEquals aws:ResourceAccount$/, OWN_BUCKET_ONLY],
    [/^Consumer\d+\/ThirdParty0Integration.*: (Action \+ sts:\*|Resource \*)$/, 'the third party\'s own statement, bounded by the trust policy of the owner\'s role'],
    [/(\(Grant1Key\)|\(Grant1\)|\/ThirdParty0Role[0-9A-F]+ #0): Principal \*$/, NAMED_AGAIN],
    [/\/ThirdParty0Role[0-9A-F]+ #0: Action \+ sts:\*$/, 'only sts:AssumeRole carries sts:ExternalId (service authorization reference), which the statement requires'],
    [/\/ThirdParty0Role[0-9A-F]+ policy 0 #[12] \(SharedBucket(List|Key)\): Resource \*$/,
      'its one action (s3:ListBucket; kms:Decrypt) on another bucket or key: outside what the proofs quantify over (the shared bucket and its key)'],
  ],
  'access points': [
    [/^Consumer\d+\/Grant.*: (Action \+ (s3|kms):\*|Resource \*|without \S+ (s3:prefix|kms:ViaService))$/, CONSUMER_BOUNDED],
    [/: without StringEquals aws:ResourceAccount$/, OWN_BUCKET_ONLY],
    [/\(DelegateToAccessPoints\): (Action \+ s3:\*|Resource \*)$/, 'the owner\'s access point policies bound every request through them'],
    [/\/AccessPoint1 #[01] \(Consumer(Objects|List)\): Action \+ s3:\*$/, 'the bucket policy delegates only the actions of the access levels (DelegateToAccessPoints)'],
    [/\/AccessPoint1 #1 \(ConsumerList\): Resource \*$/, 'its one action, s3:ListBucket, takes only the access point, which it names already'],
    [/\/AccessPoint1 #[01] \(Consumer(Objects|List)\): Principal \*$/, NAMED_AGAIN],
  ],
};

describe.each(Object.keys(SHARES))('widening any statement the library writes (%s) yields a counterexample', name => {
  test('each widening, proved complete', async () => {
    const outcomes = await widenEach(deployShare(SHARES[name]));
    const described = outcomes.map(outcome => ({ ...outcome, line: `${outcome.statement}: ${outcome.widening}` }));
    const none = described.filter(outcome => outcome.counterexample === undefined);
    if (process.env.WIDENING_REPORT) {
      console.log(`${name}: ${new Set(outcomes.map(outcome => outcome.statement)).size} statements, ${outcomes.length} widenings, `
        + `${outcomes.length - none.length} counterexamples\n${described.map(outcome => `${outcome.line}: ${outcome.counterexample ?? 'NONE'}`).join('\n')}`);
    }
    const rules = NO_COUNTEREXAMPLE[name];
    // Every widening without a counterexample is explained, and no explanation covers one with a counterexample.
    expect(none.filter(outcome => !rules.some(([pattern]) => pattern.test(outcome.line))).map(outcome => outcome.line)).toEqual([]);
    expect(described.filter(outcome => outcome.counterexample !== undefined && rules.some(([pattern]) => pattern.test(outcome.line)))
      .map(outcome => `${outcome.line}: ${outcome.counterexample}`)).toEqual([]);
    expect(rules.filter(([pattern]) => !none.some(outcome => pattern.test(outcome.line))).map(([pattern]) => String(pattern))).toEqual([]);
    // Most widenings give a counterexample, each an allowed request beyond intent.
    expect(outcomes.length - none.length).toBeGreaterThan(10);
  });
});
