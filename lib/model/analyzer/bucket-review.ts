/**
 * What principals outside a bucket's account can do, from the policies, and whether the intents
 * (the recorded grants) cover it: every access per principal and path, a request no intent
 * covers, and a public one. The questions of review (PolicyAnalyzer.review).
 */
import { requireAction } from './concrete-request';
import { Encoding, Encodings } from './encodings';
import { IntendedGrant, intendedTerm } from './intent';
import { symbolicText as text } from './pattern';
import { StatementSource, describeSource } from './policy';
import { Path } from './policy-index';
import { mentionedPrincipals, principalClasses } from './principal-classes';
import { query, solveIn } from './queries';
import { Access, BucketReview, FoundRequest } from './questions';
import { PrincipalType, RequestModel, actionIn } from './request';
import { FALSE, Term, and, not, or } from './terms';

/**
 * Every access principals outside the bucket's account have, from the policies: per principal
 * (each one the policies name, any other principal of each account they name, any other
 * account, anonymous callers, each named service) and per path (the bucket, each access point),
 * the actions allowed, the statements that allow them, and whether `intents` cover them.
 */
export async function accesses(encodings: Encodings, bucket: string, intents: readonly IntendedGrant[] = []): Promise<Access[]> {
  const out: Access[] = [];
  for (const path of encodings.paths(bucket)) out.push(...(await pathAccesses(encodings, bucket, path, intents)).access);
  return out;
}

/** A request from outside the bucket's account that the policies allow and no intent covers (every path, every principal). */
export async function findUnexplainedAccess(
  encodings: Encodings, bucket: string, intents: readonly IntendedGrant[],
): Promise<FoundRequest | undefined> {
  for (const path of encodings.paths(bucket)) {
    const found = await unexplainedOn(encodings, bucket, path, intents);
    if (found) return found;
  }
  return undefined;
}

/**
 * A request by anyone (anonymous), or by a principal of an account the policies do not name that
 * belongs to no organization, that the policies as written allow (CheckNoPublicAccess; S3 Block
 * Public Access left aside: it would reject such a policy at deployment); undefined if none.
 */
export async function findPublicAccess(encodings: Encodings, bucket: string): Promise<FoundRequest | undefined> {
  for (const path of encodings.paths(bucket)) {
    const found = await publicOn(encodings, bucket, path);
    if (found) return found;
  }
  return undefined;
}

/**
 * accesses, findUnexplainedAccess and findPublicAccess of one bucket, the same answers, asked path
 * by path: the questions about one path come one after another, and its formula goes to the
 * solver once (Solver.solve's context) where the three in turn would send it three times.
 */
export async function review(encodings: Encodings, bucket: string, intents: readonly IntendedGrant[]): Promise<BucketReview> {
  const access: Access[] = [];
  let unexplained: FoundRequest | undefined;
  let anyone: FoundRequest | undefined;
  for (const path of encodings.paths(bucket)) {
    const unexplainedHere = await unexplainedOn(encodings, bucket, path, intents);
    const here = await pathAccesses(encodings, bucket, path, intents, unexplainedHere === undefined);
    access.push(...here.access);
    unexplained ??= unexplainedHere;
    // The public question asks about principals of the unnamed classes (anonymous, any account the
    // documents do not name): where none of those has access, and Block Public Access changes
    // nothing in the formula, it has no answer.
    const asWritten = here.unnamed || encodings.encoding(bucket, path, true).context !== encodings.encoding(bucket, path).context;
    anyone ??= asWritten ? await publicOn(encodings, bucket, path) : undefined;
  }
  return { access, unexplained, public: anyone };
}

/**
 * The accesses of one path (accesses). With `explained`, the caller knows that no request of the path from outside the bucket's account
 * goes unexplained (unexplainedOn). `unnamed`: whether a class of anonymous callers or unnamed accounts has access.
 */
