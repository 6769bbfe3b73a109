/**
 * Soak: does a long run stay flat? Replicas in their own processes share one embedded etcd (with
 * the backend upkeep `tickflow serve` runs: sizes against the quota, defragmentation when it pays,
 * NOSPACE recovery) while this process keeps a steady load on them:
 *
 *  cron       `--cron-rate` jobs on `@every 1s`, so that many triggers per second
 *  workflows  `--workflow-rate` instances started per second, each a 1 s durable timer then one
 *             activity; replicas purge what completed (nothing keeps finished instances)
 *
 * Every `--sample-seconds` (default 60) one row: RSS of each replica, etcd RSS, backend size and
 * size in use, cron triggers/s, trigger lateness p50/p99/max (first attempts), workflows
 * started/completed, defragmentations. At the end: cron ticks missing or doubled (each job must
 * fire once in every second of the run; late ones are waited for up to 2 minutes), workflows that
 * never completed, and a chart (bench/results/soak-latest.svg) plus JSON (bench/results/soak-*.json).
 *
 *   npm run bench:soak                      (the run: 60 min, 2,000 triggers/s, 200 wf/s, 2 replicas)
 *   npm run bench:soak -- --minutes 2 --cron-rate 500 --workflow-rate 50
 *
 * Options: --minutes, --cron-rate, --workflow-rate, --replicas, --partitions, --sample-seconds,
 * --warmup-minutes (rows before it are excluded from the flatness summary), --quota-mib.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  connectEtcd,
  describeDefrag,
  describeRecovery,
  startEmbeddedEtcd,
  WorkflowClient,
  TimerService,
} from './lib/tickflow.js';
import { LatencyHistogram } from './lib/latency-histogram.js';
import { renderSoakChart, type SoakRow } from './lib/soak-chart.js';
import { RESULTS_DIR, writeResults } from './lib/results.js';
import { MiB, rssOfPid } from './lib/rss.js';
import { SOAK_WORKFLOW, type SoakReplicaConfig, type SoakReport } from './lib/soak-protocol.js';
import { printKeyValues, printTable } from './lib/table.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    'cron-rate': { type: 'string', default: '2000' },
    'workflow-rate': { type: 'string', default: '200' },
    replicas: { type: 'string', default: '2' },
    partitions: { type: 'string', default: '32' },
    'sample-seconds': { type: 'string', default: '60' },
    'warmup-minutes': { type: 'string' },
    'quota-mib': { type: 'string' },
  },
});
const MINUTES = Number(args.minutes);
const CRON_RATE = Number(args['cron-rate']);
const WORKFLOW_RATE = Number(args['workflow-rate']);
const REPLICAS = Number(args.replicas);
const PARTITIONS = Number(args.partitions);
const SAMPLE_MS = Number(args['sample-seconds']) * 1000;
/** Rows before this are warm-up (JIT, first compactions, the store reaching its working size). */
const WARMUP_MS = Number(args['warmup-minutes'] ?? Math.min(5, MINUTES / 4)) * 60_000;
const QUOTA_BYTES = args['quota-mib'] === undefined ? undefined : Number(args['quota-mib']) * MiB;
const REPORT_MS = 5_000;
/** Seconds at the end of the run not checked for missed ticks: their triggers may still be in flight. */
const TAIL_S = 5;
/** How long after the load stops late ticks and unfinished workflows are waited for. */
const DRAIN_MS = 120_000;
const REPLICA_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'soak-replica.ts');

for (const [name, value] of Object.entries({
  MINUTES,
  CRON_RATE,
  WORKFLOW_RATE,
  REPLICAS,
  PARTITIONS,
  SAMPLE_MS,
})) {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`bad ${name}: ${value}`);
}

type Row = SoakRow;

/** What replicas reported since the last row. */
class Window {
  lateness = new LatencyHistogram();
  fired = 0;
  completed = 0;
  started = 0;
  defrags = 0;
  rss = new Map<number, number>();
}

