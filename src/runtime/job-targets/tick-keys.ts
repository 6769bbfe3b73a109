import { inboxMessageTime } from '../client-core.js';
import { isValidInstanceId } from '../instances/instance-keys.js';

/** `@` and an ISO 8601 time in UTC with milliseconds: `@2026-12-03T12:00:00.000Z`. */
const TICK_SUFFIX_LENGTH = 25;

/** The longest job name a start-workflow job may have: its instance ids must fit 200 characters. */
export const MAX_START_JOB_NAME = 200 - TICK_SUFFIX_LENGTH;

/**
 * The id of the instance a start-workflow job starts at the tick `scheduledAt`: the job's name,
 * `@`, and the tick's time (`nightly@2026-12-03T02:00:00.000Z`). The same for every delivery of
 * one tick, so a redelivered tick finds its instance already there; readable, and sorted by tick
 * within a job when instances are listed.
 */
export function tickInstanceId(jobName: string, scheduledAt: Date): string {
  return `${jobName}@${scheduledAt.toISOString()}`;
}

/** Whether the ids `tickInstanceId` makes for this job name are valid instance ids. */
export function isValidStartJobName(jobName: string): boolean {
  return isValidInstanceId(tickInstanceId(jobName, new Date(0)));
}

/**
 * The inbox key of the event a raise-event job delivers at the tick `scheduledAt`: the tick's time
 * (inbox messages are taken in key order, and keys begin with their time) and the job's name (which
 * holds no `/`). Every delivery of one tick writes this same key, so a tick delivered again before
 * the instance took its event overwrites it instead of adding a second one.
 */
export function tickEventKey(jobName: string, scheduledAt: Date): string {
  return `${inboxMessageTime(scheduledAt.getTime())}~job~${jobName}`;
}
