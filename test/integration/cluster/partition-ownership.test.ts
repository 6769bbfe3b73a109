import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { PartitionOwnership } from '../../../src/cluster/partition-ownership.js';
import type { KvEvent, KvStore } from '../../../src/etcd/kv-store.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';

const PARTITIONS = 8;
const TTL = 2;
const etcd = await useEtcd(test);

/**
 * Watches every owner key and records any moment two owners could coexist: an owner key written
 * while one exists (it is only ever created when absent, and deleted to hand over).
 */
async function watchOwners(
  kv: KvStore,
  prefix: string,
): Promise<{ violations: string[]; stop(): Promise<void> }> {
  const start = await kv.range(`${prefix}/owners/`);
  const holders = new Map(start.entries.map((e) => [e.key, e.value]));
  const violations: string[] = [];
  const handle = await kv.watch(`${prefix}/owners/`, start.revision + 1, {
    onEvents: (events: KvEvent[]) => {
      for (const event of events) {
        if (event.type === 'delete') {
          holders.delete(event.key);
          continue;
        }
        const previous = holders.get(event.key);
        if (previous !== undefined || event.createRevision !== event.modRevision) {
          violations.push(`${event.key}: ${event.value} written over ${previous ?? 'an existing key'}`);
        }
        holders.set(event.key, event.value);
      }
    },
    onReset: (reason) => violations.push(`monitor watch reset: ${reason.message}`),
  });
  return { violations, stop: () => handle.cancel() };
}

async function member(kv: KvStore, prefix: string, memberId: string): Promise<PartitionOwnership> {
  const ownership = new PartitionOwnership({
    kv,
    prefix,
    memberId,
    partitions: PARTITIONS,
    leaseTtlSeconds: TTL,
    onAcquire: async () => undefined,
    onRelease: async () => undefined,
  });
  await ownership.start();
  return ownership;
}

const ownsAll = (o: PartitionOwnership): boolean => o.owned().size === PARTITIONS;

test('a single member owns every partition', async (t) => {
  const kv = await etcd.connect();
  const prefix = `${etcd.prefix()}cluster`;
  const a = await member(kv, prefix, 'a');
  await waitFor(() => ownsAll(a), { what: 'a owns all' });
  t.deepEqual(
    (await kv.range(`${prefix}/owners/`)).entries.map((e) => JSON.parse(e.value).member),
    new Array(PARTITIONS).fill('a'),
  );
  await a.stop();
  t.deepEqual(
    (await kv.range(prefix)).entries.map((e) => e.key),
    [`${prefix}/partitions`],
    'stop removed its keys',
  );
});

test('two members split disjointly; a clean stop hands everything over at once', async (t) => {
  const kv = await etcd.connect();
  const prefix = `${etcd.prefix()}cluster`;
  const monitor = await watchOwners(kv, prefix);
  const [a, b] = await Promise.all([member(kv, prefix, 'a'), member(await etcd.connect(), prefix, 'b')]);
  await waitFor(() => a.owned().size + b.owned().size === PARTITIONS && a.owned().size === PARTITIONS / 2, {
    what: 'an even split',
  });
  t.true(
    [...a.owned()].every((p) => !b.owned().has(p)),
    'disjoint',
  );
  const stoppedAt = Date.now();
  await b.stop();
  await waitFor(() => ownsAll(a), { what: 'a owns all' });
  const takeoverMs = Date.now() - stoppedAt;
  t.log(`clean hand-over took ${takeoverMs} ms`);
  t.true(takeoverMs < TTL * 1000, 'a clean stop does not wait for the lease to expire');
  await a.stop();
  await monitor.stop();
  t.deepEqual(monitor.violations, []);
});

test("a SIGKILLed member's partitions are taken over once its lease expires", async (t) => {
  const kv = await etcd.connect();
  const prefix = `${etcd.prefix()}cluster`;
  const monitor = await watchOwners(kv, prefix);
  const child = startChild(prefix, 'crashing');
  t.teardown(() => void child.process.kill('SIGKILL'));
  await waitFor(() => child.owned.size === PARTITIONS, { what: 'the child owns all' });
  const b = await member(kv, prefix, 'survivor');
  await waitFor(() => child.owned.size === PARTITIONS / 2 && b.owned().size === PARTITIONS / 2, {
    what: 'an even split',
  });
  const killedAt = Date.now();
  child.process.kill('SIGKILL');
  await waitFor(() => ownsAll(b), { what: 'survivor owns all', timeoutMs: TTL * 1000 + 5_000 });
  const takeoverMs = Date.now() - killedAt;
  t.log(`takeover after SIGKILL took ${takeoverMs} ms (lease TTL ${TTL} s)`);
  // The lease was renewed at most TTL/3 before the kill, so etcd cannot expire it sooner.
  t.true(takeoverMs >= (TTL * 1000 * 2) / 3 - 100, `took over too early: ${takeoverMs} ms`);
  t.true(takeoverMs <= TTL * 1000 + 1_500, `took over too late: ${takeoverMs} ms`);
  t.deepEqual(b.members(), ['survivor']);
  await b.stop();
  await monitor.stop();
  t.deepEqual(monitor.violations, []);
});

function startChild(prefix: string, memberId: string): { process: ChildProcess; owned: Set<number> } {
  const script = fileURLToPath(new URL('./ownership-member.ts', import.meta.url));
  const args = [
    '--import',
    'tsx',
    script,
    etcd.hosts.join(','),
    prefix,
    memberId,
    String(TTL),
    String(PARTITIONS),
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const owned = new Set<number>();
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { event: string; p?: number };
    if (message.event === 'acquired' && message.p !== undefined) owned.add(message.p);
    if (message.event === 'released' && message.p !== undefined) owned.delete(message.p);
  });
  return { process: proc, owned };
}
