/**
 * Cloud assemblies for a test file: each app synthesized into a fresh folder of one temporary
 * workspace, which is removed once the file's tests are done.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'aws-cdk-lib';

export class AssemblyWorkspace {
  /** The workspace folder. */
  public readonly folder: string;
  private folders = 0;

  /** Call at the top level of a test file: the folder is removed after its tests (`afterAll`). */
  constructor(name: string) {
    const folder = mkdtempSync(join(tmpdir(), `${name}-`));
    this.folder = folder;
    afterAll(() => rmSync(folder, { recursive: true, force: true }));
  }

  /** A new folder name in the workspace (not created). */
  public next(): string {
    return join(this.folder, `assembly-${++this.folders}`);
  }

  /** Synthesizes the app `build` fills into a fresh folder of its own; returns the folder. */
  public readonly synthesize = (build: (app: App) => void): string => {
    const app = new App({ outdir: this.next() });
    build(app);
    return app.synth().directory;
  };
}
