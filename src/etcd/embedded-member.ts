import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { ClusterLayout } from './cluster-layout.js';
import { DataDirLock } from './data-dir-lock.js';
import { enableRootAuth } from './embedded-auth.js';
import { EtcdStartError } from './embedded-etcd-errors.js';
import {
  DEFAULT_COMPACTION_RETENTION,
  DEFAULT_COMPACTION_RETENTION_MS,
  DEFAULT_QUOTA_BACKEND_BYTES,
  etcdBinary,
  prepareDataDir,
  type EmbeddedEtcd,
} from './embedded-etcd.js';
import { EtcdMaintenance } from './etcd-maintenance.js';
import { EtcdProcess, type EtcdProcessSpec } from './etcd-process.js';

/** The user every member's auth is turned on with (etcd auth is cluster-wide). */
const ROOT = 'root';

/** Options of `startEmbeddedMember`. */
export interface EmbeddedMemberOptions {
  /** This member's data dir; created if missing. */
  dataDir: string;
  layout: ClusterLayout;
  /**
   * `new`: the members of `layout` form a new cluster together (each started with the same
   * layout). `existing`: this member joins a running cluster; it adds itself (MemberAdd through
   * the other members) when its data dir is empty. A member with data ignores both.
   */
  state: 'new' | 'existing';
  /** The root password, the same on every member: etcd's auth is the cluster's, not a member's. */
  password: string;
  binary?: string;
  quiet?: boolean;
  /** Until the member answers with a leader (a new cluster needs a quorum). Default 120 s. */
  startupTimeoutMs?: number;
  stopGraceMs?: number;
  quotaBackendBytes?: number;
  /** Progress lines (joining, waiting for a quorum). */
  log?: (line: string) => void;
}

/**
 * Starts this replica's member of an embedded etcd cluster: TCP on the host of its peer URL (peer
 * port from `--initial-cluster`, client port from `--etcd-client-ports`), auth on with the shared
 * root password, the backend upkeep over every member. Resolves once the member has a leader.
 * The returned `hosts` are every member's client URL, so this replica's reads and writes go on
 * through the others while its own member is down.
 */
