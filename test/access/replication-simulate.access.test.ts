/**
 * Replication into a partner's bucket (issue 23, section 2), decided by the second engine:
 * iam-simulate (the harness of test/access: world.ts, context.ts) sweeps concrete requests over
 * the synthesized owner and partner stacks of replication.access.test.ts (the same configuration),
 * and for each request its verdict must equal the policy analyzer's and the intent written below.
 * The analyzer's verdict: PolicyAnalyzer.isAllowed for S3; for KMS, the key policy's decision with
 * the identity policies of the templates, asked as isKeyAllowed asks it but with the key ids
 * CloudFormation generates at the harness's values (resolve.ts), as complete.ts does: isKeyAllowed
 * leaves them unknown, so the role's statement naming the partner's key by ARN makes its answer
 * undecided.
 *
 * Three deployments, as the analyzer's proofs have them:
 * - as deployed: the owner's stack and the partner's, every principal, both buckets and both keys;
 * - the role's own policy: the owner's stack beside a partner that trusts the owner's account
 *   with everything on its bucket and key, so that the role's identity policy alone decides;
 * - the partner's policies alone: the partner's stack, with every principal of the owner's
 *   account (the role included) holding an identity policy that allows everything.
 * Principals: the replication role, another role of the owner's account, a role of the partner's
 * account, a role of a third account; every principal the templates do not create allows itself
 * everything (the analyzer: `identity:unknown-principal-allows`). The request context is the
 * harness's (aws:PrincipalArn, aws:SecureTransport, s3:ResourceAccount, kms:CallerAccount,
 * kms:ViaService, kms:EncryptionContext:aws:s3:arn, ...), given to both engines alike.
 *
 * The partner's key ARN the owner names (ReplicationTarget keyArn) is the one the harness gives
 * the partner's key (resolve.ts), so that the role's statement names the key the sweep asks about.
 * iam-simulate cannot evaluate kms:EncryptionContext:aws:s3:arn itself; the harness renames it
 * (world.ts SIMULATOR_KEY_ALIASES, with its canary in harness.test.ts).
 *
 * 431 requests (87 allowed); the engines disagree on none. The deliberate defect (the role's
 * replicate statement on the whole partner bucket) makes the sweep of the role's own policy fail
 * on the 8 requests it opens; dropping the partner's aws:PrincipalArn condition from the
 * simulator's copy alone is reported as 4 disagreements (checked by hand).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { breakPolicies } from './breakage';
import { analyzerStacks, generatedName, knownPrincipals } from './complete';
import { requestContext, RequestOptions } from './context';
import { DeployEnvironment } from './resolve';
import { accountOfArn, ALLOW_EVERYTHING, deployedKeyArn, describeRequest, ResourceTarget, SimulatedRequest, World } from './world';
import { ReplicaBucket, SharedBucket } from '../../lib';
import { PolicyAnalyzer } from '../../lib/model/analyzer/analyzer';
import { concreteRequest } from '../../lib/model/analyzer/concrete-request';
import { Unknowns } from '../../lib/model/analyzer/encode';
import { decide } from '../../lib/model/analyzer/evaluation';
import { smtString } from '../../lib/model/analyzer/pattern';
import { KeyValue, RequestModel } from '../../lib/model/analyzer/request';
import { collectPolicies } from '../../lib/model/analyzer/template';
import { and, not, Term, TRUE } from '../../lib/model/analyzer/terms';
import { shutdownSolver } from '../../lib/model/analyzer/z3-runtime';

jest.setTimeout(60_000);
afterAll(() => shutdownSolver());

// The configuration of replication.access.test.ts.
const OWNER = '111111111111';
const PARTNER = '444444444444';
const OWNER_REGION = 'eu-west-1';
const PARTNER_REGION = 'eu-central-1';
const ROLE_NAME = 'SharedDataReplication';
const ROLE = `arn:aws:iam::${OWNER}:role/${ROLE_NAME}`;
const SOURCE = 'owner-shared';
const DESTINATION = 'partner-replica';
const PREFIX = 'data/';

const OWNER_ADMIN = `arn:aws:iam::${OWNER}:role/Admin`;
const PARTNER_ENGINEER = `arn:aws:iam::${PARTNER}:role/DataEngineer`;
const OUTSIDER = 'arn:aws:iam::333333333333:role/Outsider';

// The intent, from the S3 User Guide (as in replication.access.test.ts).
const REPLICATE_ACTIONS = ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'];
const SOURCE_OBJECT_ACTIONS = ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'];
const SOURCE_BUCKET_ACTIONS = ['s3:GetReplicationConfiguration', 's3:ListBucket'];
const OBJECT_ACTIONS = [...REPLICATE_ACTIONS, 's3:PutObject', 's3:GetObject', ...SOURCE_OBJECT_ACTIONS, 's3:DeleteObject'];
const KMS_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'];
/** Under the prefix, a look-alike prefix, outside it. */
const OBJECT_KEYS = [`${PREFIX}2026/orders.csv`, 'data-archive/orders.csv', 'top-level.csv'];

