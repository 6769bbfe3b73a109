import { access } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { isAlive, runCli, startServerProcess } from '../../helpers/server-fixture.js';

// Two real `tickflow serve` processes on one data dir: the second must not wait for etcd's own
// file lock (20 s, then "etcd did not become healthy"), but say at once who holds the dir.

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

test('a second serve on the same data dir fails at once, naming the holder, --data-dir and --etcd', async (t) => {
  const first = await startServerProcess();
  t.teardown(() => first.stop());
  t.true(await exists(join(first.dataDir, 'etcd.lock')));

  const startedAt = Date.now();
  const second = await runCli(['serve', '--port', '0', '--data-dir', first.dataDir], { timeoutMs: 20_000 });
  const tookMs = Date.now() - startedAt;
  t.log(`refused after ${tookMs} ms: ${second.stderr.trim()}`);
  t.is(second.code, 1);
  t.true(tookMs < 10_000, `took ${tookMs} ms`);
  t.is(second.stdout, '');
  const lines = second.stderr.trimEnd().split('\n');
  t.is(lines.length, 1, second.stderr);
  const line = lines[0] ?? '';
  t.regex(line, /^error: data dir ".*" is in use by process (\d+) \(tickflow\.js serve /);
  t.true(line.includes(`in use by process ${first.pid} `), line);
  t.true(line.includes('pass another --data-dir'), line);
  t.true(
    line.includes(`--etcd ${first.etcdHosts.join(',')} --etcd-user root with TICKFLOW_ETCD_PASSWORD from `),
    line,
  );

  // The first server is untouched, and the advice works: a server on its etcd comes up.
  t.is((await first.request('GET', '/v1.0/healthz')).status, 204);
  const { password } = await first.etcdAuth();
  const sharing = await startServerProcess({
    args: ['--etcd', first.etcdHosts.join(','), '--etcd-user', 'root'],
    env: { TICKFLOW_ETCD_PASSWORD: password },
  });
  t.teardown(() => sharing.stop());
  t.is((await sharing.request('GET', '/v1.0/healthz')).status, 204);
});

test('a data dir left by a killed server is taken over, and freed on a clean stop', async (t) => {
  const first = await startServerProcess();
  t.teardown(() => first.stop());
  process.kill(first.pid, 'SIGKILL');
  await first.exited;
  // Its etcd goes with it (the watchdog); the lock file stays behind, naming a dead process.
  const etcdPid = first.etcdPid ?? -1;
  await waitFor(() => !isAlive(etcdPid), { what: 'the orphaned etcd gone', timeoutMs: 15_000 });
  const lockFile = join(first.dataDir, 'etcd.lock');
  t.true(await exists(lockFile));

  const second = await startServerProcess({ args: ['--data-dir', first.dataDir] });
  t.teardown(() => second.stop());
  t.is((await second.request('GET', '/v1.0/healthz')).status, 204);
  const status = await second.stop();
  t.is(status.code, 0);
  t.false(await exists(lockFile), 'a clean stop removes the lock');
});
