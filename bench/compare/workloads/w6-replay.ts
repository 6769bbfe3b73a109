/**
 * W6 replay: cost per step of one long sequential workflow, around step 100 and over its last
 * 100 steps; flat means the per-step cost does not grow with history. tickflow runs it with the
 * executor cache on (10,000 steps) and off (every step replays its history; fewer steps).
 * An untimed warm-up sequence runs first on every engine, as W4's warm-up does: without it the
 * window around step 100 measured the JIT compiling the engine, not the step.
 */
import type { WorkflowEngine } from '../engines/workflow-engine.js';
import type { Metrics, Progress } from '../types.js';

const WINDOW = 100;
/** Steps of the untimed warm-up sequence. */
const WARMUP_STEPS = 300;

export async function w6Replay(engine: WorkflowEngine, steps: number, progress: Progress): Promise<Metrics> {
  await engine.longSequence(Math.min(WARMUP_STEPS, steps), (t) => progress(`warm-up: ${t}`));
  const started = performance.now();
  const stamps = await engine.longSequence(steps, progress);
  const wallMs = performance.now() - started;
  const early = perStepMs(stamps, 50, 50 + WINDOW);
  const late = perStepMs(stamps, steps - WINDOW, steps);
  return {
    steps,
    wallMs,
    stepsPerSec: (steps / wallMs) * 1000,
    msPerStep: wallMs / steps,
    msPerStepAt100: early,
    msPerStepAtEnd: late,
    endOver100: late / early,
  };
}

/** Mean time per step over steps [from, to): the span between their times over the gaps. */
function perStepMs(stamps: readonly number[], from: number, to: number): number {
  const first = stamps[Math.max(0, from)];
  const last = stamps[Math.min(to, stamps.length) - 1];
  const gaps = Math.min(to, stamps.length) - 1 - Math.max(0, from);
  if (first === undefined || last === undefined || gaps <= 0) return Number.NaN;
  return (last - first) / gaps;
}
