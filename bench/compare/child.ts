/**
 * Runs one (engine, workload, run) in a fresh process, forked by runner.ts, and reports progress
 * and the result over IPC. A fresh process per run keeps one engine's heap, GC state and leftover
 * handles from colouring the next one's figures.
 */
import { workflowEngine, timerEngine } from './engines/factory.js';
import { UnsupportedError, type TimerEngine } from './engines/timer-engine.js';
import type { WorkflowEngine } from './engines/workflow-engine.js';
import { PeerMissingError } from './peers.js';
import { onServerSpawn } from './server-process.js';
import { CpuProfiler } from './profile.js';
import type { ChildMessage, ChildTask, Metrics, Progress, ProfileSummary } from './types.js';
import { w1Burst } from './workloads/w1-burst.js';
import { w2Sustained } from './workloads/w2-sustained.js';
import { w3Cron } from './workloads/w3-cron.js';
import { w4Workflows } from './workloads/w4-workflows.js';
import { w5Fanout } from './workloads/w5-fanout.js';
import { w6Replay } from './workloads/w6-replay.js';
import { w7Memory } from './workloads/w7-memory.js';
import { w8Failover } from './workloads/w8-failover.js';
import { unsupportedReason } from './support.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    } else process.send(message, () => resolve());
  });
}

let lastProgress = 0;
const progress: Progress = (text) => {
  const now = Date.now();
  if (now - lastProgress < 500) return;
  lastProgress = now;
  void send({ kind: 'progress', text });
};

async function withTimers<T>(
  make: () => Promise<TimerEngine>,
  fn: (e: TimerEngine) => Promise<T>,
): Promise<T> {
  const engine = await make();
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

async function withWorkflows<T>(
  make: () => Promise<WorkflowEngine>,
  fn: (e: WorkflowEngine) => Promise<T>,
): Promise<T> {
  const engine = await make();
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

async function run(
  task: ChildTask,
): Promise<{ metrics: Metrics; profile?: ProfileSummary; notes: string[] }> {
  const { sizes, engine } = task;
  const timers = timerEngine(engine);
  const notes: string[] = [];
  switch (task.workload) {
    case 'W1':
      return { metrics: await withTimers(timers, (e) => w1Burst(e, sizes.w1Timers, progress)), notes };
    case 'W2':
      return {
        metrics: await w2Sustained(timers, sizes.w2Rates, sizes.w2Seconds, sizes.w2LeadMs, progress),
        notes,
      };
    case 'W3': {
      const r = await w3Cron(timers, sizes.w3Jobs, sizes.w3Seconds, progress);
      return { metrics: r.metrics, notes, ...(r.profile ? { profile: r.profile } : {}) };
    }
    case 'W4': {
      const metrics = await withWorkflows(workflowEngine(engine), (e) =>
        w4Workflows(e, sizes.w4Workflows, progress),
      );
      if (engine === 'tickflow') {
        // The same shapes with the activities registered inline (docs/workflows.md).
        const inline = await withWorkflows(workflowEngine(engine, { inline: true }), (e) =>
          w4Workflows(e, sizes.w4Workflows, (t) => progress(`inline: ${t}`)),
        );
        for (const [k, v] of Object.entries(inline)) metrics[`inline.${k}`] = v;
      }
      return { metrics, notes };
    }
    case 'W5':
      return {
        metrics: await withWorkflows(workflowEngine(engine), (e) =>
          w5Fanout(e, sizes.w5Single, sizes.w5Many, progress),
        ),
        notes,
      };
    case 'W6': {
      const metrics: Metrics = {};
      const on = await withWorkflows(workflowEngine(engine), (e) =>
        w6Replay(e, sizes.w6Steps, (t) => progress(`cache on: ${t}`)),
      );
      for (const [k, v] of Object.entries(on)) metrics[`long.${k}`] = v;
      if (engine === 'tickflow') {
        const inline = await withWorkflows(workflowEngine(engine, { inline: true }), (e) =>
          w6Replay(e, sizes.w6Steps, (t) => progress(`cache on, inline: ${t}`)),
        );
        for (const [k, v] of Object.entries(inline)) metrics[`inline.long.${k}`] = v;
        const off = await withWorkflows(workflowEngine(engine, { cacheSize: 0 }), (e) =>
          w6Replay(e, sizes.w6StepsCacheOff, (t) => progress(`cache off: ${t}`)),
        );
        for (const [k, v] of Object.entries(off)) metrics[`cacheOff.${k}`] = v;
      }
      return { metrics, notes };
    }
    case 'W7': {
      const n = engine === 'restate' ? sizes.w7TimersRestate : sizes.w7Timers;
      if (n !== sizes.w7Timers)
        notes.push(`${n.toLocaleString('en-US')} timers (creation through invocations is slower)`);
      return { metrics: await withTimers(timers, (e) => w7Memory(e, n, progress)), notes };
    }
    case 'W8': {
      const reason = unsupportedReason(engine, 'W8');
      if (reason !== undefined) throw new UnsupportedError(reason);
      const onSpawn = (pid: number): void => void send({ kind: 'spawned', pid });
      return { metrics: await w8Failover(sizes.w8, progress, onSpawn, notes), notes };
    }
  }
}

async function main(): Promise<void> {
  onServerSpawn((pid) => void send({ kind: 'spawned', pid }));
  const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;
  const profiler = task.profile && task.workload !== 'W3' ? await CpuProfiler.start() : undefined;
  try {
    const result = await run(task);
    const profile = profiler ? await profiler.stop() : result.profile;
    await send({
      kind: 'result',
      metrics: result.metrics,
      notes: result.notes,
      ...(profile ? { profile } : {}),
    });
  } catch (error) {
    if (error instanceof UnsupportedError || error instanceof PeerMissingError) {
      await send({ kind: 'unsupported', reason: error.message });
    } else {
      await send({
        kind: 'error',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  }
  process.exit(0);
}

await main();
