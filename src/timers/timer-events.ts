import type { StoreCommitEvent } from '../etcd/group-commit.js';
import type { TriggerResult } from './schedule/job.js';

/** The payload of a timer service's `triggered` event: one delivery and its result. Times are epoch milliseconds. */
export interface TriggerEvent {
  /** The job's name. */
  name: string;
  target: string;
  partition: number;
  /** The tick delivered. */
  scheduledAt: number;
  /** When the handler was called (never before scheduledAt). */
  firedAt: number;
  /** 1-based attempt number for this tick. */
  attempt: number;
  /** What the handler answered. */
  result: TriggerResult;
}

/** Typed events of a timer service replica; tests await these instead of sleeping. */
export interface TimerServiceEvents {
  /** A handler answered a trigger (or threw). */
  triggered: [event: TriggerEvent];
  /** The job had no tick left and was deleted. */
  jobEnded: [name: string];
  /** A due trigger was staged: no handler for its target, or the handler answered `undeliverable`. */
  staged: [name: string, target: string];
  /** The scope's live replicas changed (one joined, left, or its lease ran out); their ids, sorted. */
  membersChanged: [members: readonly string[]];
  /** This replica's owned partitions changed. */
  partitionsChanged: [owned: readonly number[]];
  /**
   * After each etcd transaction of grouped job writes (trigger outcomes and progress, `scheduleMany`
   * batches; several share one): its time from send to answer, what it carried and how it ended.
   */
  storeCommit: [event: StoreCommitEvent];
  /** Something went wrong that the service will retry on its own (etcd unavailable, ...). */
  warning: [error: Error];
}
