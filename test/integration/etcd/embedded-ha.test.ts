// Issue 19, embedded HA: `tickflow serve --initial-cluster ... --id ...` replicas each embed an etcd
// member and form one cluster. Three replicas survive a kill -9 of one (its etcd member dies with
// it: the watchdog) with every job delivered, none early; and one replica grows to three and back
// to one (join with --initial-cluster-state existing, leave with `tickflow cluster remove`) with
// 10,000 jobs kept and the due ones fired; and a plain (non-HA) server's store becomes the first
// member of a cluster through backup and restore.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { findFreePort } from '../../../src/etcd/free-port.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { runCli, startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { PubSubInvokeApp } from '../server/pubsub-invoke-app.js';

const PASSWORD = 'ha-test-root-password';
const JOBS = '/v1.0-alpha1/jobs';

const appReady = PubSubInvokeApp.start(undefined, () => ({ status: 200 }));
const servers: ServerProcess[] = [];
test.after.always(async () => {
  await Promise.allSettled(servers.map((s) => s.stop(10_000)));
  await (await appReady).close();
});

interface Member {
  name: string;
  peerPort: number;
  clientPort: number;
}

async function members(names: string[]): Promise<Member[]> {
  const taken = new Set<number>();
  const port = async (): Promise<number> => {
    for (;;) {
      const p = await findFreePort();
      if (!taken.has(p)) return (taken.add(p), p);
    }
  };
  const result: Member[] = [];
  for (const name of names) result.push({ name, peerPort: await port(), clientPort: await port() });
  return result;
}

function clusterArgs(all: Member[], id: string, state: 'new' | 'existing', appUrl: string): string[] {
  return [
    '--initial-cluster',
    all.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(','),
    '--etcd-client-ports',
    all.map((m) => `${m.name}=${m.clientPort}`).join(','),
    '--id',
    id,
    '--initial-cluster-state',
    state,
    '--app-url',
    appUrl,
    '--no-grpc',
  ];
}

async function startReplica(args: string[]): Promise<ServerProcess> {
  const server = await startServerProcess({
    args,
    env: { TICKFLOW_ETCD_PASSWORD: PASSWORD },
    startupTimeoutMs: 90_000,
  });
  servers.push(server);
  return server;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Schedules `names` on `server`, `concurrency` requests at a time. */
async function scheduleAll(
  server: ServerProcess,
  names: string[],
  body: (name: string) => unknown,
  concurrency = 32,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        const res = await server.request('POST', `${JOBS}/${name}`, { body: body(name) });
        if (res.status !== 204) throw new Error(`POST ${name}: ${res.status} ${res.text}`);
      }
    }),
  );
}

