/**
 * The request, as variables of the solver: who asks (principal), what (action), on what (the
 * object key, for a fixed bucket, access point, key or role), and the request context: every
 * condition key a policy tests.
 *
 * Keys the analyzer knows are tied to the request's parts (aws:PrincipalAccount is the principal's
 * account, aws:PrincipalArn its ARN); every other key is free: it may be absent or take any value,
 * which is every request AWS could send for a key nothing here constrains. Which keys were treated
 * as free is part of each answer. A request to an event bus also carries the ARN of the rule that
 * sends it, as aws:SourceArn (sourceArnKey).
 */
import { EVENTS_ACTION_KINDS, EventsResourceKind, S3_ACTION_KINDS, KMS_KEY_ACTIONS, S3ResourceKind } from './catalogue';
import { Value, smtString } from './pattern';
import { Solver } from './solver';
import { Term, TRUE, and, integer, or } from './terms';

/** The kinds of principal a request can come from. */
export enum PrincipalType {
  /** No credentials. */
  ANONYMOUS = 0,
  /** The account's root user. */
  ROOT = 1,
  /** A session of an IAM role. */
  ROLE = 2,
  /** An IAM user. */
  USER = 3,
  /** An AWS service principal. */
  SERVICE = 4,
}

export const PRINCIPAL_TYPE = 'principal:type';
export const PRINCIPAL_ACCOUNT = 'principal:account';
/** The part of the principal's ARN after the account: `root`, `role/<path><name>`, `user/<path><name>`. */
export const PRINCIPAL_PATH = 'principal:path';
export const PRINCIPAL_SERVICE = 'principal:service';
export const ACTION = 'action';
/** The object key of an S3 request; the name of the rule (after `rule/`) of an EventBridge request on a rule. */
export const OBJECT_KEY = 'object:key';
/**
 * The ARN of the rule that sends an event to a bus, when a rule sends it: aws:SourceArn, "the ARN
 * of the rule that is sending the event" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html).
 * A direct PutEvents call has none.
 */
export const SOURCE_ARN = 'request:sourcearn';
export const SOURCE_ACCOUNT = 'request:sourceaccount';

const DIGITS = '(re.* (re.range "0" "9"))';
// IAM names and paths are printable ASCII (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html); an ARN's account part ends at its colon.
const NO_COLON = '(re.* (re.union (re.range "!" "9") (re.range ";" "~")))';

/** Every action the analyzer reasons about, with what it acts on. */
export interface CatalogueAction {
  readonly name: string;
  readonly service: 's3' | 'kms' | 'sts' | 'events';
  readonly s3Kind?: S3ResourceKind;
  readonly eventsKind?: EventsResourceKind;
}

export const ACTIONS: readonly CatalogueAction[] = [
  ...S3_ACTION_KINDS.map(([name, kind]) => ({ name: `s3:${name}`, service: 's3' as const, s3Kind: kind })),
  ...KMS_KEY_ACTIONS.map(name => ({ name: `kms:${name}`, service: 'kms' as const })),
  { name: 'sts:AssumeRole', service: 'sts' },
  { name: 'sts:TagSession', service: 'sts' },
  ...EVENTS_ACTION_KINDS.map(([name, kind]) => ({ name: `events:${name}`, service: 'events' as const, eventsKind: kind })),
];

const ACTION_INDEX = new Map(ACTIONS.map((action, index) => [action.name.toLowerCase(), index]));

export function actionIndex(name: string): number | undefined {
  return ACTION_INDEX.get(name.toLowerCase());
}

/** Set membership of the action variable in a set of indices, as ranges. */
export function actionIn(indices: readonly number[]): Term {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const terms: Term[] = [];
  for (let start = 0; start < sorted.length;) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) end++;
    terms.push(sorted[start] === sorted[end]
      ? `(= ${ACTION_SYMBOL} ${sorted[start]})`
      : `(and (>= ${ACTION_SYMBOL} ${sorted[start]}) (<= ${ACTION_SYMBOL} ${sorted[end]}))`);
    start = end + 1;
  }
  return or(...terms);
}

const ACTION_SYMBOL = `|${ACTION}|`;

/** A condition key's value in the request. */
export interface KeyValue {
  /** When the key is in the request. */
  readonly present: Term;
  readonly type: 'string' | 'number' | 'date' | 'bool';
  /** string: the value's parts; number, date: an Int or Real term; bool: a Bool term. */
  readonly value: Value | Term;
  /** A multivalued key's further values (each with its own presence), besides `value`. */
  readonly elements?: ReadonlyArray<{ readonly present: Term; readonly value: Value }>;
}

