/**
 * Templates in, policies out: collects, from loaded stacks (template-files.ts) with their
 * intrinsics resolved (intrinsics.ts), every document that can govern access to a bucket: bucket
 * policies, access point policies, key policies, role trust policies and identity policies
 * (inline, AWS::IAM::Policy, AWS::IAM::ManagedPolicy attached in the templates), and the buckets;
 * and the policies of event buses (event-bus-policy.ts).
 */
import { eventBusPolicy } from './event-bus-policy';
import { Resolver, rolePath } from './intrinsics';
import { Symbolic, joinText } from './pattern';
import { PolicyDocumentKind, Statement, readPolicy } from './policy';
import { LoadedStack } from './template-files';

export interface BucketFacts {
  readonly stack: string;
  readonly logicalId: string;
  readonly name: Symbolic;
  readonly account?: string;
  readonly region?: string;
  /** Block Public Access: a public bucket policy serves the owner's account and AWS services only. */
  readonly restrictPublicBuckets?: boolean;
  /** SSE-KMS by default: the key (`KMSMasterKeyID`), and whether S3 Bucket Keys are on. */
  readonly encryption?: { readonly keyArn: Symbolic; readonly bucketKey: boolean };
}

export interface PolicyFacts {
  readonly kind: PolicyDocumentKind;
  readonly stack: string;
  readonly logicalId: string;
  readonly account?: string;
  readonly region?: string;
  readonly statements: readonly Statement[];
  /** Bucket policies: the bucket's name. Access point policies: the bucket's name and the access point's. */
  readonly bucket?: Symbolic;
  readonly accessPoint?: { readonly name: Symbolic; readonly restrictPublicBuckets?: boolean };
  /** Key policies: the key's ARN. Trust policies and identity policies: the roles they govern (ARN path after the account). */
  readonly keyArn?: Symbolic;
  /** Event bus policies: the bus's ARN. */
  readonly busArn?: Symbolic;
  readonly rolePaths?: readonly Symbolic[];
}

/** Every policy and bucket in a set of stacks. */
export interface PolicySet {
  readonly stacks: readonly LoadedStack[];
  readonly buckets: readonly BucketFacts[];
  readonly policies: readonly PolicyFacts[];
  /** What could not be read, said once per place. */
  readonly notes: readonly string[];
}

/** The part of a role's ARN after the account: `role/<path><name>`. */
function rolePathOf(stack: LoadedStack, resolver: Resolver, logicalId: string): Symbolic {
  const resource = stack.template.Resources[logicalId];
  const name = resolver.symbolic({ Ref: logicalId }, `${logicalId}.RoleName`);
  return joinText([`role${rolePath(resource)}`, ...name]);
}