type Deployment = 'as deployed' | 'the role\'s own policy' | 'the partner\'s policies alone';

interface Deployed {
  readonly world: World;
  readonly ownerKeyArn?: string;
  readonly partnerKeyArn: string;
}

/** The partner of replication.access.test.ts that trusts the owner's account with everything on its bucket and key. */
function trustingPartner(app: App): kms.IKey {
  const stack = new Stack(app, 'TrustingPartner', { env: { account: PARTNER, region: PARTNER_REGION } });
  const key = new kms.Key(stack, 'Key');
  key.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal(OWNER)], actions: ['kms:*'], resources: ['*'] }));
  const bucket = new s3.Bucket(stack, 'Bucket', { bucketName: DESTINATION, encryptionKey: key });
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.AccountPrincipal(OWNER)], actions: ['s3:*'], resources: [bucket.bucketArn, bucket.arnForObjects('*')],
  }));
  return key;
}

interface Synthesized {
  readonly templates: ReadonlyArray<{ readonly template: object; readonly env: DeployEnvironment }>;
  readonly ownerKeyArn?: string;
  readonly partnerKeyArn: string;
}

const synthesized = new Map<Deployment, Synthesized>();

/** The templates of the deployment, synthesized once. */
function synthesize(deployment: Deployment): Synthesized {
  if (deployment === 'the partner\'s policies alone') {
    // The partner's stack as deployed.
    const deployed = synthesize('as deployed');
    return { ...deployed, templates: deployed.templates.filter(({ env }) => env.account === PARTNER), ownerKeyArn: undefined };
  }
  let result = synthesized.get(deployment);
  if (result === undefined) {
    const app = new App();
    const partnerKey = deployment === 'the role\'s own policy' ? trustingPartner(app) : new ReplicaBucket(
      new Stack(app, 'Partner', { env: { account: PARTNER, region: PARTNER_REGION } }), 'Replica',
      { bucketName: DESTINATION, sourceAccountId: OWNER, sourceBucketName: SOURCE, replicationRoleName: ROLE_NAME, prefix: PREFIX },
    ).encryptionKey;
    const partnerKeyArn = deployedKeyArn(partnerKey);
    const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: OWNER_REGION } });
    const shared = new SharedBucket(owner, 'Shared', {
      bucketName: SOURCE,
      replicationRoleName: ROLE_NAME,
      replicateTo: [{ accountId: PARTNER, bucketName: DESTINATION, keyArn: partnerKeyArn, prefix: PREFIX }],
    });
    new s3.Bucket(owner, 'Other', { bucketName: 'owner-other' });
    result = {
      templates: [owner, Stack.of(partnerKey)].map(stack => ({
        template: Template.fromStack(stack).toJSON(),
        env: { stackName: stack.stackName, account: stack.account, region: stack.region, partition: 'aws' },
      })),
      partnerKeyArn,
      ownerKeyArn: deployment === 'as deployed' ? deployedKeyArn(shared.encryptionKey) : undefined,
    };
    synthesized.set(deployment, result);
  }
  return result;
}

/** A world of the deployment, of its own (breakPolicies may rewrite it): the principals the templates do not create allow themselves everything. */
function deploy(deployment: Deployment): Deployed {
  const { templates, ownerKeyArn, partnerKeyArn } = synthesize(deployment);
  const world = new World();
  for (const { template, env } of templates) world.addTemplate(JSON.parse(JSON.stringify(template)), env);
  const declared = deployment === 'as deployed' ? [OWNER_ADMIN, PARTNER_ENGINEER, OUTSIDER]
    : deployment === 'the partner\'s policies alone' ? [ROLE, OWNER_ADMIN] : [];
  for (const principal of declared) world.addPrincipal(principal, ALLOW_EVERYTHING);
  return { world, partnerKeyArn, ownerKeyArn };
}

