import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolatingResource, PolicyViolation } from 'aws-cdk-lib';
import { actionIndex } from './model/analyzer/request';

/**
 * Properties of a CrossAccountAccessPlugin.
 */
export interface CrossAccountAccessPluginProps {
  /**
   * Actions that no principal outside a bucket's or key's account may perform, like
   * `review --deny-actions` (IAM Access Analyzer's CheckAccessNotGranted, offline); for example
   * `['s3:DeleteObjectVersion', 'kms:Decrypt']`.
   *
   * @default - no action is checked this way
   */
  readonly denyActions?: string[];

  /**
   * The longest the analyzer may run, in seconds, before synthesis stops with an error.
   *
   * @default 300
   */
  readonly timeoutSeconds?: number;
}

/** What one run of `cdk-cross-account-bucket review --json` prints, in the parts the plugin reads. */
interface ReviewJson {
  readonly findings: ReadonlyArray<{ readonly consumer: { readonly path: string; readonly stack: string }; readonly message: string }>;
  readonly access: ReadonlyArray<{
    readonly bucketName: string;
    readonly access: ReadonlyArray<{
      readonly principal: string;
      readonly accessPoint: string | null;
      readonly throughRole?: string | null;
      readonly actions: string[];
      readonly recordedGrant: string;
      readonly statementSources: StatementSourceJson[];
      readonly unexplainedRequest: RequestJson | null;
    }>;
    readonly unexplainedRequest: RequestJson | null;
    readonly publicRequest: RequestJson | null;
  }>;
  readonly deniedActions: ReadonlyArray<{ readonly message: string; readonly request: RequestJson }>;
}

interface StatementSourceJson {
  readonly logicalId: string;
  readonly templateFile?: string;
  readonly document: string;
  readonly index: number;
  readonly path?: string;
  readonly sid?: string;
}

interface RequestJson {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly accessPoint?: string;
  readonly allowedBySources: StatementSourceJson[];
}

/**
 * A validation plugin for `cdk synth` (aws-cdk-lib's `IPolicyValidationPlugin`): decides from the
 * synthesized policies who can access each bucket, as `cdk-cross-account-bucket review` does, and
 * reports as violations, each on the statements that give the access:
 *
 * - `UnexplainedAccess`: access of a principal outside the bucket's account that no grant this
 *   library recorded intends (a hand-added statement, another construct's grant, an existing
 *   bucket's own statements);
 * - `PublicAccess`: access by anyone (anonymous, or an account in no organization that no policy names);
 * - `DeniedAction`: one of `denyActions` performed from outside the owner account;
 * - `ConsumerNotCovered`: a ConsumerReader or OrganizationConsumers whose requests no owner grant covers.
 *
 * An app whose policies give only the access its grants record passes. Acknowledge a violation
 * on the construct that holds the statement, as aws-cdk-lib documents for validation plugins:
 * `Validations.of(scope).acknowledge({ id: 'cdk-cross-account-bucket::UnexplainedAccess', reason })`.
 *
 * `validate` is synchronous in aws-cdk-lib, and the solver is asynchronous: the plugin runs the
 * package's own command (`build/cli/main.js review --json`) in a child Node.js process and reads
 * its answer. The analyzer needs the npm package `z3-solver` where synthesis runs (see README):
 * `Validations.of(app).addPlugins(new CrossAccountAccessPlugin())`.
 */
export class CrossAccountAccessPlugin implements IPolicyValidationPlugin {
  /** The rule ids this plugin reports. */
  public static readonly RULE_IDS = ['UnexplainedAccess', 'PublicAccess', 'DeniedAction', 'ConsumerNotCovered'];

  public readonly name = 'cdk-cross-account-bucket';
  public readonly ruleIds?: string[] = [...CrossAccountAccessPlugin.RULE_IDS];
  private readonly denyActions: string[];
  private readonly timeoutSeconds: number;

