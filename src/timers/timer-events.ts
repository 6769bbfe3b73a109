import type { TriggerResult } from './job.js';

export interface TriggerEvent {
  name: string;
  target: string;
  partition: number;
  /** The tick delivered. */
  scheduledAt: number;
  /** When the handler was called (never before scheduledAt). */
  firedAt: number;
  attempt: number;
  result: TriggerResult;
}

/** Typed events of a timer service replica; tests await these instead of sleeping. */
export interface TimerServiceEvents {
  triggered: [event: TriggerEvent];
  /** The job had no tick left and was deleted. */
  jobEnded: [name: string];
  staged: [name: string, target: string];
  partitionsChanged: [owned: readonly number[]];
  /** Something went wrong that the service will retry on its own (etcd unavailable, ...). */
  warning: [error: Error];
}
