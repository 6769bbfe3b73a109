import { EventEmitter } from 'eventemitter3';
import { asError } from '../common/as-error.js';
import type { KvEntry, KvEvent, KvLease, KvStore, WatchHandle } from '../etcd/kv-store.js';

/** Options of `SchedulerHosts`. */
export interface SchedulerHostsOptions {
  kv: KvStore;
  /** Where the replicas' addresses live, one key per replica (`{prefix}{memberId}`). */
  prefix: string;
  /** This replica's id (its timer-service member id). */
  memberId: string;
  /** TTL of the lease the address is kept under: a replica that dies drops out after it. */
  leaseTtlSeconds: number;
  /** Failures it retries by itself (a lost lease, a broken watch). */
  warn: (error: Error) => void;
  /** Pause before a retry. Default 1 s. */
  retryMs?: number;
}

/** Events of `SchedulerHosts`. */
export interface SchedulerHostsEvents {
  /** The set of live replicas' addresses changed. */
  changed: (hosts: string[]) => void;
}

/**
 * The Scheduler addresses of the live replicas, what `WatchHosts` answers: each replica keeps
 * its address in etcd under a lease (gone when the replica stops or dies) and watches the
 * others'. daprd connects to every address it is given, which is what makes several replicas
 * work: each fires only the jobs of its own partitions, to the sidecars connected to it.
 */
export class SchedulerHosts extends EventEmitter<SchedulerHostsEvents> {
  readonly #o: SchedulerHostsOptions;
  readonly #entries = new Map<string, string>();
  #lease: KvLease | undefined;
  #watch: WatchHandle | undefined;
  #stopped = false;
  #address: string | undefined;
  #retries = new Set<NodeJS.Timeout>();

  constructor(options: SchedulerHostsOptions) {
    super();
    this.#o = options;
  }

  /** Every live replica's address, this one's always included (once started), sorted. */
  hosts(): string[] {
    const own = this.#address === undefined ? [] : [this.#address];
    return [...new Set([...own, ...this.#entries.values()])].sort();
  }

  /**
   * Registers this replica under `address` (the `host:port` sidecars reach its Scheduler port
   * at) and reads, then watches, the others'.
   */
  async start(address: string): Promise<void> {
    this.#address = address;
    await this.#register();
    await this.#follow();
  }

  /** Stops watching and withdraws this replica's address. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#retries) clearTimeout(timer);
    this.#retries.clear();
    await this.#watch?.cancel().catch(() => undefined);
    await this.#lease?.revoke().catch(() => undefined);
  }

  async #register(): Promise<void> {
    const lease = await this.#o.kv.grantLease(this.#o.leaseTtlSeconds);
    this.#lease = lease;
    lease.onLost((reason) => {
      if (this.#stopped) return;
      this.#o.warn(
        new Error(`scheduler: this replica's address lease was lost (${reason.message}); registering again`),
      );
      this.#retry(() => this.#register());
    });
    const key = this.#o.prefix + this.#o.memberId;
    await this.#o.kv.txn([], [{ op: 'put', key, value: this.#address ?? '', lease: lease.id }]);
  }

  async #follow(): Promise<void> {
    const entries: KvEntry[] = [];
    let startAfter: string | undefined;
    let revision = 0;
    for (;;) {
      const page = await this.#o.kv.range(this.#o.prefix, {
        limit: 1_000,
        ...(startAfter !== undefined && { startAfter }),
      });
      if (revision === 0) revision = page.revision;
      entries.push(...page.entries);
      const last = page.entries[page.entries.length - 1];
      if (!page.more || !last) break;
      startAfter = last.key;
    }
    const before = this.hosts().join(',');
    this.#entries.clear();
    for (const e of entries) this.#entries.set(e.key, e.value);
    this.#changedSince(before);
    if (this.#stopped) return;
    this.#watch = await this.#o.kv.watch(this.#o.prefix, revision + 1, {
      onEvents: (events) => this.#apply(events),
      onReset: (reason) => {
        if (this.#stopped) return;
        this.#o.warn(
          new Error(
            `scheduler: the watch of the replicas' addresses broke (${reason.message}); reading them again`,
          ),
        );
        this.#retry(() => this.#follow());
      },
    });
  }

  #apply(events: KvEvent[]): void {
    const before = this.hosts().join(',');
    for (const e of events) {
      if (e.type === 'put') this.#entries.set(e.key, e.value);
      else this.#entries.delete(e.key);
    }
    this.#changedSince(before);
  }

  #changedSince(before: string): void {
    const hosts = this.hosts();
    if (hosts.join(',') !== before) this.emit('changed', hosts);
  }

  #retry(step: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.#retries.delete(timer);
      if (this.#stopped) return;
      step().catch((error: unknown) => {
        this.#o.warn(asError(error));
        this.#retry(step);
      });
    }, this.#o.retryMs ?? 1_000);
    this.#retries.add(timer);
  }
}