async function pathAccesses(
  encodings: Encodings, bucket: string, path: Path, intents: readonly IntendedGrant[], explained = false,
): Promise<{ access: Access[]; unnamed: boolean }> {
  const out: Access[] = [];
  const classes = principalClasses(encodings.pathStatements(bucket, path), encodings.bucketAccount(bucket));
  const found = classes.map(() => ({ actions: [] as string[], statements: new Map<string, StatementSource>(), assuming: new Set<string>() }));
  // Which classes can do which actions: one request per class and action, found by one question
  // for all classes (|class!i| tells which a request falls in), and one question more that finds none.
  const inClass = (model: RequestModel) => classes.map((who, index) => `(= ${encodings.solver.declare(`class!${index}`, 'Bool')} ${who.term(model)})`);
  for (;;) {
    const answer = await solveIn(encodings, bucket, path, ({ model, decision }) => [decision.allowed, ...inClass(model),
      or(...found.map((item, index) => and(`|class!${index}|`, not(actionIn(item.actions.map(requireAction))))))]);
    if (!answer) break;
    found.forEach((item, index) => {
      if (answer.model.booleans.get(`class!${index}`) !== true) return;
      if (!item.actions.includes(answer.request.action)) {
        item.actions.push(answer.request.action);
        answer.request.assuming.forEach(assumption => item.assuming.add(assumption));
      }
      // The statements that allow this request allow some request of the class's access.
      answer.request.allowedBySources.forEach(source => item.statements.set(describeSource(source), source));
    });
  }
  for (const [index, who] of classes.entries()) {
    const { actions, statements, assuming } = found[index];
    if (actions.length === 0) continue;
    const accessPointName = path.accessPoint ? text(path.accessPoint.name) : undefined;
    const scope = (encoding: Encoding) => [encoding.decision.allowed, who.term(encoding.model), actionIn(actions.map(requireAction))];
    const intended = (encoding: Encoding) => intendedTerm(intents, encoding.model, accessPointName);
    // Every statement that allows some request of this access (the statements a model happens to
    // use depend on the solver's choices): the ones no request above showed, asked together until
    // the solver finds none of them.
    let remaining = encodings.encoding(bucket, path).named.evidence.filter(item => item.statement.effect === 'Allow' && item.term !== FALSE);
    for (;;) {
      remaining = remaining.filter(item => !statements.has(describeSource(item.statement.source)));
      if (remaining.length === 0) break;
      const answer = await solveIn(encodings, bucket, path,
        encoding => [...scope(encoding), or(...remaining.map(item => smtVariableName(item.name)))]);
      if (!answer) break;
      for (const item of remaining.filter(other => answer.model.booleans.get(other.name) === true)) {
        statements.set(describeSource(item.statement.source), item.statement.source);
      }
    }
    // Every class is outside the bucket's account: when no request of the path from there goes unexplained, none of the class's does.
    const unexplained = explained ? undefined : await query(encodings, bucket, path, encoding => [...scope(encoding), not(intended(encoding))], true);
    const some = unexplained ? await query(encodings, bucket, path, encoding => [...scope(encoding), intended(encoding)]) : true;
    out.push({
      who: who.description,
      account: who.account,
      accessPoint: accessPointArn(path),
      actions: [...actions].sort(),
      statements: [...statements.keys()].sort(),
      statementSources: [...statements].sort(([a], [b]) => a.localeCompare(b)).map(([, source]) => source),
      assuming: [...assuming].sort(),
      intended: !unexplained ? 'yes' : some ? 'partly' : 'no',
      unexplained,
    });
  }
  return { access: out, unnamed: classes.some((who, index) => who.unnamed && found[index].actions.length > 0) };
}

/** A request through `path` from outside the bucket's account that the policies allow and no intent covers. */
async function unexplainedOn(encodings: Encodings, bucket: string, path: Path, intents: readonly IntendedGrant[]): Promise<FoundRequest | undefined> {
  const owner = encodings.bucketAccount(bucket);
  const accessPointName = path.accessPoint ? text(path.accessPoint.name) : undefined;
  return query(encodings, bucket, path, ({ model, decision }) => [
    decision.allowed, owner ? not(and(model.isIamPrincipal, model.accountIs(owner))) : 'true', not(intendedTerm(intents, model, accessPointName)),
  ], true);
}

/** A public request through `path` (findPublicAccess), asked of the policies as written. */
async function publicOn(encodings: Encodings, bucket: string, path: Path): Promise<FoundRequest | undefined> {
  const owner = encodings.bucketAccount(bucket);
  const named = [...mentionedPrincipals(encodings.pathStatements(bucket, path)).accounts, ...(owner ? [owner] : [])];
  return query(encodings, bucket, path, ({ model, decision }) => {
    const organization = model.key('aws:PrincipalOrgID', 'string');
    return [decision.allowed, or(model.principalIs(PrincipalType.ANONYMOUS),
      and(model.isIamPrincipal, not(organization.present), ...named.map(account => not(model.accountIs(account)))))];
  }, true, true);
}

/** The ARN of the path's access point, with `<...>` where only deployment knows it; undefined for the bucket itself. */
function accessPointArn(path: Path): string | undefined {
  return path.accessPoint
    ? `arn:aws:s3:${path.accessPoint.region}:${path.accessPoint.account}:accesspoint/${path.accessPoint.name.map(part => typeof part === 'string' ? part : `<${part.unknown}>`).join('')}`
    : undefined;
}

function smtVariableName(name: string): Term {
  return `|${name}|`;
}
