import { Aspects, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { addWarning } from './warnings';
import { ReplicaAsk, replicaDisagreement, ReplicationSource } from '../model/replication-rules';

/**
 * A SharedBucket's replication and the partner's ReplicaBucket checked against each other at
 * synth, when both are in one app: the counterpart of agreement.ts (consumers and grants), with
 * the rules of lib/model/replication-rules.ts, which `review` applies to the records. Each
 * SharedBucket that replicates registers with the registry of its app; each ReplicaBucket checks
 * itself in an aspect, once every construct exists, so the order of construction does not matter.
 */

const WARNING_ID = 'cdk-cross-account-bucket:replicationDisagrees';

const SOURCES = new WeakMap<IConstruct, Array<() => ReplicationSource>>();

function sourcesOf(scope: IConstruct): Array<() => ReplicationSource> {
  const root = scope.node.root;
  let sources = SOURCES.get(root);
  if (sources === undefined) {
    sources = [];
    SOURCES.set(root, sources);
  }
  return sources;
}

/** A SharedBucket that replicates: read at synth. */
export function registerReplicationSource(scope: IConstruct, produce: () => ReplicationSource): void {
  sourcesOf(scope).push(produce);
}

/** Checks a ReplicaBucket against the replicating SharedBuckets of its app at synth. */
export function checkReplicaAtSynth(construct: IConstruct, ask: Omit<ReplicaAsk, 'path' | 'accountId' | 'region'>): void {
  Aspects.of(construct).add({
    visit: node => {
      if (node !== construct) {
        return;
      }
      const stack = Stack.of(construct);
      const finding = replicaDisagreement(sourcesOf(construct).map(produce => produce()), {
        ...ask,
        path: construct.node.path,
        accountId: Token.isUnresolved(stack.account) ? undefined : stack.account,
        region: Token.isUnresolved(stack.region) ? undefined : stack.region,
      }, Token.isUnresolved);
      if (finding !== undefined) {
        addWarning(construct, WARNING_ID, finding.message);
      }
    },
  });
}
