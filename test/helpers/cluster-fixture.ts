/**
 * Fault-test fixtures: a 3-member etcd cluster on loopback for the test file, and tickflow
 * replicas in child processes (replica-process.ts) that report what they do as JSON lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestFn } from 'ava';
import { EventEmitter } from 'eventemitter3';
import { startEtcdCluster, type EtcdCluster, type EtcdMember } from '../../src/etcd/etcd-cluster.js';
import { connectEtcd, type EtcdKv } from '../../src/etcd/etcd-kv.js';
import { waitFor, type WaitOptions } from './etcd-wait.js';
import type { ReplicaConfig, ReplicaLine } from './replica-process.js';

export interface ClusterFixture {
  readonly cluster: EtcdCluster;
  readonly hosts: string[];
  /** A client of the whole cluster (or of `hosts`), closed after the file's tests. */
  connect(hosts?: string[]): Promise<EtcdKv>;
  /** The member that is raft leader now (waits through an election). */
  leader(options?: WaitOptions): Promise<EtcdMember>;
}

/** Starts a 3-member cluster for the calling test file; stopped and removed after its tests. */
export async function useEtcdCluster<Context>(test: TestFn<Context>): Promise<ClusterFixture> {
  const baseDir = await mkdtemp(join(tmpdir(), 'tickflow-faults-'));
  const cluster = await startEtcdCluster({ members: 3, baseDir }).catch(async (error: unknown) => {
    await rm(baseDir, { recursive: true, force: true });
    throw error;
  });
  const clients: EtcdKv[] = [];
  test.after.always(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    // A member a test left stopped has nothing to stop; the rest stop followers first.
    await cluster.stop();
    await rm(baseDir, { recursive: true, force: true });
  });
  return {
    cluster,
    hosts: cluster.hosts,
    async connect(hosts = cluster.hosts) {
      const client = await connectEtcd({ hosts, requestTimeoutMs: 5_000 });
      clients.push(client);
      return client;
    },
    async leader(options = {}) {
      let found: EtcdMember | undefined;
      await waitFor(
        async () => {
          for (const member of cluster.members) if (await member.isLeader()) found = member;
          return found !== undefined;
        },
        { what: 'an etcd leader', intervalMs: 100, ...options },
      );
      if (!found) throw new Error('no etcd leader');
      return found;
    },
  };
}

const SCRIPT = fileURLToPath(new URL('./replica-process.ts', import.meta.url));

type Line<E extends ReplicaLine['event']> = Extract<ReplicaLine, { event: E }>;

interface ReplicaEvents {
  line: [line: ReplicaLine];
  exit: [code: number | null, signal: NodeJS.Signals | null];
}

/** A replica child process and everything it has reported so far. */
export class Replica extends EventEmitter<ReplicaEvents> {
  readonly config: ReplicaConfig;
  readonly lines: ReplicaLine[] = [];
  /** Partitions it fires now (its last report). */
  owned: number[] = [];
  readonly #child: ChildProcess;
  readonly exited: Promise<void>;

  constructor(config: ReplicaConfig) {
    super();
    this.config = config;
    this.#child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        this.emit('exit', code, signal);
        resolve();
      }),
    );
    createInterface({ input: this.#child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      let line: ReplicaLine;
      try {
        line = JSON.parse(text) as ReplicaLine;
      } catch {
        return; // not one of ours
      }
      if (line.event === 'partitions') this.owned = line.owned;
      this.lines.push(line);
      this.emit('line', line);
    });
  }

  get name(): string {
    return this.config.memberId;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Lines of one kind, in the order reported. */
  of<E extends ReplicaLine['event']>(event: E): Line<E>[] {
    return this.lines.filter((line): line is Line<E> => line.event === event);
  }

  /** Resolves with the first line (already reported or coming) that satisfies `match`. */
  async next<E extends ReplicaLine['event']>(
    event: E,
    match: (line: Line<E>) => boolean = () => true,
    options: WaitOptions = {},
  ): Promise<Line<E>> {
    let found: Line<E> | undefined;
    await waitFor(() => (found = this.of(event).find(match)) !== undefined, {
      what: `${this.name}: ${event}`,
      timeoutMs: 30_000,
      intervalMs: 20,
      ...options,
    });
    return found as Line<E>;
  }

  /** SIGKILL: a crash, with no lease revoke and no hand-over. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGSTOP: frozen (its sockets stay open, it reads and renews nothing) until `resume`. */
  pause(): void {
    if (this.alive) this.#child.kill('SIGSTOP');
  }

  resume(): void {
    if (this.alive) this.#child.kill('SIGCONT');
  }

  /** SIGTERM: a clean leave (hands its partitions over). Resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.alive) this.#child.kill('SIGTERM');
    await this.exited;
  }
}

/** Starts replicas and kills whatever is still running after the test. */
export class ReplicaSet {
  readonly all: Replica[] = [];

  start(config: ReplicaConfig): Replica {
    const replica = new Replica(config);
    this.all.push(replica);
    return replica;
  }

  get alive(): Replica[] {
    return this.all.filter((r) => r.alive);
  }

  async killAll(): Promise<void> {
    await Promise.all(this.all.map((r) => r.kill()));
  }

  /** Whether the live replicas own every partition exactly once between them. */
  covers(partitions: number): boolean {
    const owned = this.alive.flatMap((r) => r.owned);
    return owned.length === partitions && new Set(owned).size === partitions;
  }

  /** Wall time (from the replicas' reports) at which the live set last changed ownership. */
  lastOwnershipChange(): number {
    return Math.max(...this.alive.map((r) => r.of('partitions').at(-1)?.wall ?? 0));
  }

  /**
   * Waits until the live replicas split all partitions between them, each holding at least one,
   * and resolves with the wall time of the last ownership report that got them there.
   */
  async settled(partitions: number, options: WaitOptions = {}): Promise<number> {
    await waitFor(() => this.covers(partitions) && this.alive.every((r) => r.owned.length > 0), {
      what: `${this.alive.length} replicas to split ${partitions} partitions`,
      timeoutMs: 30_000,
      intervalMs: 20,
      ...options,
    });
    return this.lastOwnershipChange();
  }
}
