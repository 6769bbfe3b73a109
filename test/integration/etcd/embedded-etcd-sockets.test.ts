import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { EtcdDataDirError } from '../../../src/etcd/embedded-etcd-errors.js';
import { startEmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';
import { StoreRequestError } from '../../../src/etcd/errors.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';

const NOBODY = 65_534;
/** Running a process as another user, or chowning to one, needs root (CI runs as root). */
const asRoot = process.getuid?.() === 0 ? test : test.skip;

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-sockets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** TCP ports the process listens on, from its socket fds and /proc/net/tcp{,6} (state 0A). */
async function tcpListenPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      const [local, state, inode] = [cols[1], cols[3], cols[9]];
      if (state === '0A' && inode !== undefined && inodes.has(inode) && local !== undefined) {
        ports.push(parseInt(local.split(':')[1] ?? '', 16));
      }
    }
  }
  return ports;
}

/** Tries to connect to a unix socket as another user; resolves with the error code (or 'connected'). */
async function connectAs(uid: number, socketPath: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('net').connect(process.argv[1]).on('connect', () => { console.log('connected'); process.exit(0); })` +
        `.on('error', (e) => { console.log(e.code); process.exit(0); })`,
      socketPath,
    ],
    { uid, gid: uid, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await once(child, 'close');
  return out.trim();
}

test('by default etcd listens on no TCP port; listen: loopback does', async (t) => {
  const dir = await tempDir(t);
  const onSockets = await startEmbeddedEtcd({ dataDir: join(dir, 'a') });
  t.teardown(() => onSockets.stop());
  t.deepEqual(await tcpListenPorts(onSockets.pid), [], 'neither client, peer nor metrics on TCP');

  const onLoopback = await startEmbeddedEtcd({ dataDir: join(dir, 'b'), listen: 'loopback' });
  t.teardown(() => onLoopback.stop());
  t.true((await tcpListenPorts(onLoopback.pid)).includes(onLoopback.port ?? -1));
  t.regex(onLoopback.hosts[0] ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('the socket directory is owner-only (0700) and the owner connects', async (t) => {
  const dir = await tempDir(t);
  const etcd = await startEmbeddedEtcd({ dataDir: join(dir, 'etcd') });
  t.teardown(() => etcd.stop());
  const socketDir = etcd.socketDir ?? '';
  t.is((await stat(socketDir)).mode & 0o777, 0o700);
  const socketPath = (etcd.hosts[0] ?? '').replace(/^unix:\/\//, '');
  t.is(await connectAs(process.getuid?.() ?? 0, socketPath), 'connected', 'the owner can');
});

asRoot('another user cannot connect to the sockets', async (t) => {
  const dir = await tempDir(t);
  const etcd = await startEmbeddedEtcd({ dataDir: join(dir, 'etcd') });
  t.teardown(() => etcd.stop());
  const socketPath = (etcd.hosts[0] ?? '').replace(/^unix:\/\//, '');
  t.is(await connectAs(NOBODY, socketPath), 'EACCES');
});

test('a data dir too long for a socket path gets its sockets in an owner-only temp directory', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'x'.repeat(60), 'y'.repeat(40), 'etcd');
  const etcd = await startEmbeddedEtcd({ dataDir });
  t.teardown(() => etcd.stop());
  const socketDir = etcd.socketDir ?? '';
  t.true(socketDir.startsWith(join(tmpdir(), 'tickflow-etcd-')), socketDir);
  t.teardown(() => rm(socketDir, { recursive: true, force: true }));
  t.is((await stat(socketDir)).mode & 0o777, 0o700);
  const kv = await connectEtcd({ hosts: etcd.hosts });
  await kv.txn([], [{ op: 'put', key: 'k', value: 'v' }]);
  t.is((await kv.get('k'))?.value, 'v');
  await kv.close();
});

asRoot('a socket directory that belongs to another user is refused', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'etcd');
  await mkdir(`${dataDir}.sock`, { mode: 0o700 });
  await chown(`${dataDir}.sock`, NOBODY, NOBODY);
  const error = await t.throwsAsync(startEmbeddedEtcd({ dataDir }), { instanceOf: EtcdDataDirError });
  t.regex(error?.message ?? '', /belongs to uid 65534, not to this user/);
});

test('ports with listen: socket are refused with a typed error', async (t) => {
  const dir = await tempDir(t);
  const error = await t.throwsAsync(startEmbeddedEtcd({ dataDir: dir, listen: 'socket', port: 2379 }), {
    instanceOf: StoreRequestError,
  });
  t.is(error?.field, 'listen');
});
