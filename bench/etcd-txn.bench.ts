/**
 * The store's floor under one sequential workflow (W6): the latency of one etcd transaction sent
 * only after the previous one answered, against the embedded etcd (fsync on, as shipped). A
 * workflow step is such a transaction plus the engine's own work, so this says how much of a
 * step's time is etcd's and how much is tickflow's.
 *
 *   npm run bench:etcd            (RUNS=3 TXNS=2000 to override)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedEtcd, connectEtcd } from './lib/tickflow.js';
import { writeResults } from './lib/results.js';
import { median, percentile } from './lib/stats.js';
import { printTable } from './lib/table.js';

const RUNS = Number(process.env['RUNS'] ?? 3);
const TXNS = Number(process.env['TXNS'] ?? 2000);
/** A step of W6 writes about this many keys (history chunk, record, reminder, counter, delete). */
const SHAPES = [1, 5];
/** About the size of a history chunk or reminder record of a small step. */
const VALUE = 'x'.repeat(300);

interface Row {
  ops: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  perSec: number;
}

async function run(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-bench-txn-'));
  const etcd = await startEmbeddedEtcd({ dataDir: dir });
  const kv = await connectEtcd({ hosts: etcd.hosts });
  try {
    const rows: Row[] = [];
    for (const ops of SHAPES) {
      const times: number[] = [];
      const started = performance.now();
      for (let i = 0; i < TXNS; i++) {
        const t0 = performance.now();
        await kv.txn(
          [],
          Array.from({ length: ops }, (_, j) => ({
            op: 'put' as const,
            key: `/bench/${ops}/${i}/${j}`,
            value: VALUE,
          })),
        );
        times.push(performance.now() - t0);
      }
      const elapsed = performance.now() - started;
      rows.push({
        ops,
        p50Ms: percentile(times, 50),
        p90Ms: percentile(times, 90),
        p99Ms: percentile(times, 99),
        perSec: (TXNS / elapsed) * 1000,
      });
    }
    return rows;
  } finally {
    await kv.close();
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const runs: Row[][] = [];
for (let i = 0; i < RUNS; i++) runs.push(await run());
const rows = SHAPES.map((ops, s) => {
  const of = (pick: (r: Row) => number): number => median(runs.map((r) => pick(r[s] as Row)));
  return {
    ops,
    p50Ms: of((r) => r.p50Ms),
    p90Ms: of((r) => r.p90Ms),
    p99Ms: of((r) => r.p99Ms),
    perSec: of((r) => r.perSec),
  };
});
printTable(`Sequential etcd transactions, ${TXNS} per shape, median of ${RUNS} runs`, rows, [
  { header: 'puts/txn', value: (r) => r.ops },
  { header: 'p50 ms', value: (r) => r.p50Ms, digits: 2 },
  { header: 'p90 ms', value: (r) => r.p90Ms, digits: 2 },
  { header: 'p99 ms', value: (r) => r.p99Ms, digits: 2 },
  { header: 'txns/s', value: (r) => Math.round(r.perSec) },
]);
process.stdout.write(`\nresults: ${await writeResults('etcd-txn', { runs: RUNS, txns: TXNS, rows })}\n`);
