/**
 * A bucket whose name CloudFormation generates: the analyzer matches policies to buckets by name,
 * so review says it did not analyze it rather than leave it out in silence.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { runCli } from './compiled-cli';
import { AccessLevel, SharedBucket } from '../../lib';

const outdir = mkdtempSync(join(tmpdir(), 'review-unnamed-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('review names the bucket it could not analyze, in text and JSON, and the exit code stays the findings\'', () => {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Owner', { env: { account: '111111111111', region: 'eu-west-1' } });
  new SharedBucket(stack, 'Shared', {
    consumers: [{ accountId: '222222222222', principalArns: ['arn:aws:iam::222222222222:role/Reader'], prefix: 'reports/', access: AccessLevel.READ }],
  });
  // A plain bucket beside it, named by CloudFormation, that another account may read.
  new s3.Bucket(stack, 'Plain').grantRead(new iam.AccountPrincipal('999999999999'));
  app.synth();
  const text = runCli(['review', outdir]);
  expect(text.status).toBe(0);
  // The SharedBucket's access log bucket is named by CloudFormation too.
  const line = 'Not analyzed, their names generated at deployment (the analyzer matches policies to buckets by name; give them a bucketName to have ' +
    'their access decided): Owner/Shared/AccessLogs/Resource, Owner/Plain/Resource.';
  expect(text.stdout.split('\n')).toContain(line);
  const json = JSON.parse(runCli(['review', outdir, '--json']).stdout);
  expect(json.notAnalyzed).toEqual([line]);
}, 120_000);
