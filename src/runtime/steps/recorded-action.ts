import type { HistoryEvent } from '../../history/events.js';
import type { WorkflowAction } from '../../engine/actions.js';

/** The action a recorded history event stands for (the inverse of `recordActionEvent`). */
export function actionFromRecord(event: HistoryEvent): WorkflowAction | undefined {
  switch (event.type) {
    case 'TaskScheduled':
      return {
        type: 'ScheduleTask',
        id: event.eventId,
        name: event.name,
        ...(event.input !== undefined && { input: event.input }),
        ...(event.attempt !== undefined && { attempt: event.attempt }),
      };
    case 'TimerCreated':
      return { type: 'CreateTimer', id: event.eventId, fireAt: event.fireAt, origin: event.origin };
    case 'TimerCancelled':
      return { type: 'CancelTimer', id: event.eventId };
    case 'ChildWorkflowCreated':
      return {
        type: 'ScheduleChildWorkflow',
        id: event.eventId,
        name: event.name,
        instanceId: event.instanceId,
        ...(event.input !== undefined && { input: event.input }),
      };
    case 'EventSent':
      return {
        type: 'SendEvent',
        id: event.eventId,
        instanceId: event.instanceId,
        name: event.name,
        ...(event.data !== undefined && { data: event.data }),
      };
    default:
      return undefined;
  }
}
