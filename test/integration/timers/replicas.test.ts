/**
 * Several replicas of one scope: each job fires on exactly one of them (its partition's owner);
 * when a replica stops, or is killed, its partitions and their jobs move to the others.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { partitionOf } from '../../../src/cluster/partition.js';
import type { JobSpec } from '../../../src/timers/schedule/job.js';
import type { TimerService } from '../../../src/timers/timer-service.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { newService, Recorder, uniqueAppId, type Delivery } from './timer-fixture.js';

const PARTITIONS = 8;
const TTL = 2;
const etcd = await useEtcd(test);

async function replica(appId: string, rec: Recorder, name: string): Promise<TimerService> {
  const service = newService(await etcd.connect(), {
    appId,
    leaseTtlSeconds: TTL,
    partitions: PARTITIONS,
    memberId: name,
  });
  rec.watch(service);
  service.onTrigger('app', rec.handler(name));
  await service.start();
  return service;
}

const ownerSplit = (a: readonly number[], b: readonly number[]): boolean =>
  a.length > 0 && b.length > 0 && a.length + b.length === PARTITIONS && a.every((p) => !b.includes(p));

function oneShots(prefix: string, n: number, dueMs: number): Array<{ name: string; spec: JobSpec }> {
  const due = new Date(Date.now() + dueMs);
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i}`, spec: { dueTime: due } }));
}

function countBy(deliveries: readonly Delivery[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of deliveries) counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
  return counts;
}

test('two replicas: each job fires on exactly one, the owner of its partition', async (t) => {
  const appId = uniqueAppId();
  const rec = new Recorder();
  const a = await replica(appId, rec, 'a');
  const b = await replica(appId, rec, 'b');
  t.teardown(async () => void (await Promise.all([a.stop(), b.stop()])));
  await waitFor(() => ownerSplit(a.ownedPartitions(), b.ownedPartitions()), { what: 'a disjoint split' });
  const owned = { a: a.ownedPartitions(), b: b.ownedPartitions() };
  const jobs = oneShots('split', 80, 500);
  for (let i = 0; i < 8; i++)
    jobs.push({ name: `every-${i}`, spec: { schedule: '@every 400ms', repeats: 3 } });
  await a.scheduleMany(jobs);
  await rec.untilEnded(jobs.map((j) => j.name));
  const counts = countBy(rec.deliveries);
  for (const job of jobs) t.is(counts.get(job.name), job.name.startsWith('every') ? 3 : 1, job.name);
  for (const d of rec.deliveries) {
    const p = partitionOf(d.name, PARTITIONS);
    t.true(owned[d.replica as 'a' | 'b'].includes(p), `${d.name} (partition ${p}) fired on ${d.replica}`);
  }
  t.true(rec.deliveries.some((d) => d.replica === 'a') && rec.deliveries.some((d) => d.replica === 'b'));
});

test('after a replica stops, its jobs fire on the other, without repeating a tick', async (t) => {
  const appId = uniqueAppId();
  const rec = new Recorder();
  const a = await replica(appId, rec, 'a');
  const b = await replica(appId, rec, 'b');
  t.teardown(async () => void (await Promise.all([a.stop(), b.stop()])));
  await waitFor(() => ownerSplit(a.ownedPartitions(), b.ownedPartitions()), { what: 'a disjoint split' });
  const ofB = (name: string): boolean => b.ownedPartitions().includes(partitionOf(name, PARTITIONS));
  // A recurring job on b's side: some ticks fire on b, the rest on a after the stop.
  const recurring = Array.from({ length: 40 }, (_, i) => `beat-${i}`).find(ofB) ?? '';
  await a.schedule(recurring, { schedule: '@every 300ms', repeats: 8 });
  const created = (await a.get(recurring)).createdAt.getTime();
  const jobs = oneShots('later', 60, 1500);
  await a.scheduleMany(jobs);
  await rec.untilDelivered(recurring, 2);
  t.true(jobs.some((j) => ofB(j.name)));
  await b.stop();
  await waitFor(() => a.ownedPartitions().length === PARTITIONS, { what: 'a owns all' });
  await rec.untilEnded([...jobs.map((j) => j.name), recurring]);
  const counts = countBy(rec.deliveries);
  for (const job of jobs) t.is(counts.get(job.name), 1, job.name);
  t.true(rec.deliveries.filter((d) => d.name.startsWith('later-')).every((d) => d.replica === 'a'));
  const beats = rec.of(recurring);
  t.deepEqual(
    beats.map((d) => d.scheduledAt - created),
    [1, 2, 3, 4, 5, 6, 7, 8].map((k) => k * 300),
    'every tick exactly once, in order',
  );
  t.true(beats.some((d) => d.replica === 'b') && beats.some((d) => d.replica === 'a'));
});

interface Child {
  process: ChildProcess;
  owned: number[];
  deliveries: Delivery[];
}

function startChild(appId: string): Child {
  const script = fileURLToPath(new URL('./replica-process.ts', import.meta.url));
  const args = ['--import', 'tsx', script, etcd.hosts.join(','), appId, String(TTL), String(PARTITIONS)];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const child: Child = { process: proc, owned: [], deliveries: [] };
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { event: string; owned?: number[] } & Omit<Delivery, 'replica'>;
    if (message.event === 'partitions') child.owned = message.owned ?? [];
    if (message.event === 'delivered') child.deliveries.push({ ...message, replica: 'child' });
  });
  return child;
}

test("a SIGKILLed replica's jobs fire on the survivor once its lease expires", async (t) => {
  const appId = uniqueAppId();
  const child = startChild(appId);
  t.teardown(() => void child.process.kill('SIGKILL'));
  await waitFor(() => child.owned.length === PARTITIONS, { what: 'the child owns all', timeoutMs: 20_000 });
  const rec = new Recorder();
  const a = await replica(appId, rec, 'a');
  t.teardown(() => a.stop());
  await waitFor(() => ownerSplit(a.ownedPartitions(), child.owned), { what: 'a disjoint split' });
  const childOwned = [...child.owned];
  const ofChild = (name: string): boolean => childOwned.includes(partitionOf(name, PARTITIONS));
  const recurring = Array.from({ length: 40 }, (_, i) => `pulse-${i}`).find(ofChild) ?? '';
  await a.schedule(recurring, { schedule: '@every 500ms', repeats: 8 });
  const created = (await a.get(recurring)).createdAt.getTime();
  await waitFor(() => child.deliveries.some((d) => d.name === recurring), { what: 'a tick on the child' });
  // Due while the child is dead and its lease not yet expired: they must wait, not be lost.
  const jobs = oneShots('orphan', 40, 1000);
  await a.scheduleMany(jobs);
  child.process.kill('SIGKILL');
  await rec.untilEnded([...jobs.map((j) => j.name), recurring], { timeoutMs: 20_000 });
  t.is(a.ownedPartitions().length, PARTITIONS);
  const all = [...child.deliveries, ...rec.deliveries];
  const counts = countBy(all);
  for (const job of jobs) t.true((counts.get(job.name) ?? 0) >= 1, `${job.name} was delivered`);
  t.true(
    rec.deliveries.some((d) => ofChild(d.name) && d.name.startsWith('orphan-')),
    "the child's one-shots fired on the survivor",
  );
  // At least once: a tick the child was firing when it died may repeat, but none is skipped.
  const ticks = [...new Set(all.filter((d) => d.name === recurring).map((d) => d.scheduledAt))];
  t.deepEqual(
    ticks.sort((x, y) => x - y).map((at) => at - created),
    [1, 2, 3, 4, 5, 6, 7, 8].map((k) => k * 500),
  );
  for (const d of all) t.true(d.handlerNow >= d.scheduledAt, `${d.name} early on ${d.replica}`);
});
