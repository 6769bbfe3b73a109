import { checkPayload, DEFAULT_MAX_PAYLOAD_BYTES } from '../../engine/payload-limit.js';
import { INSTANCE_ID_ALLOWED, isValidInstanceId } from '../instances/instance-keys.js';
import type { ReminderJson } from '../reminders/reminder-port.js';
import { JobTargetValidationError } from './job-target-errors.js';
import { isValidStartJobName, MAX_START_JOB_NAME } from './tick-keys.js';

/**
 * The timer-service targets of jobs that act on workflows: a job with one of these targets is
 * handled by every `WorkflowRuntime` (and so every `tickflow serve`), not by the app.
 */
export const WorkflowJobTargetName = {
  /** Each tick starts a new instance of a workflow. */
  startWorkflow: 'start-workflow',
  /** Each tick raises an event into an instance. */
  raiseEvent: 'raise-event',
} as const;

/** At each tick, start a new instance of workflow `name` with `input`. */
export interface StartWorkflowJobTarget {
  /** The workflow's registered name. */
  name: string;
  /** The new instance's input (a JSON value); absent for none. */
  input?: unknown;
}

/** At each tick, raise event `name` with `data` into instance `instanceId`. */
export interface RaiseEventJobTarget {
  /** The instance that receives the event. */
  instanceId: string;
  /** The event's name, as the workflow's `waitForExternalEvent` names it. */
  name: string;
  /** The event's data (a JSON value); absent for none. */
  data?: unknown;
}

/**
 * What a workflow job does when it ticks, as the Jobs API's `target` names it: exactly one of
 * `workflow` (start an instance) or `raiseEvent` (raise an event into one).
 */
export type WorkflowJobTarget = { workflow: StartWorkflowJobTarget } | { raiseEvent: RaiseEventJobTarget };

/** The kinds of `WorkflowJobTarget`, the keys of the Jobs API's `target` object. */
export type WorkflowJobTargetKind = 'workflow' | 'raiseEvent';

/** A validated target as the timer service stores it: its handler's name and the job's data. */
export interface StoredJobTarget {
  target: string;
  data: ReminderJson;
}

const NAME_ALLOWED = 'a string of 1-256 characters';

/**
 * Checks one target of kind `kind` (`value` is what came under `target.{kind}`) and gives the
 * timer target and job data to store. `maxPayloadBytes` bounds the input or event data, as the
 * workflow client bounds them when they are sent directly (default 256 KiB). Throws
 * JobTargetValidationError naming the field, or PayloadTooLargeError; nothing is stored then.
 */
export function workflowJobTarget(
  kind: WorkflowJobTargetKind,
  value: unknown,
  maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
): StoredJobTarget {
  const prefix = `target.${kind}`;
  if (kind === 'workflow') {
    const body = fields(prefix, value, ['name', 'input'], ['name']);
    const name = checkName(`${prefix}.name`, body['name']);
    const input = body['input'];
    checkPayload(`${prefix}.input`, input, maxPayloadBytes);
    const data: Record<string, ReminderJson> = { name };
    if (input !== undefined) data['input'] = input as ReminderJson;
    return { target: WorkflowJobTargetName.startWorkflow, data };
  }
  const body = fields(prefix, value, ['instanceId', 'name', 'data'], ['instanceId', 'name']);
  const instanceId = body['instanceId'];
  if (!isValidInstanceId(instanceId)) {
    throw new JobTargetValidationError(`${prefix}.instanceId`, instanceId, INSTANCE_ID_ALLOWED);
  }
  const name = checkName(`${prefix}.name`, body['name']);
  const eventData = body['data'];
  checkPayload(`${prefix}.data`, eventData, maxPayloadBytes);
  const data: Record<string, ReminderJson> = { instanceId, name };
  if (eventData !== undefined) data['data'] = eventData as ReminderJson;
  return { target: WorkflowJobTargetName.raiseEvent, data };
}

/**
 * A start-workflow job names its instances after itself (`{job}@{tick}`), so its name must be
 * usable in an instance id; checked when it is scheduled rather than failing every tick.
 */
export function checkStartJobName(jobName: string): void {
  if (isValidStartJobName(jobName)) return;
  throw new JobTargetValidationError(
    'name',
    jobName,
    `1-${MAX_START_JOB_NAME} characters of letters, digits, '_', '.', ':', '@' or '-'`,
    `job name ${JSON.stringify(jobName)} cannot name the instances its workflow target starts ` +
      `({name}@{tick time}); allowed: 1-${MAX_START_JOB_NAME} characters of letters, digits, ` +
      `'_', '.', ':', '@' or '-'`,
  );
}

/**
 * The target a stored workflow job acts on, or undefined when `target` is not a workflow job
 * target (the app's jobs, the runtime's reminders). Used to show a job as it was scheduled.
 */
export function storedWorkflowJobTarget(
  target: string,
  data: ReminderJson | undefined,
): WorkflowJobTarget | undefined {
  if (target === WorkflowJobTargetName.startWorkflow) {
    return { workflow: data as unknown as StartWorkflowJobTarget };
  }
  if (target === WorkflowJobTargetName.raiseEvent) {
    return { raiseEvent: data as unknown as RaiseEventJobTarget };
  }
  return undefined;
}

/** Whether `target` is one of the workflow job targets. */
export function isWorkflowJobTarget(target: string): boolean {
  return target === WorkflowJobTargetName.startWorkflow || target === WorkflowJobTargetName.raiseEvent;
}

function fields(
  prefix: string,
  value: unknown,
  allowed: string[],
  required: string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JobTargetValidationError(prefix, value, `an object with ${allowed.join(', ')}`);
  }
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new JobTargetValidationError(
        `${prefix}.${key}`,
        body[key],
        `only the fields ${allowed.join(', ')}`,
      );
    }
  }
  for (const key of required) {
    // null counts as absent, as everywhere in the Jobs API body.
    if (body[key] === undefined || body[key] === null) {
      throw new JobTargetValidationError(`${prefix}.${key}`, body[key], `required: ${describeRequired(key)}`);
    }
  }
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
}

function describeRequired(key: string): string {
  return key === 'instanceId' ? INSTANCE_ID_ALLOWED : NAME_ALLOWED;
}

function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new JobTargetValidationError(field, value, NAME_ALLOWED);
  }
  return value;
}
