/**
 * Timer service throughput against an embedded etcd (started here, in a temp dir, per run):
 *
 *  burst      N one-shot timers (default 100k) due at one instant: scheduleMany rate, durable fire
 *             rate (a trigger counts once its completion is committed: its 'jobEnded' event),
 *             lateness p50/p99/max, early fires (must be 0), etcd txns per trigger, RSS.
 *  sustained  a producer schedules timers LEAD_MS ahead at RATE/s for SECONDS while the same
 *             replica fires them: lateness p50/p99/max at that rate.
 *  memory     MEMORY_N one-shot timers (default 200k) due in an hour, so none fires: live memory
 *             (heap + array buffers after a full GC) and RSS per pending timer in the replica's process. Not run unless
 *             named in PHASES.
 *
 *   npm run bench:timers          (env: RUNS=3 N=100000 RATE=5000 SECONDS=20 LEAD_MS=1000 PHASES=burst,sustained)
 *   HORIZON_MS=5000 PHASES=burst  the burst's jobs (due ~11 s ahead) start dormant and are read back
 *   PHASES=memory RUNS=1 MEMORY_N=1000000 npm run bench:timers
 *
 * One replica, scheduler and trigger handler in one Node process; etcd in its own process.
 * Lateness is measured in the handler: Date.now() - scheduledAt.
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { JobSpec } from './lib/tickflow.js';
import { cpuOfPid, RssSampler } from './lib/rss.js';
import { writeResults } from './lib/results.js';
import { medianOfRuns, summarize } from './lib/stats.js';
import { printTable, type Column } from './lib/table.js';
import { Meter, startFleet } from './lib/timer-fleet.js';

const env = process.env;
const RUNS = Number(env['RUNS'] ?? 3);
const N = Number(env['N'] ?? 100_000);
const RATE = Number(env['RATE'] ?? 5_000);
const SECONDS = Number(env['SECONDS'] ?? 20);
const LEAD_MS = Number(env['LEAD_MS'] ?? 1_000);
const PHASES = (env['PHASES'] ?? 'burst,sustained').split(',');
const CHUNK = Number(env['CHUNK'] ?? 5_000);
const PIPELINE = Number(env['PIPELINE'] ?? 2);
const MEMORY_N = Number(env['MEMORY_N'] ?? 200_000);
/** The replica's horizonMs (jobs due further ahead are kept dormant); the service default if unset. */
const HORIZON_MS = env['HORIZON_MS'] === undefined ? undefined : Number(env['HORIZON_MS']);
const FLEET_OPTIONS = HORIZON_MS === undefined ? {} : { horizonMs: HORIZON_MS };
const PARTITIONS = 32;

const round1 = (x: number): number => Math.round(x * 10) / 10;

interface BurstResult {
  /** The machine's 1-minute load average when the run began (other processes compete for the CPU). */
  load: number;
  jobs: number;
  scheduleMs: number;
  schedulePerSec: number;
  /** How long before the due instant scheduling finished (negative: after it). */
  slackMs: number;
  fireMs: number;
  firedPerSec: number;
  lateP50: number;
  lateP99: number;
  lateMax: number;
  early: number;
  txnsPerTrigger: number;
  /** CPU time of this Node process (user + system) per job, scheduling and firing together. */
  cpuUsPerJob: number;
  /** The part of cpuUsPerJob spent while scheduling (includes loading the jobs from the watch). */
  cpuUsPerSchedule: number;
  /** CPU time of the etcd process per job, scheduling and firing together. */
  etcdCpuUsPerJob: number;
  rssMiB: number;
  etcdRssMiB: number;
}