interface Replica {
  index: number;
  child: ChildProcess;
  started: Promise<void>;
  stopped: Promise<void>;
}

const log = (line: string): void => {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-soak-'));
  const maintenanceLines: string[] = [];
  const etcd = await startEmbeddedEtcd({
    dataDir,
    ...(QUOTA_BYTES !== undefined && { quotaBackendBytes: QUOTA_BYTES }),
  });
  const maintenance = etcd.maintenance;
  const note = (line: string): void => {
    maintenanceLines.push(`${new Date().toISOString()} ${line}`);
    log(line);
  };
  maintenance?.on('warning', (e) => note(`warning: ${e.message}`));
  maintenance?.on('recovered', (r) => note(describeRecovery(r)));
  let window = new Window();
  let totalDefrags = 0;
  maintenance?.on('defragmented', (r) => {
    window.defrags++;
    totalDefrags++;
    note(describeDefrag(r));
  });

  const firedBySecond = new Map<number, number>();
  let totalCompleted = 0;
  let totalPurgeFailed = 0;
  let early = 0;
  const warnings = new Map<string, number>();
  const onReport = (index: number, report: SoakReport): void => {
    if (report.event !== 'report') return;
    window.rss.set(index, Math.max(window.rss.get(index) ?? 0, report.rss));
    window.lateness.merge(report.lateness.counts, report.lateness.max);
    for (const [second, n] of Object.entries(report.firedBySecond)) {
      firedBySecond.set(Number(second), (firedBySecond.get(Number(second)) ?? 0) + n);
      window.fired += n;
    }
    window.completed += report.completed;
    totalCompleted += report.completed;
    totalPurgeFailed += report.purgeFailed;
    early += report.early;
    for (const w of report.warnings) {
      if (!warnings.has(w)) log(`replica ${index} warning: ${w}`);
      warnings.set(w, (warnings.get(w) ?? 0) + 1);
    }
  };

  const replicas: Replica[] = [];
  for (let index = 0; index < REPLICAS; index++) replicas.push(startReplica(index, etcd.hosts, onReport));
  await Promise.all(replicas.map((r) => r.started));
  log(
    `etcd pid ${etcd.pid} (quota ${Math.round(etcd.quotaBackendBytes / MiB)} MiB), ${REPLICAS} replicas up`,
  );

  // Jobs are written by a timer service that never starts: it only schedules.
  const kv = await connectEtcd({ hosts: etcd.hosts });
  const scheduler = new TimerService({ kv, partitions: PARTITIONS });
  for (let i = 0; i < CRON_RATE; i += 500) {
    const batch = Array.from({ length: Math.min(500, CRON_RATE - i) }, (_, j) => ({
      name: `soak-cron-${i + j}`,
      spec: { schedule: '@every 1s' },
    }));
    await scheduler.scheduleMany(batch);
  }
  // Every job has had its first tick due by now: from here on each second must see every job once.
  const checkFromS = Math.ceil(Date.now() / 1000) + 2;
  log(`${CRON_RATE} cron jobs on @every 1s scheduled`);

  const client = new WorkflowClient({ etcd: { hosts: etcd.hosts }, partitions: PARTITIONS });
  let startedTotal = 0;
  let startFailed = 0;
  let inFlightStarts = 0;
  let skippedStarts = 0;
  const t0 = Date.now();
  const endAt = t0 + MINUTES * 60_000;
  // 10 batches a second; a batch that cannot be sent because starts are backed up is counted, not queued.
  const perBatch = WORKFLOW_RATE / 10;
  let owed = 0;
  const producer = setInterval(() => {
    owed += perBatch;
    const n = Math.floor(owed);
    owed -= n;
    if (inFlightStarts > WORKFLOW_RATE * 2) {
      skippedStarts += n;
      return;
    }
    for (let i = 0; i < n; i++) {
      const id = `soak-${startedTotal++}`;
      inFlightStarts++;
      window.started++;
      client.scheduleNewWorkflow(SOAK_WORKFLOW, startedTotal, id).then(
        () => inFlightStarts--,
        () => {
          inFlightStarts--;
          startFailed++;
        },
      );
    }
  }, 100);

  const rows: Row[] = [];
  let completedAtRow = 0;
  let lastSampleAt = Date.now();
  let startedAtRow = 0;
  const sample = async (): Promise<void> => {
    lastSampleAt = Date.now();
    const w = window;
    window = new Window();
    const status = maintenance?.lastSample?.members[0];
    startedAtRow += w.started;
    completedAtRow += w.completed;
    const row: Row = {
      minute: Math.round(((Date.now() - t0) / 60_000) * 10) / 10,
      replicaRssMiB: replicas.map((r) => (w.rss.get(r.index) ?? 0) / MiB),
      etcdRssMiB: ((await rssOfPid(etcd.pid)) ?? 0) / MiB,
      dbSizeMiB: (status?.dbSize ?? 0) / MiB,
      dbInUseMiB: (status?.dbSizeInUse ?? 0) / MiB,
      cronPerSec: w.fired / (SAMPLE_MS / 1000),
      latenessP50Ms: w.lateness.percentile(50),
      latenessP99Ms: w.lateness.percentile(99),
      latenessMaxMs: w.lateness.max,
      wfStarted: w.started,
      wfCompleted: w.completed,
      wfBacklog: startedAtRow - completedAtRow,
      defrags: w.defrags,
    };
    rows.push(row);
    log(
      `min ${row.minute}: replicas ${row.replicaRssMiB.map((v) => v.toFixed(0)).join('/')} MiB, etcd ${row.etcdRssMiB.toFixed(0)} MiB, ` +
        `db ${row.dbSizeMiB.toFixed(1)} MiB (${row.dbInUseMiB.toFixed(1)} in use), cron ${row.cronPerSec.toFixed(0)}/s, ` +
        `lateness p99 ${row.latenessP99Ms} ms, wf ${row.wfStarted} started / ${row.wfCompleted} completed`,
    );
  };
  const sampler = setInterval(() => void sample(), SAMPLE_MS);

  await new Promise((resolve) => setTimeout(resolve, endAt - Date.now()));
  clearInterval(producer);
  const stopAtS = Math.floor(Date.now() / 1000);
  clearInterval(sampler);
  // A last, partial row, unless a row was just taken (it would be empty).
  if (Date.now() - lastSampleAt > SAMPLE_MS / 4) await sample();
  // Let the last ticks and the last workflows' timers fire and be reported. A tick counts as
  // missing only if it is still undelivered when the drain ends (DRAIN_MS): on a machine that
  // fell behind, ticks are late, and lateness is reported on its own.
  const checkToS = stopAtS - TAIL_S;
  const missingNow = (): number => {
    let missing = 0;
    for (let s = checkFromS; s <= checkToS; s++)
      missing += Math.max(0, CRON_RATE - (firedBySecond.get(s) ?? 0));
    return missing;
  };
  const drainUntil = Date.now() + DRAIN_MS;
  while (
    Date.now() < drainUntil &&
    (totalCompleted < startedTotal - startFailed || inFlightStarts > 0 || missingNow() > 0)
  ) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  await new Promise((resolve) => setTimeout(resolve, REPORT_MS + 500));

  const missed = missingNow();
  let doubled = 0;
  for (let s = checkFromS; s <= checkToS; s++)
    doubled += Math.max(0, (firedBySecond.get(s) ?? 0) - CRON_RATE);

  for (const r of replicas) r.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.stopped));
  await client.close();
  await kv.close();
  await etcd.stop();
  await rm(dataDir, { recursive: true, force: true });

  const steady = rows.filter((r) => r.minute * 60_000 > WARMUP_MS);
  const spread = (pick: (r: Row) => number): string => {
    const values = steady.map(pick).filter((v) => Number.isFinite(v));
    if (values.length === 0) return '-';
    return `${Math.min(...values).toFixed(1)} .. ${Math.max(...values).toFixed(1)}`;
  };
  printTable(`Soak: one row per ${SAMPLE_MS / 1000} s`, rows, [
    { header: 'min', value: (r) => r.minute },
    ...replicas.map((rep) => ({
      header: `replica ${rep.index} RSS MiB`,
      value: (r: Row) => r.replicaRssMiB[rep.index] ?? 0,
      digits: 0,
    })),
    { header: 'etcd RSS MiB', value: (r) => r.etcdRssMiB, digits: 0 },
    { header: 'db MiB', value: (r) => r.dbSizeMiB, digits: 1 },
    { header: 'db in use MiB', value: (r) => r.dbInUseMiB, digits: 1 },
    { header: 'cron /s', value: (r) => r.cronPerSec, digits: 0 },
    { header: 'late p50 ms', value: (r) => r.latenessP50Ms },
    { header: 'late p99 ms', value: (r) => r.latenessP99Ms },
    { header: 'late max ms', value: (r) => r.latenessMaxMs, digits: 0 },
    { header: 'wf started', value: (r) => r.wfStarted },
    { header: 'wf completed', value: (r) => r.wfCompleted },
    { header: 'defrags', value: (r) => r.defrags },
  ]);
  const summary = {
    minutes: MINUTES,
    cronRate: CRON_RATE,
    workflowRate: WORKFLOW_RATE,
    replicas: REPLICAS,
    'cron ticks checked': Math.max(0, checkToS - checkFromS + 1) * CRON_RATE,
    'cron ticks missing after drain': missed,
    'cron ticks doubled': doubled,
    'triggers early': early,
    'workflows started': startedTotal,
    'workflow starts failed': startFailed,
    'workflow starts skipped (backed up)': skippedStarts,
    'workflows not completed': startedTotal - startFailed - totalCompleted,
    'purges failed': totalPurgeFailed,
    defragmentations: totalDefrags,
    'after warm-up: replica RSS MiB': spread((r) => Math.max(...r.replicaRssMiB)),
    'after warm-up: etcd RSS MiB': spread((r) => r.etcdRssMiB),
    'after warm-up: db MiB': spread((r) => r.dbSizeMiB),
    'after warm-up: lateness p99 ms': spread((r) => r.latenessP99Ms),
  };
  printKeyValues('Soak summary', summary);
  if (warnings.size > 0) {
    printTable(
      'Replica warnings',
      [...warnings].map(([message, count]) => ({ message, count })),
      [
        { header: 'count', value: (r) => r.count },
        { header: 'message', value: (r) => r.message.slice(0, 160) },
      ],
    );
  }

  const svg = renderSoakChart(
    `tickflow soak: ${MINUTES} min, ${CRON_RATE} cron triggers/s + ${WORKFLOW_RATE} workflows/s, ${REPLICAS} replicas`,
    rows,
  );
  await writeFile(join(RESULTS_DIR, 'soak-latest.svg'), svg);
  const path = await writeResults('soak', { summary, rows, maintenance: maintenanceLines });
  process.stdout.write(`\nresults: ${path}\nchart: ${join(RESULTS_DIR, 'soak-latest.svg')}\n`);
}

function startReplica(
  index: number,
  hosts: string[],
  onReport: (index: number, report: SoakReport) => void,
): Replica {
  const config: SoakReplicaConfig = {
    hosts,
    memberId: `soak-${index}`,
    partitions: PARTITIONS,
    reportMs: REPORT_MS,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', REPLICA_SCRIPT, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    if (code !== 0) log(`replica ${index} exited with code ${String(code)}`);
  });
  if (!child.stdout) throw new Error('replica has no stdout');
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    let report: SoakReport;
    try {
      report = JSON.parse(line) as SoakReport;
    } catch {
      return;
    }
    if (report.event === 'started') onStarted();
    onReport(index, report);
  });
  return { index, child, started, stopped };
}

await main();
