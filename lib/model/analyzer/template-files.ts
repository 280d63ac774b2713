/**
 * Reading templates from disk: every stack of a cloud assembly (its nested assemblies, the stages,
 * and nested stacks included), with its environment and construct paths, or a plain CloudFormation
 * template file. template.ts collects their policies.
 */
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { Resolver } from './intrinsics';
import { Symbolic } from './pattern';

export interface StackEnvironment {
  readonly account?: string;
  readonly region?: string;
  readonly partition: string;
}

export interface LoadedStack {
  /** The artifact id (or file name) the stack is known by. */
  readonly id: string;
  readonly stackName: string;
  readonly environment: StackEnvironment;
  readonly template: any;
  /** Values of the template's parameters that a parent stack passes (nested stacks). */
  readonly parameters?: ReadonlyMap<string, Symbolic>;
  readonly source: string;
  /** Construct paths by logical id, from the assembly's metadata (the template's own `aws:cdk:path` wins). */
  readonly constructPaths?: ReadonlyMap<string, string>;
}

/** Reads every stack of a cloud assembly, its nested assemblies (stages) and nested stacks. */
export function loadAssembly(directory: string): LoadedStack[] {
  const manifestPath = join(directory, 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`${directory} is not a cloud assembly: it has no manifest.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const stacks: LoadedStack[] = [];
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      stacks.push(...loadAssembly(join(directory, artifact.properties.directoryName)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const environment = /^aws:\/\/([^/]*)\/(.*)$/.exec(artifact.environment ?? '');
    const account = environment && /^[0-9]{12}$/.test(environment[1]) ? environment[1] : undefined;
    const region = environment && !environment[2].startsWith('unknown') ? environment[2] : undefined;
    const templateFile = join(directory, artifact.properties.templateFile);
    const stackName = artifact.properties.stackName ?? id;
    const constructPaths = new Map<string, string>();
    // aws-cdk-lib writes the metadata into manifest.json, or since 2.180 into a file of its own.
    const metadata = artifact.additionalMetadataFile
      ? JSON.parse(readFileSync(join(directory, artifact.additionalMetadataFile), 'utf8'))
      : artifact.metadata ?? {};
    for (const [path, entries] of Object.entries<any>(metadata)) {
      for (const entry of entries ?? []) {
        if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') constructPaths.set(entry.data, path.replace(/^\//, ''));
      }
    }
    const stack: LoadedStack = {
      id,
      stackName,
      environment: { account, region, partition: 'aws' },
      template: JSON.parse(readFileSync(templateFile, 'utf8')),
      source: templateFile,
      constructPaths,
    };
    stacks.push(stack, ...nestedStacks(stack, directory, assetFiles(directory, manifest, id)));
  }
  return stacks;
}

/** The file assets of a stack (its nested stacks' templates among them), by hash. */
function assetFiles(directory: string, manifest: any, stackId: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'cdk:asset-manifest' || !String(artifact.properties?.file ?? '').startsWith(`${stackId}.assets`)) continue;
    const assets = JSON.parse(readFileSync(join(directory, artifact.properties.file), 'utf8'));
    for (const [hash, file] of Object.entries<any>(assets.files ?? {})) {
      if (typeof file.source?.path === 'string') files.set(hash, file.source.path);
    }
  }
  return files;
}

/** Reads a plain CloudFormation template file (JSON), deployed to `environment`. */
export function loadTemplate(file: string, environment: StackEnvironment): LoadedStack {
  const id = file.replace(/^.*\//, '').replace(/\.template\.json$|\.json$/, '');
  const stack: LoadedStack = { id, stackName: id, environment, template: JSON.parse(readFileSync(file, 'utf8')), source: file };
  return stack;
}

/**
 * A nested stack's template is a file asset of its parent: found by the asset path CDK writes in
 * the resource's metadata, or else by the hash its TemplateURL names in the parent's asset manifest.
 */
function nestedStacks(parent: LoadedStack, directory: string, assets: ReadonlyMap<string, string>): LoadedStack[] {
  const out: LoadedStack[] = [];
  for (const [logicalId, resource] of Object.entries<any>(parent.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
    const hash = /([0-9a-f]{64})\.json/.exec(JSON.stringify(resource.Properties?.TemplateURL ?? ''))?.[1];
    const assetPath = resource.Metadata?.['aws:asset:path'] ?? (hash ? assets.get(hash) : undefined);
    if (typeof assetPath !== 'string' || !existsSync(join(directory, assetPath))) continue;
    const resolver = new Resolver(parent);
    const parameters = new Map<string, Symbolic>();
    for (const [name, value] of Object.entries<any>(resource.Properties?.Parameters ?? {})) {
      parameters.set(name, resolver.symbolic(value, `${logicalId}.Parameters.${name}`));
    }
    const stack: LoadedStack = {
      id: `${parent.id}/${logicalId}`,
      stackName: `${parent.stackName}-${logicalId}`,
      environment: parent.environment,
      template: JSON.parse(readFileSync(join(directory, assetPath), 'utf8')),
      parameters,
      source: join(directory, assetPath),
    };
    out.push(stack, ...nestedStacks(stack, dirname(join(directory, assetPath)), assets));
  }
  return out;
}