async function burst(run: number): Promise<BurstResult> {
  const startLoad = round1(loadavg()[0] ?? 0);
  const fleet = await startFleet(`burst-${run}`, PARTITIONS, FLEET_OPTIONS);
  const { service } = fleet;
  const meter = new Meter(service);
  const rss = new RssSampler(fleet.etcdPid);
  try {
    // Due far enough ahead that scheduling at ~10k/s would still finish first.
    const leadMs = Math.max(2_000, N / 10) + 1_000;
    const cpuBefore = process.cpuUsage();
    const etcdCpuBefore = (await cpuOfPid(fleet.etcdPid)) ?? 0;
    const started = Date.now();
    const dueAt = new Date(started + leadMs);
    const spec: JobSpec = { dueTime: dueAt };
    // Chunks of CHUNK jobs, up to PIPELINE calls outstanding, so the commit pipeline never drains
    // between calls.
    const chunks: Array<Promise<void>> = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < N) {
        const from = next;
        next = Math.min(N, from + CHUNK);
        const jobs = [];
        for (let i = from; i < next; i++) jobs.push({ name: `j${i}`, spec });
        const failed = (await service.scheduleMany(jobs)).find((r) => !r.ok);
        if (failed && !failed.ok) throw failed.error;
      }
    };
    for (let w = 0; w < PIPELINE; w++) chunks.push(worker());
    await Promise.all(chunks);
    const scheduleMs = Date.now() - started;
    const cpuScheduled = process.cpuUsage(cpuBefore);
    const txnsBefore = service.txnCount;
    await meter.untilEnded(N, leadMs + 120_000);
    const fireMs = meter.lastEndedAt - dueAt.getTime();
    const cpu = process.cpuUsage(cpuBefore);
    const etcdCpu = ((await cpuOfPid(fleet.etcdPid)) ?? 0) - etcdCpuBefore;
    const late = summarize(meter.lateness);
    const mem = await rss.stop();
    if (meter.delivered !== N) throw new Error(`delivered ${meter.delivered} triggers for ${N} jobs`);
    return {
      load: startLoad,
      jobs: N,
      scheduleMs,
      schedulePerSec: Math.round((N / scheduleMs) * 1000),
      slackMs: dueAt.getTime() - (started + scheduleMs),
      fireMs,
      firedPerSec: Math.round((N / Math.max(fireMs, 1)) * 1000),
      lateP50: late.p50,
      lateP99: late.p99,
      lateMax: late.max,
      early: meter.early,
      txnsPerTrigger: (service.txnCount - txnsBefore) / N,
      cpuUsPerJob: Math.round((cpu.user + cpu.system) / N),
      cpuUsPerSchedule: Math.round((cpuScheduled.user + cpuScheduled.system) / N),
      etcdCpuUsPerJob: Math.round(etcdCpu / N),
      rssMiB: Math.round(mem.selfMiB),
      etcdRssMiB: Math.round(mem.otherMiB),
    };
  } finally {
    await rss.stop();
    await fleet.close();
  }
}

interface SustainedResult {
  load: number;
  targetPerSec: number;
  seconds: number;
  jobs: number;
  firedPerSec: number;
  lateP50: number;
  lateP99: number;
  lateMax: number;
  early: number;
  txnsPerTrigger: number;
  /** CPU time of this Node process per job (scheduling and firing). */
  cpuUsPerJob: number;
  /** Event-loop delay p99 / max in ms (10 ms resolution) over the run. */
  loopDelayP99: number;
  loopDelayMax: number;
  rssMiB: number;
  etcdRssMiB: number;
}

