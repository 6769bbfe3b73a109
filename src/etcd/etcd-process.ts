import { spawn, type ChildProcess } from 'node:child_process';
import { request, type RequestOptions } from 'node:http';
import {
  describeListen,
  httpTarget,
  listenClientUrl,
  listenPeerUrl,
  type EtcdListen,
} from './etcd-listen.js';
import {
  EtcdDataDirError,
  EtcdNotFoundError,
  EtcdPortInUseError,
  EtcdStartError,
  type EmbeddedEtcdError,
} from './embedded-etcd-errors.js';

export interface EtcdProcessSpec {
  binary: string;
  name: string;
  dataDir: string;
  /** Ports on loopback, or an owner-only socket directory (etcd then runs with it as cwd). */
  listen: EtcdListen;
  /** `name=<peer URL>,...` for every member. */
  initialCluster: string;
  clusterToken: string;
  /** `existing` when this member joins a running cluster (added with MemberAdd first). Default `new`. */
  initialClusterState?: 'new' | 'existing';
  compactionRetention: number;
  quotaBackendBytes: number;
  /** Raft entries between snapshots. Default DEFAULT_SNAPSHOT_COUNT. */
  snapshotCount?: number;
  quiet: boolean;
  startupTimeoutMs: number;
  stopGraceMs: number;
}

const STDERR_LINES = 30;
/**
 * etcd keeps every raft entry since its last snapshot in memory. 3.4's default of 100,000 entries
 * is hundreds of MiB when each entry is a transaction of many keys, as tickflow's group commits
 * are (etcd RSS rose from 121 to 483 MiB over a 6-minute soak at 500 triggers/s with it); 3.5
 * lowered its own default to 10,000 for the same reason.
 */
export const DEFAULT_SNAPSHOT_COUNT = 10_000;
/** Children still running, terminated if this process exits without stopping them. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

/**
 * One etcd server process that we spawned. Only ever signals its own pid. A tiny shell watchdog
 * holding a pipe from us terminates it if we die without cleaning up (e.g. SIGKILL), so test runs
 * and crashed services do not leave etcd servers behind.
 */
export class EtcdProcess {
  readonly spec: EtcdProcessSpec;
  readonly #child: ChildProcess;
  readonly #watchdog: ChildProcess | undefined;
  readonly #exited: Promise<void>;
  #stderr: string[] = [];
  #exitCode: number | null | undefined;

