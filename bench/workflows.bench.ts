/**
 * Workflow runtime throughput against an embedded etcd (a fresh one per run, in a temp dir):
 *
 *  hello5     N workflows x 5 sequential no-op activities (the "HelloCities5" shape)
 *  hello5-inline  the same with the activity registered `{ inline: true }`: the chain of five
 *             runs inside the step and commits with the start and completion (docs/workflows.md)
 *  timer3     N workflows x 3 sequential no-op activities + one 1-second durable timer
 *  hello1     N workflows x 1 no-op activity: beside hello5, splits a workflow's CPU into what
 *             each activity step costs and what every workflow pays once (start, wake-up, end)
 *
 * Per shape: workflows/s and activities/s (first schedule to last completion), step latency
 * p50/p99 (time between two committed steps of one instance: step commit -> reminder-job ->
 * activity -> next step commit), etcd txns per step (runtime.txnCount + runtime.timers.txnCount,
 * i.e. every txn the replica sent, over committed steps), peak RSS of Node and of etcd, and CPU
 * time per workflow of Node and of etcd (comparable across runs even when other processes load
 * the machine, which wall-clock rates are not).
 *
 *   npm run bench:workflows        (env: RUNS=3 N=1000 SHAPES=hello5,hello5-inline,timer3 WARMUP=300)
 *
 * A discarded warm-up run (WARMUP workflows of the first shape) comes first: measured runs then see
 * JIT-compiled code, as a long-running replica does.
 *
 * One runtime replica and the client in this process; etcd in its own process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startEmbeddedEtcd,
  WorkflowClient,
  WorkflowRuntime,
  type Workflow,
  type WorkflowContext,
} from './lib/tickflow.js';
import { helloCities5, sayHello } from './lib/hello-cities.js';
import { writeResults } from './lib/results.js';
import { cpuOfPid, RssSampler } from './lib/rss.js';
import { medianOfRuns, summarize } from './lib/stats.js';
import { printTable, type Column } from './lib/table.js';

const env = process.env;
const RUNS = Number(env['RUNS'] ?? 3);
const N = Number(env['N'] ?? 1000);
const SHAPES = (env['SHAPES'] ?? 'hello5,hello5-inline,timer3').split(',');
/** Workflows of a discarded first run, so measured runs see JIT-compiled code (0: none). */
const WARMUP = Number(env['WARMUP'] ?? 300);
const PARTITIONS = 32;

async function* hello3WithTimer(ctx: WorkflowContext) {
  const out: string[] = [];
  out.push(yield* ctx.callActivity<string>(sayHello, 'Tokyo'));
  yield ctx.createTimer(1);
  out.push(yield* ctx.callActivity<string>(sayHello, 'Seattle'));
  out.push(yield* ctx.callActivity<string>(sayHello, 'London'));
  return out;
}

async function* hello1(ctx: WorkflowContext) {
  return [yield* ctx.callActivity<string>(sayHello, 'Tokyo')];
}

const SHAPE_DEFS: Record<
  string,
  { workflow: Workflow<never, string[]>; activities: number; inline?: boolean }
> = {
  hello5: { workflow: helloCities5, activities: 5 },
  'hello5-inline': { workflow: helloCities5, activities: 5, inline: true },
  timer3: { workflow: hello3WithTimer, activities: 3 },
  hello1: { workflow: hello1, activities: 1 },
};

interface RunResult {
  shape: string;
  workflows: number;
  seconds: number;
  workflowsPerSec: number;
  activitiesPerSec: number;
  stepP50Ms: number;
  stepP99Ms: number;
  steps: number;
  txnsPerStep: number;
  runtimeTxns: number;
  timerTxns: number;
  rssNodeMiB: number;
  rssEtcdMiB: number;
  /** CPU time per workflow, this process and etcd: comparable even on a busy machine. */
  nodeCpuMsPerWf: number;
  etcdCpuMsPerWf: number;
}

