/**
 * W8 failover (tickflow only): N cron jobs and M running workflows with durable timers on
 * several replicas (separate processes sharing one embedded etcd); mid-run one replica is killed
 * with SIGKILL (no lease revoke, no hand-over). The same run without the kill is the baseline.
 *
 * Each run, in order: etcd and the replicas start; the cron jobs are scheduled (`@every`, their
 * first ticks spread evenly over one period so triggers come as a steady stream) and the
 * workflows started (each loops: a durable timer on a fixed grid, then one activity, until the
 * run's end; their timers are spread over one period too); a warm-up; then `before` seconds, the
 * kill, `after` seconds; then a drain for late deliveries. Replicas write every delivery to a
 * record file before acknowledging it (bench/lib/failover-protocol.ts), so the figures include
 * what the killed replica delivered just before it died.
 *
 * Figures per run, by the phase a tick or timer was *due* in: before the kill, the takeover
 * window (from the kill until the survivors serve every partition, seen in the replicas' partition
 * reports), after: cron lateness p50/p99/max and workflow timer lateness (due → the activity after
 * it runs) p50/p99/max; cron ticks delivered twice (at-least-once: a redelivery during the takeover
 * is allowed, and counted), missing after the drain, early; workflow activities run twice,
 * iterations missing, workflows completed; and the takeover time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { open, mkdtemp, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connectEtcd, startEmbeddedEtcd, TimerService, WorkflowClient } from '../../lib/tickflow.js';
import {
  FAILOVER_INSTANCE_PREFIX,
  FAILOVER_JOB_PREFIX,
  FAILOVER_WORKFLOW,
  type FailoverReplicaConfig,
  type FailoverStatus,
  type FailoverWorkflowInput,
} from '../../lib/failover-protocol.js';
import { MiB, rssOfPid } from '../../lib/rss.js';
import type { Metrics, Progress, W8Sizes } from '../types.js';
import { cronFirstDue, timerFirstDue, W8Tally, type W8Plan } from './w8-tally.js';

const PARTITIONS = 32;
const REPLICA_SCRIPT = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'lib',
  'failover-replica.ts',
);
/** Index of the replica killed in the kill run (any would do; not the first to join). */
const VICTIM = 1;
/** Late deliveries and unfinished workflows are waited for this long after the run's end. */
const DRAIN_MS = 60_000;
const SCHEDULE_BATCH = 500;
const START_CONCURRENCY = 50;

/**
 * Runs the kill run, then the baseline with the same phase boundaries (its "takeover window" is
 * as long as the kill run's). Metric keys: `kill.*` and `base.*` (see w8-tally.ts), plus
 * `kill.takeoverMs` and `kill.victimPartitions`.
 */
export async function w8Failover(
  sizes: W8Sizes,
  progress: Progress,
  onSpawn: (pid: number) => void,
  notes: string[],
): Promise<Metrics> {
  const metrics: Metrics = {};
  const kill = await runOnce(sizes, { kill: true }, (t) => progress(`kill -9 run: ${t}`), onSpawn, notes);
  for (const [k, v] of Object.entries(kill.metrics)) metrics[`kill.${k}`] = v;
  const takeoverMs = kill.metrics['takeoverMs'];
  const windowMs =
    takeoverMs !== undefined && Number.isFinite(takeoverMs) ? takeoverMs : sizes.leaseTtlSeconds * 1000;
  const base = await runOnce(
    sizes,
    { kill: false, windowMs },
    (t) => progress(`no-kill run: ${t}`),
    onSpawn,
    notes,
  );
  for (const [k, v] of Object.entries(base.metrics)) metrics[`base.${k}`] = v;
  return metrics;
}

interface Replica {
  index: number;
  child: ChildProcess;
  started: Promise<void>;
  exited: Promise<void>;
  serving: number;
  peakRss: number;
  recordPath: string;
}

