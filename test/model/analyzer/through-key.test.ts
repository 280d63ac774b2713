/**
 * KMS through S3 (lib/model/analyzer/through-key.ts): a read or write of an object of an SSE-KMS bucket
 * is allowed only when the KMS request S3 makes for the caller is, with the encryption context of
 * the object, or of the bucket when S3 Bucket Keys are on.
 */
import { ownerStack } from './fixtures';
import { PolicyAnalyzer } from '../../../lib/model/analyzer/analyzer';
import { collectPolicies } from '../../../lib/model/analyzer/template';
import { LoadedStack } from '../../../lib/model/analyzer/template-files';
import { isAllowedThroughKey, keyRequestFor } from '../../../lib/model/analyzer/through-key';
import { shutdownSolver } from '../../../lib/model/analyzer/z3-runtime';

const CONSUMER = '222222222222';
const BUCKET = 'keyed-data-111111111111';
const READER = `arn:aws:iam::${CONSUMER}:role/Reader`;

jest.setTimeout(120_000);
afterAll(() => shutdownSolver());

/** The bucket, encrypted with the stack's key, readable by READER under reports/; the key lets READER decrypt for `contexts`. */
function owner(bucketKey: boolean, contexts: string[], region = 'eu-west-1'): LoadedStack {
  const encryption = { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: bucketKey, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } } }] };
  return ownerStack(BUCKET, [{ Sid: 'Read', Effect: 'Allow', Principal: { AWS: READER }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/reports/*` }], {
    bucketProperties: { BucketEncryption: encryption },
    resources: {
      Key: {
        Type: 'AWS::KMS::Key',
        Properties: {
          KeyPolicy: {
            Statement: [{
              Sid: 'ReaderThroughS3',
              Effect: 'Allow',
              Principal: { AWS: READER },
              Action: 'kms:Decrypt',
              Resource: '*',
              Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': contexts } },
            }],
          },
        },
      },
    },
  });
}

const read = (key: string) => ({ principal: READER, action: 's3:GetObject', bucket: BUCKET, key });

describe('KMS through S3', () => {
  test('without S3 Bucket Keys the context is the object\'s ARN: a key policy for the objects under reports/ allows those only', async () => {
    const analyzer = await PolicyAnalyzer.create(collectPolicies([owner(false, [`arn:aws:s3:::${BUCKET}/reports/*`])]));
    expect(keyRequestFor(analyzer, read('reports/q1.csv'))).toEqual({
      action: 'kms:Decrypt',
      keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/<Owner/Key.KeyId>',
      keyArnValue: ['arn:aws:kms:eu-west-1:111111111111:key/', { unknown: 'Owner/Key.KeyId' }],
      context: {
        'kms:ViaService': 's3.eu-west-1.amazonaws.com',
        'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${BUCKET}/reports/q1.csv`,
        'kms:EncryptionContextKeys': ['aws:s3:arn'],
      },
    });
    const allowed = await isAllowedThroughKey(analyzer, read('reports/q1.csv'));
    expect([allowed.allowed, allowed.allowedBy]).toEqual([true, ['Owner/Policy bucket policy, statement "Read"', 'Owner/Key key policy, statement "ReaderThroughS3"']]);
  });

  test('with S3 Bucket Keys the context is the bucket\'s ARN: the same key policy no longer allows the read', async () => {
    const analyzer = await PolicyAnalyzer.create(collectPolicies([owner(true, [`arn:aws:s3:::${BUCKET}/reports/*`])]));
    const denied = await isAllowedThroughKey(analyzer, read('reports/q1.csv'));
    // S3 alone allows it; the key policy does not.
    expect((await analyzer.isAllowed(read('reports/q1.csv'))).allowed).toBe(true);
    expect([denied.allowed, denied.missing]).toEqual([false, ['key policy (kms:Decrypt through S3)']]);
  });

  test('a key statement for S3 in another region than the bucket\'s: denied, named', async () => {
    const analyzer = await PolicyAnalyzer.create(collectPolicies([owner(true, [`arn:aws:s3:::${BUCKET}`], 'us-east-1')]));
    const denied = await isAllowedThroughKey(analyzer, read('reports/q1.csv'));
    expect([denied.allowed, denied.missing]).toEqual([false, ['key policy (kms:Decrypt through S3)']]);
  });

  test('actions that need no key (listing, HEAD, deleting) are decided by S3\'s documents alone', async () => {
    const analyzer = await PolicyAnalyzer.create(collectPolicies([owner(true, [])]));
    expect(keyRequestFor(analyzer, { ...read('reports/q1.csv'), action: 's3:DeleteObject' })).toBeUndefined();
    expect((await isAllowedThroughKey(analyzer, read('reports/q1.csv'))).allowed).toBe(false);
  });
});
