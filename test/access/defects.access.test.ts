/**
 * The proofs must fail for the defects they exist to catch. Each test deploys a correct share,
 * breaks its synthesized policies the way a regression in lib/ would, and expects the proof to
 * go red naming the request that became possible.
 */
import { breakPolicies, everywhere, withoutCondition } from './breakage';
import { deployShare, proveShare, Share } from './scenario';
import { AccessLevel } from '../../lib';

const PROOF_TIMEOUT = 120_000;

function share(): Share {
  return deployShare({
    grants: [{ accountId: '222222222222', prefix: 'analytics/', access: AccessLevel.READ, roleNames: ['Analyst'] }],
    thirdParties: [{ accountId: '444444444444', externalId: 'vendor-7f3a9c', prefix: 'vendor/', access: AccessLevel.READ, roleNames: ['Integration'] }],
  });
}

describe('the proofs catch deliberate defects', () => {
  test('control: the unbroken share passes', async () => {
    await expect(proveShare(share())).resolves.toBeDefined();
  }, PROOF_TIMEOUT);

  test('an extra s3:GetObjectAcl next to s3:GetObject', async () => {
    const broken = share();
    breakPolicies(broken.world, everywhere(statement => {
      const actions = [statement.Action].flat();
      return statement.Effect === 'Allow' && actions.includes('s3:GetObject')
        ? { ...statement, Action: [...actions, 's3:GetObjectAcl'] }
        : statement;
    }));
    await expect(proveShare(broken)).rejects.toThrow(/ALLOWED, NOT INTENDED: arn:aws:iam::222222222222:role\/Analyst s3:GetObjectAcl arn:aws:s3:::shared-bucket-proof\/analytics\/report\.csv/);
  }, PROOF_TIMEOUT);

  test('a dropped kms:ViaService condition', async () => {
    const broken = share();
    breakPolicies(broken.world, everywhere(statement => withoutCondition(statement, 'kms:ViaService')));
    // Through S3 in another region: only the bucket's encryption context still holds.
    await expect(proveShare(broken)).rejects.toThrow(
      /ALLOWED, NOT INTENDED: arn:aws:iam::222222222222:role\/Analyst kms:Decrypt arn:aws:kms:eu-west-1:111111111111:key\/\S+ \[viaService="s3.us-east-1.amazonaws.com"/);
  }, PROOF_TIMEOUT);

  test('a dropped sts:ExternalId condition', async () => {
    const broken = share();
    breakPolicies(broken.world, everywhere(statement => withoutCondition(statement, 'sts:ExternalId')));
    await expect(proveShare(broken)).rejects.toThrow(/ALLOWED, NOT INTENDED: arn:aws:iam::444444444444:role\/Integration sts:AssumeRole arn:aws:iam::111111111111:role\/ThirdParty0Access \[mfa=false\]/);
  }, PROOF_TIMEOUT);

  test('a dropped s3:prefix condition on listing', async () => {
    const broken = share();
    // The grants' conditions only: DenyListingWithoutPrefix keys on s3:prefix too (Null), and
    // without that it would deny all listing, a different defect.
    breakPolicies(broken.world, everywhere(statement => statement.Effect === 'Allow' ? withoutCondition(statement, 's3:prefix') : statement));
    await expect(proveShare(broken)).rejects.toThrow(/ALLOWED, NOT INTENDED: arn:aws:iam::222222222222:role\/Analyst s3:ListBucket arn:aws:s3:::shared-bucket-proof \[listPrefix="unshared\/"\]/);
  }, PROOF_TIMEOUT);

  test('a dropped denial of uploads with a customer-provided key (SSE-C)', async () => {
    const broken = deployShare({
      grants: [{ accountId: '222222222222', prefix: 'ingest/', access: AccessLevel.WRITE, roleNames: ['Ingest'] }],
    });
    breakPolicies(broken.world, { bucket: statement => statement.Sid === 'DenyCustomerProvidedKeys' ? undefined : statement });
    await expect(proveShare(broken)).rejects.toThrow(
      /ALLOWED, NOT INTENDED: arn:aws:iam::222222222222:role\/Ingest s3:PutObject arn:aws:s3:::shared-bucket-proof\/ingest\/report\.csv \[sseCustomerAlgorithm="AES256"/);
  }, PROOF_TIMEOUT);

  test('a dropped aws:PrincipalArn narrowing', async () => {
    const broken = share();
    breakPolicies(broken.world, everywhere(statement => withoutCondition(statement, 'aws:PrincipalArn')));
    await expect(proveShare(broken)).rejects.toThrow(/ALLOWED, NOT INTENDED: arn:aws:iam::222222222222:role\/NotNamedByTheOwner s3:GetObject /);
  }, PROOF_TIMEOUT);
});