/** How many jobs the server lists under `prefix` (all pages). */
async function countJobs(server: ServerProcess, prefix: string): Promise<number> {
  let count = 0;
  let after: string | undefined;
  do {
    const query = `prefix=${prefix}&limit=2000${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
    const res = await server.request('GET', `${JOBS}?${query}`);
    if (res.status !== 200) throw new Error(`list: ${res.status} ${res.text}`);
    const page = res.json as { jobs: unknown[]; next?: string };
    count += page.jobs.length;
    after = page.next;
  } while (after !== undefined);
  return count;
}

/** `tickflow <args>` run to its end (the fixture's runCli); its stdout, or a rejection with stderr. */
async function tickflow(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(args, { timeoutMs: 60_000 });
  if (code !== 0) throw new Error(`exit ${code}: ${stderr}`);
  return stdout;
}

/** `tickflow cluster ...` against `server`; its stdout. */
function cli(server: ServerProcess, args: string[]): Promise<string> {
  return tickflow(['--server', server.url, 'cluster', ...args]);
}

test.serial(
  'three replicas form a cluster and lose no job when the replica of the leading member is killed -9',
  async (t) => {
    t.timeout(150_000);
    const app = await appReady;
    const layout = await members(['ha-0', 'ha-1', 'ha-2']);
    const replicas = await Promise.all(
      layout.map((m) => startReplica(clusterArgs(layout, m.name, 'new', app.url))),
    );
    const listed = JSON.parse(await cli(replicas[0]!, ['members', '--json'])) as {
      members: Array<{ name: string; started: boolean; leader?: boolean }>;
    };
    t.deepEqual(listed.members.map((m) => m.name).sort(), ['ha-0', 'ha-1', 'ha-2']);
    t.is(listed.members.filter((m) => m.leader === true).length, 1, 'one leader');

    // 60 jobs due over the next seconds, spread over every replica's partitions.
    const due = Date.now() + 4_000;
    const names = Array.from({ length: 60 }, (_, i) => `kill-${i}`);
    // The victim, the replica whose member leads the cluster (the hardest loss: a new leader must be
    // elected), dies before any job is due: its partitions and its etcd member go with it.
    const leader = listed.members.find((m) => m.leader === true)!.name;
    const victim = replicas[layout.findIndex((m) => m.name === leader)]!;
    const survivor = replicas.find((r) => r !== victim)!;
    await scheduleAll(survivor, names, (name) => ({
      dueTime: iso(due + 100 * Number(name.slice(5))),
      data: { name },
    }));
    t.log(`killing ${leader}, the leader`);
    process.kill(victim.pid, 'SIGKILL');
    await victim.exited;
    for (const name of names) {
      const call = await app.next((r) => r.path === `/job/${name}`, 60_000);
      t.true(call.at >= due + 100 * Number(name.slice(5)), `${name} came before it was due`);
    }
    // The two left still have a quorum: they take writes.
    const res = await survivor.request('POST', `${JOBS}/after-kill`, { body: { dueTime: '1s' } });
    t.is(res.status, 204, res.text);
    await app.next((r) => r.path === '/job/after-kill', 30_000);
    await Promise.all(replicas.map((r) => r.stop(10_000)));
  },
);

test.serial('one replica grows to three and back to one with 10,000 jobs kept', async (t) => {
  t.timeout(240_000);
  const app = await appReady;
  const layout = await members(['s-0', 's-1', 's-2']);
  const [m0, m1, m2] = layout as [Member, Member, Member];
  const first = await startReplica(clusterArgs([m0], 's-0', 'new', app.url));
  const far = iso(Date.now() + 24 * 3600_000);
  const kept = Array.from({ length: 10_000 }, (_, i) => `keep-${String(i).padStart(5, '0')}`);
  await scheduleAll(first, kept, () => ({ dueTime: far }));
  // And some due while the cluster changes: each fires (at least once).
  const soon = Date.now() + 3_000;
  const firing = Array.from({ length: 20 }, (_, i) => `fire-${i}`);
  await scheduleAll(first, firing, (name) => ({ dueTime: iso(soon + 1_000 * Number(name.slice(5))) }));

  const second = await startReplica(clusterArgs([m0, m1], 's-1', 'existing', app.url));
  const third = await startReplica(clusterArgs([m0, m1, m2], 's-2', 'existing', app.url));
  t.regex(third.stderr(), /joining the cluster/);
  const grown = JSON.parse(await cli(first, ['members', '--json'])) as {
    members: Array<{ name: string; started: boolean }>;
  };
  t.deepEqual(grown.members.map((m) => m.name).sort(), ['s-0', 's-1', 's-2']);
  t.is(await countJobs(third, 'keep-'), kept.length, 'the joined replica reads every job');

  // Back to one: remove the members one by one, stopping their replicas.
  t.regex(await cli(first, ['remove', 's-2']), /member "s-2" removed/);
  await third.stop(10_000);
  t.regex(await cli(first, ['remove', 's-1']), /member "s-1" removed/);
  await second.stop(10_000);
  const shrunk = JSON.parse(await cli(first, ['members', '--json'])) as { members: Array<{ name: string }> };
  t.deepEqual(
    shrunk.members.map((m) => m.name),
    ['s-0'],
  );
  // The last member cannot be removed.
  await t.throwsAsync(cli(first, ['remove', 's-0']), { message: /a member other than the last one/ });

  t.is(await countJobs(first, 'keep-'), kept.length, 'every job is kept on the one replica left');
  for (const name of firing) await app.next((r) => r.path === `/job/${name}`, 60_000);
  const res = await first.request('POST', `${JOBS}/after-shrink`, { body: { dueTime: '1s' } });
  t.is(res.status, 204, res.text);
  await app.next((r) => r.path === '/job/after-shrink', 30_000);
  await waitFor(async () => (await countJobs(first, 'fire-')) === 0, {
    what: 'the fired one-shot jobs to be gone',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
});

test.serial("a plain server's backup, restored as the first member, grows into a cluster", async (t) => {
  t.timeout(180_000);
  const app = await appReady;
  const plain = await startServerProcess({ args: ['--no-grpc'] });
  servers.push(plain);
  const names = Array.from({ length: 50 }, (_, i) => `plain-${i}`);
  await scheduleAll(plain, names, () => ({ dueTime: '1h' }));
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-ha-restore-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await tickflow(['backup', '--data-dir', plain.dataDir, '--out', join(dir, 'snap.db')]);
  await plain.stop(10_000);

  const [m0, m1] = (await members(['r-0', 'r-1'])) as [Member, Member];
  const peer = (m: Member): string => `http://127.0.0.1:${m.peerPort}`;
  await tickflow([
    'restore',
    join(dir, 'snap.db'),
    '--data-dir',
    join(dir, 'r-0'),
    '--name',
    'r-0',
    '--initial-cluster',
    `r-0=${peer(m0)}`,
    '--initial-advertise-peer-urls',
    peer(m0),
  ]);
  // The restored store keeps the root password of the server it came from.
  const { password } = JSON.parse(await readFile(join(dir, 'r-0', 'etcd.credentials.json'), 'utf8')) as {
    password: string;
  };
  const start = async (args: string[]): Promise<ServerProcess> => {
    const server = await startServerProcess({
      args: [...args, '--app-url', app.url, '--no-grpc'],
      env: { TICKFLOW_ETCD_PASSWORD: password },
      startupTimeoutMs: 90_000,
    });
    servers.push(server);
    return server;
  };
  const first = await start([
    '--data-dir',
    join(dir, 'r-0'),
    '--id',
    'r-0',
    '--initial-cluster',
    `r-0=${peer(m0)}`,
    '--etcd-client-ports',
    `r-0=${m0.clientPort}`,
  ]);
  t.is(await countJobs(first, 'plain-'), names.length);
  const second = await start([
    '--id',
    'r-1',
    '--initial-cluster-state',
    'existing',
    '--initial-cluster',
    `r-0=${peer(m0)},r-1=${peer(m1)}`,
    '--etcd-client-ports',
    `r-0=${m0.clientPort},r-1=${m1.clientPort}`,
  ]);
  t.is(await countJobs(second, 'plain-'), names.length, 'the joined member has every job');
  const listed = JSON.parse(await cli(second, ['members', '--json'])) as { members: Array<{ name: string }> };
  t.deepEqual(listed.members.map((m) => m.name).sort(), ['r-0', 'r-1']);
  await Promise.all([first.stop(10_000), second.stop(10_000)]);
});
