import { IConstruct } from 'constructs';

/**
 * Statement ids must be unique within a policy: IAM's policy grammar says so of `Sid`, cfn-lint
 * reports a duplicate as E3512, and CloudFormation rejects the policy. Two SharedBuckets can
 * write into one policy: two on one `existingBucket` (its bucket policy and its key's policy), or
 * two new buckets under one `encryptionKey` (its key policy). Each SharedBucket therefore takes
 * the lowest share number that no earlier SharedBucket on its bucket or its key holds, and the
 * ids of every statement it writes into those policies start with `Share<n>` from the second
 * share on. The first, and in the common case only, share writes the ids it always wrote.
 */
const SHARE_NUMBERS = new WeakMap<IConstruct, Set<number>>();

/** The prefix of the statement ids of a new share writing into the policies of `holders` (its bucket and its key). */
export function shareStatementIdPrefix(holders: IConstruct[]): string {
  const taken = holders.map(holder => {
    let numbers = SHARE_NUMBERS.get(holder);
    if (numbers === undefined) {
      numbers = new Set();
      SHARE_NUMBERS.set(holder, numbers);
    }
    return numbers;
  });
  let number = 1;
  while (taken.some(numbers => numbers.has(number))) {
    number++;
  }
  taken.forEach(numbers => numbers.add(number));
  return number === 1 ? '' : `Share${number}`;
}
