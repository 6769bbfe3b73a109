import type { KvStore } from '../../etcd/kv-store.js';
import { clusterKeys } from '../../cluster/cluster-keys.js';

/** Keys of the scope's cluster prefix read per request: members + owners of up to 4,000 partitions. */
export const MAX_CLUSTER_KEYS = 5000;

/** A replica of the scope, from its member key in etcd. */
export interface ReplicaView {
  memberId: string;
  /** When it joined (ISO 8601): its lease, which its partition ownership hangs on, dates from then. */
  since?: string;
  /** Seconds since it joined: the age of its lease. */
  leaseAgeSeconds?: number;
  /** Its lease id (decimal). */
  lease?: string;
  /** The partitions it owns. */
  partitions: number[];
  /** True for the replica that answered this request. */
  self: boolean;
}

/** A partition and its owner. */
export interface PartitionView {
  partition: number;
  /** Member id of its owner; absent while nobody owns it (a replica left and none took it yet). */
  owner?: string;
  /** The etcd revision at which the owner claimed it. */
  claimedAtRevision?: number;
  /** For this replica's partitions only: seconds since the most overdue undelivered tick was due. */
  oldestOverdueSeconds?: number;
  /** For this replica's partitions only: true while its jobs are not loaded yet. */
  loading?: boolean;
}

/** `GET /v1.0/ui/cluster`. */
export interface ClusterSnapshot {
  /** The replica that answered. */
  memberId: string;
  /** The scope's partition count (undefined before it was read). */
  partitionCount: number | undefined;
  replicas: ReplicaView[];
  partitions: PartitionView[];
  /** This replica's staged triggers (waiting for a consumer to answer). */
  stagedTriggers: number;
  /** This replica's most overdue tick, in seconds (0 when none). */
  oldestOverdueSeconds: number;
  /** True when the cluster keys passed `MAX_CLUSTER_KEYS` (the rest are not shown). */
  truncated: boolean;
}

/** What the snapshot reads of the local timer service. */
export interface LocalTimers {
  readonly memberId: string;
  readonly partitionCount: number | undefined;
  readonly keys: { readonly clusterPrefix: string };
  stagedCount(): number;
  overdue(): Array<{ partition: number; ageMs: number }>;
  loadingPartitions(): number[];
}

/**
 * Replicas and partition owners as etcd holds them (every replica of the scope), with this
 * replica's own figures (overdue ticks, loading partitions, staged triggers) added to its rows:
 * other replicas' figures are in their own `/metrics` and dashboards.
 */
export async function clusterSnapshot(
  kv: KvStore,
  timers: LocalTimers,
  now: number,
): Promise<ClusterSnapshot> {
  const keys = clusterKeys(timers.keys.clusterPrefix);
  const members = new Map<string, { since?: string; lease?: string }>();
  const owners = new Map<number, { member: string; revision: number }>();
  let startAfter: string | undefined;
  let read = 0;
  let truncated = false;
  for (;;) {
    const page = await kv.range(keys.root, {
      limit: Math.min(1000, MAX_CLUSTER_KEYS - read),
      ...(startAfter !== undefined && { startAfter }),
    });
    for (const entry of page.entries) {
      const member = keys.memberOfKey(entry.key);
      const partition = keys.partitionOfOwnerKey(entry.key);
      const value = parseJson(entry.value);
      if (member !== undefined) {
        members.set(member, {
          ...(typeof value['since'] === 'string' && { since: value['since'] }),
          ...(entry.lease !== undefined && { lease: entry.lease }),
        });
      } else if (partition !== undefined) {
        owners.set(partition, {
          member: typeof value['member'] === 'string' ? value['member'] : '?',
          revision: entry.createRevision,
        });
      }
    }
    read += page.entries.length;
    startAfter = page.entries.at(-1)?.key;
    if (!page.more || startAfter === undefined) break;
    if (read >= MAX_CLUSTER_KEYS) {
      truncated = true;
      break;
    }
  }
  const overdue = new Map(timers.overdue().map((o) => [o.partition, o.ageMs / 1000]));
  const loading = new Set(timers.loadingPartitions());
  const count = timers.partitionCount ?? Math.max(0, ...[...owners.keys()].map((p) => p + 1));
  const partitions: PartitionView[] = [];
  for (let p = 0; p < count; p++) {
    const owner = owners.get(p);
    const mine = owner?.member === timers.memberId;
    partitions.push({
      partition: p,
      ...(owner && { owner: owner.member, claimedAtRevision: owner.revision }),
      ...(mine && { oldestOverdueSeconds: overdue.get(p) ?? 0, loading: loading.has(p) }),
    });
  }
  const replicas: ReplicaView[] = [...members]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([memberId, m]) => {
      const joined = m.since === undefined ? NaN : Date.parse(m.since);
      return {
        memberId,
        ...(m.since !== undefined && { since: m.since }),
        ...(!Number.isNaN(joined) && { leaseAgeSeconds: Math.max(0, (now - joined) / 1000) }),
        ...(m.lease !== undefined && { lease: m.lease }),
        partitions: partitions.filter((p) => p.owner === memberId).map((p) => p.partition),
        self: memberId === timers.memberId,
      };
    });
  return {
    memberId: timers.memberId,
    partitionCount: timers.partitionCount,
    replicas,
    partitions,
    stagedTriggers: timers.stagedCount(),
    oldestOverdueSeconds: Math.max(0, ...overdue.values()),
    truncated,
  };
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
