/**
 * `tickflow workflows history ID`: one row per history event (time, event, id, detail). Events
 * arrive as the server's JSON, so dates are strings and payloads are plain JSON.
 */

export interface HistoryEventJson {
  type: string;
  timestamp: string;
  eventId?: number;
  [key: string]: unknown;
}

export type TimelineRow = [time: string, event: string, id: string, detail: string];

export function timelineRows(events: readonly HistoryEventJson[]): TimelineRow[] {
  return events.map((e) => [
    e.timestamp,
    e.type,
    e.eventId === undefined ? '' : String(e.eventId),
    detail(e),
  ]);
}

/** The few facts that make each kind of event readable at a glance. */
function detail(e: HistoryEventJson): string {
  const parts: string[] = [];
  const add = (label: string, value: unknown): void => {
    if (value !== undefined)
      parts.push(`${label}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  };
  switch (e.type) {
    case 'ExecutionStarted':
      add('name', e['name']);
      add('generation', e['generation']);
      add('input', e['input']);
      break;
    case 'TaskScheduled':
      add('activity', e['name']);
      add('attempt', e['attempt']);
      add('input', e['input']);
      break;
    case 'TaskCompleted':
    case 'ChildWorkflowCompleted':
      add('result', e['result']);
      break;
    case 'TaskFailed':
    case 'ChildWorkflowFailed':
      add('error', failure(e['failureDetails']));
      break;
    case 'TimerCreated':
    case 'TimerFired':
      add('fireAt', e['fireAt']);
      break;
    case 'EventRaised':
    case 'EventSent':
      add('event', e['name']);
      add('to', e['instanceId']);
      add('data', e['data']);
      break;
    case 'ChildWorkflowCreated':
      add('workflow', e['name']);
      add('instance', e['instanceId']);
      break;
    case 'ExecutionSuspended':
    case 'ExecutionResumed':
      add('reason', e['reason']);
      break;
    case 'ExecutionTerminated':
      add('output', e['output']);
      add('reason', e['reason']);
      break;
    case 'CustomStatusSet':
      add('status', e['customStatus']);
      break;
    case 'PatchRecorded':
      add('patch', e['patchId']);
      if (e['deprecated'] === true) add('deprecated', true);
      break;
    case 'ContinueAsNew':
      add('input', e['input']);
      break;
    case 'ExecutionCompleted':
      add('status', e['status']);
      add('output', e['output']);
      add('error', failure(e['failureDetails']));
      break;
    default:
      // OrchestratorStarted, TimerCancelled and kinds this CLI does not know yet: time and type say it all.
      break;
  }
  return parts.join(' ');
}

function failure(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const { errorType, message } = details as { errorType?: unknown; message?: unknown };
  return `${String(errorType ?? 'Error')}: ${String(message ?? '')}`;
}
