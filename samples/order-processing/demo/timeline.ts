import type { HistoryEvent } from '../../../src/index.js';

/**
 * An instance's history as a readable timeline: what the workflow asked for and what came back,
 * with times relative to its start. `OrchestratorStarted` (one per step) is left out.
 */
export function formatTimeline(history: readonly HistoryEvent[]): string[] {
  const start = history.find((e) => e.type === 'ExecutionStarted')?.timestamp.getTime() ?? 0;
  const names = new Map<number, string>();
  const lines: string[] = [];
  for (const event of history) {
    const text = describeEvent(event, names);
    if (text === undefined) continue;
    const offset = ((event.timestamp.getTime() - start) / 1000).toFixed(3);
    lines.push(`  +${offset.padStart(7)}s  ${text}`);
  }
  return lines;
}

function describeEvent(event: HistoryEvent, names: Map<number, string>): string | undefined {
  switch (event.type) {
    case 'ExecutionStarted':
      return `started ${event.name}${event.generation > 0 ? ` (generation ${event.generation})` : ''}`;
    case 'TaskScheduled':
      names.set(event.eventId, event.name);
      return `→ call ${event.name}${event.attempt && event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'TaskCompleted':
      return `✓ ${names.get(event.eventId) ?? `task ${event.eventId}`} done`;
    case 'TaskFailed':
      return `✗ ${names.get(event.eventId) ?? `task ${event.eventId}`} failed: ${event.failureDetails.errorType}: ${event.failureDetails.message}`;
    case 'TimerCreated': {
      const inMs = event.fireAt.getTime() - event.timestamp.getTime();
      const why =
        event.origin.kind === 'retry'
          ? 'retry delay'
          : event.origin.kind === 'externalEventTimeout'
            ? `timeout for ${event.origin.eventName}`
            : 'timer';
      names.set(event.eventId, why);
      return `⏲ ${why}: fires in ${(inMs / 1000).toFixed(1)} s`;
    }
    case 'TimerFired':
      return `⏰ ${names.get(event.eventId) ?? 'timer'} fired`;
    case 'TimerCancelled':
      return `⏹ ${names.get(event.eventId) ?? 'timer'} cancelled`;
    case 'EventRaised':
      return `⚡ event ${event.name}${event.data === undefined ? '' : ` ${short(JSON.stringify(event.data))}`}`;
    case 'EventSent':
      return `↗ sent ${event.name} to ${event.instanceId}`;
    case 'ChildWorkflowCreated':
      names.set(event.eventId, event.instanceId);
      return `→ child ${event.name} ${event.instanceId}`;
    case 'ChildWorkflowCompleted':
      return `✓ child ${names.get(event.eventId) ?? event.eventId} done`;
    case 'ChildWorkflowFailed':
      return `✗ child ${names.get(event.eventId) ?? event.eventId} failed: ${event.failureDetails.message}`;
    case 'CustomStatusSet':
      return `status ${JSON.stringify(event.customStatus)}`;
    case 'ExecutionSuspended':
      return 'suspended';
    case 'ExecutionResumed':
      return 'resumed';
    case 'ExecutionTerminated':
      return 'terminated';
    case 'ContinueAsNew':
      return 'continued as new';
    case 'ExecutionCompleted':
      return `finished ${event.status}${event.output === undefined ? '' : `: ${short(JSON.stringify(event.output))}`}`;
    case 'OrchestratorStarted':
      return undefined;
  }
}

function short(text: string): string {
  return text.length > 140 ? `${text.slice(0, 137)}...` : text;
}
