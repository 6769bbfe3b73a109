import type { JobProgress, JobRecord } from './job.js';
import { parseSchedule } from './schedule.js';
import type { Schedule } from './schedule.js';

/**
 * When a job fires, and what a delivery outcome does to its progress. Pure: the caller
 * passes the stored record and counter, and "now" where it matters.
 *
 * Ticks are derived only from the record and the last *scheduled* tick, never from when a
 * delivery happened, so retries, lateness and downtime never shift the cadence (catch-up
 * replays every missed tick in order). Retry timing lives in failure-decision.ts.
 */

/** The counter fields this module reads and writes; the store adds `jobRevision`. */
export type TickState = Pick<JobProgress, 'count' | 'lastTick' | 'attempts'>;

/**
 * The next tick to deliver, or undefined when the job is over (repeats used up, a one-shot
 * already fired, or the next tick falls after `expiresAt`). The first tick is `dueAt` when set
 * — even if it is in the past, so an overdue job fires at once — else the schedule's first
 * tick after creation. While a tick is failing and being retried, this keeps returning it.
 */
export function nextFire(
  record: JobRecord,
  progress: Pick<JobProgress, 'count' | 'lastTick'> | undefined,
): number | undefined {
  const count = progress?.count ?? 0;
  const lastTick = progress?.lastTick;
  const limit = record.schedule === undefined ? 1 : record.repeats;
  if (limit !== undefined && count >= limit) return undefined;

  let tick: number | undefined;
  if (lastTick === undefined) {
    tick = record.dueAt ?? nextTick(record, record.createdAt);
  } else {
    tick = nextTick(record, lastTick);
  }
  if (tick === undefined) return undefined;
  if (record.expiresAt !== undefined && tick > record.expiresAt) return undefined;
  return tick;
}

/**
 * The counter once `tick` is done: delivered successfully, or given up on by the failure
 * policy (a dropped tick still counts towards `repeats`, as in Dapr).
 */
export function completeTick(progress: TickState | undefined, tick: number): TickState {
  return { count: (progress?.count ?? 0) + 1, lastTick: tick, attempts: 0 };
}

/** The counter after one more failed attempt of the current tick, which is retried. */
export function failedAttempt(progress: TickState | undefined): TickState {
  return {
    count: progress?.count ?? 0,
    lastTick: progress?.lastTick,
    attempts: (progress?.attempts ?? 0) + 1,
  };
}

function nextTick(record: JobRecord, afterMs: number): number | undefined {
  if (record.schedule === undefined) return undefined;
  return scheduleFor(record.schedule).next(afterMs, record.dueAt ?? record.createdAt);
}

/**
 * nextFire runs for every delivery, and many jobs share a schedule text (every workflow
 * retry timer, every "@every 1s" job), so parsed schedules are kept. The bound keeps a
 * stream of unique cron strings from growing memory without limit.
 */
const CACHE_LIMIT = 1_024;
const cache = new Map<string, Schedule>();

export function scheduleFor(text: string): Schedule {
  let schedule = cache.get(text);
  if (schedule === undefined) {
    schedule = parseSchedule(text);
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(text, schedule);
  }
  return schedule;
}
