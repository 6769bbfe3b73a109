import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { DataDirLock, lockPath } from '../../../src/etcd/data-dir-lock.js';
import { EtcdDataDirInUseError } from '../../../src/etcd/embedded-etcd-errors.js';

async function dataDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-lock-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'etcd');
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** The pid of a process that runs until the test ends. */
function sleeper(t: ExecutionContext): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  t.teardown(() => void child.kill('SIGKILL'));
  return child.pid ?? -1;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid ?? -1;
}

test('the lock file sits beside the data dir, names this process, and goes on release', async (t) => {
  const dir = await dataDir(t);
  const lock = await DataDirLock.acquire(dir);
  t.is(lock.path, `${dir}.lock`);
  const holder = JSON.parse(await readFile(lock.path, 'utf8')) as { pid: number; command: string };
  t.is(holder.pid, process.pid);
  t.truthy(holder.command);
  await lock.update({ etcdPid: 4242, hosts: ['http://127.0.0.1:1'] });
  t.like(JSON.parse(await readFile(lock.path, 'utf8')), { pid: process.pid, etcdPid: 4242 });
  await lock.release();
  t.false(await exists(lock.path));
  await lock.release();
  // Free again.
  await (await DataDirLock.acquire(dir)).release();
});

test('a data dir held by this process is refused while held', async (t) => {
  const dir = await dataDir(t);
  const lock = await DataDirLock.acquire(dir);
  await lock.update({ etcdPid: 4242, hosts: ['http://127.0.0.1:2379'] });
  const error = await t.throwsAsync(DataDirLock.acquire(dir), { instanceOf: EtcdDataDirInUseError });
  t.is(error?.holderPid, process.pid);
  t.deepEqual(error?.hosts, ['http://127.0.0.1:2379']);
  t.is(error?.lockFile, `${dir}.lock`);
  t.regex(
    error?.message ?? '',
    new RegExp(`in use by process ${process.pid} .*its etcd on http://127\\.0\\.0\\.1:2379`),
  );
  await lock.release();
});

test('a lock naming another live process is refused; its file stays', async (t) => {
  const dir = await dataDir(t);
  const other = sleeper(t);
  const text = JSON.stringify({ pid: other, command: 'tickflow.js serve', token: 'theirs' });
  await writeFile(lockPath(dir), text);
  const error = await t.throwsAsync(DataDirLock.acquire(dir), { instanceOf: EtcdDataDirInUseError });
  t.is(error?.holderPid, other);
  t.is(error?.holderCommand, 'tickflow.js serve');
  t.is(await readFile(lockPath(dir), 'utf8'), text);
});

test('a lock whose process is gone is taken over', async (t) => {
  const dir = await dataDir(t);
  await writeFile(lockPath(dir), JSON.stringify({ pid: await deadPid(), command: 'x', token: 'old' }));
  const lock = await DataDirLock.acquire(dir);
  t.like(JSON.parse(await readFile(lock.path, 'utf8')), { pid: process.pid });
  await lock.release();
});

test('a lock that is not JSON is taken over', async (t) => {
  const dir = await dataDir(t);
  await writeFile(lockPath(dir), 'garbage');
  await (await DataDirLock.acquire(dir)).release();
  t.pass();
});

test('a live pid that started after the lock was written (a reused pid) does not hold it', async (t) => {
  if (!(await exists('/proc/self/stat'))) return t.pass('no /proc here');
  const dir = await dataDir(t);
  const other = sleeper(t);
  await writeFile(
    lockPath(dir),
    JSON.stringify({ pid: other, command: 'x', token: 'old', startTicks: '1', boot: 'another-boot' }),
  );
  await (await DataDirLock.acquire(dir)).release();
  t.pass();
});

test('release leaves a lock that someone else took over in the meantime', async (t) => {
  const dir = await dataDir(t);
  const lock = await DataDirLock.acquire(dir);
  const theirs = JSON.stringify({ pid: process.pid, command: 'x', token: 'theirs' });
  await writeFile(lock.path, theirs);
  await lock.release();
  t.is(await readFile(lock.path, 'utf8'), theirs);
});