/**
 * Every action on `bucket`: object actions on each probed key over HTTPS (and the `http` ones
 * under the prefix over HTTP too), bucket actions on the bucket.
 */
function s3Requests(principal: string, bucket: string, http: readonly string[]): SimulatedRequest[] {
  const bucketArn = `arn:aws:s3:::${bucket}`;
  // The look-alike prefix tells only the role's statements from wider ones: no statement names another principal's keys.
  const keys = principal === ROLE ? OBJECT_KEYS : [OBJECT_KEYS[0], OBJECT_KEYS[2]];
  return [
    ...OBJECT_ACTIONS.flatMap(action => [
      ...keys.map(key => ({ principal, action, resource: `${bucketArn}/${key}` })),
      ...(http.includes(action) ? [{ principal, action, resource: `${bucketArn}/${OBJECT_KEYS[0]}`, options: { secureTransport: false } }] : []),
    ]),
    ...SOURCE_BUCKET_ACTIONS.map(action => ({ principal, action, resource: bucketArn })),
  ];
}

/**
 * The KMS actions on the key of `bucket` in `region`: called directly (with and without the
 * bucket's encryption context), through S3 in the bucket's region with no context, the bucket's,
 * an object's under the prefix, under a look-alike prefix, another bucket's, and through S3 in
 * another region.
 */
function kmsRequests(principal: string, keyArn: string, bucket: string, region: string, otherBucket: string): SimulatedRequest[] {
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const viaS3 = `s3.${region}.amazonaws.com`;
  const variants: RequestOptions[] = [
    {},
    { encryptionContextArn: bucketArn },
    { viaService: viaS3 },
    { viaService: viaS3, encryptionContextArn: bucketArn },
    { viaService: viaS3, encryptionContextArn: `${bucketArn}/${OBJECT_KEYS[0]}` },
    { viaService: viaS3, encryptionContextArn: `${bucketArn}/${OBJECT_KEYS[1]}` },
    { viaService: viaS3, encryptionContextArn: `arn:aws:s3:::${otherBucket}` },
    { viaService: `s3.${region === OWNER_REGION ? PARTNER_REGION : OWNER_REGION}.amazonaws.com`, encryptionContextArn: bucketArn },
  ];
  // The contexts tell only the role's statements from wider ones; for any other principal, directly and as S3 would for the prefix.
  const asked = principal === ROLE ? variants : [variants[0], variants[4]];
  return KMS_ACTIONS.flatMap(action => asked.map(options => ({ principal, action, resource: keyArn, options })));
}

/**
 * The requests of the deployment: as deployed, every principal on both sides; the role's own
 * policy, the role on the partner's side; the partner's policies alone, the principals of the
 * owner's account on the partner's side (those of the partner's and a third account meet the same
 * policies as deployed). Over HTTP: what the role may do over HTTPS, where a bucket policy denies
 * HTTP (the trusting partner's does not).
 */
function requestsOf(deployed: Deployed, deployment: Deployment): SimulatedRequest[] {
  const http = (principal: string, actions: readonly string[]) => principal === ROLE && deployment !== 'the role\'s own policy' ? actions : [];
  const partnerSide = (principal: string) => [
    ...s3Requests(principal, DESTINATION, http(principal, REPLICATE_ACTIONS)),
    ...kmsRequests(principal, deployed.partnerKeyArn, DESTINATION, PARTNER_REGION, SOURCE),
  ];
  switch (deployment) {
    case 'as deployed':
      return [ROLE, OWNER_ADMIN, PARTNER_ENGINEER, OUTSIDER].flatMap(principal => [
        ...s3Requests(principal, SOURCE, http(principal, SOURCE_OBJECT_ACTIONS)),
        ...kmsRequests(principal, deployed.ownerKeyArn!, SOURCE, OWNER_REGION, DESTINATION),
        ...partnerSide(principal),
      ]);
    case 'the role\'s own policy':
      return partnerSide(ROLE);
    case 'the partner\'s policies alone':
      return [ROLE, OWNER_ADMIN].flatMap(partnerSide);
  }
}

/** The object key, or the bucket itself (undefined), of an S3 ARN. */
function objectKeyOf(arn: string): string | undefined {
  const rest = arn.slice('arn:aws:s3:::'.length);
  return rest.includes('/') ? rest.slice(rest.indexOf('/') + 1) : undefined;
}

