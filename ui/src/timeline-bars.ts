import type { HistoryEvent } from './api';

/** A span of a history: an activity, a timer, a child workflow, or a suspension. */
export interface Bar {
  kind: 'activity' | 'timer' | 'child' | 'suspended';
  label: string;
  /** ms since the epoch. */
  start: number;
  /** ms since the epoch; for an open bar, where it is expected to end (a timer's due time) or now. */
  end: number;
  /** Still running: no completion in the history yet. */
  open: boolean;
  failed: boolean;
  /** A retry of an activity or child, or a retry-delay timer. */
  retry: boolean;
}

/** A moment of a history: start, events raised or sent, custom status, the end. */
export interface Mark {
  at: number;
  label: string;
  kind: 'start' | 'event' | 'status' | 'end' | 'other';
}

const at = (iso: string | undefined): number => (iso === undefined ? NaN : Date.parse(iso));

/**
 * The bars and marks of a history, in history order. Scheduled tasks, timers and child workflows
 * are matched with their outcome by event id; `now` ends the bars still open.
 */
export function timelineOf(events: readonly HistoryEvent[], now: number): { bars: Bar[]; marks: Mark[] } {
  const bars: Bar[] = [];
  const marks: Mark[] = [];
  const open = new Map<string, Bar>();
  let suspended: Bar | undefined;
  for (const e of events) {
    const t = at(e.timestamp);
    switch (e.type) {
      case 'TaskScheduled': {
        const attempt = typeof e.attempt === 'number' ? e.attempt : 1;
        const bar: Bar = {
          kind: 'activity',
          label: `${e.name ?? 'activity'}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
          start: t,
          end: now,
          open: true,
          failed: false,
          retry: attempt > 1,
        };
        bars.push(bar);
        open.set(`task:${e.eventId}`, bar);
        break;
      }
      case 'ChildWorkflowCreated': {
        const attempt = typeof e.attempt === 'number' ? e.attempt : 1;
        const bar: Bar = {
          kind: 'child',
          label: `child ${e.name ?? ''} ${e.instanceId ?? ''}`.trim(),
          start: t,
          end: now,
          open: true,
          failed: false,
          retry: attempt > 1,
        };
        bars.push(bar);
        open.set(`task:${e.eventId}`, bar);
        break;
      }
      case 'TimerCreated': {
        const origin = e.origin?.kind ?? 'user';
        const label =
          origin === 'retry'
            ? 'retry delay'
            : origin === 'externalEventTimeout'
              ? `timeout for ${e.origin?.eventName ?? 'event'}`
              : 'timer';
        const due = at(e.fireAt);
        const bar: Bar = {
          kind: 'timer',
          label,
          start: t,
          end: Number.isNaN(due) ? now : due,
          open: true,
          failed: false,
          retry: origin === 'retry',
        };
        bars.push(bar);
        open.set(`timer:${e.eventId}`, bar);
        break;
      }
      case 'TaskCompleted':
      case 'TaskFailed':
      case 'ChildWorkflowCompleted':
      case 'ChildWorkflowFailed': {
        const bar = open.get(`task:${e.eventId}`);
        if (bar) {
          bar.end = t;
          bar.open = false;
          bar.failed = e.type.endsWith('Failed');
          open.delete(`task:${e.eventId}`);
        }
        break;
      }
      case 'TimerFired':
      case 'TimerCancelled': {
        const bar = open.get(`timer:${e.eventId}`);
        if (bar) {
          bar.end = t;
          bar.open = false;
          if (e.type === 'TimerCancelled') bar.label += ' (cancelled)';
          open.delete(`timer:${e.eventId}`);
        }
        break;
      }
      case 'ExecutionSuspended':
        suspended = {
          kind: 'suspended',
          label: 'suspended',
          start: t,
          end: now,
          open: true,
          failed: false,
          retry: false,
        };
        bars.push(suspended);
        break;
      case 'ExecutionResumed':
        if (suspended) {
          suspended.end = t;
          suspended.open = false;
          suspended = undefined;
        }
        break;
      case 'ExecutionStarted':
        marks.push({ at: t, label: `started ${e.name ?? ''}`.trim(), kind: 'start' });
        break;
      case 'EventRaised':
        marks.push({ at: t, label: `event ${e.name ?? ''}`.trim(), kind: 'event' });
        break;
      case 'EventSent':
        marks.push({ at: t, label: `sent ${e.name ?? ''} to ${e.instanceId ?? ''}`.trim(), kind: 'event' });
        break;
      case 'CustomStatusSet':
        marks.push({ at: t, label: 'custom status', kind: 'status' });
        break;
      case 'ExecutionCompleted':
        marks.push({ at: t, label: `ended ${e.status ?? ''}`.trim(), kind: 'end' });
        break;
      case 'ExecutionTerminated':
        marks.push({ at: t, label: 'terminate requested', kind: 'end' });
        break;
      case 'ContinueAsNew':
        marks.push({ at: t, label: 'continued as new', kind: 'other' });
        break;
      default:
        break;
    }
  }
  // An instance that ended leaves nothing running: its open bars end with it.
  const ended = marks.find((m) => m.kind === 'end' && m.label.startsWith('ended'));
  if (ended) {
    for (const bar of bars) {
      if (bar.open && bar.kind !== 'timer') {
        bar.end = Math.max(bar.start, ended.at);
      }
    }
  }
  return { bars, marks };
}

/** One line of the history table: what the event says beyond its type. */
export function describeEvent(e: HistoryEvent): string {
  const parts: string[] = [];
  if (typeof e.name === 'string') parts.push(e.name);
  if (typeof e.eventId === 'number') parts.push(`#${e.eventId}`);
  if (typeof e.attempt === 'number' && e.attempt > 1) parts.push(`attempt ${e.attempt}`);
  if (typeof e.instanceId === 'string' && e.type !== 'ExecutionStarted')
    parts.push(`instance ${e.instanceId}`);
  if (typeof e.fireAt === 'string') parts.push(`due ${e.fireAt}`);
  if (e.origin && e.origin.kind !== 'user') parts.push(`(${e.origin.kind})`);
  if (typeof e.status === 'string') parts.push(e.status);
  if (typeof e.reason === 'string') parts.push(`reason: ${e.reason}`);
  if (e.failureDetails)
    parts.push(`${e.failureDetails.errorType ?? 'Error'}: ${e.failureDetails.message ?? ''}`);
  return parts.join(' · ');
}

/** What a pending reminder-job of an instance is for, in words, from the history that created it. */
export function purposeOf(timer: { kind: string; taskId?: number }, events: readonly HistoryEvent[]): string {
  const created = (type: string): HistoryEvent | undefined =>
    timer.taskId === undefined
      ? undefined
      : events.findLast((e) => e.type === type && e.eventId === timer.taskId);
  switch (timer.kind) {
    case 'timer': {
      const e = created('TimerCreated');
      if (e?.origin?.kind === 'retry') return 'retry delay';
      if (e?.origin?.kind === 'externalEventTimeout')
        return `timeout for event ${e.origin.eventName ?? ''}`.trim();
      return 'durable timer';
    }
    case 'act':
      return `activity ${created('TaskScheduled')?.name ?? ''}`.trim();
    case 'child':
      return `child workflow ${created('ChildWorkflowCreated')?.name ?? ''}`.trim();
    case 'dispatch':
      return 'dispatch of scheduled tasks';
    case 'wake':
      return 'wake-up for the next step';
    case 'fallback':
      return 'activity fallback (runs them again if not done in time)';
    default:
      return timer.kind;
  }
}
