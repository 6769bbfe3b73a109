/**
 * Issue 13, property: random mixes of job sizes, from a few bytes up to the 1 MiB data limit, in
 * one partition of a real etcd, never stall the partition load or the dormant read-back: a new
 * owner delivers every job, once, never early, with its data.
 */
import test from 'ava';
import fc from 'fast-check';
import { partitionOf } from '../../src/cluster/partition.js';
import { useEtcd } from '../helpers/etcd.js';
import { newService, Recorder, uniqueAppId } from '../integration/timers/timer-fixture.js';

const etcd = await useEtcd(test);
const PARTITIONS = 2;
const MIB = 1024 * 1024;

/** A size: mostly small, some large, some right at the limit. */
const size = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 4_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 100_000, max: 900_000 }) },
  { weight: 1, arbitrary: fc.constant(MIB - 2) },
);

test('any mix of record sizes up to the limit: every job delivered once, none early, data intact', async (t) => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(size, { minLength: 1, maxLength: 14 }),
      fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }),
      async (sizes, dormant) => {
        runs++;
        const appId = uniqueAppId();
        const kv = await etcd.connect();
        const names: string[] = [];
        for (let i = 0; names.length < sizes.length; i++) {
          if (partitionOf(`j-${i}`, PARTITIONS) === 0) names.push(`j-${i}`);
        }
        // Written by a service that never fires: the owner below must read everything back.
        const writer = newService(kv, { appId, partitions: PARTITIONS });
        const now = Date.now();
        // Within the 1 s horizon the load keeps the record; beyond it the job is read back later.
        const due = names.map((_, i) => now + (dormant[i] ? 2_600 : 1_800) + i * 7);
        await writer.scheduleMany(
          names.map((name, i) => ({
            name,
            spec: { dueTime: new Date(due[i] ?? 0), data: `${name}:`.padEnd(sizes[i] ?? 0, 'x') },
          })),
        );
        const rec = new Recorder();
        const owner = newService(kv, { appId, partitions: PARTITIONS, horizonMs: 1_000 });
        rec.watch(owner);
        owner.onTrigger('app', rec.handler('owner'));
        await owner.start();
        try {
          await rec.untilEnded(names, { timeoutMs: 30_000 });
        } finally {
          await owner.stop();
        }
        names.forEach((name, i) => {
          const deliveries = rec.of(name);
          if (deliveries.length !== 1) throw new Error(`${name}: ${deliveries.length} deliveries`);
          const [d] = deliveries;
          if (!d || d.handlerNow < (due[i] ?? 0)) throw new Error(`${name} early`);
          const data = typeof d.data === 'string' ? d.data : '';
          if (data.length !== Math.max(sizes[i] ?? 0, name.length + 1))
            throw new Error(`${name}: data changed`);
        });
        if (rec.warnings.length > 0)
          throw new Error(`warnings: ${rec.warnings.map((w) => w.message).join('; ')}`);
      },
    ),
    { numRuns: 6 },
  );
  t.is(runs, 6);
});
