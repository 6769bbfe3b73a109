import { asError } from '../common/as-error.js';
import { retryWithBackoff, type BackoffPolicy } from '../common/backoff.js';
import type { Clock } from '../common/clock.js';
import type { KvEntry, KvEvent, KvStore, WatchHandle } from '../etcd/kv-store.js';
import type { ClusterKeys } from './cluster-keys.js';

/** Who holds a partition: the member id and the lease its owner key lives under. */
export interface OwnerRecord {
  member: string;
  lease: string;
  modRevision: number;
}

export interface ClusterViewListener {
  onChange(change: { members: boolean; owners: boolean }): void;
  onError(error: Error): void;
}

/** Backoff between attempts to re-list and watch again after the watch reset. */
const RESYNC_RETRY: BackoffPolicy = { firstMs: 500, maxMs: 5_000 };

/**
 * This process's picture of the live members and partition owners, kept current by one prefix
 * watch. If the watch resets (compaction, broken stream), the view re-lists and watches again.
 */
export class ClusterView {
  readonly #kv: KvStore;
  readonly #keys: ClusterKeys;
  readonly #listener: ClusterViewListener;
  #members = new Set<string>();
  #owners = new Map<number, OwnerRecord>();
  /** Every change up to this revision is reflected. */
  #revision = 0;
  #watch: WatchHandle | undefined;
  #stopped = false;
  readonly #clock: Clock;

  constructor(kv: KvStore, keys: ClusterKeys, clock: Clock, listener: ClusterViewListener) {
    this.#kv = kv;
    this.#keys = keys;
    this.#clock = clock;
    this.#listener = listener;
  }

  get revision(): number {
    return this.#revision;
  }

  members(): string[] {
    return [...this.#members].sort();
  }

  owner(partition: number): OwnerRecord | undefined {
    return this.#owners.get(partition);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#sync();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const watch = this.#watch;
    this.#watch = undefined;
    await watch?.cancel();
  }

  async #sync(): Promise<void> {
    const entries: KvEntry[] = [];
    let revision = 0;
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.#kv.range(this.#keys.root, {
        limit: 1000,
        ...(startAfter !== undefined ? { startAfter } : {}),
      });
      // Watching from the first page's revision replays anything that changed while paging.
      if (revision === 0) revision = page.revision;
      entries.push(...page.entries);
      startAfter = page.entries.at(-1)?.key;
      if (!page.more) break;
    }
    const members = new Set<string>();
    const owners = new Map<number, OwnerRecord>();
    for (const entry of entries) this.#apply(members, owners, entry);
    const membersChanged = !sameSet(members, this.#members);
    this.#members = members;
    this.#owners = owners;
    this.#revision = revision;
    if (this.#stopped) return;
    this.#watch = await this.#kv.watch(this.#keys.root, revision + 1, {
      onEvents: (events, rev) => this.#onEvents(events, rev),
      onReset: (reason) => this.#onReset(reason),
    });
    if (this.#stopped) await this.#watch.cancel();
    this.#listener.onChange({ members: membersChanged, owners: true });
  }

  #onEvents(events: KvEvent[], revision: number): void {
    if (this.#stopped) return;
    const before = new Set(this.#members);
    let owners = false;
    for (const event of events) {
      if (this.#keys.partitionOfOwnerKey(event.key) !== undefined) owners = true;
      this.#apply(this.#members, this.#owners, event);
    }
    this.#revision = Math.max(this.#revision, revision);
    this.#listener.onChange({ members: !sameSet(before, this.#members), owners });
  }

  #onReset(reason: Error): void {
    if (this.#stopped) return;
    this.#watch = undefined;
    this.#listener.onError(reason);
    void retryWithBackoff(() => this.#sync(), {
      clock: this.#clock,
      policy: RESYNC_RETRY,
      active: () => !this.#stopped,
      onFailure: (error) => void this.#listener.onError(asError(error)),
    });
  }

  #apply(members: Set<string>, owners: Map<number, OwnerRecord>, change: KvEntry | KvEvent): void {
    const deleted = 'type' in change && change.type === 'delete';
    const member = this.#keys.memberOfKey(change.key);
    if (member !== undefined) {
      if (deleted) members.delete(member);
      else members.add(member);
      return;
    }
    const partition = this.#keys.partitionOfOwnerKey(change.key);
    if (partition === undefined) return;
    const record = !deleted && 'value' in change ? parseOwner(change.value, change.modRevision) : undefined;
    if (record) owners.set(partition, record);
    else owners.delete(partition);
  }
}

function parseOwner(value: string, modRevision: number): OwnerRecord | undefined {
  try {
    const parsed = JSON.parse(value) as { member?: unknown; lease?: unknown };
    if (typeof parsed.member === 'string' && typeof parsed.lease === 'string') {
      return { member: parsed.member, lease: parsed.lease, modRevision };
    }
  } catch {
    // Fall through.
  }
  // An owner key we cannot read still exists, so someone holds it: never claim over it.
  return { member: '?', lease: '?', modRevision };
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
