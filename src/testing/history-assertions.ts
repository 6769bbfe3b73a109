import { AssertionError } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';
import type { ActivityReference } from '../engine/workflow-context.js';
import type { HistoryEvent } from '../history/events.js';
import type { FailureDetails } from '../history/failure-details.js';
import { normalizePayload } from '../history/serialize.js';
import { activityName } from './activity-mock.js';

/** One activity attempt as history recorded it. */
export interface RecordedActivityCall {
  /** The activity's name. */
  name: string;
  /** The attempt's sequence id in the workflow. */
  sequenceId: number;
  /** 1-based attempt number under the retry policy. */
  attempt: number;
  input: unknown;
  scheduledAt: Date;
  /** Absent while the attempt has not reported back. */
  outcome?: { ok: true; result: unknown; at: Date } | { ok: false; failure: FailureDetails; at: Date };
}

/** Activity attempts in history order, optionally only those of one activity. */
export function activityCalls(
  history: readonly HistoryEvent[],
  activity?: ActivityReference,
): RecordedActivityCall[] {
  const name = activity === undefined ? undefined : activityName(activity);
  const calls = new Map<number, RecordedActivityCall>();
  for (const event of history) {
    if (event.type === 'TaskScheduled') {
      calls.set(event.eventId, {
        name: event.name,
        sequenceId: event.eventId,
        attempt: event.attempt ?? 1,
        input: event.input,
        scheduledAt: event.timestamp,
      });
    } else if (event.type === 'TaskCompleted' || event.type === 'TaskFailed') {
      const call = calls.get(event.eventId);
      if (!call || call.outcome) continue;
      call.outcome =
        event.type === 'TaskCompleted'
          ? { ok: true, result: event.result, at: event.timestamp }
          : { ok: false, failure: event.failureDetails, at: event.timestamp };
    }
  }
  return [...calls.values()].filter((call) => name === undefined || call.name === name);
}

/** Throws an AssertionError unless some attempt of `activity` got `input` (compared as stored). */
export function assertActivityCalledWith(
  history: readonly HistoryEvent[],
  activity: ActivityReference,
  input: unknown,
): void {
  const name = activityName(activity);
  const expected = normalizePayload(input);
  const calls = activityCalls(history, name);
  if (calls.some((call) => isDeepStrictEqual(call.input, expected))) return;
  const seen = calls.map((call) => `  attempt ${call.attempt}: ${JSON.stringify(call.input)}`).join('\n');
  throw new AssertionError({
    message:
      `activity ${JSON.stringify(name)} was never called with ${JSON.stringify(expected)}; ` +
      (calls.length === 0 ? 'it was not called at all' : `its calls were:\n${seen}`),
    actual: calls.map((call) => call.input),
    expected,
    operator: 'calledWith',
  });
}

/** Options of `timeline` and `assertTimeline`. */
export interface TimelineOptions {
  /** Prefix each line with its virtual time since the instance started (default true). */
  times?: boolean;
}

/**
 * History as readable lines, one per event (step markers left out), e.g.
 * `+0s TaskScheduled checkInventory`, `+3h EventRaised approval`, `+3h ExecutionCompleted COMPLETED`.
 * Times are offsets from the first event, so a timeline reads the same on every run.
 */
export function timeline(history: readonly HistoryEvent[], options: TimelineOptions = {}): string[] {
  const origin = history[0]?.timestamp.getTime() ?? 0;
  const offset = (date: Date): string => `+${formatDuration(date.getTime() - origin)}`;
  const names = new Map<number, string>();
  const lines: string[] = [];
  for (const event of history) {
    if (event.type === 'OrchestratorStarted') continue;
    const detail = describeForTimeline(event, names, offset);
    const text = detail ? `${event.type} ${detail}` : event.type;
    lines.push(options.times === false ? text : `${offset(event.timestamp)} ${text}`);
  }
  return lines;
}

/** Throws an AssertionError showing both timelines unless they are equal. */
export function assertTimeline(
  history: readonly HistoryEvent[],
  expected: readonly string[],
  options: TimelineOptions = {},
): void {
  const actual = timeline(history, options);
  if (isDeepStrictEqual(actual, [...expected])) return;
  throw new AssertionError({
    message: `timeline differs:\nactual:\n  ${actual.join('\n  ')}\nexpected:\n  ${expected.join('\n  ')}`,
    actual,
    expected,
    operator: 'deepStrictEqual',
  });
}

function describeForTimeline(
  event: HistoryEvent,
  names: Map<number, string>,
  offset: (date: Date) => string,
): string {
  const nameOf = (id: number): string => names.get(id) ?? `#${id}`;
  switch (event.type) {
    case 'ExecutionStarted':
      return event.name;
    case 'TaskScheduled': {
      names.set(event.eventId, event.name);
      return event.attempt !== undefined && event.attempt > 1
        ? `${event.name} (attempt ${event.attempt})`
        : event.name;
    }
    case 'TaskCompleted':
    case 'ChildWorkflowCompleted':
      return nameOf(event.eventId);
    case 'TaskFailed':
    case 'ChildWorkflowFailed':
      return `${nameOf(event.eventId)}: ${event.failureDetails.errorType}`;
    case 'TimerCreated': {
      const kind =
        event.origin.kind === 'externalEventTimeout'
          ? `timeout of ${event.origin.eventName}`
          : event.origin.kind;
      names.set(event.eventId, `(${kind})`);
      return `(${kind}) for ${offset(event.fireAt)}`;
    }
    case 'TimerFired':
    case 'TimerCancelled':
      return nameOf(event.eventId);
    case 'EventRaised':
      return event.name;
    case 'EventSent':
      return `${event.name} to ${event.instanceId}`;
    case 'ChildWorkflowCreated':
      names.set(event.eventId, event.name);
      return event.name;
    case 'CustomStatusSet':
      return event.customStatus === undefined ? '' : JSON.stringify(event.customStatus);
    case 'PatchRecorded':
      return event.deprecated === true ? `${event.patchId} (deprecated)` : event.patchId;
    case 'ExecutionCompleted':
      return event.failureDetails ? `${event.status} ${event.failureDetails.errorType}` : event.status;
    default:
      return '';
  }
}

const UNITS: ReadonlyArray<[string, number]> = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** A compact duration: `0s`, `250ms`, `2s`, `1h30m`, `24h`, `1s500ms`; negative spans get a `-`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.abs(Math.round(ms));
  let text = '';
  for (const [unit, size] of UNITS) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return ms < 0 ? `-${text}` : text;
}
