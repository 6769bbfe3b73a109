/** Which engine can express which workload, known without starting anything. */
import type { EngineName, WorkloadName } from './types.js';

const NO_WORKFLOWS = 'BullMQ has no durable workflow code (flows are job trees, no replayed steps or timers)';
const NO_CRON = 'Restate has no cron scheduler (a handler re-sending itself is another shape)';
const TICKFLOW_ONLY =
  'W8 kills one of several tickflow replica processes sharing one store; the peers run as one server here';

export function unsupportedReason(engine: EngineName, workload: WorkloadName): string | undefined {
  const bull = engine === 'bullmq-everysec' || engine === 'bullmq-always';
  if (bull && (workload === 'W4' || workload === 'W5' || workload === 'W6')) return NO_WORKFLOWS;
  if (engine === 'restate' && workload === 'W3') return NO_CRON;
  if (engine !== 'tickflow' && workload === 'W8') return TICKFLOW_ONLY;
  return undefined;
}

/**
 * Runs per workload at most, whatever `--runs` says: W7's memory figures barely move between
 * runs and one full W7 run creates millions of timers.
 */
export const RUN_CAP: Partial<Record<WorkloadName, number>> = { W7: 1 };
