/**
 * CrossAccountAccessPlugin: `cdk synth` stops on access the policies give that no recorded grant
 * intends, public access, denied actions and uncovered consumers; an app with only recorded
 * grants passes. It runs the compiled CLI (npx projen compile first).
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLevel, CrossAccountAccessPlugin, CrossAccountAccessPluginProps, SharedBucket } from '../lib';

jest.setTimeout(120_000);

const folders: string[] = [];
afterAll(() => folders.forEach(folder => rmSync(folder, { recursive: true, force: true })));

/** An owner app with the plugin; `extra` adds to the shared bucket. Returns the synth's error, if any. */
function synthesize(props: CrossAccountAccessPluginProps, extra: (shared: SharedBucket) => void = () => undefined): string | undefined {
  const outdir = mkdtempSync(join(tmpdir(), 'plugin-'));
  folders.push(outdir);
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new CrossAccountAccessPlugin(props));
  const stack = new Stack(app, 'Owner', { env: { account: '111111111111', region: 'eu-west-1' } });
  const shared = new SharedBucket(stack, 'Data', {
    bucketName: 'plugin-data-111111111111',
    consumers: [{ accountId: '222222222222', principalArns: ['arn:aws:iam::222222222222:role/Reader'], prefix: 'reports/', access: AccessLevel.READ_WRITE, allowDelete: true }],
  });
  extra(shared);
  // The validation report goes to the console as well; keep the test output quiet.
  const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    app.synth();
    return undefined;
  } catch (thrown) {
    return String((thrown as Error).message) + error.mock.calls.map(call => call.join(' ')).join('\n');
  } finally {
    error.mockRestore();
  }
}

const grantToAnotherAccount = (shared: SharedBucket) => shared.bucket.grantRead(new iam.AccountPrincipal('999999999999'));

test('an app with only recorded grants synthesizes', () => {
  expect(synthesize({})).toBeUndefined();
});

test('a grant the library did not write stops synth: UnexplainedAccess, on the bucket policy', () => {
  const failure = synthesize({}, grantToAnotherAccount);
  expect(failure).toMatch(/UnexplainedAccess/);
  expect(failure).toMatch(/account 999999999999 \(any principal\) can s3:GetBucketAbac, .*s3:GetObject.* on bucket plugin-data-111111111111/);
  expect(failure).toMatch(/DataBucketPolicy/);
});

test('acknowledged on the bucket policy the way aws-cdk-lib documents, it passes', () => {
  expect(synthesize({}, shared => {
    grantToAnotherAccount(shared);
    Validations.of(shared.bucket.policy!).acknowledge({ id: 'cdk-cross-account-bucket::UnexplainedAccess', reason: 'the auditors read everything' });
  })).toBeUndefined();
});

test('public access stops synth', () => {
  const failure = synthesize({}, shared => {
    shared.bucket.addToResourcePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [shared.bucket.arnForObjects('public/*')], principals: [new iam.AnyPrincipal()] }));
  });
  expect(failure).toMatch(/PublicAccess/);
  expect(failure).toMatch(/Anyone can access bucket plugin-data-111111111111/);
});

test('denyActions: an action a consumer outside the owner account can perform stops synth', () => {
  const failure = synthesize({ denyActions: ['s3:DeleteObject'] });
  expect(failure).toMatch(/DeniedAction/);
  expect(failure).toMatch(/s3:DeleteObject is allowed outside the owner account: arn:aws:iam::222222222222:role\/Reader s3:DeleteObject/);
  expect(synthesize({ denyActions: ['s3:DeleteObjectVersion'] })).toBeUndefined();
});

test('bad props fail at construction, naming the prop and the value', () => {
  expect(() => new CrossAccountAccessPlugin({ denyActions: ['s3:Frobnicate'] }))
    .toThrow(/CrossAccountAccessPlugin: denyActions: 's3:Frobnicate' is not an S3 or KMS action of the IAM catalogue/);
  expect(() => new CrossAccountAccessPlugin({ timeoutSeconds: 0 })).toThrow(/timeoutSeconds: 0 is not a positive number of seconds/);
});
