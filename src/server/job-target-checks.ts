import { isTerminalStatus } from '../history/status.js';
import { checkStartJobName } from '../runtime/job-targets/workflow-job-target.js';
import { JobValidationError } from '../timers/errors.js';
import type { JobSpec } from '../timers/schedule/job.js';
import type { ApiDeps } from './api-deps.js';
import { ApiError, ErrorCode } from './api-error.js';
import { storedJobTarget } from './job-target-body.js';

/**
 * What can be known about a job's target when it is scheduled, checked before anything is stored:
 * a workflow the server does not run (when it runs any), a job name that cannot name the instances
 * it starts, an instance to raise into that does not exist or has finished, a pub/sub component
 * or an app id this server does not have. The target may still fail when it ticks (the instance
 * purged meanwhile); the job's failure policy handles that.
 */
export async function checkJobTarget(name: string, spec: JobSpec, deps: ApiDeps): Promise<void> {
  const target = spec.target === undefined ? undefined : storedJobTarget(spec.target, spec.data);
  if (target === undefined) return;
  if ('publish' in target) {
    const known = deps.pubsub?.names ?? [];
    if (!known.includes(target.publish.pubsubName)) {
      throw new JobValidationError(
        'target.publish.pubsubName',
        target.publish.pubsubName,
        known.length === 0
          ? 'none: this server has no pub/sub component (--pubsub name=redis://host:port)'
          : known.join(', '),
      );
    }
    return;
  }
  if ('invoke' in target) {
    const known = deps.invokeApps?.appIds ?? [];
    if (!known.includes(target.invoke.appId)) {
      throw new JobValidationError(
        'target.invoke.appId',
        target.invoke.appId,
        known.length === 0 ? 'none: this server has no registered app (--app app-id=url)' : known.join(', '),
      );
    }
    return;
  }
  if ('workflow' in target) {
    checkStartJobName(name);
    const registered = deps.runtime.registeredWorkflows;
    const workflow = target.workflow.name;
    // As for a start over HTTP: with remote workers on, a worker may run any name.
    const closed = registered.length > 0 && deps.runtime.workerHub === undefined;
    if (closed && !registered.includes(workflow)) {
      throw new ApiError(
        400,
        ErrorCode.workflowNotRegistered,
        `no workflow named ${JSON.stringify(workflow)} is registered on this server; ` +
          `registered: ${registered.map((w) => JSON.stringify(w)).join(', ')}`,
        { field: 'target.workflow.name', allowed: registered.join(', ') },
      );
    }
    return;
  }
  const { instanceId } = target.raiseEvent;
  const state = await deps.client.getWorkflowState(instanceId, false);
  if (state === undefined) {
    throw new ApiError(
      404,
      ErrorCode.instanceNotFound,
      `workflow instance ${JSON.stringify(instanceId)} not found: a delayed raise needs an existing instance`,
      { field: 'target.raiseEvent.instanceId' },
    );
  }
  if (isTerminalStatus(state.runtimeStatus)) {
    throw new ApiError(
      409,
      ErrorCode.workflowState,
      `workflow instance ${JSON.stringify(instanceId)} has finished (${state.runtimeStatus}) and can ` +
        'take no more events',
      { field: 'target.raiseEvent.instanceId' },
    );
  }
}
