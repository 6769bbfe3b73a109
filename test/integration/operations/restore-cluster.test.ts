import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { findFreePort } from '../../../src/etcd/free-port.js';
import { useEtcd } from '../../helpers/etcd.js';
import { runCli } from '../../helpers/server-fixture.js';

// One snapshot restored as the three members of a new cluster (--name, --initial-cluster,
// --initial-advertise-peer-urls): the members form it from their restored data dirs, and every
// one of them serves the snapshot's keys at the snapshot's revisions.

const etcd = await useEtcd(test);

test('a snapshot restored once per member forms a three-member cluster with its data', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'tickflow-restore-cluster-'));
  const members: ChildProcess[] = [];
  t.teardown(async () => {
    for (const member of members) member.kill('SIGKILL');
    await Promise.all(
      members.map((m) =>
        m.exitCode === null && m.signalCode === null ? new Promise((r) => m.once('exit', r)) : undefined,
      ),
    );
    await rm(work, { recursive: true, force: true });
  });
  const kv = await etcd.connect();
  await kv.txn([], [{ op: 'put', key: '/cluster/k', value: 'v' }]);
  const written = await kv.get('/cluster/k');
  const file = join(work, 'store.snap');
  t.is((await runCli(['backup', '--etcd', etcd.hosts.join(','), '--out', file])).code, 0);

  const ports = await Promise.all(Array.from({ length: 6 }, () => findFreePort()));
  t.is(new Set(ports).size, 6, 'six distinct free ports');
  const names = ['m0', 'm1', 'm2'];
  const peer = (i: number): string => `http://127.0.0.1:${ports[i * 2] ?? 0}`;
  const client = (i: number): string => `http://127.0.0.1:${ports[i * 2 + 1] ?? 0}`;
  const initialCluster = names.map((name, i) => `${name}=${peer(i)}`).join(',');
  for (const [i, name] of names.entries()) {
    const result = await runCli([
      'restore',
      file,
      '--data-dir',
      join(work, name),
      '--name',
      name,
      '--initial-cluster',
      initialCluster,
      '--initial-advertise-peer-urls',
      peer(i),
      '--initial-cluster-token',
      'restored-3',
    ]);
    t.is(result.code, 0, result.stderr);
    t.regex(
      result.stdout,
      /restore the same snapshot for every member named in --initial-cluster, then start them/,
    );
  }
  for (const [i, name] of names.entries()) {
    members.push(
      spawn(
        process.env['TICKFLOW_ETCD_BIN'] ?? 'etcd',
        [
          `--name=${name}`,
          `--data-dir=${join(work, name, 'etcd')}`,
          `--listen-peer-urls=${peer(i)}`,
          `--initial-advertise-peer-urls=${peer(i)}`,
          `--listen-client-urls=${client(i)}`,
          `--advertise-client-urls=${client(i)}`,
          `--initial-cluster=${initialCluster}`,
          '--log-level=error',
        ],
        { stdio: 'ignore' },
      ),
    );
  }
  for (const i of [0, 1, 2]) {
    const member = await connectEtcd({ hosts: [client(i)], dialTimeoutMs: 20_000, retryDeadlineMs: 20_000 });
    t.teardown(() => member.close());
    const read = await member.get('/cluster/k');
    t.is(read?.value, 'v');
    t.is(read?.modRevision, written?.modRevision, 'revisions survive the restore');
  }
});