async function runOnce(shape: string, n = N): Promise<RunResult> {
  const def = SHAPE_DEFS[shape];
  if (!def) throw new RangeError(`unknown shape ${shape}; known: ${Object.keys(SHAPE_DEFS).join(', ')}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-wf-bench-'));
  const etcd = await startEmbeddedEtcd({ dataDir });
  const sampler = new RssSampler(etcd.pid);
  const runtime = new WorkflowRuntime({ etcd: { hosts: etcd.hosts }, partitions: PARTITIONS });
  runtime.registerWorkflow(def.workflow).registerActivity(sayHello, { inline: def.inline ?? false });
  runtime.on('warning', (e) => process.stderr.write(`warning: ${e.message}\n`));
  runtime.timers.on('warning', (e) => process.stderr.write(`timer warning: ${e.message}\n`));
  const client = new WorkflowClient({ etcd: { hosts: etcd.hosts }, partitions: PARTITIONS });
  try {
    const owned = new Promise<void>((resolve) =>
      runtime.timers.on('partitionsChanged', (p) => p.length === PARTITIONS && resolve()),
    );
    await runtime.start();
    await owned;

    const lastStep = new Map<string, number>();
    const gaps: number[] = [];
    let steps = 0;
    let completed = 0;
    let allDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allDone = resolve));
    runtime.on('step', (e) => {
      const now = performance.now();
      steps++;
      const previous = lastStep.get(e.instanceId);
      if (previous !== undefined) gaps.push(now - previous);
      lastStep.set(e.instanceId, now);
    });
    runtime.on('completed', () => {
      if (++completed === n) allDone();
    });
    const txns0 = { runtime: runtime.txnCount, timers: runtime.timers.txnCount };

    const cpu0 = { node: process.cpuUsage(), etcd: (await cpuOfPid(etcd.pid)) ?? Number.NaN };
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, (_, i) => client.scheduleNewWorkflow(def.workflow, undefined, `wf-${i}`)),
    );
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const nodeCpu = process.cpuUsage(cpu0.node);
    const etcdCpu = ((await cpuOfPid(etcd.pid)) ?? Number.NaN) - cpu0.etcd;

    const runtimeTxns = runtime.txnCount - txns0.runtime;
    const timerTxns = runtime.timers.txnCount - txns0.timers;
    const latency = summarize(gaps);
    const rss = await sampler.stop();
    return {
      shape,
      workflows: n,
      seconds,
      workflowsPerSec: n / seconds,
      activitiesPerSec: (n * def.activities) / seconds,
      stepP50Ms: latency.p50,
      stepP99Ms: latency.p99,
      steps,
      txnsPerStep: (runtimeTxns + timerTxns) / steps,
      runtimeTxns,
      timerTxns,
      rssNodeMiB: rss.selfMiB,
      rssEtcdMiB: rss.otherMiB,
      nodeCpuMsPerWf: (nodeCpu.user + nodeCpu.system) / 1000 / n,
      etcdCpuMsPerWf: etcdCpu / 1000 / n,
    };
  } finally {
    await sampler.stop();
    await runtime.stop();
    await client.close();
    await etcd.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const columns: Array<Column<RunResult>> = [
  { header: 'shape', value: (r) => r.shape },
  { header: 'workflows', value: (r) => r.workflows },
  { header: 's', value: (r) => r.seconds, digits: 2 },
  { header: 'workflows/s', value: (r) => r.workflowsPerSec, digits: 0 },
  { header: 'activities/s', value: (r) => r.activitiesPerSec, digits: 0 },
  { header: 'step p50 ms', value: (r) => r.stepP50Ms, digits: 1 },
  { header: 'step p99 ms', value: (r) => r.stepP99Ms, digits: 1 },
  { header: 'steps', value: (r) => r.steps },
  { header: 'txns/step', value: (r) => r.txnsPerStep, digits: 2 },
  { header: 'RSS node MiB', value: (r) => r.rssNodeMiB, digits: 0 },
  { header: 'RSS etcd MiB', value: (r) => r.rssEtcdMiB, digits: 0 },
  { header: 'CPU ms/wf node', value: (r) => r.nodeCpuMsPerWf, digits: 2 },
  { header: 'CPU ms/wf etcd', value: (r) => r.etcdCpuMsPerWf, digits: 2 },
];

if (WARMUP > 0) {
  const warm = await runOnce(SHAPES[0] ?? 'hello5', WARMUP);
  process.stdout.write(
    `warm-up: ${warm.workflows} workflows in ${warm.seconds.toFixed(2)} s (not counted)\n`,
  );
}
const all: RunResult[] = [];
const medians: RunResult[] = [];
for (const shape of SHAPES) {
  const runs: RunResult[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const result = await runOnce(shape);
    runs.push(result);
    printTable(`${shape}: run ${run} of ${RUNS}`, [result], columns);
  }
  all.push(...runs);
  medians.push(medianOfRuns(runs));
}
printTable(`Medians of ${RUNS} runs (N = ${N})`, medians, columns);
const path = await writeResults('workflows', { runs: RUNS, n: N, medians, all });
process.stdout.write(`\nresults: ${path}\n`);
