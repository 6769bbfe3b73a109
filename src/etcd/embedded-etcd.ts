import { access, constants, mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { nanoid } from 'nanoid';
import { EtcdDataDirError, EtcdPortInUseError } from './embedded-etcd-errors.js';
import { StoreRequestError } from './errors.js';
import { DataDirLock } from './data-dir-lock.js';
import { ensureEmbeddedAuth } from './embedded-auth.js';
import { EtcdMaintenance, type EtcdMaintenanceOptions } from './etcd-maintenance.js';
import { clientHost, listenPeerUrl, type EtcdListen } from './etcd-listen.js';
import { EtcdProcess, type EtcdProcessSpec } from './etcd-process.js';
import { findFreePort } from './free-port.js';
import { prepareSocketDir } from './socket-dir.js';

/** Options of `startEmbeddedEtcd`. */
export interface EmbeddedEtcdOptions {
  /** Where etcd keeps its data; created if missing. Default `.tickflow/etcd` (relative to cwd). */
  dataDir?: string;
  /**
   * `'socket'` (the default): etcd listens on unix sockets only, in an owner-only directory
   * `{dataDir}.sock` (mode 0700; in the system temp dir when that path is too long for a socket),
   * so no other local user can reach it; `hosts` is then `unix:///.../client.sock:0`.
   * `'loopback'`: TCP ports on 127.0.0.1 (the default when `port` or `peerPort` is given), for
   * tools that only speak TCP; any local process can connect, so pair it with `auth`.
   */
  listen?: 'socket' | 'loopback';
  /** Client port on 127.0.0.1 (implies `listen: 'loopback'`). Default: a free port. */
  port?: number;
  /** Peer port on 127.0.0.1 (implies `listen: 'loopback'`). Default: a free port. */
  peerPort?: number;
  /** Member name. Default `tickflow`. */
  name?: string;
  /** etcd binary. Default `$TICKFLOW_ETCD_BIN`, else `etcd` on PATH. */
  binary?: string;
  /** Do not forward etcd's own log (warnings and errors only) to stderr. Default true. */
  quiet?: boolean;
  /** How long to wait for etcd to answer after it is spawned, in milliseconds. Default 20000. */
  startupTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL on stop. Default 5000. */
  stopGraceMs?: number;
  /**
   * Revisions of history kept (watchers further behind must re-list). The upkeep also keeps no
   * more than DEFAULT_COMPACTION_RETENTION_MS of it; etcd's own auto-compaction is the fallback.
   */
  compactionRetention?: number;
  /** etcd's backend size quota. Default 4 GiB. */
  quotaBackendBytes?: number;
  /**
   * Backend upkeep (see EtcdMaintenance): size against the quota, defragmentation when it pays,
   * recovery from the NOSPACE alarm. On by default: nobody else looks after an etcd we started.
   * `false` turns it off; an object tunes it. Its lines and warnings are events on
   * `EmbeddedEtcd.maintenance`.
   */
  maintenance?: false | Omit<EtcdMaintenanceOptions, 'hosts' | 'quotaBytes'>;
  /**
   * Turn on etcd's user/password auth, with a root user whose random password is kept in an
   * owner-only file beside the data dir (`<dataDir>.credentials.json`), so other local processes
   * cannot change what tickflow stores. Clients then connect with `EmbeddedEtcd.auth`. Default
   * false; `tickflow serve` turns it on.
   */
  auth?: boolean;
}

/** A running etcd started by `startEmbeddedEtcd`; `stop()` it when done. */
export interface EmbeddedEtcd {
  /** Client URLs for `connectEtcd({ hosts })`. */
  hosts: string[];
  /** The data dir, as an absolute path. */
  dataDir: string;
  /** The etcd process id. */
  pid: number;
  /** The client port on 127.0.0.1; undefined when etcd listens on sockets. */
  port: number | undefined;
  /** The owner-only directory of etcd's sockets; undefined when it listens on loopback ports. */
  socketDir: string | undefined;
  /** The --quota-backend-bytes etcd was started with. */
  quotaBackendBytes: number;
  /** Its backend upkeep, started with it; undefined if turned off. */
  maintenance: EtcdMaintenance | undefined;
  /** The user and password to connect with, when started with `auth: true`. */
  auth: { username: string; password: string } | undefined;
  /** Stops the upkeep, then SIGTERM, then SIGKILL after the grace period; resolves once etcd has exited. */
  stop(): Promise<void>;
}

export const DEFAULT_COMPACTION_RETENTION = 100_000;
export const DEFAULT_QUOTA_BACKEND_BYTES = 4 * 1024 ** 3;
/**
 * The embedded etcd's upkeep also keeps no more than this much history: tickflow writes many keys
 * per transaction, so 100,000 revisions can be hundreds of MiB (a 4-minute soak at 2,000
 * triggers/s made 45,000 revisions of ~6 KiB). History only lets a watcher catch up after a short
 * disconnect; one further behind re-lists.
 */
export const DEFAULT_COMPACTION_RETENTION_MS = 2 * 60_000;
const PORT_ATTEMPTS = 3;

/** The etcd binary to run: an explicit one, `$TICKFLOW_ETCD_BIN`, or `etcd` on PATH. */
export function etcdBinary(explicit?: string): string {
  return explicit ?? process.env['TICKFLOW_ETCD_BIN'] ?? 'etcd';
}

/** Creates the data dir (mode 0700, as etcd wants) and checks that it is writable. */
export async function prepareDataDir(dataDir: string): Promise<string> {
  const absolute = resolve(dataDir);
  try {
    await mkdir(absolute, { recursive: true, mode: 0o700 });
    await access(absolute, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new EtcdDataDirError(absolute, code === 'ENOTDIR' ? 'a parent is not a directory' : code, error);
  }
  return absolute;
}

/**
 * Starts a single-member etcd on loopback with its own data dir, and waits until it answers.
 * Freely chosen ports are retried if another process grabs them first. Throws an
 * `EmbeddedEtcdError`: `EtcdNotFoundError` when there is no etcd binary, and others for a data
 * dir that cannot be written, a port in use, or an etcd that exits or does not answer within
 * `startupTimeoutMs`. While etcd runs, the file `{dataDir}.lock` beside the data dir names the
 * process that started it: a data dir in use by another live process fails at once with
 * `EtcdDataDirInUseError`, naming that process (a lock left by a process that is gone is taken over).
 */
export async function startEmbeddedEtcd(options: EmbeddedEtcdOptions = {}): Promise<EmbeddedEtcd> {
  const dataDir = await prepareDataDir(options.dataDir ?? '.tickflow/etcd');
  const lock = await DataDirLock.acquire(dataDir);
  try {
    return await startOnDataDir(options, dataDir, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startOnDataDir(
  options: EmbeddedEtcdOptions,
  dataDir: string,
  lock: DataDirLock,
): Promise<EmbeddedEtcd> {
  const name = options.name ?? 'tickflow';
  const portGiven = (options.port ?? options.peerPort) !== undefined;
  const onSockets = (options.listen ?? (portGiven ? 'loopback' : 'socket')) === 'socket';
  if (onSockets && portGiven) {
    throw new StoreRequestError('listen', options.listen, "'loopback' when port or peerPort is given");
  }
  const socketDir = onSockets ? await prepareSocketDir(dataDir) : undefined;
  for (let attempt = 1; ; attempt++) {
    const listen = socketDir !== undefined ? socketListen(socketDir) : await loopbackListen(options);
    const spec: EtcdProcessSpec = {
      binary: etcdBinary(options.binary),
      name,
      dataDir,
      listen,
      initialCluster: `${name}=${listenPeerUrl(listen)}`,
      clusterToken: `tickflow-${nanoid(8)}`,
      compactionRetention: options.compactionRetention ?? DEFAULT_COMPACTION_RETENTION,
      quotaBackendBytes: options.quotaBackendBytes ?? DEFAULT_QUOTA_BACKEND_BYTES,
      quiet: options.quiet ?? true,
      startupTimeoutMs: options.startupTimeoutMs ?? 20_000,
      stopGraceMs: options.stopGraceMs ?? 5_000,
    };
    let proc: EtcdProcess;
    try {
      proc = await EtcdProcess.start(spec);
    } catch (error) {
      const chosenFreely = options.port === undefined && options.peerPort === undefined;
      if (!(error instanceof EtcdPortInUseError) || !chosenFreely || attempt >= PORT_ATTEMPTS) throw error;
      continue;
    }
    const hosts = [clientHost(listen)];
    let maintenance: EtcdMaintenance | undefined;
    let auth: { username: string; password: string } | undefined;
    try {
      await lock.update({ etcdPid: proc.pid, hosts });
      if (options.auth === true) {
        const { username, password } = await ensureEmbeddedAuth(hosts, dataDir);
        auth = { username, password };
      }
      if (options.maintenance !== false) {
        maintenance = new EtcdMaintenance({
          ...(auth !== undefined && { auth }),
          compactRetention: spec.compactionRetention,
          compactRetentionMs: DEFAULT_COMPACTION_RETENTION_MS,
          ...options.maintenance,
          hosts,
          quotaBytes: spec.quotaBackendBytes,
        });
        await maintenance.start();
      }
    } catch (error) {
      await proc.stop();
      throw error;
    }
    return {
      hosts,
      dataDir,
      pid: proc.pid,
      port: listen.kind === 'loopback' ? listen.clientPort : undefined,
      socketDir,
      quotaBackendBytes: spec.quotaBackendBytes,
      maintenance,
      auth,
      async stop() {
        await maintenance?.stop();
        await proc.stop();
        // Only our sockets were in it (we hold the lock); a later start makes it again.
        if (socketDir !== undefined) await rm(socketDir, { recursive: true, force: true });
        await lock.release();
      },
    };
  }
}

function socketListen(dir: string): EtcdListen {
  return { kind: 'socket', dir };
}

async function loopbackListen(options: EmbeddedEtcdOptions): Promise<EtcdListen> {
  const clientPort = options.port ?? (await findFreePort());
  let peerPort = options.peerPort ?? (await findFreePort());
  while (peerPort === clientPort) peerPort = await findFreePort();
  return { kind: 'loopback', clientPort, peerPort };
}
