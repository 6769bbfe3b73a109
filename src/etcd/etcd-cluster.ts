import { join } from 'node:path';
import { nanoid } from 'nanoid';
import {
  DEFAULT_COMPACTION_RETENTION,
  DEFAULT_QUOTA_BACKEND_BYTES,
  etcdBinary,
  prepareDataDir,
} from './embedded-etcd.js';
import { clientHost, httpTarget } from './etcd-listen.js';
import { EtcdProcess, httpGet, type EtcdProcessSpec } from './etcd-process.js';
import { findFreePort } from './free-port.js';

export interface EtcdClusterOptions {
  /** Number of members. Default 3. */
  members?: number;
  /** Each member's data dir is `baseDir/<name>`. */
  baseDir: string;
  binary?: string;
  quiet?: boolean;
  startupTimeoutMs?: number;
  stopGraceMs?: number;
}

/** One member of a loopback cluster, for fault tests. */
export interface EtcdMember {
  readonly name: string;
  /** This member's client URL. */
  readonly host: string;
  readonly dataDir: string;
  /** Pid of the current process (changes on restart); -1 if never started. */
  readonly pid: number;
  readonly running: boolean;
  /** Whether this member is the raft leader right now. */
  isLeader(): Promise<boolean>;
  /** SIGTERM, then SIGKILL after the grace period. */
  stop(): Promise<void>;
  /** SIGKILL at once. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data dir; resolves once it is healthy (has a leader). */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  /** Every member's client URL. */
  hosts: string[];
  members: EtcdMember[];
  stop(): Promise<void>;
}

class ClusterMember implements EtcdMember {
  readonly name: string;
  readonly host: string;
  readonly dataDir: string;
  readonly #spec: EtcdProcessSpec;
  #proc: EtcdProcess | undefined;

  constructor(spec: EtcdProcessSpec) {
    this.#spec = spec;
    this.name = spec.name;
    this.host = clientHost(spec.listen);
    this.dataDir = spec.dataDir;
  }

  get pid(): number {
    return this.#proc?.pid ?? -1;
  }

  get running(): boolean {
    return this.#proc?.running ?? false;
  }

  /** Whether this member is the raft leader right now (from its /metrics). */
  async isLeader(): Promise<boolean> {
    if (!this.running) return false;
    const res = await httpGet(httpTarget(this.#spec.listen), '/metrics');
    return /^etcd_server_is_leader 1$/m.test(res?.body ?? '');
  }

  async restart(): Promise<void> {
    if (this.running) throw new Error(`etcd member ${this.name} is still running; stop or kill it first`);
    this.#proc = await EtcdProcess.start(this.#spec);
  }

  async stop(): Promise<void> {
    await this.#proc?.stop();
  }

  async kill(): Promise<void> {
    await this.#proc?.kill();
  }
}

/**
 * Starts an N-member etcd cluster on loopback (distinct client and peer ports, one data dir per
 * member) and waits until every member reports a leader.
 */
export async function startEtcdCluster(options: EtcdClusterOptions): Promise<EtcdCluster> {
  const count = options.members ?? 3;
  const ports = new Set<number>();
  const takePort = async (): Promise<number> => {
    for (;;) {
      const port = await findFreePort();
      if (!ports.has(port)) {
        ports.add(port);
        return port;
      }
    }
  };
  const layout: { name: string; clientPort: number; peerPort: number }[] = [];
  for (let i = 0; i < count; i++) {
    layout.push({ name: `etcd-${i}`, clientPort: await takePort(), peerPort: await takePort() });
  }
  const initialCluster = layout.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  const clusterToken = `tickflow-${nanoid(8)}`;
  const members: ClusterMember[] = [];
  for (const m of layout) {
    members.push(
      new ClusterMember({
        binary: etcdBinary(options.binary),
        name: m.name,
        dataDir: await prepareDataDir(join(options.baseDir, m.name)),
        listen: { kind: 'loopback', clientPort: m.clientPort, peerPort: m.peerPort },
        initialCluster,
        clusterToken,
        compactionRetention: DEFAULT_COMPACTION_RETENTION,
        quotaBackendBytes: DEFAULT_QUOTA_BACKEND_BYTES,
        quiet: options.quiet ?? true,
        startupTimeoutMs: options.startupTimeoutMs ?? 30_000,
        stopGraceMs: options.stopGraceMs ?? 5_000,
      }),
    );
  }
  // Followers first: a leader stopping while followers live tries to hand leadership over, and
  // stalls until its timeout if they are stopping too.
  const stop = async (): Promise<void> => {
    const leaders = await Promise.all(members.map((member) => member.isLeader()));
    await Promise.all(members.filter((_, i) => !leaders[i]).map((member) => member.stop()));
    await Promise.all(members.filter((_, i) => leaders[i]).map((member) => member.stop()));
  };
  // Members only become healthy together (a leader needs a quorum), so start them concurrently.
  const started = await Promise.allSettled(members.map((member) => member.restart()));
  const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  return { hosts: members.map((member) => member.host), members, stop };
}
