/**
 * HelloCities5 (N workflows x 5 sequential activities) run two ways against an embedded etcd:
 *
 *  in-process  the workflow and activity registered in tickflow's own WorkflowRuntime
 *  grpc        `tickflow serve`'s engine (startServer, in this process) with the workflow and the
 *              activity in the official `@dapr/dapr` WorkflowRuntime, a worker in a child process
 *              connected to the gRPC port, as a Dapr app connects to its sidecar; instances are
 *              started with DaprWorkflowClient over gRPC
 *
 * Reports workflows/s (first start to last completion), CPU ms per workflow of this process and of
 * the worker, and the ratio grpc / in-process (issue 17 asks for at least 0.5).
 *
 *   npm run bench:grpc-workers          (env: RUNS=3 N=1000 WARMUP=200)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaprWorkflowClient } from '@dapr/dapr';
import { startEmbeddedEtcd, WorkflowClient, WorkflowRuntime, startServer } from './lib/tickflow.js';
import { helloCities5, sayHello } from './lib/hello-cities.js';
import { writeResults } from './lib/results.js';
import { cpuOfPid } from './lib/rss.js';
import { median } from './lib/stats.js';
import { printTable, type Column } from './lib/table.js';

// The Dapr SDK's client logs every start at info level through console: dropped here, as in the
// worker, so the terminal is not what is measured.
console.log = () => undefined;
console.info = () => undefined;

const env = process.env;
const RUNS = Number(env['RUNS'] ?? 3);
const N = Number(env['N'] ?? 1000);
const WARMUP = Number(env['WARMUP'] ?? 200);
/**
 * SDK worker processes for the grpc way (default 1). The Dapr JS SDK's worker runs at most 10 work
 * items at once (fixed in @dapr/dapr 3.18), which bounds one worker's rate; more workers share it.
 */
const WORKERS = Number(env['WORKERS'] ?? 1);
/** Which ways to run (for profiling one): `in-process,grpc` by default. */
const MODES = (env['MODES'] ?? 'in-process,grpc').split(',');

interface RunResult {
  mode: 'in-process' | 'grpc';
  workflows: number;
  seconds: number;
  workflowsPerSec: number;
  /** CPU of this process (the engine, and for grpc also the gRPC server and the client). */
  engineCpuMsPerWf: number;
  /** CPU of the SDK worker processes (grpc only), all together. */
  workerCpuMsPerWf: number;
}

async function inProcess(n: number): Promise<RunResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-grpc-bench-'));
  const etcd = await startEmbeddedEtcd({ dataDir });
  const runtime = new WorkflowRuntime({ etcd: { hosts: etcd.hosts } });
  runtime.registerWorkflow(helloCities5).registerActivity(sayHello);
  const client = new WorkflowClient({ etcd: { hosts: etcd.hosts } });
  try {
    await runtime.start();
    await runtime.timers.ready();
    const done = completions(runtime, n);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, (_, i) => client.scheduleNewWorkflow(helloCities5, undefined, `wf-${i}`)),
    );
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      mode: 'in-process',
      workflows: n,
      seconds,
      workflowsPerSec: n / seconds,
      engineCpuMsPerWf: (cpu.user + cpu.system) / 1000 / n,
      workerCpuMsPerWf: 0,
    };
  } finally {
    await runtime.stop();
    await client.close();
    await etcd.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function overGrpc(n: number): Promise<RunResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-grpc-bench-'));
  const server = await startServer({ dataDir, port: 0, grpcPort: 0, log: () => undefined });
  const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorker(server.grpcPort ?? 0)));
  const workerCpu = async (): Promise<number> => {
    let sum = 0;
    for (const w of workers) sum += (await cpuOfPid(w.pid ?? 0)) ?? Number.NaN;
    return sum;
  };
  const dapr = new DaprWorkflowClient({ daprHost: '127.0.0.1', daprPort: String(server.grpcPort) });
  try {
    const done = completions(server.runtime, n);
    const cpu0 = { engine: process.cpuUsage(), worker: await workerCpu() };
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, (_, i) => dapr.scheduleNewWorkflow('helloCities5', undefined, `wf-${i}`)),
    );
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const engine = process.cpuUsage(cpu0.engine);
    const workersCpu = (await workerCpu()) - cpu0.worker;
    return {
      mode: 'grpc',
      workflows: n,
      seconds,
      workflowsPerSec: n / seconds,
      engineCpuMsPerWf: (engine.user + engine.system) / 1000 / n,
      workerCpuMsPerWf: workersCpu / 1000 / n,
    };
  } finally {
    await dapr.stop();
    await Promise.all(
      workers.map(async (worker) => {
        worker.kill('SIGTERM');
        await once(worker, 'exit');
      }),
    );
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function completions(runtime: Pick<WorkflowRuntime, 'on'>, n: number): Promise<void> {
  let completed = 0;
  return new Promise((resolve) =>
    runtime.on('completed', () => {
      if (++completed === n) resolve();
    }),
  );
}

async function startWorker(port: number): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./lib/dapr-sdk-worker.ts', import.meta.url));
  // WORKER_NODE_ARGS, e.g. `--cpu-prof`, to profile the worker too.
  const nodeArgs = (env['WORKER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the SDK worker exited with ${String(code)}`)));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      if (text.includes('ready')) resolve();
    });
  });
  return child;
}

