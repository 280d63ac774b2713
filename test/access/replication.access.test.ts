/**
 * Proofs of replication into a partner's bucket (issue 23, section 2), decided by the policy
 * analyzer (lib/model/analyzer) over every request, not a sample:
 * 1. the replication role can replicate the prefix and nothing else: on the partner's bucket only
 *    the replication actions under the prefix, on the owner's bucket only reading versions for
 *    replication under the prefix (and the configuration and listing of the bucket), nothing on
 *    another bucket of the owner, and each key only through S3 for its bucket;
 * 2. the partner's policies let no one else in: with the partner's template alone (every
 *    principal of every other account may have identity policies that allow anything), the only
 *    request from outside the partner's account its bucket and key allow is the role's
 *    replication under the prefix, through S3;
 * 3. nobody in the owner's account but the role can write to the partner's bucket (a case of 2,
 *    asked for the principals that look most like the role), and the role itself writes only by
 *    replicating.
 * Each over-grant question is "allowed and not intended" unsatisfiable; each under-grant question
 * "intended and not allowed" unsatisfiable, where the intended requests need the policies of both
 * sides (a cross-account request needs the role's identity policy and the partner's policy).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { isPrincipal } from './complete';
import { ReplicaBucket, SharedBucket } from '../../lib';
import { PolicyAnalyzer } from '../../lib/model/analyzer/analyzer';
import { S3_ACTION_KINDS } from '../../lib/model/analyzer/catalogue';
import { matchValue, Unknowns } from '../../lib/model/analyzer/encode';
import { decide, KnownPrincipal } from '../../lib/model/analyzer/evaluation';
import { IntendedGrant } from '../../lib/model/analyzer/intent';
import { smtString, text, Value } from '../../lib/model/analyzer/pattern';
import { ACTIONS, actionIn, actionIndex, KeyValue, PrincipalType, RequestModel } from '../../lib/model/analyzer/request';
import { collectPolicies, PolicyFacts, PolicySet } from '../../lib/model/analyzer/template';
import { LoadedStack } from '../../lib/model/analyzer/template-files';
import { and, not, or, Term, TRUE } from '../../lib/model/analyzer/terms';
import * as table from '../../lib/model/replication-actions';

// z3 starts and learns the policies in the first question; every question after takes well under a second.
jest.setTimeout(60_000);

const OWNER = '111111111111';
const PARTNER = '444444444444';
const OWNER_REGION = 'eu-west-1';
const PARTNER_REGION = 'eu-central-1';
const KEY_ID = '11111111-2222-3333-4444-555555555555';
const PARTNER_KEY = `arn:aws:kms:${PARTNER_REGION}:${PARTNER}:key/${KEY_ID}`;
const ROLE_NAME = 'SharedDataReplication';
const ROLE = `arn:aws:iam::${OWNER}:role/${ROLE_NAME}`;
const SOURCE = 'owner-shared';
const DESTINATION = 'partner-replica';
const PREFIX = 'data/';

function loaded(stack: Stack): LoadedStack {
  return {
    id: stack.stackName,
    stackName: stack.stackName,
    environment: { account: stack.account, region: stack.region, partition: 'aws' },
    template: Template.fromStack(stack).toJSON(),
    source: 'replication.access.test.ts',
  };
}

/**
 * A partner that trusts the owner's account with everything on its bucket and key: beside it,
 * the owner's role can do only what its own policy allows, so that policy alone is proved.
 */
function trustingPartner(): Stack {
  const stack = new Stack(new App(), 'TrustingPartner', { env: { account: PARTNER, region: PARTNER_REGION } });
  const key = new kms.Key(stack, 'Key');
  key.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal(OWNER)], actions: ['kms:*'], resources: ['*'] }));
  const bucket = new s3.Bucket(stack, 'Bucket', { bucketName: DESTINATION, encryptionKey: key });
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.AccountPrincipal(OWNER)], actions: ['s3:*'], resources: [bucket.bucketArn, bucket.arnForObjects('*')],
  }));
  return stack;
}

