/**
 * What the analyzer is asked and what it answers, as data: a request to explain, the kind of
 * request to look for, and the answers (a verdict with its evidence, a request found, the
 * accesses of a bucket). PolicyAnalyzer (analyzer.ts) takes and returns these.
 */
import { IntendedGrant } from './intent';
import { Symbolic } from './pattern';
import { StatementSource } from './policy';
import { RequestModel } from './request';
import { Term } from './terms';

/** A request, as `explain` takes it. */
export interface AccessRequest {
  /** An IAM ARN (`arn:aws:iam::<account>:role/<name>`, `...:user/<name>`, `...:root`), `anonymous`, or a service principal. */
  readonly principal: string;
  readonly action: string;
  readonly bucket: string;
  /** The object key, for object actions. */
  readonly key?: string;
  /** Instead of `key`: every key under this prefix (allowed when allowed for each of them). */
  readonly keyPrefix?: string;
  /** An access point of the bucket, by name, that the request goes through. */
  readonly accessPoint?: string;
  /** Values of condition keys; keys not given are absent, except aws:SecureTransport (true) and aws:CurrentTime (now). */
  readonly context?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

/** A request the solver found, written out. */
export interface FoundRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly accessPoint?: string;
  readonly context: Readonly<Record<string, string | number | boolean | string[]>>;
  /** Statements that allow it. */
  readonly allowedBy: readonly string[];
  /** The same statements, where they stand. */
  readonly allowedBySources: readonly StatementSource[];
  /** Unknowns it relies on, with the values it takes them at. */
  readonly assuming: readonly string[];
}

export interface AccessAnswer {
  readonly allowed: boolean;
  /** Allowed for some values of what the analyzer does not know, denied for others. */
  readonly undecided: boolean;
  readonly allowedBy: readonly string[];
  readonly deniedBy: readonly string[];
  /** Documents the request needs that do not allow it. */
  readonly missing: readonly string[];
  readonly assuming: readonly string[];
  /** With `otherKeys: 'any'`: values of keys the request did not give under which it is allowed. */
  readonly provided: Readonly<Record<string, string | number | boolean>>;
  /** Condition keys the policies test that nothing ties to the request: absent unless given. */
  readonly freeKeys: readonly string[];
}

export interface AccessQuestion {
  readonly bucket: string;
  /** Only principals outside this account (default: any principal). */
  readonly outsideAccount?: string;
  /** Only these actions (default: every S3 action on the bucket or its objects). */
  readonly actions?: readonly string[];
  /** Only requests at this time (default: any time). */
  readonly at?: Date;
  /** Only requests of this principal (an IAM ARN). */
  readonly principal?: string;
  /** Only requests these grants do not intend. */
  readonly notIntended?: readonly IntendedGrant[];
}

/** What principals outside the bucket's account can do through one path, from the policies. */
export interface Access {
  /** The principal: an ARN, `account <id> (any principal)`, `any other AWS account`, `anonymous (public)`, `service <name>`. */
  readonly who: string;
  readonly account?: string;
  /** The access point's ARN; undefined for the bucket itself. */
  readonly accessPoint?: string;
  /** The role of the bucket's account the principal assumes to act (through-role.ts); undefined when it acts as itself. */
  readonly throughRole?: string;
  readonly actions: readonly string[];
  /** The statements that allow them: construct path (or logical id), document, Sid. */
  readonly statements: readonly string[];
  /** The same statements, where they stand. */
  readonly statementSources: readonly StatementSource[];
  /** Unknowns the access relies on. */
  readonly assuming: readonly string[];
  /** Whether the intents given cover every request of this access, some, or none. */
  readonly intended: 'yes' | 'partly' | 'no';
  /** A request of this access no intent covers. */
  readonly unexplained?: FoundRequest;
}

/** One KMS request on a key of the templates. */
export interface KeyAccessRequest {
  readonly principal: string;
  /** A KMS action, for example kms:Decrypt. */
  readonly action: string;
  /** The key's ARN as the templates write it (PolicyAnalyzer.bucketEncryption). */
  readonly keyArn: Symbolic;
  /** Values of condition keys (kms:ViaService, kms:EncryptionContext:aws:s3:arn, ...); the others are absent. */
  readonly context?: AccessRequest['context'];
}

/** PolicyAnalyzer.review: what accesses, findUnexplainedAccess and findPublicAccess answer for one bucket. */
export interface BucketReview {
  readonly access: readonly Access[];
  readonly unexplained?: FoundRequest;
  readonly public?: FoundRequest;
}

/** A request on a KMS key, and the key (construct path or logical id). */
export interface KeyRequest extends FoundRequest {
  readonly key: string;
}

/** What PolicyAnalyzer.allowedFormula returns. */
export interface AllowedFormula {
  /** "IAM allows the request", over the model's variables. */
  readonly allowed: Term;
  /** What holds of every request. */
  readonly wellFormed: Term;
  readonly model: RequestModel;
  /** The unknowns the formula uses (`unknown!N`), with what each stands for. */
  readonly unknowns: ReadonlyMap<string, string>;
}

/** One request to an event bus of the templates (PolicyAnalyzer.isPutEventsAllowed). */
export interface EventBusRequest {
  /** An IAM ARN, `anonymous`, or a service principal. */
  readonly principal: string;
  /** The bus's ARN: `arn:aws:events:<region>:<account>:event-bus/<name>`. */
  readonly busArn: string;
  /** An EventBridge action on the bus or a rule on it. @default events:PutEvents */
  readonly action?: string;
  /** aws:SourceArn, the ARN of the rule that sends the event; undefined for a direct call, which has none. */
  readonly sourceArn?: string;
  /** For an action on a rule of the bus: the rule's name. */
  readonly ruleName?: string;
  /** Values of other condition keys, as AccessRequest's. */
  readonly context?: AccessRequest['context'];
}

/** What a bus's owner means principals of another account to do on it (findEventBusAccess leaves these out). */
export interface EventBusIntent {
  readonly account: string;
  /** Only these actions. @default - every action on the bus and its rules */
  readonly actions?: readonly string[];
  /** Only events a rule of this ARN sends (aws:SourceArn). @default - with any aws:SourceArn or none */
  readonly sourceArn?: string;
}