/**
 * Keys with several values in one request (reference_policies_condition-single-vs-multi-valued-context-keys.html).
 */
const MULTIVALUED_KEYS = new Set([
  'aws:principalorgpaths', 'aws:tagkeys', 'aws:principalservicenameslist', 'aws:calledvia', 'kms:encryptioncontextkeys',
  'kms:grantoperations', 'aws:sourceorgpaths',
]);

/** Keys of the principal's account and tags (reference_policies_condition-keys.html#condition-keys-principal-properties). */
const PRINCIPAL_KEYS = /^aws:(principalorgid|principalorgpaths|principaltag\/.*)$/i;

export function isMultivalued(key: string): boolean {
  return MULTIVALUED_KEYS.has(key.toLowerCase());
}

/**
 * aws:SourceArn of a request to an event bus as a part of the request (SOURCE_ARN), for the
 * questions on a bus to fix (encodings.ts busEncoding); elsewhere it stays a free key.
 */
export function sourceArnKey(solver: Solver): KeyValue {
  solver.declareString(SOURCE_ARN);
  return { present: solver.declare(`${SOURCE_ARN}:present`, 'Bool'), type: 'string', value: [{ variable: SOURCE_ARN }] };
}

/**
 * aws:SourceAccount of a request to an event bus, "the account where the rule specified by
 * aws:SourceArn exists" (eb-use-conditions.html): in the request exactly when aws:SourceArn is. Its
 * value is not tied to that ARN's account (any account: a wider question, never a narrower one).
 */
export function sourceAccountKey(solver: Solver, sourceArn: KeyValue): KeyValue {
  solver.declareString(SOURCE_ACCOUNT, DIGITS, 12);
  return { present: sourceArn.present, type: 'string', value: [{ variable: SOURCE_ACCOUNT }] };
}

/** The request the solver reasons about, for one question. */
export class RequestModel {
  private readonly keys = new Map<string, KeyValue>();
  /** Condition keys nothing ties to the request (any value, or absent), by key and type. */
  public readonly free = new Map<string, { readonly key: string; readonly type: KeyValue['type']; readonly value: KeyValue; readonly variable: string }>();

  public get freeKeys(): Set<string> {
    return new Set([...this.free.values()].map(item => item.key));
  }

  /**
   * @param fixed keys the question fixes (the access point a request goes through, what KMS sees when S3 calls it)
   * @param elementCounts how many values a multivalued key needs here (one per set condition on it, which is enough:
   *   a formula over n tests of "some value matches" holds of some set of at most n values if of any set)
   */
  constructor(
    public readonly solver: Solver,
    private readonly fixed: ReadonlyMap<string, KeyValue>,
    private readonly elementCounts: ReadonlyMap<string, number>,
  ) {
    solver.declare(PRINCIPAL_TYPE, 'Int');
    solver.declare(ACTION, 'Int');
    solver.declare('context:aws:currenttime', 'Int');
    solver.declare('context:aws:securetransport', 'Bool');
    solver.declare('identity:unknown-principal-allows', 'Bool');
    solver.declareString(PRINCIPAL_ACCOUNT, DIGITS, 12);
    solver.declareString(PRINCIPAL_PATH, NO_COLON);
    solver.declareString(PRINCIPAL_SERVICE, '(re.+ re.allchar)');
    // S3 object keys are 1 to 1,024 bytes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
    // The upper bound is left out: a bounded loop slows z3's string solver by seconds per query, and
    // no policy can tell a key of 1,025 bytes from one of 1,024 by anything but its length.
    solver.declareString(OBJECT_KEY, '(re.+ re.allchar)');
  }

  public get principalType(): string {
    return `|${PRINCIPAL_TYPE}|`;
  }

  public principalIs(...types: PrincipalType[]): Term {
    return or(...types.map(type => `(= ${this.principalType} ${integer(type)})`));
  }

  /** An authenticated IAM principal of an account: its root user, a role session or a user. */
  public get isIamPrincipal(): Term {
    return this.principalIs(PrincipalType.ROOT, PrincipalType.ROLE, PrincipalType.USER);
  }

  public accountIs(account: string): Term {
    return this.solver.membership(PRINCIPAL_ACCOUNT, `(str.to_re ${smtString(account)})`);
  }