/** The owner's stack (with a second bucket of its own) and the partner's, as the README's example deploys them. */
function world(): { both: PolicySet; partnerOnly: PolicySet; ownerTrusted: PolicySet } {
  const app = new App();
  const owner = new Stack(app, 'Owner', { env: { account: OWNER, region: OWNER_REGION } });
  new SharedBucket(owner, 'Shared', {
    bucketName: SOURCE,
    replicationRoleName: ROLE_NAME,
    replicateTo: [{ accountId: PARTNER, bucketName: DESTINATION, keyArn: PARTNER_KEY, prefix: PREFIX }],
  });
  new s3.Bucket(owner, 'Other', { bucketName: 'owner-other' });
  const partner = new Stack(app, 'Partner', { env: { account: PARTNER, region: PARTNER_REGION } });
  new ReplicaBucket(partner, 'Replica', {
    bucketName: DESTINATION, sourceAccountId: OWNER, sourceBucketName: SOURCE, replicationRoleName: ROLE_NAME, prefix: PREFIX,
  });
  const [ownerStack, partnerStack] = [loaded(owner), loaded(partner)];
  return {
    both: collectPolicies([ownerStack, partnerStack]),
    partnerOnly: collectPolicies([partnerStack]),
    ownerTrusted: collectPolicies([ownerStack, loaded(trustingPartner())]),
  };
}

// The intent, written here from the S3 User Guide (lib/model/replication-actions.ts cites the pages),
// not taken from the library's table: the first test holds the table to it.
const REPLICATE_ACTIONS = ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'];
const SOURCE_OBJECT_ACTIONS = ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'];
const SOURCE_BUCKET_ACTIONS = ['s3:GetReplicationConfiguration', 's3:ListBucket'];
const SOURCE_KEY_ACTIONS = ['kms:Decrypt'];
const REPLICA_KEY_ACTIONS = ['kms:Encrypt', 'kms:Decrypt'];

const intent = (description: string, actions: readonly string[], prefix?: string): IntendedGrant =>
  ({ description, accountId: OWNER, principalArns: [ROLE], actions, prefix });
const REPLICATE = intent('replicating into the partner\'s bucket', REPLICATE_ACTIONS, PREFIX);
const READ_VERSIONS = intent('reading versions for replication', SOURCE_OBJECT_ACTIONS, PREFIX);
const READ_CONFIGURATION = intent('reading the configuration, listing the source', SOURCE_BUCKET_ACTIONS);
const ALL_S3 = S3_ACTION_KINDS.filter(([, kind]) => kind !== 'other').map(([name]) => `s3:${name}`);

interface Analyzers {
  readonly both: PolicyAnalyzer;
  readonly partnerOnly: PolicyAnalyzer;
  readonly ownerTrusted: PolicyAnalyzer;
}

let analyzers: Promise<Analyzers> | undefined;

function analyze(): Promise<Analyzers> {
  analyzers ??= (async () => {
    const { both, partnerOnly, ownerTrusted } = world();
    const analyzer = await PolicyAnalyzer.create(both);
    return { both: analyzer, partnerOnly: analyzer.sibling(partnerOnly), ownerTrusted: analyzer.sibling(ownerTrusted) };
  })();
  return analyzers;
}

/** The principals the templates create, with their identity policies (as complete.ts reads them). */
function knownPrincipals(policies: PolicySet): KnownPrincipal[] {
  return policies.policies.filter(policy => policy.kind === 'trust policy' && policy.account !== undefined).map(trust => {
    const path = trust.rolePaths![0];
    const identityPolicies = policies.policies.filter(policy => policy.kind === 'identity policy' && policy.account === trust.account
      && (policy.rolePaths ?? []).some(other => JSON.stringify(other) === JSON.stringify(path))).flatMap(policy => policy.statements);
    return { account: trust.account!, path: valueOf(path), type: PrincipalType.ROLE, identityPolicies };
  });
}

function valueOf(symbolic: PolicyFacts['keyArn'] & object): Value {
  return symbolic.map(part => typeof part === 'string' ? part : { variable: `unknown:${part.unknown}` });
}

/**
 * The decision of the key policy of `account`'s key (strict: naming the account grants nothing
 * on its own), with the identity policies of the templates; the key id CloudFormation generates
 * is `keyId` where given (the partner's key, whose ARN the owner's template names).
 */
