/**
 * W4 workflows: N instances of 5 sequential no-op steps (HelloCities5), and N of 3 steps with a
 * 1-second durable timer before the second, all started at once: workflows/s, steps/s and
 * end-to-end latency p50/p99.
 */
import { summarize } from '../../lib/stats.js';
import type { WorkflowEngine, WorkflowShape } from '../engines/workflow-engine.js';
import type { Metrics, Progress } from '../types.js';
import { ResourceMeter } from './resources.js';

const SHAPES: Array<{ key: string; shape: WorkflowShape & { kind: 'sequence' } }> = [
  { key: 'hello5', shape: { kind: 'sequence', steps: 5 } },
  { key: 'timer3', shape: { kind: 'sequence', steps: 3, timerBefore: 1 } },
];

const WARMUP = 10;

export async function w4Workflows(
  engine: WorkflowEngine,
  count: number,
  progress: Progress,
): Promise<Metrics> {
  const metrics: Metrics = {};
  for (const { key, shape } of SHAPES) {
    // Untimed warm-up of the same shape: connections, JIT, the peer's first-invocation costs.
    await engine.runMany(shape, WARMUP, (t) => progress(`${key} warm-up: ${t}`));
    const resources = await ResourceMeter.start(engine.storePids);
    const started = Date.now();
    const latencies = await engine.runMany(shape, count, (t) => progress(`${key}: ${t}`));
    const wallMs = Date.now() - started;
    const cpu = await resources.cpu();
    const mem = await resources.stop();
    const late = summarize(latencies);
    metrics[`${key}.workflowsPerSec`] = (count / wallMs) * 1000;
    metrics[`${key}.stepsPerSec`] = ((count * shape.steps) / wallMs) * 1000;
    metrics[`${key}.p50Ms`] = late.p50;
    metrics[`${key}.p99Ms`] = late.p99;
    metrics[`${key}.cpuUsPerStep`] = cpu.selfUs / (count * shape.steps);
    metrics[`${key}.storeCpuUsPerStep`] = cpu.storeUs / (count * shape.steps);
    metrics[`${key}.rssMiB`] = mem.rssMiB;
    metrics[`${key}.storeRssMiB`] = mem.storeRssMiB;
  }
  return metrics;
}
