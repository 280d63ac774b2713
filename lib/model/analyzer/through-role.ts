/**
 * Access from outside a bucket's account through a role of that account: a principal the role's
 * trust policy lets call sts:AssumeRole acts with the role's permissions, as a session of the
 * role's account (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
 * So the bucket's account alone decides what the role may do, and the trust policy decides who
 * outside it gets that. A vendor's ThirdPartyAccessRole is such a role; so is any role a
 * hand-written trust opens to another account.
 *
 * Only roles the templates create with a name synth knows are followed, and only one hop (a role
 * that assumes another role of the account is not chained). Service principals that assume a role
 * (a Lambda function's role) are AWS acting for the account, not principals outside it.
 */
import { PolicyAnalyzer } from './analyzer';
import { IntendedGrant } from './intent';
import { StatementSource, describeSource } from './policy';
import { Access, FoundRequest } from './questions';
import { ACTIONS } from './request';

/** What a recorded third-party grant intends of one role: who may assume it, and what the role may do. */
export interface RoleIntent {
  readonly roleArn: string;
  /** The accounts meant to assume it. */
  readonly assumerAccounts: readonly string[];
  /** The role's own requests on the bucket (its account, its ARN). */
  readonly grants: readonly IntendedGrant[];
}

const S3_ACTIONS = ACTIONS.filter(action => action.service === 's3').map(action => action.name);

/** The external id is a shared secret: a request shown never carries it. */
function withoutSecrets(request: FoundRequest): FoundRequest {
  const context = Object.fromEntries(Object.entries(request.context).map(([key, value]) =>
    [key, key.toLowerCase() === 'sts:externalid' ? '<the external id>' : value]));
  return { ...request, context };
}

/**
 * For each role of the bucket's account that can do something on the bucket, each account
 * outside that the trust lets assume it, as an access row (throughRole names the role).
 */
export async function accessThroughRoles(analyzer: PolicyAnalyzer, bucket: string, intents: readonly RoleIntent[]): Promise<Access[]> {
  const owner = analyzer.ownerOf(bucket);
  if (!owner) return [];
  const out: Access[] = [];
  for (const role of analyzer.rolesIn(owner)) {
    const assumers: FoundRequest[] = [];
    for (let found = await analyzer.findAssumer(role, []); found; found = await analyzer.findAssumer(role, assumers.map(item => accountOf(item)))) {
      assumers.push(withoutSecrets(found));
    }
    if (assumers.length === 0) continue;
    const actions: string[] = [];
    const sources = new Map<string, StatementSource>();
    for (;;) {
      const remaining = S3_ACTIONS.filter(action => !actions.includes(action));
      const found = remaining.length === 0 ? undefined : await analyzer.findAccess({ bucket, principal: role.arn, actions: remaining });
      if (!found) break;
      actions.push(found.action);
      found.allowedBySources.forEach(source => sources.set(describeSource(source), source));
    }
    if (actions.length === 0) continue;
    const intent = intents.find(item => item.roleArn === role.arn);
    const unexplained = await analyzer.findAccess({ bucket, principal: role.arn, notIntended: intent?.grants ?? [] });
    for (const assumer of assumers) {
      const account = accountOf(assumer);
      // One principal the trust names, or any of its account.
      const another = await analyzer.findAssumer(role, [], { account, other: assumer.principal });
      const trustSources = new Map(assumer.allowedBySources.map(source => [describeSource(source), source]));
      const all = new Map([...trustSources, ...sources]);
      const assumerIntended = intent?.assumerAccounts.includes(account) ?? false;
      out.push({
        who: another ? `account ${account} (any principal)` : assumer.principal,
        account,
        throughRole: role.arn,
        actions: [...actions].sort(),
        statements: [...all.keys()].sort(),
        statementSources: [...all].sort(([a], [b]) => a.localeCompare(b)).map(([, source]) => source),
        assuming: [...new Set([...assumer.assuming, ...(unexplained?.assuming ?? [])])].sort(),
        intended: !assumerIntended || !intent ? 'no' : unexplained ? 'partly' : 'yes',
        unexplained: !assumerIntended ? assumer : unexplained,
      });
    }
  }
  return out;
}

function accountOf(request: FoundRequest): string {
  return /^arn:aws:iam::([0-9]{12}):/.exec(request.principal)?.[1] ?? request.principal;
}
