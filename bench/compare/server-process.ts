/**
 * A peer's server process (redis-server, restate-server) started by the harness: its own temp
 * dir, loopback ports, output to a log file in that dir, stopped by its pid (never by name).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tickflow-compare-${prefix}-`));
}

/**
 * Called with every server pid started here, so the runner can kill a server its (killed) child
 * process left behind.
 */
let spawnListener: ((pid: number) => void) | undefined;
export function onServerSpawn(listener: (pid: number) => void): void {
  spawnListener = listener;
}

export interface ServerProcess {
  pid: number;
  dir: string;
  logPath: string;
  /** SIGTERM, then SIGKILL after `graceMs`; removes the temp dir. */
  stop(graceMs?: number): Promise<void>;
}

export async function startServer(
  binary: string,
  args: string[],
  options: { dir: string; env?: NodeJS.ProcessEnv; ready: () => Promise<boolean>; timeoutMs?: number },
): Promise<ServerProcess> {
  const logPath = join(options.dir, 'server.log');
  const log = createWriteStream(logPath);
  const child: ChildProcess = spawn(binary, args, {
    cwd: options.dir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Two sources share the log: neither may end it, or the other writes after its end.
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // 'close' comes after the exit and after both pipes have flushed their last output.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${binary}`);
  spawnListener?.(pid);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${binary} exited during startup; see ${logPath}`);
    if (await options.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${binary} not ready in time; see ${logPath}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid,
    dir: options.dir,
    logPath,
    async stop(graceMs = 10_000) {
      if (!exited) {
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => {
          if (!exited) process.kill(pid, 'SIGKILL');
        }, graceMs);
        await closed;
        clearTimeout(timer);
      }
      await closed;
      await new Promise<void>((resolve) => log.end(resolve));
      await rm(options.dir, { recursive: true, force: true });
    },
  };
}

/** Total size in bytes of the files under `dir` (what a store keeps on disk). */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) total += (await stat(full).catch(() => ({ size: 0 }))).size;
    }
  };
  await walk(dir);
  return total;
}
