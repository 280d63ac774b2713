import { existsSync, readFileSync, statSync } from 'fs';
import { join, resolve } from 'path';
import { RECORD_METADATA_TYPE, RECORD_VERSION, RecordData } from '../model/record';

/** An error the CLI prints as one line and exits non-zero on, without a stack trace. */
export class CliError extends Error {
  constructor(message: string, public readonly exitCode: number = 2) {
    super(message);
  }
}

/** One record found in a cloud assembly, with where it was found. */
export interface FoundRecord {
  /** The cloud assembly folder it came from, as given. */
  readonly assembly: string;
  /** The stack's display name (`Stage/Stack` for a stack in a stage). */
  readonly stack: string;
  /** The construct path of the construct that wrote it. */
  readonly path: string;
  readonly data: RecordData;
}

interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

interface Artifact {
  readonly type: string;
  readonly displayName?: string;
  readonly metadata?: Record<string, MetadataEntry[]>;
  readonly additionalMetadataFile?: string;
  readonly properties?: { readonly directoryName?: string };
}

/**
 * Every record in a cloud assembly and in the assemblies of its stages. The manifest holds a
 * stack's metadata itself, or names a file beside it (`additionalMetadataFile`, written by newer
 * aws-cdk-lib versions); both are read.
 */
export function readRecords(directory: string): FoundRecord[] {
  const records: FoundRecord[] = [];
  readAssembly(directory, resolve(directory), records, new Set());
  return records;
}

function readAssembly(given: string, folder: string, records: FoundRecord[], seen: Set<string>): void {
  if (seen.has(folder)) {
    return;
  }
  seen.add(folder);
  const manifestFile = join(folder, 'manifest.json');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new CliError(`${given} is not a folder: give the cloud assembly folder cdk synth writes (by default cdk.out)`);
  }
  if (!existsSync(manifestFile)) {
    throw new CliError(`${given} is not a cloud assembly: it has no manifest.json (run cdk synth first, or give the folder it writes to)`);
  }
  const manifest = parseJson(manifestFile, given) as { artifacts?: Record<string, Artifact> };
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName !== undefined) {
      readAssembly(given, join(folder, artifact.properties.directoryName), records, seen);
    } else if (artifact.type === 'aws:cloudformation:stack') {
      const metadata = artifact.additionalMetadataFile === undefined
        ? artifact.metadata ?? {}
        : parseJson(join(folder, artifact.additionalMetadataFile), given) as Record<string, MetadataEntry[]>;
      for (const [path, entries] of Object.entries(metadata)) {
        for (const entry of entries) {
          if (entry.type === RECORD_METADATA_TYPE) {
            records.push({ assembly: given, stack: artifact.displayName ?? id, path, data: checkVersion(entry.data, path, given) });
          }
        }
      }
    }
  }
}

function checkVersion(data: unknown, path: string, given: string): RecordData {
  const version = (data as { version?: unknown } | undefined)?.version;
  if (version !== RECORD_VERSION) {
    throw new CliError(`${given}: the record of ${path} has version ${JSON.stringify(version)}; this CLI reads version ${RECORD_VERSION} ` +
      '(synthesize with the same version of cdk-cross-account-bucket as this CLI)');
  }
  return data as RecordData;
}

function parseJson(file: string, given: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`${given}: cannot read ${file}: ${(error as Error).message}`);
  }
}