/** Collects every policy of the stacks that can govern access to a bucket. */
export function collectPolicies(stacks: readonly LoadedStack[]): PolicySet {
  const buckets: BucketFacts[] = [];
  const policies: PolicyFacts[] = [];
  const notes: string[] = [];
  for (const stack of stacks) {
    const resolver = new Resolver(stack);
    const resources: Record<string, any> = stack.template.Resources ?? {};
    const { account, region } = stack.environment;
    const pathOf = (logicalId: string) => (resources[logicalId]?.Metadata?.['aws:cdk:path'] as string | undefined) ?? stack.constructPaths?.get(logicalId);
    const read = (document: unknown, kind: PolicyDocumentKind, logicalId: string) => {
      const resolved = resolver.resolveDocument(document, logicalId);
      const source = { stack: stack.id, logicalId, path: pathOf(logicalId), templateFile: stack.source, document: kind };
      return readPolicy(resolved, source, (value, where) => {
        if (value && typeof value === 'object' && 'symbolic' in (value as any)) return (value as any).symbolic as Symbolic;
        if (typeof value === 'string') return [value];
        notes.push(`${stack.id}: ${where} is not a string`);
        return [{ unknown: `${stack.stackName}/${where}` }];
      });
    };
    const roleRefs = (value: unknown): Symbolic[] => (Array.isArray(value) ? value : []).map(item => {
      const logicalId = item && typeof item === 'object' && 'Ref' in item ? (item as any).Ref : undefined;
      if (logicalId && resources[logicalId]?.Type === 'AWS::IAM::Role') return rolePathOf(stack, resolver, logicalId);
      // A role of this account named outside the template.
      return joinText(['role/', ...resolver.symbolic(item, 'Roles')]);
    });
    for (const [logicalId, resource] of Object.entries<any>(resources)) {
      const properties = resource.Properties ?? {};
      const base = { stack: stack.id, logicalId, account, region };
      switch (resource.Type) {
        case 'AWS::S3::Bucket': {
          const rule = (properties.BucketEncryption?.ServerSideEncryptionConfiguration ?? [])[0];
          const byDefault = rule?.ServerSideEncryptionByDefault;
          buckets.push({
            ...base,
            name: resolver.symbolic({ Ref: logicalId }, `${logicalId}.BucketName`),
            restrictPublicBuckets: properties.PublicAccessBlockConfiguration?.RestrictPublicBuckets === true,
            encryption: byDefault?.SSEAlgorithm === 'aws:kms' && byDefault.KMSMasterKeyID !== undefined
              ? { keyArn: resolver.symbolic(byDefault.KMSMasterKeyID, `${logicalId}.KMSMasterKeyID`), bucketKey: rule.BucketKeyEnabled === true } : undefined,
          });
          break;
        }
        case 'AWS::S3::BucketPolicy':
          policies.push({ ...base, kind: 'bucket policy', bucket: resolver.symbolic(properties.Bucket, `${logicalId}.Bucket`), statements: read(properties.PolicyDocument, 'bucket policy', logicalId) });
          break;
        case 'AWS::S3::AccessPoint':
          policies.push({
            ...base,
            kind: 'access point policy',
            bucket: resolver.symbolic(properties.Bucket, `${logicalId}.Bucket`),
            // An access point's Block Public Access settings are all on unless its template turns them off
            // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-bpa-settings.html).
            accessPoint: {
              name: resolver.symbolic({ Ref: logicalId }, `${logicalId}.Name`),
              restrictPublicBuckets: properties.PublicAccessBlockConfiguration?.RestrictPublicBuckets !== false,
            },
            statements: read(properties.Policy, 'access point policy', logicalId),
          });
          break;
        case 'AWS::KMS::Key':
          policies.push({ ...base, kind: 'key policy', keyArn: resolver.symbolic({ 'Fn::GetAtt': [logicalId, 'Arn'] }, logicalId), statements: read(properties.KeyPolicy, 'key policy', logicalId) });
          break;
        case 'AWS::IAM::Role': {
          const rolePaths = [rolePathOf(stack, resolver, logicalId)];
          policies.push({ ...base, kind: 'trust policy', rolePaths, statements: read(properties.AssumeRolePolicyDocument, 'trust policy', logicalId) });
          (properties.Policies ?? []).forEach((policy: any) => {
            policies.push({ ...base, kind: 'identity policy', rolePaths, statements: read(policy.PolicyDocument, 'identity policy', logicalId) });
          });
          if ((properties.ManagedPolicyArns ?? []).length > 0) {
            notes.push(`${stack.id}/${logicalId}: managed policies attached by ARN are not in the templates; their statements are not read`);
          }
          break;
        }
        case 'AWS::Events::EventBusPolicy':
        case 'AWS::Events::EventBus': {
          const bus = eventBusPolicy(resource.Type, logicalId, properties, stack, resolver);
          if (bus) policies.push({ ...base, kind: 'event bus policy', busArn: bus.busArn, statements: read(bus.document, 'event bus policy', logicalId) });
          break;
        }
        case 'AWS::IAM::Policy':
        case 'AWS::IAM::ManagedPolicy':
          policies.push({ ...base, kind: 'identity policy', rolePaths: roleRefs(properties.Roles), statements: read(properties.PolicyDocument, 'identity policy', logicalId) });
          if ((properties.Users ?? []).length > 0 || (properties.Groups ?? []).length > 0) {
            notes.push(`${stack.id}/${logicalId}: policies of users and groups are not read`);
          }
          break;
      }
    }
  }
  return { stacks, buckets, policies, notes };
}