async function runOnce(
  s: W8Sizes,
  mode: { kill: true } | { kill: false; windowMs: number },
  progress: Progress,
  onSpawn: (pid: number) => void,
  notes: string[],
): Promise<{ metrics: Metrics }> {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-compare-w8-'));
  const etcd = await startEmbeddedEtcd({ dataDir: join(dir, 'etcd'), listen: 'loopback' });
  onSpawn(etcd.pid);
  const replicas: Replica[] = [];
  const readers: RecordReader[] = [];
  let etcdPeakRss = 0;
  const rssTimer = setInterval(() => {
    void rssOfPid(etcd.pid).then((rss) => (etcdPeakRss = Math.max(etcdPeakRss, rss ?? 0)));
  }, 1_000);
  try {
    for (let index = 0; index < s.replicas; index++) {
      const recordPath = join(dir, `replica-${index}.records`);
      await writeFile(recordPath, '');
      replicas.push(startReplica(index, recordPath, etcd.hosts, s.leaseTtlSeconds));
      onSpawn(replicas[index]?.child.pid ?? 0);
      readers.push(await RecordReader.open(recordPath));
    }
    progress('starting replicas');
    await withTimeout(
      Promise.all(replicas.map((r) => r.started)),
      120_000,
      'replicas did not start in 120 s',
    );

    const kv = await connectEtcd({ hosts: etcd.hosts });
    const scheduler = new TimerService({ kv, partitions: PARTITIONS });
    const client = new WorkflowClient({ etcd: { hosts: etcd.hosts }, partitions: PARTITIONS });
    try {
      // Cron first: the timeline is fixed once the jobs exist, before the workflows start.
      const cronPeriodMs = s.cronPeriodSeconds * 1000;
      const cronFirstAt = Date.now() + 2_000;
      const provisional: Pick<W8Plan, 'jobs' | 'cronPeriodMs' | 'cronFirstAt'> = {
        jobs: s.jobs,
        cronPeriodMs,
        cronFirstAt,
      };
      for (let from = 0; from < s.jobs; from += SCHEDULE_BATCH) {
        const batch = Array.from({ length: Math.min(SCHEDULE_BATCH, s.jobs - from) }, (_, j) => ({
          name: `${FAILOVER_JOB_PREFIX}${from + j}`,
          spec: {
            schedule: `@every ${s.cronPeriodSeconds}s`,
            dueTime: new Date(cronFirstDue(provisional, from + j)),
          },
        }));
        await scheduler.scheduleMany(batch);
        progress(`scheduled ${from + batch.length}/${s.jobs} cron jobs`);
      }
      const scheduledAt = Date.now();
      const measureFrom = scheduledAt + s.warmupSeconds * 1000;
      const killAt = measureFrom + s.beforeSeconds * 1000;
      const endAt = killAt + s.afterSeconds * 1000;
      const plan: W8Plan = {
        jobs: s.jobs,
        cronPeriodMs,
        cronFirstAt,
        workflows: s.workflows,
        timerPeriodMs: s.timerSeconds * 1000,
        timerFirstAt: scheduledAt + 1_000,
        measureFrom,
        endAt,
        partitions: PARTITIONS,
      };
      const tally = new W8Tally(plan);
      const poll = async (): Promise<void> => {
        for (const [i, reader] of readers.entries()) await reader.poll((line) => tally.ingest(i, line));
      };

      await startWorkflows(client, plan, (n) => progress(`started ${n}/${s.workflows} workflows`));
      if (Date.now() > measureFrom) {
        notes.push(
          `${mode.kill ? 'kill' : 'no-kill'} run: setup overran the ${s.warmupSeconds} s warm-up by ` +
            `${Math.round((Date.now() - measureFrom) / 1000)} s (the first measured ticks may be late from it)`,
        );
      }

      const status = (phase: string): string =>
        `${phase}, ${tally.delivered} cron deliveries, serving ${replicas.map((r) => r.serving).join('/')}, ` +
        `${tally.completed} workflows completed`;
      const waitUntil = async (at: number, phase: string): Promise<void> => {
        while (Date.now() < at) {
          await poll();
          progress(`${status(phase)}, ${Math.ceil((at - Date.now()) / 1000)} s left`);
          await sleep(Math.min(500, at - Date.now()));
        }
      };
      await waitUntil(measureFrom, 'warm-up');
      await waitUntil(killAt, 'before');
      let killedAt = killAt;
      const victim = replicas[VICTIM];
      if (mode.kill && victim?.child.pid !== undefined) {
        killedAt = Date.now();
        process.kill(victim.child.pid, 'SIGKILL');
      }
      await waitUntil(endAt, mode.kill ? 'after the kill' : 'second part');
      const drainUntil = Date.now() + DRAIN_MS;
      for (;;) {
        await poll();
        const cronMissing = tally.cronMissing();
        const timersMissing = tally.timersMissing();
        if (
          (cronMissing === 0 && timersMissing === 0 && tally.completed >= s.workflows) ||
          Date.now() > drainUntil
        )
          break;
        progress(
          `draining: ${cronMissing} ticks, ${timersMissing} timers, ${s.workflows - tally.completed} workflows to go`,
        );
        await sleep(500);
      }
      await stopReplicas(replicas);
      await poll();

      const metrics: Metrics = {};
      if (mode.kill) {
        const end = tally.takeoverEnd(killedAt, VICTIM);
        metrics['takeoverMs'] = end === undefined ? Number.NaN : end - killedAt;
        metrics['victimPartitions'] = tally.servingAt(VICTIM, killedAt);
        if (end === undefined) notes.push('kill run: the survivors never served every partition');
        Object.assign(metrics, tally.metrics({ killAt: killedAt, takeoverEnd: end ?? endAt }));
      } else {
        Object.assign(metrics, tally.metrics({ killAt, takeoverEnd: killAt + mode.windowMs }));
      }
      metrics['wf.started'] = s.workflows;
      metrics['replicaPeakRssMiB'] = Math.max(...replicas.map((r) => r.peakRss)) / MiB;
      metrics['etcdPeakRssMiB'] = etcdPeakRss / MiB;
      return { metrics };
    } finally {
      await client.close();
      await kv.close();
    }
  } finally {
    clearInterval(rssTimer);
    await stopReplicas(replicas);
    for (const reader of readers) await reader.close();
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts every workflow, a bounded number at a time. */
async function startWorkflows(
  client: WorkflowClient,
  plan: W8Plan,
  progress: (started: number) => void,
): Promise<void> {
  let next = 0;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.workflows) {
      const index = next++;
      const input: FailoverWorkflowInput = {
        index,
        firstDueAt: timerFirstDue(plan, index),
        periodMs: plan.timerPeriodMs,
        endAt: plan.endAt,
      };
      await client.scheduleNewWorkflow(FAILOVER_WORKFLOW, input, `${FAILOVER_INSTANCE_PREFIX}${index}`);
      progress(++started);
    }
  };
  await Promise.all(Array.from({ length: START_CONCURRENCY }, worker));
}