/** Through S3 in `region`, for `bucket` or its objects under the prefix. */
function throughS3For(options: RequestOptions, region: string, bucket: string): boolean {
  const context = options.encryptionContextArn;
  return options.viaService === `s3.${region}.amazonaws.com` && context !== undefined
    && (context === `arn:aws:s3:::${bucket}` || context.startsWith(`arn:aws:s3:::${bucket}/${PREFIX}`));
}

/**
 * What should be allowed: every principal but the role allows itself everything, so it may do
 * anything to its own account's bucket (over HTTPS) and key and nothing to the other account's;
 * the role only what replication needs, under the prefix, and each key only through S3 for its
 * bucket.
 */
function intended(request: SimulatedRequest): boolean {
  const { principal, action, resource, options = {} } = request;
  if (action.startsWith('kms:')) {
    const keyAccount = accountOfArn(resource);
    if (principal !== ROLE) return accountOfArn(principal) === keyAccount;
    return keyAccount === OWNER
      ? action === 'kms:Decrypt' && throughS3For(options, OWNER_REGION, SOURCE)
      : ['kms:Encrypt', 'kms:Decrypt'].includes(action) && throughS3For(options, PARTNER_REGION, DESTINATION);
  }
  if (options.secureTransport === false) return false;
  const bucket = resource.slice('arn:aws:s3:::'.length).split('/')[0];
  const key = objectKeyOf(resource);
  if (principal !== ROLE) return accountOfArn(principal) === (bucket === SOURCE ? OWNER : PARTNER);
  const underPrefix = key?.startsWith(PREFIX) ?? false;
  return bucket === SOURCE
    ? (key === undefined ? SOURCE_BUCKET_ACTIONS.includes(action) : underPrefix && SOURCE_OBJECT_ACTIONS.includes(action))
    : underPrefix && REPLICATE_ACTIONS.includes(action);
}

interface Verdicts {
  readonly request: SimulatedRequest;
  readonly simulator: boolean;
  readonly analyzer: boolean;
  readonly intended: boolean;
  readonly explain: () => string;
}

type KeyDecider = (request: SimulatedRequest, context: Record<string, unknown>) => Promise<boolean>;

/** The analyzer's verdict on KMS requests to one key: its key policy with the identity policies of the templates. */
function keyDecider(analyzer: PolicyAnalyzer, world: World, keyArn: string): KeyDecider {
  const policies = analyzer.policies;
  const key = policies.policies.find(policy => policy.kind === 'key policy'
    && policy.keyArn!.map(part => typeof part === 'string' ? part : generatedName({ world }, `unknown:${part.unknown}`)).join('') === keyArn);
  if (key === undefined) throw new Error(`no key policy of ${keyArn} in the templates`);
  const solver = analyzer.allowedFormula(DESTINATION).model.solver;
  const account = accountOfArn(keyArn);
  const model = new RequestModel(solver, new Map<string, KeyValue>([['aws:resourceaccount', { present: TRUE, type: 'string', value: [account] }]]), new Map());
  const resources = [{ when: TRUE, value: [keyArn] }];
  const decision = decide({
    owner: account,
    documents: [{ name: 'key policy', statements: key.statements, resources, strict: true }],
    identityResources: resources,
    principals: knownPrincipals(policies),
  }, { model, unknowns: new Unknowns(solver) });
  // The names CloudFormation generates (the owner's key id, in the role's statement), at the harness's values.
  const generated: Term[] = [];
  for (const [, atom] of decision.allowed.matchAll(/\|(atom![0-9]+)\|/g)) {
    for (const variable of solver.atomDefinition(atom)!.variables) {
      if (variable.startsWith('unknown:')) generated.push(solver.membership(variable, `(str.to_re ${smtString(generatedName({ world }, variable))})`));
    }
  }
  return async (request, context) => {
    const base = and(model.wellFormed(), ...generated,
      concreteRequest(solver, { principal: request.principal, action: request.action, bucket: '', context: context as any }, model, 'absent'));
    const allowed = await solver.solve(and(base, decision.allowed)) !== undefined;
    const denied = await solver.solve(and(base, not(decision.allowed))) !== undefined;
    if (allowed === denied) throw new Error(`${describeRequest(request)}: the analyzer's verdict is ${allowed ? 'undecided' : 'empty'}`);
    return allowed;
  };
}

