/**
 * Issue 13 through `tickflow serve`, as a user met it: 2,001 jobs of 2.5 KB whose names hash to one
 * partition were never delivered after a restart, and GET /v1.0/jobs answered 503 for the scope.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { partitionOf } from '../../../src/cluster/partition.js';
import { startEmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { RecorderApp } from './recorder-app.js';

/** `tickflow serve`'s partition count (the test checks the keys agree). */
const PARTITIONS = 32;
const JOBS = 2_001;

const dir = await mkdtemp(join(tmpdir(), 'tickflow-large-jobs-'));
const etcd = await startEmbeddedEtcd({ dataDir: dir });
const app = await RecorderApp.start();
test.after.always(async () => {
  await app.close();
  await etcd.stop();
  await rm(dir, { recursive: true, force: true });
});

/** POSTs the jobs, `parallel` at a time. */
async function postAll(server: ServerProcess, jobs: Array<{ name: string; body: unknown }>, parallel = 16) {
  const statuses: number[] = [];
  for (let i = 0; i < jobs.length; i += parallel) {
    const answers = await Promise.all(
      jobs
        .slice(i, i + parallel)
        .map((job) => server.request('POST', `/v1.0-alpha1/jobs/${job.name}`, { body: job.body })),
    );
    statuses.push(...answers.map((a) => a.status));
  }
  return statuses;
}

test('2,001 jobs of 2.5 KB in one partition: listed in pages, and all delivered by a restarted server', async (t) => {
  const args = ['--etcd', etcd.hosts.join(','), '--namespace', 'large'];
  // No app URL: the triggers are staged, never delivered, until the restarted server has one.
  const first = await startServerProcess({ args });
  const servers: ServerProcess[] = [first];
  t.teardown(() => Promise.all(servers.map((s) => s.stop())));
  const names: string[] = [];
  for (let i = 0; names.length < JOBS; i++)
    if (partitionOf(`order-${i}`, PARTITIONS) === 7) names.push(`order-${i}`);
  const dueAt = Date.now() + 1_000;
  const data = { note: 'n'.repeat(2_500) };
  const statuses = await postAll(
    first,
    names.map((name) => ({ name, body: { dueTime: new Date(dueAt).toISOString(), data } })),
  );
  t.deepEqual([...new Set(statuses)], [204]);
  // Three 1 MB jobs in the same partition, far in the future.
  const big = Array.from({ length: 3 }, (_, i) => `big-${i}`);
  t.deepEqual(
    [
      ...new Set(
        await postAll(
          first,
          big.map((name) => ({ name, body: { dueTime: '1h', data: 'b'.repeat(1_000_000) } })),
        ),
      ),
    ],
    [204],
  );

  // They are in one partition: every key ends in /<partition>/<name> with the same partition.
  const kv = await connectEtcd({ hosts: etcd.hosts });
  const partitionsSeen = new Set<string>();
  let startAfter: string | undefined;
  for (;;) {
    const page = await kv.range('/tickflow/large/', {
      limit: 5_000,
      ...(startAfter !== undefined && { startAfter }),
    });
    for (const e of page.entries) {
      const match = /\/([^/]+)\/order-\d+$/.exec(e.key);
      if (match?.[1] !== undefined) partitionsSeen.add(match[1]);
    }
    startAfter = page.entries.at(-1)?.key;
    if (!page.more) break;
  }
  await kv.close();
  t.is(partitionsSeen.size, 1, `partitions: ${[...partitionsSeen].join(', ')}`);

  // The listing pages by bytes: every name, each page 200.
  const listed: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const res = await first.request(
      'GET',
      `/v1.0/jobs?limit=10000${after === undefined ? '' : `&after=${after}`}`,
    );
    t.is(res.status, 200, res.text.slice(0, 200));
    const page = res.json as { jobs: Array<{ name: string }>; next?: string };
    listed.push(...page.jobs.map((j) => j.name));
    after = page.next;
    pages++;
  } while (after !== undefined);
  t.deepEqual(listed.sort(), [...names, ...big].sort());
  t.true(pages > 1, `${pages} pages`);
  const unpaged = await first.request('GET', '/v1.0/jobs');
  t.is(unpaged.status, 200);
  t.truthy((unpaged.json as { next?: string }).next, 'without limit: one bounded page, and next');

  await first.stop();
  servers.push(await startServerProcess({ args: [...args, '--app-url', app.url] }));
  await waitFor(() => new Set(app.calls.map((c) => c.name)).size >= JOBS, {
    what: `all ${JOBS} jobs delivered`,
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  const delivered = new Set(app.calls.map((c) => c.name));
  t.is(delivered.size, JOBS, 'every job delivered');
  t.true(
    app.calls.every((c) => c.at >= dueAt),
    'none early',
  );
});