function startReplica(index: number, recordPath: string, hosts: string[], leaseTtlSeconds: number): Replica {
  const config: FailoverReplicaConfig = {
    hosts,
    memberId: `w8-${index}`,
    partitions: PARTITIONS,
    leaseTtlSeconds,
    recordPath,
    reportMs: 500,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', REPLICA_SCRIPT, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let onStarted: () => void = () => undefined;
  let onFailed: (error: Error) => void = () => undefined;
  const started = new Promise<void>((resolve, reject) => {
    onStarted = resolve;
    onFailed = reject;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => onFailed(new Error(`replica ${index} exited (${signal ?? code})`)));
  const replica: Replica = { index, child, started, exited, serving: 0, peakRss: 0, recordPath };
  if (!child.stdout) throw new Error('replica has no stdout');
  createInterface({ input: child.stdout }).on('line', (line) => {
    let status: FailoverStatus;
    try {
      status = JSON.parse(line) as FailoverStatus;
    } catch {
      return;
    }
    if (status.event === 'started') onStarted();
    else if (status.event === 'report') {
      replica.serving = status.serving;
      replica.peakRss = Math.max(replica.peakRss, status.rss);
      for (const w of status.warnings) process.stderr.write(`w8 replica ${index} warning: ${w}\n`);
    }
  });
  return replica;
}

/** SIGTERM to every live replica, SIGKILL to one still alive 15 s later. */
async function stopReplicas(replicas: readonly Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      if (r.child.exitCode !== null || r.child.signalCode !== null) return;
      r.child.kill('SIGTERM');
      const timer = setTimeout(() => r.child.kill('SIGKILL'), 15_000);
      await r.exited;
      clearTimeout(timer);
    }),
  );
}

/** Reads the lines appended to a record file since the last poll. */
class RecordReader {
  #offset = 0;
  #rest = '';
  readonly #handle: FileHandle;
  readonly #buffer = Buffer.alloc(1 << 20);

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async open(path: string): Promise<RecordReader> {
    return new RecordReader(await open(path, 'r'));
  }

  async poll(onLine: (line: string) => void): Promise<void> {
    for (;;) {
      const { bytesRead } = await this.#handle.read(this.#buffer, 0, this.#buffer.length, this.#offset);
      if (bytesRead === 0) return;
      this.#offset += bytesRead;
      const text = this.#rest + this.#buffer.toString('utf8', 0, bytesRead);
      const lines = text.split('\n');
      // A line is complete only once its newline is written.
      this.#rest = lines.pop() ?? '';
      for (const line of lines) if (line !== '') onLine(line);
    }
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
