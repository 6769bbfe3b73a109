import { DEFAULT_TARGET, type JsonValue } from '../timers/schedule/job.js';
import type { JobView } from '../timers/job-view.js';
import { JobValidationError } from '../timers/errors.js';
import {
  isWorkflowJobTarget,
  storedWorkflowJobTarget,
  workflowJobTarget,
  type WorkflowJobTarget,
} from '../runtime/job-targets/workflow-job-target.js';
import {
  INVOKE_TARGET_PREFIX,
  invokeJobTarget,
  invokeTarget,
  type InvokeJobTarget,
} from './job-targets/invoke-job-target.js';
import { PUBLISH_TARGET, publishJobTarget, type PublishJobTarget } from './job-targets/publish-job-target.js';

/**
 * The kinds of the Jobs API's `target` object, one key each: `app` (the default: `POST
 * {app-url}/job/{name}` with `data`), `workflow` (start an instance at each tick) and
 * `raiseEvent` (raise an event into an instance), `publish` (publish a message to a pub/sub
 * topic) and `invoke` (call a method of a registered app). A new kind is one more key here, with
 * its own timer target and handler.
 */
export const JOB_TARGET_KINDS = ['app', 'workflow', 'raiseEvent', 'publish', 'invoke'] as const;

/** A job's target as `GET` shows it. */
export type ApiJobTarget = WorkflowJobTarget | { publish: PublishJobTarget } | { invoke: InvokeJobTarget };

const KINDS_ALLOWED = `an object with exactly one of ${JOB_TARGET_KINDS.join(', ')}`;

/** The timer target and data a body's `target` (and `data`) stand for. */
export interface TargetSpec {
  target: string;
  data?: JsonValue;
}

/**
 * Maps the body's `target` onto what the timer service stores. The app target keeps the body's
 * `data`; the others carry their payload inside the target (`workflow.input`, `raiseEvent.data`),
 * so a `data` beside them is refused rather than silently dropped.
 */
export function targetSpecFromBody(target: unknown, data: JsonValue | undefined): TargetSpec {
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    throw new JobValidationError('target', target, KINDS_ALLOWED);
  }
  const keys = Object.keys(target);
  const kind = keys[0];
  if (keys.length !== 1 || kind === undefined) throw new JobValidationError('target', target, KINDS_ALLOWED);
  const value = (target as Record<string, unknown>)[kind];
  if (kind === 'app') {
    const empty = value === null || (typeof value === 'object' && Object.keys(value).length === 0);
    if (!empty) throw new JobValidationError('target.app', value, "{} (the app is the server's --app-url)");
    return { target: DEFAULT_TARGET, ...(data !== undefined && { data }) };
  }
  if (kind !== 'workflow' && kind !== 'raiseEvent' && kind !== 'publish' && kind !== 'invoke') {
    throw new JobValidationError(`target.${kind}`, value, KINDS_ALLOWED);
  }
  if (data !== undefined) {
    const where = kind === 'workflow' ? 'target.workflow.input' : `target.${kind}.data`;
    throw new JobValidationError(
      'data',
      data,
      `no data with a ${kind} target`,
      `a job with a ${kind} target carries its payload in ${where}; remove "data"`,
    );
  }
  if (kind === 'publish') {
    return { target: PUBLISH_TARGET, data: publishJobTarget(value) as unknown as JsonValue };
  }
  if (kind === 'invoke') {
    const invoke = invokeJobTarget(value);
    return { target: invokeTarget(invoke.appId), data: invoke as unknown as JsonValue };
  }
  return workflowJobTarget(kind, value);
}

/** Whether a job of this timer target was scheduled through the Jobs API (not a workflow reminder). */
export function isApiJobTarget(target: string): boolean {
  return (
    target === DEFAULT_TARGET ||
    isWorkflowJobTarget(target) ||
    target === PUBLISH_TARGET ||
    target.startsWith(INVOKE_TARGET_PREFIX)
  );
}

/** How `GET` shows a job's target: app jobs as before (`data`), others as their `target`. */
export function targetFields(view: JobView): { target?: ApiJobTarget; data?: JsonValue } {
  const target = storedJobTarget(view.target, view.data);
  if (target !== undefined) return { target };
  return view.data === undefined ? {} : { data: view.data };
}

/** The target a stored job acts on, or undefined for an app job (or a runtime's reminder). */
export function storedJobTarget(target: string, data: JsonValue | undefined): ApiJobTarget | undefined {
  if (target === PUBLISH_TARGET) return { publish: data as unknown as PublishJobTarget };
  if (target.startsWith(INVOKE_TARGET_PREFIX)) return { invoke: data as unknown as InvokeJobTarget };
  return storedWorkflowJobTarget(target, data);
}