export async function startEmbeddedMember(options: EmbeddedMemberOptions): Promise<EmbeddedEtcd> {
  const { layout } = options;
  const { self } = layout;
  const log = options.log ?? (() => undefined);
  const dataDir = await prepareDataDir(options.dataDir);
  const lock = await DataDirLock.acquire(dataDir);
  try {
    const fresh = !(await hasMemberData(dataDir));
    let initialCluster = layout.initialCluster;
    if (fresh && options.state === 'existing') initialCluster = await joinCluster(options, log);
    const spec: EtcdProcessSpec = {
      binary: etcdBinary(options.binary),
      name: self.name,
      dataDir,
      listen: { kind: 'loopback', host: self.host, clientPort: self.clientPort, peerPort: self.peerPort },
      initialCluster,
      // The same on every member of a new cluster, and different for another layout, so members of
      // two clusters started with different flags never take each other's messages.
      clusterToken: `tickflow-${createHash('sha256').update(layout.initialCluster).digest('hex').slice(0, 16)}`,
      initialClusterState: options.state,
      compactionRetention: DEFAULT_COMPACTION_RETENTION,
      quotaBackendBytes: options.quotaBackendBytes ?? DEFAULT_QUOTA_BACKEND_BYTES,
      quiet: options.quiet ?? true,
      startupTimeoutMs: options.startupTimeoutMs ?? 120_000,
      stopGraceMs: options.stopGraceMs ?? 5_000,
    };
    if (fresh && options.state === 'new' && layout.members.length > 1) {
      log(
        `etcd member ${self.name}: forming a cluster of ${layout.members.length} ` +
          `(${layout.members.map((m) => m.name).join(', ')}); it answers once a majority has started`,
      );
    }
    const proc = await EtcdProcess.start(spec);
    const hosts = layout.members.map((m) => m.clientUrl);
    let maintenance: EtcdMaintenance | undefined;
    try {
      await lock.update({ etcdPid: proc.pid, hosts });
      await enableRootAuth([self.clientUrl], options.password);
      const auth = { username: ROOT, password: options.password };
      maintenance = new EtcdMaintenance({
        auth,
        compactRetention: spec.compactionRetention,
        compactRetentionMs: DEFAULT_COMPACTION_RETENTION_MS,
        hosts,
        quotaBytes: spec.quotaBackendBytes,
      });
      await maintenance.start();
      return {
        hosts,
        dataDir,
        pid: proc.pid,
        port: self.clientPort,
        socketDir: undefined,
        quotaBackendBytes: spec.quotaBackendBytes,
        maintenance,
        auth,
        async stop() {
          await maintenance?.stop();
          await proc.stop();
          await lock.release();
        },
      };
    } catch (error) {
      await maintenance?.stop();
      await proc.stop();
      throw error;
    }
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** Whether etcd has written its member data into `dataDir` (it has run there before). */
async function hasMemberData(dataDir: string): Promise<boolean> {
  try {
    return (await readdir(join(dataDir, 'member'))).length > 0;
  } catch {
    return false;
  }
}

/**
 * Adds this member to the running cluster through the other members (unless an earlier attempt
 * did: its peer URL is listed already) and returns the `--initial-cluster` etcd must start with:
 * the started members and this one.
 */
async function joinCluster(options: EmbeddedMemberOptions, log: (line: string) => void): Promise<string> {
  const { self } = options.layout;
  const others = options.layout.members.filter((m) => m.name !== self.name).map((m) => m.clientUrl);
  if (others.length === 0) {
    throw new EtcdStartError(
      `--initial-cluster-state existing: --initial-cluster lists no member but ${self.name} to join through`,
      '',
    );
  }
  const auth = { username: ROOT, password: options.password };
  // A client per call: etcd3's circuit breaker stays open after a refusal, so a retry on the same
  // client would be refused by the client itself.
  const call = async <T>(fn: (client: Etcd3) => Promise<T>): Promise<T> => {
    const client = new Etcd3({ hosts: others, auth });
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  };
  try {
    let { members } = await call((c) => c.cluster.memberList({ linearizable: true }));
    if (!members.some((m) => m.peerURLs.includes(self.peerUrl))) {
      log(`etcd member ${self.name}: joining the cluster of ${others.join(', ')} as ${self.peerUrl}`);
      ({ members } = await whileSettling(
        () => call((c) => c.cluster.memberAdd({ peerURLs: [self.peerUrl] })),
        (waited) =>
          log(
            `etcd member ${self.name}: the cluster is still settling (a member started less than 5 s ago); ` +
              `asking again (${Math.round(waited / 1000)} s)`,
          ),
      ));
    }
    return members
      .map((m) =>
        m.peerURLs.includes(self.peerUrl)
          ? `${self.name}=${self.peerUrl}`
          : m.name === ''
            ? ''
            : `${m.name}=${m.peerURLs.join(`,${m.name}=`)}`,
      )
      .filter((entry) => entry !== '')
      .join(',');
  } catch (error) {
    throw new EtcdStartError(
      `etcd member ${self.name} could not join the cluster through ${others.join(', ')}: ${(error as Error).message}`,
      '',
    );
  }
}

/** How long membership changes wait for a cluster that is settling. */
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Runs a membership change, again while etcd refuses it as "unhealthy cluster": etcd counts a
 * member as active only 5 s after it connected, and refuses a change that could cost the quorum
 * meanwhile (one replica joining right after another, or removed right after it joined).
 */
export async function whileSettling<T>(
  change: () => Promise<T>,
  onWait: (waitedMs: number) => void = () => undefined,
): Promise<T> {
  const start = Date.now();
  let pause = 250;
  for (let attempt = 0; ; attempt++) {
    try {
      return await change();
    } catch (error) {
      const waited = Date.now() - start;
      if (!/unhealthy cluster/i.test((error as Error).message) || waited > SETTLE_TIMEOUT_MS) throw error;
      if (attempt % 4 === 0) onWait(waited);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 2_000);
    }
  }
}