  constructor(props: CrossAccountAccessPluginProps = {}) {
    const problems: string[] = [];
    for (const action of props.denyActions ?? []) {
      if (actionIndex(action) === undefined) {
        problems.push(`denyActions: '${action}' is not an S3 or KMS action of the IAM catalogue (expected for example 's3:DeleteObjectVersion' or 'kms:Decrypt')`);
      }
    }
    const timeout = props.timeoutSeconds ?? 300;
    if (!Number.isFinite(timeout) || timeout <= 0) {
      problems.push(`timeoutSeconds: ${timeout} is not a positive number of seconds`);
    }
    if (problems.length > 0) {
      throw new Error(`CrossAccountAccessPlugin: ${problems.join('; ')}`);
    }
    this.denyActions = [...(props.denyActions ?? [])];
    this.timeoutSeconds = timeout;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const assemblies = [...new Set(context.templatePaths.map(assemblyOf))];
    // The compiled command beside this module (build/cli/main.js in the package); run from the
    // TypeScript sources (this repository's tests), the one the compile step wrote.
    const cli = [join(__dirname, 'cli', 'main.js'), join(__dirname, '..', 'build', 'cli', 'main.js')].find(existsSync) ?? join(__dirname, 'cli', 'main.js');
    const args = [cli, 'review', ...assemblies, '--json', ...(this.denyActions.length > 0 ? ['--deny-actions', this.denyActions.join(',')] : [])];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: this.timeoutSeconds * 1000 });
    if (run.status !== 0 && run.status !== 1) {
      const reason = run.error ? run.error.message : (run.stderr || `exit code ${run.status}`).trim();
      return {
        success: false,
        violations: [{
          ruleName: 'AnalyzerFailed',
          description: `cdk-cross-account-bucket could not decide access from the policies: ${reason}`,
          fix: 'Install the solver where synthesis runs (npm install --save-dev z3-solver@5.2.0), or raise timeoutSeconds.',
          violatingResources: [],
        }],
      };
    }
    const review = JSON.parse(run.stdout) as ReviewJson;
    const violations: PolicyViolation[] = [];
    for (const bucket of review.access) {
      for (const access of bucket.access.filter(item => item.recordedGrant !== 'yes')) {
        violations.push({
          ruleName: 'UnexplainedAccess',
          description: `${access.principal} can ${access.actions.join(', ')} on bucket ${bucket.bucketName}${access.accessPoint ? ` through ${access.accessPoint}` : ''}` +
            `${access.throughRole ? ` as role ${access.throughRole}` : ''}, ` +
            `and no grant of cdk-cross-account-bucket intends it${access.unexplainedRequest ? `, for example ${requestText(access.unexplainedRequest)}` : ''}.`,
          fix: 'Remove the statement, or grant the access through SharedBucket (consumers, organizationGrants), or acknowledge cdk-cross-account-bucket::UnexplainedAccess.',
          violatingResources: resources(access.statementSources),
        });
      }
      if (bucket.publicRequest) {
        violations.push({
          ruleName: 'PublicAccess',
          description: `Anyone can access bucket ${bucket.bucketName}: ${requestText(bucket.publicRequest)}.`,
          fix: 'Name the principals or the organization the statement is for.',
          violatingResources: resources(bucket.publicRequest.allowedBySources),
        });
      }
    }
    for (const denied of review.deniedActions ?? []) {
      violations.push({
        ruleName: 'DeniedAction',
        description: denied.message,
        fix: 'Remove the action from the statement, or from denyActions if it is meant.',
        violatingResources: resources(denied.request.allowedBySources),
      });
    }
    for (const finding of review.findings) {
      violations.push({
        ruleName: 'ConsumerNotCovered',
        description: `${finding.consumer.path}: ${finding.message}`,
        fix: 'Make the consumer ask for what the owner grants, or grant it.',
        violatingResources: [],
      });
    }
    return { success: violations.length === 0, violations };
  }
}

/** The cloud assembly a template is in: the nearest folder above it with a manifest.json. */
function assemblyOf(templatePath: string): string {
  let folder = dirname(resolve(templatePath));
  while (!existsSync(join(folder, 'manifest.json')) && dirname(folder) !== folder) {
    folder = dirname(folder);
  }
  return folder;
}

function requestText(request: RequestJson): string {
  return `${request.principal} ${request.action} ${request.resource}${request.accessPoint ? ` through ${request.accessPoint}` : ''}`;
}

function resources(sources: readonly StatementSourceJson[]): PolicyViolatingResource[] {
  const byResource = new Map<string, { logicalId: string; templatePath: string; locations: string[] }>();
  for (const source of sources) {
    if (!source.templateFile) continue;
    const templatePath = resolve(source.templateFile);
    const key = `${templatePath}\u0000${source.logicalId}`;
    const entry = byResource.get(key) ?? { logicalId: source.logicalId, templatePath, locations: [] };
    entry.locations.push(`${source.document} statement ${source.sid !== undefined ? source.sid : `#${source.index + 1}`}`);
    byResource.set(key, entry);
  }
  return [...byResource.values()].map(entry => ({
    resourceLogicalId: entry.logicalId,
    templatePath: entry.templatePath,
    locations: entry.locations,
  }));
}