  private constructor(spec: EtcdProcessSpec) {
    this.spec = spec;
    this.#child = spawn(spec.binary, etcdArgs(spec), {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: withoutEtcdVariables(process.env),
      // etcd binds unix sockets relative to its cwd (see etcd-listen.ts).
      ...(spec.listen.kind === 'socket' && { cwd: spec.listen.dir }),
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once('close', (code) => {
        this.#exitCode = code;
        running.delete(this.#child);
        this.#watchdog?.kill('SIGKILL');
        resolve();
      });
      // A spawn failure emits 'error' and never 'close'.
      this.#child.once('error', () => {
        this.#exitCode ??= -1;
        resolve();
      });
    });
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      if (!spec.quiet) process.stderr.write(chunk);
      this.#stderr.push(...chunk.split('\n').filter((line) => line.length > 0));
      if (this.#stderr.length > STDERR_LINES) this.#stderr.splice(0, this.#stderr.length - STDERR_LINES);
    });
    const pid = this.#child.pid;
    if (pid !== undefined) {
      running.add(this.#child);
      this.#watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'tickflow-etcd-watchdog', String(pid)], {
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      this.#watchdog.on('error', () => undefined);
      this.#watchdog.unref();
      (this.#watchdog.stdin as { unref?: () => void } | null)?.unref?.();
    }
    this.#child.unref();
    (this.#child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  /** Spawns etcd and resolves once it answers /health (for a cluster: once it has a leader). */
  static async start(spec: EtcdProcessSpec): Promise<EtcdProcess> {
    const proc = new EtcdProcess(spec);
    const spawnError = new Promise<Error>((resolve) => proc.#child.once('error', resolve));
    const failure = Promise.race([spawnError, proc.#exited.then(() => undefined)]).then((error) =>
      proc.#startFailure(error),
    );
    const deadline = Date.now() + spec.startupTimeoutMs;
    let failed: EmbeddedEtcdError | undefined;
    void failure.then((error) => (failed = error));
    while (!failed) {
      if (await isHealthy(spec.listen)) return proc;
      if (Date.now() > deadline) {
        await proc.stop();
        // Silence is what etcd does while it waits for the file lock of a data dir in use.
        const hint = proc.stderrTail()
          ? ''
          : `; is another etcd running on data dir ${JSON.stringify(spec.dataDir)}?`;
        throw new EtcdStartError(
          `etcd did not become healthy on ${describeListen(spec.listen)} within ${spec.startupTimeoutMs} ms${hint}`,
          proc.stderrTail(),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw failed;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }

  stderrTail(): string {
    return this.#stderr.join('\n');
  }

  /** SIGTERM, then SIGKILL if etcd has not exited after the grace period; resolves once it exited. */
  async stop(): Promise<void> {
    if (!this.running) return;
    // Unref'd so a forgotten etcd never holds the parent open, but waiting for its exit must.
    this.#child.ref();
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), this.spec.stopGraceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** SIGKILL, for fault tests: etcd gets no chance to shut down. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#child.ref();
    this.#child.kill('SIGKILL');
    await this.#exited;
  }

  #startFailure(error: Error | undefined): EmbeddedEtcdError {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'EACCES') return new EtcdNotFoundError(this.spec.binary);
    const tail = this.stderrTail();
    const inUse = /listen tcp [^\s]+:(\d+): bind: address already in use/.exec(tail);
    if (inUse) return new EtcdPortInUseError(Number(inUse[1]), tail);
    if (/permission denied|read-only file system|cannot access data directory/i.test(tail)) {
      return new EtcdDataDirError(this.spec.dataDir, 'etcd cannot write to it', error);
    }
    return new EtcdStartError(`etcd exited during startup (exit code ${String(this.#exitCode)})`, tail);
  }
}

/** Terminates etcd when our end of the pipe closes, unless etcd already exited (we kill this first). */
const WATCHDOG =
  'read _ignored; kill -TERM "$1" 2>/dev/null || exit 0; i=0; ' +
  'while [ $i -lt 50 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; i=$((i+1)); done; ' +
  'kill -0 "$1" 2>/dev/null && kill -KILL "$1"';

function etcdArgs(spec: EtcdProcessSpec): string[] {
  const client = listenClientUrl(spec.listen);
  const peer = listenPeerUrl(spec.listen);
  return [
    `--name=${spec.name}`,
    `--data-dir=${spec.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${spec.initialCluster}`,
    `--initial-cluster-token=${spec.clusterToken}`,
    `--initial-cluster-state=${spec.initialClusterState ?? 'new'}`,
    '--auto-compaction-mode=revision',
    `--auto-compaction-retention=${spec.compactionRetention}`,
    `--quota-backend-bytes=${spec.quotaBackendBytes}`,
    `--snapshot-count=${spec.snapshotCount ?? DEFAULT_SNAPSHOT_COUNT}`,
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=warn',
  ];
}

/** ETCD_* variables would silently override our flags. */
function withoutEtcdVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('ETCD_')));
}

async function isHealthy(listen: EtcdListen): Promise<boolean> {
  const res = await httpGet(httpTarget(listen), '/health');
  return res?.status === 200 && res.body.includes('"true"');
}

/** GET on etcd's client endpoint; undefined if it does not answer within a second. */
export function httpGet(
  target: Pick<RequestOptions, 'host' | 'port' | 'socketPath'>,
  path: string,
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    // No keep-alive agent: a pooled socket would outlive the probe and hold the port's peer open.
    const req = request({ ...target, path, timeout: 1_000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
