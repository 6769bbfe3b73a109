/** What the workflow workloads (W4, W5, W6) need from an engine; one adapter per engine. */
import type { Progress } from '../types.js';

/**
 * `sequence`: `steps` no-op steps one after the other, with a 1-second durable timer before step
 * `timerBefore` when set. `fanout`: `activities` no-op steps in parallel, then done.
 */
export type WorkflowShape =
  { kind: 'sequence'; steps: number; timerBefore?: number } | { kind: 'fanout'; activities: number };

export interface WorkflowEngine {
  readonly storePids: number[];
  /** Starts `count` instances of `shape` at once; resolves with each one's end-to-end latency (ms). */
  runMany(shape: WorkflowShape, count: number, progress: Progress): Promise<number[]>;
  /**
   * One instance of `steps` sequential no-op steps; resolves with the time each step ran, from
   * `performance.now()` in this process (ms, sub-millisecond resolution: an inline step takes
   * ~0.05 ms, so a 100-step window measured with `Date.now()` would be off by up to a quarter).
   */
  longSequence(steps: number, progress: Progress): Promise<number[]>;
  close(): Promise<void>;
}
