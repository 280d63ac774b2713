/**
 * explain's request as people type it: the action (an IAM action or the API operation an error
 * named), the caller's ARN (a role, a user, an assumed-role session), and the time.
 */
import { CliError } from './assembly';
import { S3_ACTIONS } from './s3-actions';
import { AccessLevel } from '../access-level';
import { accessActions } from '../model/access-actions';


/** API operations people see in errors, and the IAM action S3 authorizes them as. */
const OPERATION_ACTIONS: Record<string, string> = {
  headobject: 's3:GetObject',
  getobjectattributes: 's3:GetObjectAttributes',
  listobjects: 's3:ListBucket',
  listobjectsv2: 's3:ListBucket',
  headbucket: 's3:ListBucket',
  createmultipartupload: 's3:PutObject',
  uploadpart: 's3:PutObject',
  completemultipartupload: 's3:PutObject',
  deleteobjects: 's3:DeleteObject',
};

const S3_ACTION_BY_LOWER_NAME = new Map(S3_ACTIONS.map(name => [name.toLowerCase(), `s3:${name}`]));

export const LEVELS = [AccessLevel.READ, AccessLevel.WRITE, AccessLevel.READ_WRITE];

/** Every S3 action some grant of this library can carry, from the one access table. */
export function grantableActions(): Set<string> {
  const result = new Set<string>();
  for (const level of LEVELS) {
    const actions = accessActions(level, true);
    [...actions.objectActions, ...actions.bucketActions].forEach(action => result.add(action));
  }
  return result;
}

export function isBucketAction(action: string): boolean {
  return LEVELS.some(level => accessActions(level, false).bucketActions.includes(action));
}

/** The IAM action of `given` (`s3:GetObject`, `getobject`, `HeadObject`...), and a note when it was an API operation. */
export function normalizeAction(given: string): { action: string; note?: string } {
  const trimmed = given.trim();
  if (trimmed.includes('*') || trimmed.includes('?')) {
    throw new CliError(`--action ${given}: give one S3 action, not a pattern`);
  }
  const match = /^(?:([a-z0-9-]+):)?([A-Za-z0-9]+)$/i.exec(trimmed);
  if (match === null) {
    throw new CliError(`--action ${given}: not an action name (expected for example s3:GetObject)`);
  }
  const [, service, name] = match;
  if (service !== undefined && service.toLowerCase() !== 's3') {
    throw new CliError(`--action ${given}: not an S3 action; explain explains S3 requests ` +
      '(the KMS permissions S3 needs on the caller\'s behalf are part of its answer)');
  }
  const action = S3_ACTION_BY_LOWER_NAME.get(name.toLowerCase());
  if (action !== undefined) {
    return { action };
  }
  const operation = OPERATION_ACTIONS[name.toLowerCase()];
  if (operation !== undefined) {
    return { action: operation, note: `S3 authorizes the ${name} operation as ${operation}.` };
  }
  throw new CliError(`--action ${given}: unknown action, not an S3 action (expected for example s3:GetObject, s3:PutObject, s3:ListBucket)`);
}

/** A caller as the grants see it: its account, and what `aws:PrincipalArn` is for it. */
export interface Caller {
  readonly arn: string;
  readonly partition: string;
  readonly account: string;
  /** `aws:PrincipalArn`, when the given ARN says it fully (not for an assumed-role session: the role's path is unknown). */
  readonly principalArn?: string;
  /** For a role or an assumed-role session: the role's name. */
  readonly roleName?: string;
}

export function parsePrincipal(arn: string): Caller {
  const iam = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):iam::(\d{12}):(root|(role|user)\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,128}))$/.exec(arn);
  if (iam !== null) {
    const [, partition, account, , kind, name] = iam;
    return { arn, partition, account, principalArn: arn, roleName: kind === 'role' ? name : undefined };
  }
  const session = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/[\w+=,.@-]{2,64}$/.exec(arn);
  if (session !== null) {
    const [, partition, account, roleName] = session;
    return { arn, partition, account, roleName };
  }
  throw new CliError(`--principal ${arn}: not a principal ARN (expected arn:aws:iam::<account id>:role/<name>, ` +
    ':user/<name> or :root, or a session arn:aws:sts::<account id>:assumed-role/<role>/<session>)');
}

export function parseTime(text: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
  const time = Date.parse(text);
  if (!iso.test(text) || Number.isNaN(time)) {
    throw new CliError(`--at ${text}: not an ISO 8601 time (expected for example 2026-06-01T12:00:00Z or 2026-06-01)`);
  }
  return new Date(time);
}

/** Whether the caller is `pattern` (an ARN, `*` allowed in the account of an organization grant's role). */
export function callerIs(caller: Caller, pattern: string): boolean {
  if (caller.principalArn !== undefined) {
    if (pattern === caller.principalArn) {
      return true;
    }
    if (!pattern.includes('*')) {
      return false;
    }
  }
  // A session names its role without the role's path; role names are unique in an account.
  const role = /^arn:([^:]+):iam::(\d{12}|\*):role\/(?:.*\/)?([^/]+)$/.exec(pattern);
  if (role === null || caller.roleName === undefined) {
    return false;
  }
  const [, partition, account, name] = role;
  return partition === caller.partition && (account === '*' || account === caller.account) && name === caller.roleName;
}
