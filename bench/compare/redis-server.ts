/**
 * Debian's redis-server on a free loopback port with its own temp dir and AOF persistence:
 * `appendfsync everysec` (Redis's default durable setting) or `always` (an fsync per write,
 * the durability tickflow's etcd gives).
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { freePort, startServer, tempDir, type ServerProcess } from './server-process.js';

export type AppendFsync = 'everysec' | 'always';

export interface RedisServer extends ServerProcess {
  port: number;
}

export async function startRedis(fsync: AppendFsync): Promise<RedisServer> {
  const port = await freePort();
  const dir = await tempDir(`redis-${fsync}`);
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    fsync,
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
  ];
  const server = await startServer('redis-server', args, { dir, ready: () => ping(port) });
  return { ...server, port };
}

/** True once the server answers PING. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function redisVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('redis-server', ['--version']);
    return /v=(\S+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}
