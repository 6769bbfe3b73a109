/**
 * etcd layout of workflow instances (one scope = namespace + appId; all of it in docs/architecture.md):
 *
 *   /tickflow/{ns}/{app}/wf/instances/{id}            InstanceRecord (JSON): status, generation, payloads;
 *                                                     its mod revision guards every step (optimistic lock)
 *   /tickflow/{ns}/{app}/wf/history/{id}/{chunk}      HistoryEvent[] of the current generation, in chunks
 *   /tickflow/{ns}/{app}/wf/inbox/{id}/{message}      one HistoryEvent from outside (raise, terminate, ...)
 *
 * Reminder-jobs (timers, retries, activity and child dispatch, wake-ups) live in the timer service
 * under names from `reminderNames`, all partitioned by the instance id.
 */
export interface InstanceKeys {
  readonly instancesPrefix: string;
  record(id: string): string;
  historyPrefix(id: string): string;
  historyChunk(id: string, chunk: number): string;
  inboxPrefix(id: string): string;
  inboxMessage(id: string, message: string): string;
}

export function instanceKeys(namespace: string, appId: string): InstanceKeys {
  const root = `/tickflow/${namespace}/${appId}/wf/`;
  return {
    instancesPrefix: `${root}instances/`,
    record: (id) => `${root}instances/${id}`,
    historyPrefix: (id) => `${root}history/${id}/`,
    historyChunk: (id, chunk) => `${root}history/${id}/${String(chunk).padStart(6, '0')}`,
    inboxPrefix: (id) => `${root}inbox/${id}/`,
    inboxMessage: (id, message) => `${root}inbox/${id}/${message}`,
  };
}

/** `~` may not appear in instance ids, so `wf~{id}~` prefixes exactly one instance's reminders. */
export const reminderNames = {
  instancePrefix: (id: string): string => `wf~${id}~`,
  generationPrefix: (id: string, generation: number): string => `wf~${id}~${generation}~`,
  wake: (id: string): string => `wf~${id}~wake`,
  /** The instance's one activity fallback reminder (see `fallbackArmOps`); kept across generations. */
  fallback: (id: string): string => `wf~${id}~fallback`,
  activity: (id: string, generation: number, taskId: number): string =>
    `wf~${id}~${generation}~act~${taskId}`,
  timer: (id: string, generation: number, timerId: number): string =>
    `wf~${id}~${generation}~timer~${timerId}`,
  child: (id: string, generation: number, taskId: number): string => `wf~${id}~${generation}~child~${taskId}`,
  dispatch: (id: string, generation: number, firstId: number): string =>
    `wf~${id}~${generation}~dispatch~${firstId}`,
};

/** Reminder targets the runtime registers handlers for. */
export const ReminderTarget = {
  wake: 'wf-wake',
  activity: 'wf-activity',
  fallback: 'wf-fallback',
  timer: 'wf-timer',
  child: 'wf-child',
  dispatch: 'wf-dispatch',
} as const;

const INSTANCE_ID = /^[A-Za-z0-9_.:@-]{1,200}$/;
export const INSTANCE_ID_ALLOWED = "1-200 characters of letters, digits, '_', '.', ':', '@' or '-'";

export function isValidInstanceId(id: unknown): id is string {
  return typeof id === 'string' && INSTANCE_ID.test(id) && id !== '.' && id !== '..';
}
