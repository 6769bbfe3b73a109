/**
 * Replay cost of the pure executor: how long `execute(fn, history, newEvents)` takes to rebuild
 * an instance from a sequential history (activity after activity), per history event, and what
 * one more step costs on a cached `WorkflowExecutor`.
 *
 *   npm run bench:replay            (RUNS=9 SIZES=10,100,1000 to override)
 */
import { performance } from 'node:perf_hooks';
import { execute, WorkflowExecutor, type WorkflowContext, type HistoryEvent } from './lib/tickflow.js';

const SIZES = (process.env['SIZES'] ?? '10,100,1000,10000,50000').split(',').map(Number);
const RUNS = Number(process.env['RUNS'] ?? 7);
const STEPS_CHECK = 10_000;
const T0 = Date.UTC(2026, 0, 1);

async function* sequentialAsync(ctx: WorkflowContext, steps: number) {
  let total = 0;
  for (let i = 0; i < steps; i += 1) total += yield* ctx.callActivity<number>('step', i);
  return total;
}

function* sequentialSync(ctx: WorkflowContext, steps: number) {
  let total = 0;
  for (let i = 0; i < steps; i += 1) total += yield* ctx.callActivity<number>('step', i);
  return total;
}

/**
 * A history of about `events` events as the runtime would have stored it: each step is
 * OrchestratorStarted, the previous activity's TaskCompleted, and the next TaskScheduled. The
 * last step (the final TaskCompleted) is returned separately as the new events to apply.
 */
function sequentialHistory(events: number): { steps: number; old: HistoryEvent[]; next: HistoryEvent[] } {
  const steps = Math.max(1, Math.round(events / 3));
  const time = (step: number): Date => new Date(T0 + step * 1000);
  const old: HistoryEvent[] = [
    { type: 'OrchestratorStarted', timestamp: time(0) },
    {
      type: 'ExecutionStarted',
      timestamp: time(0),
      name: 'sequential',
      instanceId: 'bench',
      generation: 0,
      input: steps,
    },
    { type: 'TaskScheduled', timestamp: time(0), eventId: 1, name: 'step', input: 0 },
  ];
  for (let id = 1; id < steps; id += 1) {
    old.push(
      { type: 'OrchestratorStarted', timestamp: time(id) },
      { type: 'TaskCompleted', timestamp: time(id), eventId: id, result: id - 1 },
      { type: 'TaskScheduled', timestamp: time(id), eventId: id + 1, name: 'step', input: id },
    );
  }
  const next: HistoryEvent[] = [
    { type: 'OrchestratorStarted', timestamp: time(steps) },
    { type: 'TaskCompleted', timestamp: time(steps), eventId: steps, result: steps - 1 },
  ];
  return { steps, old, next };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function timeFullReplay(
  workflow: typeof sequentialAsync | typeof sequentialSync,
  old: HistoryEvent[],
  next: HistoryEvent[],
  expected: number,
): Promise<number> {
  const started = performance.now();
  const result = await execute(workflow, old, next);
  const elapsed = performance.now() - started;
  const [action] = result.actions;
  if (action?.type !== 'CompleteWorkflow' || action.result !== expected) {
    throw new Error(`replay did not complete as expected: ${JSON.stringify(result.actions).slice(0, 200)}`);
  }
  return elapsed;
}

/** One more step (complete the running activity, schedule the next) on a warm cached executor. */
async function timeIncrementalStep(old: HistoryEvent[], steps: number): Promise<number> {
  const executor = new WorkflowExecutor(sequentialAsync);
  await executor.replay(old);
  const samples: number[] = [];
  for (let i = 0; i < Math.min(RUNS, steps - 1); i += 1) {
    const id = steps - Math.min(RUNS, steps - 1) + i;
    const events: HistoryEvent[] = [
      { type: 'OrchestratorStarted', timestamp: new Date(T0 + (steps + i) * 1000) },
      { type: 'TaskCompleted', timestamp: new Date(T0 + (steps + i) * 1000), eventId: id, result: 0 },
    ];
    const started = performance.now();
    await executor.step(events);
    samples.push(performance.now() - started);
  }
  return samples.length ? median(samples) : Number.NaN;
}

async function main(): Promise<void> {
  // Warm up the JIT so the small sizes are not measuring compilation.
  const warm = sequentialHistory(3000);
  for (let i = 0; i < 3; i += 1) await timeFullReplay(sequentialAsync, warm.old, warm.next, sum(warm.steps));

  const rows: string[][] = [];
  for (const size of SIZES) {
    const { steps, old, next } = sequentialHistory(size);
    const events = old.length + next.length;
    const expected = sum(steps);
    const asyncMs: number[] = [];
    const syncMs: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      asyncMs.push(await timeFullReplay(sequentialAsync, old, next, expected));
      syncMs.push(await timeFullReplay(sequentialSync, old, next, expected));
    }
    const asyncMedian = median(asyncMs);
    const syncMedian = median(syncMs);
    const incremental = steps > 1 ? await timeIncrementalStep(old, steps) : Number.NaN;
    rows.push([
      String(events),
      String(steps),
      asyncMedian.toFixed(2),
      ((asyncMedian * 1000) / events).toFixed(2),
      syncMedian.toFixed(2),
      ((syncMedian * 1000) / events).toFixed(2),
      Number.isNaN(incremental) ? '-' : (incremental * 1000).toFixed(0),
    ]);
  }
  printTable(
    ['events', 'steps', 'async ms', 'async µs/event', 'sync ms', 'sync µs/event', 'cached step µs'],
    rows,
  );
  console.log(
    `\nmedians of ${RUNS} runs; full replay = execute(fn, history, lastStep) incl. fold; node ${process.version}`,
  );

  // The yardstick: a 10,000-step sequential history (three events per step).
  const big = sequentialHistory(3 * STEPS_CHECK);
  const bigMs: number[] = [];
  for (let run = 0; run < RUNS; run += 1)
    bigMs.push(await timeFullReplay(sequentialAsync, big.old, big.next, sum(big.steps)));
  const events = big.old.length + big.next.length;
  console.log(`${big.steps} steps (${events} events): full replay ${median(bigMs).toFixed(1)} ms`);
}

function sum(steps: number): number {
  return (steps * (steps - 1)) / 2;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

await main();
