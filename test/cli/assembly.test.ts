/**
 * Reading the review records out of a cloud assembly (lib/cli/assembly.ts): where a stack's
 * metadata is kept, nested stage assemblies, and a clear error for what is not an assembly or
 * holds a record this CLI cannot read. What the records say is in test/private/record-writer.test.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { SharedBucket } from '../../lib';
import { CliError, readRecords } from '../../lib/cli/assembly';
import { RECORD_METADATA_TYPE } from '../../lib/model/record';
import { AssemblyWorkspace } from '../assemblies';

const OWNER = '111111111111';

const assemblies = new AssemblyWorkspace('assembly');
const workspace = assemblies.folder;
const synthesize = assemblies.synthesize;

function ownerStack(scope: App | Stage): void {
  const stack = new Stack(scope, 'Owner', { env: { account: OWNER, region: 'eu-west-1' } });
  new SharedBucket(stack, 'Shared', { bucketName: 'recorded-bucket' });
}

/** Where each record was found: assembly folder as given, stack, construct path. */
function places(directory: string): string[][] {
  return readRecords(directory).map(record => [record.assembly, record.stack, record.path, record.data.kind]);
}

test('metadata kept in the manifest itself (aws-cdk-lib before additionalMetadataFile) reads as metadata in its own file', () => {
  const directory = synthesize(ownerStack);
  const before = readRecords(directory);
  expect(places(directory)).toEqual([[directory, 'Owner', '/Owner/Shared', 'SharedBucket']]);
  const manifestFile = join(directory, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const artifact = manifest.artifacts.Owner;
  artifact.metadata = JSON.parse(readFileSync(join(directory, artifact.additionalMetadataFile), 'utf8'));
  delete artifact.additionalMetadataFile;
  writeFileSync(manifestFile, JSON.stringify(manifest));
  expect(readRecords(directory)).toEqual(before);
});

test('the records of a stage\'s nested assembly are read with those of the app, under the stack\'s display name', () => {
  const directory = synthesize(app => {
    ownerStack(app);
    ownerStack(new Stage(app, 'Production'));
  });
  // In the manifest's order: the stage's assembly comes first.
  expect(places(directory)).toEqual([
    [directory, 'Production/Owner', '/Production/Owner/Shared', 'SharedBucket'],
    [directory, 'Owner', '/Owner/Shared', 'SharedBucket'],
  ]);
});

test('a record version this CLI does not know is refused, naming the construct, the version and the way out', () => {
  const directory = synthesize(ownerStack);
  const metadataFile = join(directory, 'Owner.metadata.json');
  const metadata = JSON.parse(readFileSync(metadataFile, 'utf8'));
  metadata['/Owner/Shared'].find((entry: { type: string }) => entry.type === RECORD_METADATA_TYPE).data.version = 2;
  writeFileSync(metadataFile, JSON.stringify(metadata));
  expect(() => readRecords(directory)).toThrow(CliError);
  expect(() => readRecords(directory)).toThrow(`${directory}: the record of /Owner/Shared has version 2; this CLI reads version 1 ` +
    '(synthesize with the same version of cdk-cross-account-bucket as this CLI)');
});

test('a folder that is no cloud assembly, a path that is no folder, and a manifest that is no JSON each get one clear error', () => {
  const empty = join(workspace, 'empty');
  const notJson = join(workspace, 'not-json');
  mkdirSync(empty);
  mkdirSync(notJson);
  writeFileSync(join(notJson, 'manifest.json'), '{');
  const errorOf = (directory: string) => {
    try {
      readRecords(directory);
    } catch (error) {
      return [error instanceof CliError, (error as Error).message];
    }
    return undefined;
  };
  expect([errorOf(empty), errorOf(join(empty, 'missing')), errorOf(notJson)]).toEqual([
    [true, `${empty} is not a cloud assembly: it has no manifest.json (run cdk synth first, or give the folder it writes to)`],
    [true, `${join(empty, 'missing')} is not a folder: give the cloud assembly folder cdk synth writes (by default cdk.out)`],
    [true, expect.stringMatching(new RegExp(`^${notJson}: cannot read ${join(notJson, 'manifest.json')}: `))],
  ]);
});
