/**
 * W5 fan-out: one workflow with N parallel no-op activities, then M workflows × K activities all
 * started at once: wall time, activities/s, and (for the many) latency p50/p99.
 */
import { summarize } from '../../lib/stats.js';
import type { WorkflowEngine } from '../engines/workflow-engine.js';
import type { Metrics, Progress } from '../types.js';

export async function w5Fanout(
  engine: WorkflowEngine,
  single: number,
  many: { workflows: number; activities: number },
  progress: Progress,
): Promise<Metrics> {
  // Untimed warm-up (connections, JIT, the peer's first-invocation costs).
  await engine.runMany({ kind: 'fanout', activities: 10 }, 5, (t) => progress(`warm-up: ${t}`));
  let started = Date.now();
  await engine.runMany({ kind: 'fanout', activities: single }, 1, (t) => progress(`1×${single}: ${t}`));
  const singleMs = Date.now() - started;
  started = Date.now();
  const latencies = await engine.runMany(
    { kind: 'fanout', activities: many.activities },
    many.workflows,
    (t) => progress(`${many.workflows}×${many.activities}: ${t}`),
  );
  const manyMs = Date.now() - started;
  const late = summarize(latencies);
  return {
    'single.wallMs': singleMs,
    'single.activitiesPerSec': (single / singleMs) * 1000,
    'many.wallMs': manyMs,
    'many.activitiesPerSec': ((many.workflows * many.activities) / manyMs) * 1000,
    'many.workflowsPerSec': (many.workflows / manyMs) * 1000,
    'many.p50Ms': late.p50,
    'many.p99Ms': late.p99,
  };
}