/** Both engines' verdicts on every request of the deployment, and the intent. */
async function sweep(deployed: Deployed, deployment: Deployment, analyzer: PolicyAnalyzer): Promise<Verdicts[]> {
  const { world } = deployed;
  const keys = new Map<string, KeyDecider>();
  const out: Verdicts[] = [];
  for (const request of requestsOf(deployed, deployment)) {
    const principal = world.principal(request.principal);
    const decision = await world.simulate(request);
    let analyzerAllows: boolean;
    if (request.action.startsWith('kms:')) {
      const key = world.key(request.resource);
      const target: ResourceTarget = { account: key.account, region: key.region, policy: key.policy, restrictPublicBuckets: false };
      const context = await requestContext(world, principal, request.action, request.resource, target, request.options ?? {});
      if (!keys.has(key.arn)) keys.set(key.arn, keyDecider(analyzer, world, key.arn));
      analyzerAllows = await keys.get(key.arn)!(request, context);
    } else {
      const bucket = world.bucketOf(request.resource);
      const target: ResourceTarget = {
        account: bucket.account, region: bucket.region, policy: bucket.policy, restrictPublicBuckets: bucket.restrictPublicBuckets, bucket,
      };
      const context = await requestContext(world, principal, request.action, request.resource, target, request.options ?? {});
      const answer = await analyzer.isAllowed({
        principal: request.principal, action: request.action, bucket: bucket.name, key: objectKeyOf(request.resource), context,
      });
      if (answer.undecided) throw new Error(`${describeRequest(request)}: the analyzer's verdict is undecided (${answer.assuming.join('; ')})`);
      analyzerAllows = answer.allowed;
    }
    out.push({ request, simulator: decision.allowed, analyzer: analyzerAllows, intended: intended(request), explain: decision.explain });
  }
  return out;
}

/** Requests the engines disagree on, and those iam-simulate decides against the intent, described. */
function failures(verdicts: Verdicts[]): { disagreements: string[]; againstIntent: string[] } {
  const verdict = (allowed: boolean) => allowed ? 'allows' : 'denies';
  return {
    disagreements: verdicts.filter(item => item.simulator !== item.analyzer).map(item =>
      `${describeRequest(item.request)}: iam-simulate ${verdict(item.simulator)}, the analyzer ${verdict(item.analyzer)}; simulator: ${item.explain()}`),
    againstIntent: verdicts.filter(item => item.simulator !== item.intended).map(item =>
      `${item.intended ? 'INTENDED, DENIED' : 'ALLOWED, NOT INTENDED'}: ${describeRequest(item.request)}`),
  };
}

function counts(verdicts: Verdicts[]) {
  return { requests: verdicts.length, allowed: verdicts.filter(item => item.simulator).length };
}

let shared: Promise<PolicyAnalyzer> | undefined;

/** An analyzer over the deployment's templates; all share one solver. */
async function analyzerOf(world: World): Promise<PolicyAnalyzer> {
  const policies = collectPolicies(analyzerStacks({ world }));
  shared ??= PolicyAnalyzer.create(policies);
  return (await shared).sibling(policies);
}

describe('replication into a partner\'s bucket: iam-simulate agrees with the analyzer and the intent', () => {
  test.each([
    ['as deployed' as Deployment, { requests: 287, allowed: 71 }],
    ['the role\'s own policy' as Deployment, { requests: 56, allowed: 8 }],
    ['the partner\'s policies alone' as Deployment, { requests: 88, allowed: 8 }],
  ])('%s', async (deployment, expected) => {
    const deployed = deploy(deployment);
    const verdicts = await sweep(deployed, deployment, await analyzerOf(deployed.world));
    expect(failures(verdicts)).toEqual({ disagreements: [], againstIntent: [] });
    expect(counts(verdicts)).toEqual(expected);
  });

  test('deliberate defect: the role\'s replicate statement on the whole partner bucket', async () => {
    const widen = (statement: any) => statement.Sid === 'ReplicateToTarget1' ? { ...statement, Resource: `arn:aws:s3:::${DESTINATION}/*` } : statement;
    const ownPolicy = deploy('the role\'s own policy');
    breakPolicies(ownPolicy.world, { identities: widen });
    const outside = REPLICATE_ACTIONS.flatMap(action => OBJECT_KEYS.slice(1).map(key => `ALLOWED, NOT INTENDED: ${ROLE} ${action} arn:aws:s3:::${DESTINATION}/${key}`));
    expect(failures(await sweep(ownPolicy, 'the role\'s own policy', await analyzerOf(ownPolicy.world))))
      .toEqual({ disagreements: [], againstIntent: outside });
  });
});
