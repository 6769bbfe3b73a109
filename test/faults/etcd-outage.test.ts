/**
 * Issue 7: the whole etcd (a single embedded member) goes away under a running replica (a child
 * process) and comes back on the same data dir and port: the replica reconnects by itself and
 * fires everything that came due meanwhile: late, never early, none lost. Its warnings stay few:
 * identical ones are coalesced into one report plus a count per interval.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startEmbeddedEtcd, type EmbeddedEtcd } from '../../src/etcd/embedded-etcd.js';
import { connectEtcd, type EtcdKv } from '../../src/etcd/etcd-kv.js';
import { findFreePort } from '../../src/etcd/free-port.js';
import { TimerService } from '../../src/timers/timer-service.js';
import type { Replica } from '../helpers/cluster-fixture.js';
import { ReplicaSet } from '../helpers/cluster-fixture.js';
import { waitFor } from '../helpers/etcd-wait.js';
import type { ReplicaConfig } from '../helpers/replica-process.js';
import { oneShots, report, spread, uniqueAppId, type Delivery } from './fault-timers.js';

/** The issue asks for 10 s; 6 s keeps the suite bounded and is still two lease TTLs. */
const OUTAGE_MS = Number(process.env['FAULT_OUTAGE_MS'] ?? 6000);
const PARTITIONS = 4;
/** The services report each kind of warning at most once, then one count, per this long. */
const WARNING_INTERVAL_MS = 5_000;

/** One etcd that can be stopped and started again on the same ports and data dir. */
const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-outage-'));
const port = await findFreePort();
const peerPort = await findFreePort();
const hosts = [`http://127.0.0.1:${port}`];
let etcd: EmbeddedEtcd | undefined;
const startEtcd = async (): Promise<void> => {
  etcd = await startEmbeddedEtcd({ dataDir, port, peerPort });
};
await startEtcd();
const clients: EtcdKv[] = [];
test.after.always(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await etcd?.stop();
  await rm(dataDir, { recursive: true, force: true });
});
const connect = async (): Promise<EtcdKv> => {
  const kv = await connectEtcd({ hosts });
  clients.push(kv);
  return kv;
};

function replicaConfig(appId: string, leaseTtlSeconds: number): ReplicaConfig {
  return { hosts, appId, mode: 'timers', memberId: 'r', partitions: PARTITIONS, leaseTtlSeconds };
}

/** Deliveries as the replica reported them. */
const deliveries = (replica: Replica): Delivery[] =>
  replica.of('fired').map((f) => ({ ...f, replica: replica.name }));

async function startReplica(appId: string, ttl: number): Promise<{ replica: Replica; set: ReplicaSet }> {
  const set = new ReplicaSet();
  const replica = set.start(replicaConfig(appId, ttl));
  await set.settled(PARTITIONS, { timeoutMs: 60_000 });
  return { replica, set };
}

test('etcd down and back: the replica reconnects and fires what came due meanwhile', async (t) => {
  const appId = uniqueAppId('outage');
  const startedAt = Date.now();
  const { replica, set } = await startReplica(appId, 3);
  t.teardown(() => set.killAll());
  const scheduler = new TimerService({ kv: await connect(), appId, partitions: PARTITIONS });
  // Due before, during and after the outage.
  const jobs = oneShots('o', 300, Date.now() + 1000, OUTAGE_MS + 2000);
  t.deepEqual(
    (await scheduler.scheduleMany(jobs)).filter((r) => !r.ok),
    [],
  );
  const due = new Map(jobs.map((j) => [j.name, j.dueAt]));

  await waitFor(() => replica.of('fired').length > 0, { what: 'a first delivery', timeoutMs: 30_000 });
  const downAt = Date.now();
  await etcd?.stop();
  await waitFor(() => Date.now() >= downAt + OUTAGE_MS, { timeoutMs: OUTAGE_MS + 1000, intervalMs: 100 });
  await startEtcd();
  const upAt = Date.now();

  await waitFor(() => report(deliveries(replica), due).missing.length === 0, {
    what: `all ${jobs.length} jobs after the outage`,
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  const result = report(deliveries(replica), due);
  const dueWhileDown = jobs.filter((j) => j.dueAt > downAt && j.dueAt < upAt).length;
  // Reports per kind (numbers and the count suffix ignored), and how many warnings they stand for.
  const warnings = new Map<string, { reports: number; standsFor: number }>();
  for (const w of replica.of('warning')) {
    const repeated = / \(repeated (once|\d+ times) in the last \d+ s\)$/.exec(w.message);
    const kind = w.message.slice(0, repeated?.index).replace(/\d+/g, 'N').slice(0, 80);
    const entry = warnings.get(kind) ?? { reports: 0, standsFor: 0 };
    entry.reports++;
    entry.standsFor += repeated ? (repeated[1] === 'once' ? 1 : Number.parseInt(repeated[1] ?? '0', 10)) : 1;
    warnings.set(kind, entry);
  }
  const reports = replica.of('warning').length;
  const standsFor = [...warnings.values()].reduce((sum, w) => sum + w.standsFor, 0);
  t.log(`warnings: ${JSON.stringify([...warnings])}`);
  t.log(
    `etcd down ${upAt - downAt} ms; ${dueWhileDown} jobs came due meanwhile; ${result.duplicated.length} duplicated; ` +
      `lateness ${spread(result.lateness)}; ${reports} warnings reported for ${standsFor} occurrences`,
  );
  t.true(dueWhileDown > 0, 'some jobs came due during the outage');
  t.deepEqual(result.early, [], 'none early');
  t.deepEqual(result.missing, [], 'none lost');
  t.true(replica.alive, 'the replica survived the outage');
  // Each kind: its first report, then at most one count per interval while the replica ran.
  const intervals = Math.ceil((Date.now() - startedAt) / WARNING_INTERVAL_MS);
  t.true(
    reports <= warnings.size * (1 + intervals),
    `${reports} warnings of ${warnings.size} kinds in ${intervals} intervals`,
  );
});
