import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Whether the key policy of a key defined in this app lets its own account's IAM policies grant
 * `actions` on it: an Allow statement, without conditions, for the account root principal
 * (`arn:<partition>:iam::<account>:root`, or the account id), on `*`, whose actions cover them.
 *
 * A principal of the key's own account can use a KMS key only if the key policy allows it, either
 * by naming it or by such a statement, which "allows the account to use IAM policies" for the key
 * (AWS KMS Developer Guide, "Default key policy", "Allows access to the AWS account and enables
 * IAM policies": https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
 * aws-cdk-lib writes it by default, but not when the key is given a `policy` of its own.
 *
 * Judged on the key policy as it stands when called; a statement with conditions does not count
 * (it may not cover the caller).
 */
export function keyPolicyDelegatesToAccount(key: kms.Key, actions: string[]): boolean {
  const stack = Stack.of(key);
  const document = (key.node.defaultChild as kms.CfnKey).keyPolicy;
  // Rendered, not resolved: resolving a PolicyDocument freezes its statements, and grants added
  // later merge into them. Tokens in it (the partition, the account) are resolved one by one.
  const policy: { Statement?: unknown[] } | undefined = document instanceof iam.PolicyDocument ? document.toJSON() : stack.resolve(document);
  const rootForms = new Set([
    JSON.stringify(stack.resolve(new iam.AccountRootPrincipal().arn)),
    JSON.stringify(stack.resolve(stack.account)),
    JSON.stringify(stack.resolve(`arn:${stack.partition}:iam::${stack.account}:root`)),
  ]);
  return (policy?.Statement ?? []).some(entry => {
    const statement = entry as Record<string, unknown>;
    if (statement.Effect !== 'Allow' || statement.Condition !== undefined || statement.NotAction !== undefined
      || !asList(statement.Resource).includes('*')) {
      return false;
    }
    const principals = asList((statement.Principal as { AWS?: unknown } | undefined)?.AWS);
    if (!principals.some(principal => rootForms.has(JSON.stringify(stack.resolve(principal))))) {
      return false;
    }
    const patterns = asList(statement.Action).filter((action): action is string => typeof action === 'string');
    return actions.every(action => patterns.some(pattern => matchesAction(pattern, action)));
  });
}

function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** IAM action matching: case-insensitive, `*` any run of characters, `?` one. */
function matchesAction(pattern: string, action: string): boolean {
  const expression = pattern.split('').map(character => character === '*' ? '.*' : character === '?' ? '.'
    : character.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('');
  return new RegExp(`^${expression}$`, 'i').test(action);
}