/** A producer schedules RATE jobs/s, each due LEAD_MS later, while the replica fires them. */
async function sustained(run: number): Promise<SustainedResult> {
  const startLoad = round1(loadavg()[0] ?? 0);
  const fleet = await startFleet(`sustained-${run}`, PARTITIONS, FLEET_OPTIONS);
  const { service } = fleet;
  const meter = new Meter(service);
  const rss = new RssSampler(fleet.etcdPid);
  try {
    const total = RATE * SECONDS;
    // Event-loop delay tells lateness caused by a busy or CPU-starved process from lateness in the service.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const txnsBefore = service.txnCount;
    let produced = 0;
    // Only the outcome is kept, not the results, so the bench itself holds no per-job memory.
    const pending: Array<Promise<void>> = [];
    while (produced < total) {
      const elapsed = Date.now() - started;
      const want = Math.min(total, Math.floor((elapsed / 1000) * RATE) + Math.ceil(RATE / 20));
      if (want > produced) {
        const jobs = [];
        for (; produced < want; produced++) {
          jobs.push({ name: `s${produced}`, spec: { dueTime: new Date(Date.now() + LEAD_MS) } });
        }
        pending.push(
          service.scheduleMany(jobs).then((results) => {
            const failed = results.find((r) => !r.ok);
            if (failed && !failed.ok) throw failed.error;
          }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(pending);
    await meter.untilEnded(total, 120_000);
    const late = summarize(meter.lateness);
    const mem = await rss.stop();
    const window = Math.max(meter.lastEndedAt - meter.firstDeliveredAt, 1);
    const cpu = process.cpuUsage(cpuBefore);
    loopDelay.disable();
    return {
      load: startLoad,
      targetPerSec: RATE,
      seconds: SECONDS,
      jobs: total,
      firedPerSec: Math.round((total / window) * 1000),
      lateP50: late.p50,
      lateP99: late.p99,
      lateMax: late.max,
      early: meter.early,
      txnsPerTrigger: (service.txnCount - txnsBefore) / total,
      cpuUsPerJob: Math.round((cpu.user + cpu.system) / total),
      loopDelayP99: Math.round(loopDelay.percentile(99) / 1e6),
      loopDelayMax: Math.round(loopDelay.max / 1e6),
      rssMiB: Math.round(mem.selfMiB),
      etcdRssMiB: Math.round(mem.otherMiB),
    };
  } finally {
    await rss.stop();
    await fleet.close();
  }
}

interface MemoryResult {
  load: number;
  jobs: number;
  schedulePerSec: number;
  /**
   * Live memory (after a full GC) the pending timers added, per timer: JS heap plus array buffers,
   * since dormant jobs live mostly in typed arrays outside the heap (src/timers/dormant-store.ts).
   */
  heapBytesPerTimer: number;
  /** RSS the pending timers added, per timer (includes heap the GC has not given back). */
  rssBytesPerTimer: number;
  rssMiB: number;
  etcdRssMiB: number;
}

/** Heap and array buffers in use after a full collection: what stays live. */
const fullGc = ((): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
function settledHeap(): number {
  fullGc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** MEMORY_N one-shots due in an hour: what one pending far-future timer costs its owner. */
async function memory(run: number): Promise<MemoryResult> {
  const startLoad = round1(loadavg()[0] ?? 0);
  const fleet = await startFleet(`memory-${run}`, PARTITIONS, FLEET_OPTIONS);
  const { service } = fleet;
  const rss = new RssSampler(fleet.etcdPid);
  try {
    const heap0 = settledHeap();
    const rss0 = process.memoryUsage.rss();
    const spec: JobSpec = { dueTime: new Date(Date.now() + 3_600_000) };
    const started = Date.now();
    for (let from = 0; from < MEMORY_N; from += CHUNK) {
      const jobs = [];
      for (let i = from; i < Math.min(MEMORY_N, from + CHUNK); i++) jobs.push({ name: `m${i}`, spec });
      const failed = (await service.scheduleMany(jobs)).find((r) => !r.ok);
      if (failed && !failed.ok) throw failed.error;
    }
    const scheduleMs = Date.now() - started;
    // The watch delivers in revision order: once a job written last has fired, the replica has
    // taken in every job before it.
    const sentinel = new Promise<void>((resolve) =>
      service.on('jobEnded', (name) => name === 'memory-sentinel' && resolve()),
    );
    service.onTrigger('sentinel', () => 'success');
    await service.schedule('memory-sentinel', { dueTime: new Date(), target: 'sentinel' });
    await sentinel;
    const heap = settledHeap();
    const mem = await rss.stop();
    return {
      load: startLoad,
      jobs: MEMORY_N,
      schedulePerSec: Math.round((MEMORY_N / Math.max(scheduleMs, 1)) * 1000),
      heapBytesPerTimer: Math.round((heap - heap0) / MEMORY_N),
      rssBytesPerTimer: Math.round((process.memoryUsage.rss() - rss0) / MEMORY_N),
      rssMiB: Math.round(mem.selfMiB),
      etcdRssMiB: Math.round(mem.otherMiB),
    };
  } finally {
    await rss.stop();
    await fleet.close();
  }
}

const memoryColumns: Array<Column<MemoryResult & { run: string }>> = [
  { header: 'run', value: (r) => r.run },
  { header: 'load', value: (r) => r.load, digits: 1 },
  { header: 'jobs', value: (r) => r.jobs },
  { header: 'schedule/s', value: (r) => r.schedulePerSec },
  { header: 'live B/timer', value: (r) => r.heapBytesPerTimer },
  { header: 'RSS B/timer', value: (r) => r.rssBytesPerTimer },
  { header: 'peak RSS MiB', value: (r) => r.rssMiB },
  { header: 'etcd MiB', value: (r) => r.etcdRssMiB },
];

const burstColumns: Array<Column<BurstResult & { run: string }>> = [
  { header: 'run', value: (r) => r.run },
  { header: 'load', value: (r) => r.load, digits: 1 },
  { header: 'jobs', value: (r) => r.jobs },
  { header: 'schedule/s', value: (r) => r.schedulePerSec },
  { header: 'slack ms', value: (r) => r.slackMs },
  { header: 'fired/s', value: (r) => r.firedPerSec },
  { header: 'late p50', value: (r) => r.lateP50 },
  { header: 'late p99', value: (r) => r.lateP99 },
  { header: 'late max', value: (r) => r.lateMax },
  { header: 'early', value: (r) => r.early },
  { header: 'txn/trigger', value: (r) => r.txnsPerTrigger, digits: 4 },
  { header: 'CPU µs/job', value: (r) => r.cpuUsPerJob },
  { header: 'of which sched', value: (r) => r.cpuUsPerSchedule },
  { header: 'etcd CPU µs/job', value: (r) => r.etcdCpuUsPerJob },
  { header: 'RSS MiB', value: (r) => r.rssMiB },
  { header: 'etcd MiB', value: (r) => r.etcdRssMiB },
];

const sustainedColumns: Array<Column<SustainedResult & { run: string }>> = [
  { header: 'run', value: (r) => r.run },
  { header: 'load', value: (r) => r.load, digits: 1 },
  { header: 'target/s', value: (r) => r.targetPerSec },
  { header: 'jobs', value: (r) => r.jobs },
  { header: 'fired/s', value: (r) => r.firedPerSec },
  { header: 'late p50', value: (r) => r.lateP50 },
  { header: 'late p99', value: (r) => r.lateP99 },
  { header: 'late max', value: (r) => r.lateMax },
  { header: 'early', value: (r) => r.early },
  { header: 'txn/trigger', value: (r) => r.txnsPerTrigger, digits: 4 },
  { header: 'CPU µs/job', value: (r) => r.cpuUsPerJob },
  { header: 'loop delay p99', value: (r) => r.loopDelayP99 },
  { header: 'loop delay max', value: (r) => r.loopDelayMax },
  { header: 'RSS MiB', value: (r) => r.rssMiB },
  { header: 'etcd MiB', value: (r) => r.etcdRssMiB },
];

const bursts: BurstResult[] = [];
const sustains: SustainedResult[] = [];
const memories: MemoryResult[] = [];
for (let run = 1; run <= RUNS; run++) {
  if (PHASES.includes('burst')) {
    bursts.push(await burst(run));
    process.stderr.write(`burst run ${run}: ${JSON.stringify(bursts.at(-1))}\n`);
  }
  if (PHASES.includes('sustained')) {
    sustains.push(await sustained(run));
    process.stderr.write(`sustained run ${run}: ${JSON.stringify(sustains.at(-1))}\n`);
  }
  if (PHASES.includes('memory')) {
    memories.push(await memory(run));
    process.stderr.write(`memory run ${run}: ${JSON.stringify(memories.at(-1))}\n`);
  }
}

const withMedian = <T extends object>(rows: T[]): Array<T & { run: string }> =>
  rows.length === 0
    ? []
    : [...rows.map((r, i) => ({ ...r, run: String(i + 1) })), { ...medianOfRuns(rows), run: 'median' }];
if (bursts.length > 0) {
  printTable(
    `Burst: ${N.toLocaleString('en-US')} one-shot timers due at one instant (lateness in ms)`,
    withMedian(bursts),
    burstColumns,
  );
}
if (sustains.length > 0) {
  printTable(
    `Sustained: ${RATE}/s for ${SECONDS} s, each scheduled ${LEAD_MS} ms ahead (lateness in ms)`,
    withMedian(sustains),
    sustainedColumns,
  );
}
if (memories.length > 0) {
  printTable(
    `Memory: ${MEMORY_N.toLocaleString('en-US')} one-shot timers pending, due in an hour`,
    withMedian(memories),
    memoryColumns,
  );
}
const path = await writeResults('timers', {
  config: {
    runs: RUNS,
    n: N,
    rate: RATE,
    seconds: SECONDS,
    leadMs: LEAD_MS,
    partitions: PARTITIONS,
    chunk: CHUNK,
    pipeline: PIPELINE,
    memoryN: MEMORY_N,
    horizonMs: HORIZON_MS ?? 'default',
  },
  burst: { runs: bursts, median: bursts.length > 0 ? medianOfRuns(bursts) : undefined },
  sustained: { runs: sustains, median: sustains.length > 0 ? medianOfRuns(sustains) : undefined },
  memory: { runs: memories, median: memories.length > 0 ? medianOfRuns(memories) : undefined },
});
process.stdout.write(`\nwrote ${path}\n`);