const columns: Array<Column<RunResult>> = [
  { header: 'mode', value: (r) => r.mode },
  { header: 'workflows', value: (r) => r.workflows },
  { header: 's', value: (r) => r.seconds, digits: 2 },
  { header: 'workflows/s', value: (r) => r.workflowsPerSec, digits: 0 },
  { header: 'CPU ms/wf engine', value: (r) => r.engineCpuMsPerWf, digits: 2 },
  { header: 'CPU ms/wf worker', value: (r) => r.workerCpuMsPerWf, digits: 2 },
];

if (WARMUP > 0) {
  if (MODES.includes('in-process')) await inProcess(WARMUP);
  if (MODES.includes('grpc')) await overGrpc(WARMUP);
  process.stdout.write(`warm-up: ${WARMUP} workflows each way (not counted)\n`);
}
const runs: RunResult[] = [];
for (let run = 1; run <= RUNS; run++) {
  // Alternating, so a machine that slows down over time weighs on both alike.
  const results: RunResult[] = [];
  if (MODES.includes('in-process')) results.push(await inProcess(N));
  if (MODES.includes('grpc')) results.push(await overGrpc(N));
  for (const result of results) {
    runs.push(result);
    printTable(`run ${run} of ${RUNS}: ${result.mode}`, [result], columns);
  }
}
const of = (mode: RunResult['mode']): RunResult[] => runs.filter((r) => r.mode === mode);
const medians = (['in-process', 'grpc'] as const).map((mode) => ({
  mode,
  workflows: N,
  seconds: median(of(mode).map((r) => r.seconds)),
  workflowsPerSec: median(of(mode).map((r) => r.workflowsPerSec)),
  engineCpuMsPerWf: median(of(mode).map((r) => r.engineCpuMsPerWf)),
  workerCpuMsPerWf: median(of(mode).map((r) => r.workerCpuMsPerWf)),
}));
printTable(`Medians of ${RUNS} runs (N = ${N}, ${WORKERS} SDK worker process(es))`, medians, columns);
const ratio = (medians[1]?.workflowsPerSec ?? 0) / (medians[0]?.workflowsPerSec ?? 1);
process.stdout.write(`\ngrpc / in-process workflows/s: ${ratio.toFixed(2)}\n`);
const path = await writeResults('grpc-workers', {
  runs: RUNS,
  n: N,
  workers: WORKERS,
  medians,
  ratio,
  all: runs,
});
process.stdout.write(`results: ${path}\n`);
