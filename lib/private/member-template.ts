import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, App, BootstraplessSynthesizer, Stack } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { IConstruct } from 'constructs';
import { addWarning } from './warnings';

/**
 * The template a StackSet deploys in every member account, built by CDK from the library's own
 * constructs and inlined as the StackSet's TemplateBody.
 *
 * It is synthesized in an app of its own, never part of the caller's cloud assembly (the CDK CLI
 * would otherwise list and deploy it as a stack of its own), into a temporary directory that is
 * removed afterwards. cdklabs/cdk-stacksets keeps its StackSet stack in the caller's app and
 * uploads the template as a file asset of the parent stack (TemplateURL); inlining the body
 * instead needs no asset and no bootstrap bucket, and is what a member template of two IAM
 * resources can afford.
 *
 * The stack is environment-agnostic (`AWS::AccountId` resolves in each member account) and
 * uses aws-cdk-lib's BootstraplessSynthesizer: a DefaultStackSynthesizer with
 * `generateBootstrapVersionRule: false`, so the template has no `BootstrapVersion` parameter and
 * no `CheckBootstrapVersion` rule, which would read an SSM parameter that only a CDK bootstrap
 * stack creates, and it refuses assets, which member accounts would have no bucket for. Version
 * reporting (`CDKMetadata`) and `aws:cdk:path` metadata are off, so the body is the same under
 * the CDK CLI as in a test.
 */
export class MemberTemplate {
  /** The member stack, to build the template in. */
  public readonly stack: Stack;
  private readonly outdir: string;

  constructor() {
    this.outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cross-account-bucket-member-'));
    const app = new App({
      // Explicit: under the CDK CLI, CDK_OUTDIR names the caller's cloud assembly.
      outdir: this.outdir,
      autoSynth: false,
      analyticsReporting: false,
      treeMetadata: false,
      stackTraces: false,
      // The CLI turns path metadata on through the context it passes; it would only add bytes.
      postCliContext: { [cxapi.PATH_METADATA_ENABLE_CONTEXT]: false },
    });
    this.stack = new Stack(app, 'Member', { synthesizer: new BootstraplessSynthesizer(), analyticsReporting: false });
  }

  /**
   * Synthesizes the member stack and removes the temporary directory: the template, and the
   * warnings and errors that synth reported on the member stack's constructs.
   */
  public synthesize(): MemberSynthesis {
    try {
      const assembly = (this.stack.node.root as App).synth();
      const artifact = assembly.getStackArtifact(this.stack.artifactId);
      const messages = artifact.messages.map(message => ({
        level: message.level,
        path: message.id,
        text: String(message.entry.data),
      }));
      return { template: artifact.template, messages };
    } finally {
      this.dispose();
    }
  }

  /** Removes the temporary directory (synthesize does so itself). */
  public dispose(): void {
    fs.rmSync(this.outdir, { recursive: true, force: true });
  }
}

/** What synth said about a construct of the member stack. */
export interface MemberMessage {
  /** `info`, `warning` or `error` (cx-api SynthesisMessageLevel). */
  readonly level: string;
  /** The construct's path in the member app. */
  readonly path: string;
  readonly text: string;
}

export interface MemberSynthesis {
  readonly template: Record<string, unknown>;
  readonly messages: MemberMessage[];
}

/**
 * Hands what synth said about the member stack on to `scope`, where the caller's synth reports
 * it: an error fails synth there, a warning stays acknowledgeable by its id (the text ends in
 * `[ack: <id>]`, as Annotations writes it).
 */
export function reportMemberMessages(scope: IConstruct, messages: MemberMessage[]): void {
  for (const message of messages) {
    const text = `In the member template, ${message.path}: ${message.text}`;
    if (message.level === 'error') {
      Annotations.of(scope).addError(text);
    } else if (message.level === 'warning') {
      const id = /\[ack: ([^\]]+)\]$/.exec(message.text)?.[1];
      const withoutAck = text.replace(/ \[ack: [^\]]+\]$/, '');
      if (id === undefined) {
        Annotations.of(scope).addWarning(text);
      } else {
        addWarning(scope, id, withoutAck);
      }
    }
  }
}

/**
 * The most a StackSet's TemplateBody may hold: 51,200 bytes (CloudFormation API reference,
 * CreateStackSet and UpdateStackSet, TemplateBody: "a minimum length of 1 byte and a maximum
 * length of 51,200 bytes").
 */
export const TEMPLATE_BODY_LIMIT = 51_200;

/** A template body's size as CloudFormation counts it: bytes of its UTF-8 text. */
export function templateBodySize(body: string): number {
  return Buffer.byteLength(body, 'utf8');
}

/** The synth error for a template body over TEMPLATE_BODY_LIMIT, naming `description`; undefined within it. */
export function templateBodyProblem(description: string, body: string): string | undefined {
  const size = templateBodySize(body);
  if (size <= TEMPLATE_BODY_LIMIT) {
    return undefined;
  }
  return `The ${description} would be ${size.toLocaleString('en-US')} bytes, over CloudFormation's limit of ` +
    `${TEMPLATE_BODY_LIMIT.toLocaleString('en-US')} bytes for a StackSet's TemplateBody.`;
}

/**
 * The references in `value` (resolved in the member stack, before anything was added to it) that
 * cannot deploy in a member account: a `Ref` to anything but a pseudo parameter, `Fn::GetAtt`,
 * `Fn::ImportValue`, `Fn::FindInMap`, `Fn::If`, and such names in an `Fn::Sub`. Each as the
 * template writes it, for example `{"Fn::GetAtt":["AdminRole1F2B","Arn"]}`.
 */
export function foreignReferences(value: unknown): string[] {
  const found: string[] = [];
  const visit = (item: unknown): void => {
    if (Array.isArray(item)) {
      item.forEach(visit);
      return;
    }
    if (item === null || typeof item !== 'object') {
      return;
    }
    const entries = Object.entries(item);
    const [name, argument] = entries.length === 1 ? entries[0] : [undefined, undefined];
    if (name === 'Ref') {
      if (!String(argument).startsWith('AWS::')) {
        found.push(JSON.stringify(item));
      }
      return;
    }
    if (name === 'Fn::GetAtt' || name === 'Fn::ImportValue' || name === 'Fn::FindInMap' || name === 'Fn::If') {
      found.push(JSON.stringify(item));
      return;
    }
    if (name === 'Fn::Sub') {
      const [text, variables] = typeof argument === 'string' ? [argument, {}] : argument as [string, Record<string, unknown>?];
      for (const match of String(text).matchAll(/\$\{(?!!)([^}]*)\}/g)) {
        if (!(match[1] in (variables ?? {})) && !match[1].startsWith('AWS::')) {
          found.push(`{"Fn::Sub":"...\${${match[1]}}..."}`);
        }
      }
      visit(Object.values(variables ?? {}));
      return;
    }
    entries.forEach(([, child]) => visit(child));
  };
  visit(value);
  return found;
}
