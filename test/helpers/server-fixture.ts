import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestFn } from 'ava';

/** The `tickflow` launcher, run exactly as a user would run it. */
export const TICKFLOW_BIN = fileURLToPath(new URL('../../bin/tickflow.js', import.meta.url));

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HttpResult {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
  contentType: string | undefined;
}

export interface ServerProcess {
  /** `http://127.0.0.1:PORT` of the API. */
  readonly url: string;
  readonly port: number;
  /** The gRPC API's port (the fixture asks for a free one), from the startup line; undefined with --no-grpc. */
  readonly grpcPort: number | undefined;
  readonly pid: number;
  readonly dataDir: string;
  /** The embedded etcd's pid, from the server's startup line. */
  readonly etcdPid: number | undefined;
  /** The etcd client URLs the server uses (from its startup line, or the --etcd given). */
  readonly etcdHosts: string[];
  /** The embedded etcd's user and password (tickflow serve turns etcd auth on), read from its file. */
  etcdAuth(): Promise<{ username: string; password: string }>;
  readonly exited: Promise<ExitStatus>;
  stdout(): string;
  stderr(): string;
  /** A request to the API; `body` is sent as JSON unless `raw` is given. */
  request(
    method: string,
    path: string,
    options?: { body?: unknown; raw?: string; contentType?: string },
  ): Promise<HttpResult>;
  /** SIGTERM, and the exit status once the process is gone (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<ExitStatus>;
}

export interface ServerProcessOptions {
  appUrl?: string;
  workflows?: string;
  /** More `tickflow serve` arguments. */
  args?: string[];
  startupTimeoutMs?: number;
  /** The `tickflow` launcher to run (default: this repository's bin/tickflow.js). */
  bin?: string;
  /** Working directory of the server process. */
  cwd?: string;
  /** More environment variables for the server process. */
  env?: Record<string, string>;
}

/**
 * Starts `tickflow serve` as a child process: port 0 (the server reports the port it got), an
 * embedded etcd on a free port with its own temp data dir. Resolves once the API answers.
 */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-serve-'));
  const args = [options.bin ?? TICKFLOW_BIN, 'serve', '--port', '0', '--data-dir', dataDir];
  if (options.appUrl !== undefined) args.push('--app-url', options.appUrl);
  if (options.workflows !== undefined) args.push('--workflows', options.workflows);
  args.push(...(options.args ?? []));
  // Dapr's 50001 by default: concurrent test servers would collide on it.
  if (!args.some((a) => a === '--grpc-port' || a === '--no-grpc')) args.push('--grpc-port', '0');
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    ...(options.env !== undefined && { env: { ...process.env, ...options.env } }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // If the test process dies without running its after-hooks (a crash), the server must not
  // outlive it; SIGTERM lets it stop its own etcd.
  const orphanGuard = (): void => void child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  void exited.then(() => process.off('exit', orphanGuard));

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `tickflow serve did not start within ${options.startupTimeoutMs ?? 60_000} ms:\n${stderr}`,
            ),
          ),
        options.startupTimeoutMs ?? 60_000,
      );
      const check = (): void => {
        const match = /listening on (https?:\/\/[^\s;]+)/.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on('data', check);
      void exited.then((status) => {
        clearTimeout(timer);
        reject(new Error(`tickflow serve exited during startup (${JSON.stringify(status)}):\n${stderr}`));
      });
    });
  } catch (error) {
    await kill(child, exited);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  const request: ServerProcess['request'] = (method, path, o = {}) => httpRequest(url, method, path, o);
  // "...; embedded etcd http://127.0.0.1:41017 (pid 4242); ..." or "...; etcd http://...; ..."
  // (/v1.0/metadata shows addresses and pids only to callers with the API token).
  const etcdLine = /; (?:embedded )?etcd (\S+?)(?: \(pid (\d+)\))?;/.exec(stdout);
  const grpcLine = /; gRPC on \S+:(\d+);/.exec(stdout);
  let stopped: Promise<ExitStatus> | undefined;
  return {
    url,
    port: Number(new URL(url).port),
    grpcPort: grpcLine?.[1] === undefined ? undefined : Number(grpcLine[1]),
    pid: child.pid ?? -1,
    dataDir,
    etcdPid: etcdLine?.[2] === undefined ? undefined : Number(etcdLine[2]),
    etcdHosts: etcdLine?.[1]?.split(',') ?? [],
    etcdAuth: async () =>
      JSON.parse(await readFile(join(dataDir, 'etcd.credentials.json'), 'utf8')) as {
        username: string;
        password: string;
      },
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    request,
    stop: (graceMs = 20_000) =>
      (stopped ??= (async () => {
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const status = await exited;
        clearTimeout(timer);
        await rm(dataDir, { recursive: true, force: true });
        return status;
      })()),
  };
}

/** One server per test file, stopped (and its data dir removed) after the file's tests. */
export async function useServer<Context>(
  test: TestFn<Context>,
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const server = await startServerProcess(options);
  test.after.always(async () => {
    await server.stop();
  });
  return server;
}

export async function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const contentType = options.contentType ?? (options.body !== undefined ? 'application/json' : undefined);
  const res = await fetch(baseUrl + path, {
    method,
    ...(body !== undefined && { body }),
    headers: { ...(contentType !== undefined && { 'content-type': contentType }), ...options.headers },
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, contentType: res.headers.get('content-type') ?? undefined };
}

/**
 * Sends a raw HTTP/1.1 request head (plus an optional partial body) over a socket and reads one
 * response. For requests fetch cannot make deterministically, e.g. a huge declared body the server
 * rejects from its Content-Length before the client has sent it.
 */
export function rawHttp(
  port: number,
  head: string,
  partialBody = '',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => socket.destroy(new Error('no complete response within 10 s')), 10_000);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(head + partialBody));
    socket.on('data', (chunk: string) => {
      data += chunk;
      const split = data.indexOf('\r\n\r\n');
      if (split < 0) return;
      const headers = data.slice(0, split);
      const length = Number(/^content-length: *(\d+)/im.exec(headers)?.[1] ?? 0);
      const body = data.slice(split + 4);
      if (Buffer.byteLength(body) < length) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0), body });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tickflow <args>` to completion. */
export function runCli(
  args: readonly string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TICKFLOW_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env !== undefined && { env: { ...process.env, ...options.env } }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tickflow ${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Whether a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function kill(child: ChildProcess, exited: Promise<ExitStatus>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}