async function keyQuestion(analyzer: PolicyAnalyzer, policies: PolicySet, account: string, keyId?: string) {
  const key = policies.policies.find(policy => policy.kind === 'key policy' && policy.account === account)!;
  const solver = analyzer.allowedFormula(DESTINATION).model.solver;
  const fixed = new Map<string, KeyValue>([['aws:resourceaccount', { present: TRUE, type: 'string', value: [account] }]]);
  const model = new RequestModel(solver, fixed, new Map());
  const unknowns = new Unknowns(solver);
  const resource = valueOf(key.keyArn!);
  const resources = [{ when: TRUE, value: resource }];
  const decision = decide({
    owner: account,
    documents: [{ name: 'key policy', statements: key.statements, resources, strict: true }],
    identityResources: resources,
    principals: knownPrincipals(policies),
  }, { model, unknowns });
  const pinned = resource.filter((part): part is { variable: string } => typeof part !== 'string')
    .map(part => solver.membership(part.variable, `(str.to_re ${smtString(keyId ?? 'unknown')})`));
  const via = model.key('kms:ViaService', 'string');
  const context = model.key('kms:EncryptionContext:aws:s3:arn', 'string');
  /** Through S3 in `region`, for `bucket` or its objects under the prefix. */
  const throughS3 = (region: string, bucket: string): Term => and(
    via.present, matchValue(solver, via.value as Value, text(`s3.${region}.amazonaws.com`)),
    context.present, or(matchValue(solver, context.value as Value, text(`arn:aws:s3:::${bucket}`)),
      matchValue(solver, context.value as Value, [...text(`arn:aws:s3:::${bucket}/${PREFIX}`), { kind: 'any' }])),
  );
  const kmsAction = actionIn(ACTIONS.flatMap((item, index) => item.service === 'kms' ? [index] : []));
  const base = (extra: Term[]) => and(model.wellFormed(), '|identity:unknown-principal-allows|', kmsAction, ...(keyId ? pinned : []), ...extra);
  return {
    unknowns: unknowns.descriptions,
    /** A request `extra` holds of that the key allows, or undefined. */
    allowedWhere: (extra: (m: RequestModel) => Term[]) => solver.solve(and(base(extra(model)), decision.allowed)),
    /** A request `extra` holds of that the key denies, or undefined. */
    deniedWhere: (extra: (m: RequestModel) => Term[]) => solver.solve(and(base(extra(model)), not(decision.allowed))),
    throughS3,
  };
}

const actions = (names: readonly string[]) => actionIn(names.map(name => actionIndex(name)!));

