import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import {
  EtcdDataDirError,
  EtcdNotFoundError,
  EtcdPortInUseError,
} from '../../../src/etcd/embedded-etcd-errors.js';
import { startEmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { waitFor } from '../../helpers/etcd-wait.js';

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-embedded-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('starts on owner-only unix sockets, keeps its data across a restart, and stops cleanly', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'nested', 'etcd');
  const startedAt = Date.now();
  const first = await startEmbeddedEtcd({ dataDir });
  t.log(`etcd answered ${Date.now() - startedAt} ms after spawn`);
  t.teardown(() => first.stop());
  t.is(first.hosts[0], `unix://${dataDir}.sock/client.sock:0`);
  t.is(first.port, undefined);
  t.is(first.socketDir, `${dataDir}.sock`);
  t.true(isRunning(first.pid));
  const kv = await connectEtcd({ hosts: first.hosts });
  await kv.txn([], [{ op: 'put', key: 'survives', value: 'yes' }]);
  await kv.close();
  const stoppingAt = Date.now();
  await first.stop();
  t.log(`stop took ${Date.now() - stoppingAt} ms`);
  t.false(isRunning(first.pid), 'the process is gone once stop() resolves');
  t.false(existsSync(`${dataDir}.sock`), 'the socket directory is removed');
  await first.stop();

  const second = await startEmbeddedEtcd({ dataDir });
  t.teardown(() => second.stop());
  t.deepEqual(second.hosts, first.hosts, 'the same address after a restart');
  const again = await connectEtcd({ hosts: second.hosts });
  t.is((await again.get('survives'))?.value, 'yes');
  await again.close();
  await second.stop();
});

test('a missing binary says how to install etcd', async (t) => {
  const dir = await tempDir(t);
  const error = await t.throwsAsync(startEmbeddedEtcd({ dataDir: dir, binary: join(dir, 'no-such-etcd') }), {
    instanceOf: EtcdNotFoundError,
  });
  t.regex(error?.message ?? '', /apt-get install etcd-server/);
  t.regex(error?.message ?? '', /TICKFLOW_ETCD_BIN/);
});

// Serial: it changes the environment every other test in this file reads.
test.serial('TICKFLOW_ETCD_BIN selects the binary', async (t) => {
  const dir = await tempDir(t);
  const saved = process.env['TICKFLOW_ETCD_BIN'];
  process.env['TICKFLOW_ETCD_BIN'] = join(dir, 'custom-etcd');
  try {
    const error = await t.throwsAsync(startEmbeddedEtcd({ dataDir: dir }), { instanceOf: EtcdNotFoundError });
    t.is(error?.binary, join(dir, 'custom-etcd'));
  } finally {
    if (saved === undefined) delete process.env['TICKFLOW_ETCD_BIN'];
    else process.env['TICKFLOW_ETCD_BIN'] = saved;
  }
});

test('an unusable data dir is reported as such', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a-file'), '');
  const error = await t.throwsAsync(startEmbeddedEtcd({ dataDir: join(dir, 'a-file', 'etcd') }), {
    instanceOf: EtcdDataDirError,
  });
  t.regex(error?.message ?? '', /writable dataDir/);
});

test('a port clash names the port and what to do', async (t) => {
  const dir = await tempDir(t);
  // Hang up at once: an unread connection would keep the server from closing.
  const blocker = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const error = await t.throwsAsync(startEmbeddedEtcd({ dataDir: dir, port }), {
    instanceOf: EtcdPortInUseError,
  });
  t.is(error?.port, port);
  t.regex(error?.message ?? '', /address already in use/);
});

for (const mode of ['exit', 'wait'] as const) {
  const how = mode === 'exit' ? 'exits without stopping it' : 'is SIGKILLed';
  test(`etcd does not outlive a parent that ${how}`, async (t) => {
    const dir = await tempDir(t);
    const script = fileURLToPath(new URL('./embedded-etcd-parent.ts', import.meta.url));
    const parent = spawn(process.execPath, ['--import', 'tsx', script, dir, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.teardown(() => void parent.kill('SIGKILL'));
    const [line] = await once(createInterface({ input: parent.stdout }), 'line');
    const pid = Number(line);
    t.true(isRunning(pid));
    if (mode === 'wait') parent.kill('SIGKILL');
    await waitFor(() => !isRunning(pid), { what: `etcd ${pid} to exit`, timeoutMs: 10_000 });
    t.pass();
  });
}
