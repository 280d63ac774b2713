import { Aspects, IAspect, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import {
  ConsumerAsk, consumerDisagreement, OrganizationConsumersAsk, organizationConsumersDisagreement, OwnerBucket, OwnerSide,
} from '../model/agreement-rules';
import { NormalizedGrant, NormalizedOrganizationGrant } from '../model/grant';
import { ReplicaAsk, replicaDisagreement, ReplicationSource } from '../model/replication-rules';
import { SharingMode } from '../sharing-mode';
import { addWarning } from './warnings';

/**
 * Owner and consumer checked against each other at synth: when a ConsumerReader and the
 * SharedBucket (or ThirdPartyAccessRole) it names are in the same app, a consumer that no grant
 * covers, or covers only in part, gets the warning `consumerNotGranted`, naming both constructs,
 * what differs and the change that makes them agree.
 *
 * Every construct registers with the registry of its app (the construct tree's root) when it is
 * created; each ConsumerReader checks itself in an aspect, which runs at synth, once every
 * construct of the app exists, so the order of construction does not matter. The rules
 * themselves are in agreement-rules.ts, over plain data, shared with the CLI's `review`; this
 * file turns the constructs into that data, once per check round (the rules index the owner's
 * grants by account, so a check costs a lookup, not a scan of the grants).
 *
 * A ReplicaBucket is checked the same way against the SharedBucket that replicates into it, with
 * the rules of replication-rules.ts (`replicationDisagrees`).
 */

/** A SharedBucket, as the check sees it. */
export interface SharedBucketRecord {
  readonly construct: IConstruct;
  readonly bucketName: string;
  readonly sharingMode: SharingMode;
  /** The grants so far, as the sharing path wrote them (read at synth: grants added after construction count). */
  grants(): NormalizedGrant[];
  /** The organization grants so far. */
  organizationGrants(): NormalizedOrganizationGrant[];
}

/** What an OrganizationConsumers rolls out, as it hands it over: the rules' ask, with the construct for its path. */
export interface OrganizationConsumersRequest extends Omit<OrganizationConsumersAsk, 'path'> {
  readonly construct: IConstruct;
}

/** A ThirdPartyAccessRole, as the check sees it. */
export interface ThirdPartyRoleRecord {
  readonly construct: IConstruct;
  readonly bucketName: string;
  /** The role's name, when fixed. */
  readonly roleName?: string;
  readonly thirdPartyAccountId: string;
  readonly thirdPartyPrincipalArns?: string[];
  /** When the role's trust and policy end; undefined: they do not end. */
  readonly expires?: Date;
}

/** What a ConsumerReader asks for, as it hands it over: the rules' ask, with the construct for its path and account. */
export interface ConsumerRequest extends Omit<ConsumerAsk, 'path' | 'accountId'> {
  readonly construct: IConstruct;
}

const WARNING_ID = 'cdk-cross-account-bucket:consumerNotGranted';
const REPLICATION_WARNING_ID = 'cdk-cross-account-bucket:replicationDisagrees';

class Registry {
  public readonly sharedBuckets: SharedBucketRecord[] = [];
  public readonly thirdPartyRoles: ThirdPartyRoleRecord[] = [];
  /** The SharedBuckets that replicate, each read at synth (replication-rules.ts matches them with ReplicaBuckets). */
  public readonly replicationSources: Array<() => ReplicationSource> = [];
  private owners?: OwnerSide;

  /** The owner constructs as plain data, built once for all the checks of one synth. */
  public ownerSide(): OwnerSide {
    if (this.owners === undefined) {
      this.owners = {
        buckets: this.sharedBuckets.map((owner): OwnerBucket => {
          const account = Stack.of(owner.construct).account;
          return {
            path: owner.construct.node.path,
            bucketName: owner.bucketName,
            accountId: Token.isUnresolved(account) ? undefined : account,
            region: Token.isUnresolved(Stack.of(owner.construct).region) ? undefined : Stack.of(owner.construct).region,
            sharingMode: owner.sharingMode,
            grants: owner.grants(),
            organizationGrants: owner.organizationGrants(),
          };
        }),
        thirdPartyRoles: this.thirdPartyRoles.map(role => ({
          path: role.construct.node.path,
          bucketName: role.bucketName,
          roleName: role.roleName,
          thirdPartyAccountId: role.thirdPartyAccountId,
          thirdPartyPrincipalArns: role.thirdPartyPrincipalArns,
          expires: role.expires,
        })),
      };
    }
    return this.owners;
  }

  /** A construct was added: the next check builds the owner side anew. */
  public changed(): void {
    this.owners = undefined;
  }
}

const REGISTRIES = new WeakMap<IConstruct, Registry>();

function registryOf(scope: IConstruct): Registry {
  const root = scope.node.root;
  let registry = REGISTRIES.get(root);
  if (registry === undefined) {
    registry = new Registry();
    REGISTRIES.set(root, registry);
  }
  return registry;
}

export function registerSharedBucket(record: SharedBucketRecord): void {
  const registry = registryOf(record.construct);
  registry.sharedBuckets.push(record);
  registry.changed();
}

export function registerThirdPartyRole(record: ThirdPartyRoleRecord): void {
  const registry = registryOf(record.construct);
  registry.thirdPartyRoles.push(record);
  registry.changed();
}

/**
 * The SharedBucket of this name and owner account in the app of `scope`, or undefined when no such
 * owner is in the app. Call it at synth (a Lazy, an aspect): the owner may be constructed after
 * the consumer.
 */
export function sharedBucketInApp(scope: IConstruct, bucketName: string, bucketOwnerAccountId: string): IConstruct | undefined {
  if (Token.isUnresolved(bucketName) || Token.isUnresolved(bucketOwnerAccountId)) {
    return undefined;
  }
  return registryOf(scope).sharedBuckets.find(candidate => candidate.bucketName === bucketName
    && Stack.of(candidate.construct).account === bucketOwnerAccountId)?.construct;
}

/** Checks the reader against the owner constructs of its app at synth. */
export function checkConsumerAtSynth(request: ConsumerRequest): void {
  const aspect: IAspect = {
    visit: node => {
      if (node === request.construct) {
        const finding = consumerDisagreement(registryOf(request.construct).ownerSide(), {
          ...request,
          path: request.construct.node.path,
          accountId: Stack.of(request.construct).account,
        }, Token.isUnresolved);
        if (finding !== undefined) {
          addWarning(request.construct, WARNING_ID, finding.message);
        }
      }
    },
  };
  Aspects.of(request.construct).add(aspect);
}

/** Checks an OrganizationConsumers against the organization grants of its app's owner at synth. */
export function checkOrganizationConsumersAtSynth(request: OrganizationConsumersRequest): void {
  Aspects.of(request.construct).add({
    visit: node => {
      if (node === request.construct) {
        const finding = organizationConsumersDisagreement(registryOf(request.construct).ownerSide(), {
          ...request,
          path: request.construct.node.path,
        }, Token.isUnresolved);
        if (finding !== undefined) {
          addWarning(request.construct, WARNING_ID, finding.message);
        }
      }
    },
  });
}

/** A SharedBucket that replicates: `produce` is read at synth. */
export function registerReplicationSource(scope: IConstruct, produce: () => ReplicationSource): void {
  registryOf(scope).replicationSources.push(produce);
}

/**
 * Checks a ReplicaBucket against the replicating SharedBuckets of its app at synth, with the
 * rules `review` applies to the records (lib/model/replication-rules.ts).
 */
export function checkReplicaAtSynth(construct: IConstruct, ask: Omit<ReplicaAsk, 'path' | 'accountId' | 'region'>): void {
  Aspects.of(construct).add({
    visit: node => {
      if (node !== construct) {
        return;
      }
      const stack = Stack.of(construct);
      const finding = replicaDisagreement(registryOf(construct).replicationSources.map(produce => produce()), {
        ...ask,
        path: construct.node.path,
        accountId: Token.isUnresolved(stack.account) ? undefined : stack.account,
        region: Token.isUnresolved(stack.region) ? undefined : stack.region,
      }, Token.isUnresolved);
      if (finding !== undefined) {
        addWarning(construct, REPLICATION_WARNING_ID, finding.message);
      }
    },
  });
}
