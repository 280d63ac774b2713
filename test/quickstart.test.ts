import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ts from 'typescript';
import * as library from '../lib';

// README's quick start is examples/quickstart/app.ts, word for word. CI synthesizes that app from
// the packed tarball (npx projen smoke:typescript); these tests keep README and the app in step,
// and run the app against lib/ to check what README says about its stack outputs.

const ROOT = path.resolve(__dirname, '..');
const QUICKSTART = path.join(ROOT, 'examples', 'quickstart');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const APP_SOURCE = fs.readFileSync(path.join(QUICKSTART, 'app.ts'), 'utf8');

/** The body of README's one code block with the given info string. */
function readmeBlock(info: string): string {
  const blocks = [...README.matchAll(/^```(.*)\n([\s\S]*?)^```$/gm)].filter(match => match[1] === info);
  expect(blocks).toHaveLength(1);
  return blocks[0][2];
}

/** The README section from `heading` to the next heading of the same or a higher level. */
function readmeSection(heading: string): string {
  const start = README.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const level = heading.split(' ')[0];
  const next = README.slice(start + heading.length + 2).search(new RegExp(`^#{1,${level.length}} `, 'm'));
  return README.slice(start, next < 0 ? undefined : start + heading.length + 2 + next);
}

/**
 * Runs examples/quickstart/app.ts with 'cdk-cross-account-bucket' resolved to lib/ and returns
 * the template of each stack of its App.
 */
function synthesizeQuickstart(): Record<string, Template> {
  const { outputText } = ts.transpileModule(APP_SOURCE, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const apps: cdk.App[] = [];
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'quickstart-'));
  class CapturedApp extends cdk.App {
    constructor(props: cdk.AppProps = {}) {
      super({ ...props, outdir });
      apps.push(this);
    }
  }
  const modules: Record<string, unknown> = {
    'aws-cdk-lib': new Proxy(cdk, { get: (target, name) => name === 'App' ? CapturedApp : Reflect.get(target, name) }),
    'cdk-cross-account-bucket': library,
  };
  const requireModule = (name: string): unknown => {
    if (!(name in modules)) {
      throw new Error(`examples/quickstart/app.ts imports ${name}: add it to the test's modules`);
    }
    return modules[name];
  };
  try {
    new Function('require', 'exports', outputText)(requireModule, {});
    expect(apps).toHaveLength(1);
    // The app has called synth() itself; this returns that cloud assembly.
    const assembly = apps[0].synth();
    return Object.fromEntries(assembly.stacks.map(stack => [stack.stackName, Template.fromJSON(stack.template)]));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

test("README's quick start is examples/quickstart/app.ts", () => {
  expect(readmeBlock('ts fixture=complete-app')).toEqual(APP_SOURCE);
});

test('the complete-app fixture adds no code of its own', () => {
  const fixture = fs.readFileSync(path.join(ROOT, 'rosetta', 'complete-app.ts-fixture'), 'utf8');
  const code = fixture.split('\n').filter(line => line.trim() !== '' && !line.trim().startsWith('//'));
  expect(code).toEqual([]);
  expect(fixture).toContain('/// here');
});

test('the quick start pins the aws-cdk-lib, constructs and CDK CLI versions the project develops against', () => {
  const quickstart = JSON.parse(fs.readFileSync(path.join(QUICKSTART, 'package.json'), 'utf8'));
  const root = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const pinned = { ...quickstart.dependencies, ...quickstart.devDependencies };
  for (const name of ['aws-cdk-lib', 'constructs', 'aws-cdk']) {
    expect([name, pinned[name]]).toEqual([name, root.devDependencies[name]]);
  }
  // The library comes from the tarball smoke:typescript installs, never from the registry.
  expect(pinned['cdk-cross-account-bucket']).toBeUndefined();
});

test("README's table of stack outputs lists exactly the quick start's outputs", () => {
  const templates = synthesizeQuickstart();
  expect(Object.keys(templates).sort()).toEqual(['SharedDataConsumer', 'SharedDataOwner', 'SharedDataThirdParty']);

  const listed: Record<string, string[]> = {};
  let stack = '';
  for (const row of readmeSection('### Stack outputs').matchAll(/^\| (`(\w+)`)? *\| `(\w+)` \|/gm)) {
    stack = row[2] ?? stack;
    (listed[stack] ??= []).push(row[3]);
  }
  const synthesized = Object.fromEntries(Object.entries(templates)
    .map(([name, template]) => [name, Object.keys(template.findOutputs('*'))]));
  expect(listed).toEqual(synthesized);
});
