/**
 * Compiles the TypeScript examples of docs/*.md with jsii-rosetta, as rosetta:extract compiles
 * README's: --strict, the fixtures of rosetta/, against the compiled library. jsii-rosetta reads
 * markdown only from an assembly (the package's README and its submodules' READMEs), so this
 * writes a copy of the assembly whose only READMEs are the docs, each as a submodule README,
 * into node_modules/.cache/rosetta-docs (the package's files linked beside it), and runs
 * `jsii-rosetta extract --strict` over that copy. A snippet that does not compile fails it,
 * naming the docs file. Run after `npx projen compile` (post-compile runs it).
 *
 *   npx projen rosetta:docs
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';

const ROOT = resolve(__dirname, '..');
const DOCS = join(ROOT, 'docs');
const COPY = join(ROOT, 'node_modules', '.cache', 'rosetta-docs');

const assembly = JSON.parse(readFileSync(join(ROOT, '.jsii'), 'utf8'));
const docs = readdirSync(DOCS).filter(name => name.endsWith('.md')).sort();
if (docs.length === 0) {
  throw new Error('docs/ holds no .md file');
}

// The submodule's name says which file a failing snippet is in (jsii-rosetta prints it).
const submodules: Record<string, unknown> = {};
for (const name of docs) {
  submodules[`${assembly.name}.docs_${name.replace(/\.md$/, '').replace(/[^A-Za-z0-9]/g, '_')}`] = {
    readme: { markdown: readFileSync(join(DOCS, name), 'utf8') },
  };
}

rmSync(COPY, { recursive: true, force: true });
mkdirSync(COPY, { recursive: true });
try {
  // README's own examples are rosetta:extract's: leave them out here.
  writeFileSync(join(COPY, '.jsii'), JSON.stringify({ ...assembly, readme: undefined, submodules: { ...assembly.submodules, ...submodules } }));
  writeFileSync(join(COPY, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  // The compiled library (its types), the fixtures.
  for (const linked of ['build', 'rosetta']) {
    symlinkSync(join(ROOT, linked), join(COPY, linked));
  }
  try {
    execFileSync('npx', ['--no-install', 'jsii-rosetta', 'extract', '--strict', COPY], { cwd: ROOT, stdio: 'inherit' });
    console.log(`docs/: the TypeScript examples of ${docs.length} files compile (${docs.join(', ')})`);
  } catch {
    // jsii-rosetta has printed each error; 'docs_<file>-README-L<line>' is the file and the line.
    console.error('docs/: an example does not compile (above: docs_<file>-README-L<line of its block>)');
    process.exitCode = 1;
  }
} finally {
  if (existsSync(COPY)) {
    rmSync(COPY, { recursive: true, force: true });
  }
}