  /**
   * What holds of every request, whatever the policies. Includes what holds of the condition keys
   * made so far: call it once the formulas of the question are built.
   */
  public wellFormed(): Term {
    const path = (regex: string) => this.solver.membership(PRINCIPAL_PATH, regex);
    // The organization and the tags of the principal are in the request only for a principal of an
    // account (reference_policies_condition-keys.html#condition-keys-principalorgid: "included in
    // the request context only if the principal is a member of an organization"): never for an
    // anonymous request, whose policy would otherwise read as public where it names an organization.
    const principalKeys = [...this.free.values()].filter(free => PRINCIPAL_KEYS.test(free.key))
      .map(free => or(`(not ${free.value.present})`, this.isIamPrincipal));
    return and(
      ...principalKeys,
      `(>= ${this.principalType} 0)`, `(<= ${this.principalType} 4)`,
      `(>= ${ACTION_SYMBOL} 0)`, `(< ${ACTION_SYMBOL} ${ACTIONS.length})`,
      or(`(not ${this.principalIs(PrincipalType.ROOT)})`, path('(str.to_re "root")')),
      or(`(not ${this.principalIs(PrincipalType.ROLE)})`, path('(re.++ (str.to_re "role/") (re.+ re.allchar))')),
      or(`(not ${this.principalIs(PrincipalType.USER)})`, path('(re.++ (str.to_re "user/") (re.+ re.allchar))')),
    );
  }

  /** The principal's ARN, for the keys and Principal elements that name it. */
  public get principalArn(): Value {
    return ['arn:aws:iam::', { variable: PRINCIPAL_ACCOUNT }, ':', { variable: PRINCIPAL_PATH }];
  }

  /** The value of condition key `key` when a policy tests it as `type`. */
  public key(key: string, type: KeyValue['type']): KeyValue {
    const name = key.toLowerCase();
    const fixed = this.fixed.get(name);
    if (fixed) return fixed;
    const known = this.knownKey(name, type);
    if (known) return known;
    const id = `${name}#${type}`;
    const existing = this.keys.get(id);
    if (existing) return existing;
    const made = this.freeKey(`context:${id}`, name, type);
    this.keys.set(id, made);
    this.free.set(id, { key, type, value: made, variable: `context:${id}` });
    return made;
  }

  private knownKey(name: string, type: KeyValue['type']): KeyValue | undefined {
    const account: Value = [{ variable: PRINCIPAL_ACCOUNT }];
    switch (name) {
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount
      case 'aws:principalaccount':
        return type === 'string' ? { present: this.isIamPrincipal, type, value: account } : undefined;
      // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account
      case 'kms:calleraccount':
        return type === 'string' ? { present: this.isIamPrincipal, type, value: account } : undefined;
      case 'aws:principalarn':
        return type === 'string' ? { present: this.isIamPrincipal, type, value: this.principalArn } : undefined;
      case 'aws:principalservicename':
        return type === 'string' ? { present: this.principalIs(PrincipalType.SERVICE), type, value: [{ variable: PRINCIPAL_SERVICE }] } : undefined;
      // aws:CurrentTime and aws:SecureTransport are in every request (condition-keys-currenttime, condition-keys-securetransport).
      case 'aws:currenttime':
        return type === 'date' ? { present: TRUE, type, value: this.solver.declare('context:aws:currenttime', 'Int') } : undefined;
      case 'aws:securetransport':
        return type === 'bool' ? { present: TRUE, type, value: this.solver.declare('context:aws:securetransport', 'Bool') } : undefined;
      default:
        return undefined;
    }
  }

  private freeKey(variable: string, name: string, type: KeyValue['type']): KeyValue {
    const present = this.solver.declare(`${variable}:present`, 'Bool');
    switch (type) {
      case 'string': {
        this.solver.declareString(variable);
        const value: Value = [{ variable }];
        if (!MULTIVALUED_KEYS.has(name)) return { present, type, value };
        const elements: Array<{ present: Term; value: Value }> = [];
        for (let index = 1; index < (this.elementCounts.get(name) ?? 1); index++) {
          this.solver.declareString(`${variable}#${index}`);
          elements.push({ present: and(present, this.solver.declare(`${variable}#${index}:present`, 'Bool')), value: [{ variable: `${variable}#${index}` }] });
        }
        return { present, type, value, elements };
      }
      case 'number':
        return { present, type, value: this.solver.declare(variable, 'Real') };
      case 'date':
        return { present, type, value: this.solver.declare(variable, 'Int') };
      case 'bool':
        return { present, type, value: this.solver.declare(variable, 'Bool') };
    }
  }
}