describe('replication into a partner\'s bucket, proved', () => {
  test('the library\'s table is the intent, and the analyzer\'s catalogue knows every action of it', () => {
    expect([table.REPLICATE_ACTIONS, table.SOURCE_OBJECT_ACTIONS, table.SOURCE_BUCKET_ACTIONS, table.SOURCE_KEY_ACTIONS, table.REPLICA_KEY_ACTIONS])
      .toEqual([REPLICATE_ACTIONS, SOURCE_OBJECT_ACTIONS, SOURCE_BUCKET_ACTIONS, SOURCE_KEY_ACTIONS, REPLICA_KEY_ACTIONS]);
    const needed = [...REPLICATE_ACTIONS, ...SOURCE_OBJECT_ACTIONS, ...SOURCE_BUCKET_ACTIONS, ...SOURCE_KEY_ACTIONS, ...REPLICA_KEY_ACTIONS];
    expect(needed.filter(name => actionIndex(name) === undefined)).toEqual([]);
  });

  describe('1. the replication role can replicate the prefix and nothing else', () => {
    test('on the partner\'s bucket: the replication actions under the prefix, nothing more, even where the partner trusts the owner with all', async () => {
      const { both, ownerTrusted } = await analyze();
      expect(await ownerTrusted.findAccess({ bucket: DESTINATION, principal: ROLE, notIntended: [REPLICATE] })).toBeUndefined();
      expect(await both.findAccess({ bucket: DESTINATION, principal: ROLE, notIntended: [REPLICATE] })).toBeUndefined();
      for (const action of REPLICATE_ACTIONS) {
        expect(await both.isAllowed({ principal: ROLE, action, bucket: DESTINATION, key: 'data/2026/orders.csv' })).toMatchObject({ allowed: true });
        expect(await both.isAllowed({ principal: ROLE, action, bucket: DESTINATION, key: 'data-archive/orders.csv' })).toMatchObject({ allowed: false });
      }
    });

    test('on the owner\'s bucket: versions for replication under the prefix, the configuration and the listing; no GetObject', async () => {
      const { both } = await analyze();
      expect(await both.findAccess({ bucket: SOURCE, principal: ROLE, notIntended: [READ_VERSIONS, READ_CONFIGURATION] })).toBeUndefined();
      for (const action of SOURCE_OBJECT_ACTIONS) {
        expect(await both.isAllowed({ principal: ROLE, action, bucket: SOURCE, key: 'data/2026/orders.csv' })).toMatchObject({ allowed: true });
      }
      for (const action of SOURCE_BUCKET_ACTIONS) {
        expect(await both.isAllowed({ principal: ROLE, action, bucket: SOURCE })).toMatchObject({ allowed: true });
      }
      expect(await both.isAllowed({ principal: ROLE, action: 's3:GetObject', bucket: SOURCE, key: 'data/2026/orders.csv' })).toMatchObject({ allowed: false });
    });

    test('the partner\'s key, trusting the owner with all: kms:Encrypt and kms:Decrypt only, through S3 in its region, for its bucket', async () => {
      const { both, ownerTrusted } = await analyze();
      const question = await keyQuestion(both, ownerTrusted.policies, PARTNER, KEY_ID);
      const role = (model: RequestModel) => isPrincipal(model, ROLE);
      const intended = (model: RequestModel) => and(actions(REPLICA_KEY_ACTIONS), question.throughS3(PARTNER_REGION, DESTINATION), role(model));
      expect(await question.allowedWhere(model => [role(model), not(intended(model))])).toBeUndefined();
      expect(await question.deniedWhere(model => [intended(model)])).toBeUndefined();
    });

    test('on another bucket of the owner: nothing', async () => {
      const { both } = await analyze();
      expect(await both.findAccess({ bucket: 'owner-other', principal: ROLE })).toBeUndefined();
    });

    test('the owner\'s key: kms:Decrypt only, through S3 in the bucket\'s region, for the bucket or its objects under the prefix', async () => {
      const { both } = await analyze();
      const question = await keyQuestion(both, both.policies, OWNER);
      expect(question.unknowns.size).toBe(0);
      const role = (model: RequestModel) => isPrincipal(model, ROLE);
      const intended = (model: RequestModel) => and(actions(SOURCE_KEY_ACTIONS), question.throughS3(OWNER_REGION, SOURCE), role(model));
      expect(await question.allowedWhere(model => [role(model), not(intended(model))])).toBeUndefined();
      expect(await question.deniedWhere(model => [intended(model)])).toBeUndefined();
    });
  });

  describe('2. the partner\'s policies let no one else in', () => {
    test('its bucket: from outside the partner\'s account, only the role replicating under the prefix', async () => {
      const { partnerOnly } = await analyze();
      expect(await partnerOnly.findAccess({ bucket: DESTINATION, outsideAccount: PARTNER, notIntended: [REPLICATE] })).toBeUndefined();
    });

    test('its key: from outside the partner\'s account, only the role encrypting (and checking its S3 Bucket Key) through S3 for this bucket', async () => {
      const { both, partnerOnly } = await analyze();
      const outside = await keyQuestion(both, partnerOnly.policies, PARTNER);
      const notPartner = (model: RequestModel) => not(and(model.isIamPrincipal, model.accountIs(PARTNER)));
      const intended = (model: RequestModel) =>
        and(isPrincipal(model, ROLE), actions(REPLICA_KEY_ACTIONS), outside.throughS3(PARTNER_REGION, DESTINATION));
      expect(await outside.allowedWhere(model => [notPartner(model), not(intended(model))])).toBeUndefined();
      // As deployed, with the role's own policy: everything intended is allowed.
      const deployed = await keyQuestion(both, both.policies, PARTNER, KEY_ID);
      expect(await deployed.deniedWhere(model => [intended(model)])).toBeUndefined();
    });
  });

  describe('3. nobody in the owner\'s account but the role writes to the partner\'s bucket', () => {
    test.each([
      [`arn:aws:iam::${OWNER}:root`],
      [`arn:aws:iam::${OWNER}:role/Admin`],
      [`arn:aws:iam::${OWNER}:user/${ROLE_NAME}`],
      [`arn:aws:iam::${OWNER}:role/${ROLE_NAME}-copy`],
      [`arn:aws:iam::${OWNER}:role/team/${ROLE_NAME}`],
    ])('%s: no request at all, whatever its own policies allow', async principal => {
      const { partnerOnly } = await analyze();
      expect(await partnerOnly.findAccess({ bucket: DESTINATION, principal })).toBeUndefined();
    });

    test('the role writes only by replicating: no PutObject, DeleteObject or any other action', async () => {
      const { both } = await analyze();
      const others = ALL_S3.filter(action => !REPLICATE_ACTIONS.includes(action));
      expect(await both.findAccess({ bucket: DESTINATION, principal: ROLE, actions: others })).toBeUndefined();
    });
  });
});
