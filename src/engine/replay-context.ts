import { WhenAllTask, WhenAnyTask } from './composite-tasks.js';
import { DurableCall } from './durable-call.js';
import { resolveFireAt } from './duration.js';
import type { TimerFireAt } from './duration.js';
import { TaskCanceledError, WorkflowArgumentError } from './errors.js';
import type { WorkflowLogger } from './logger.js';
import { resolveRetryPolicy } from './retry-policy.js';
import type { StepHost, TimerFireEffect } from './step-host.js';
import { dependentState, settleTask, Task } from './task.js';
import { TimerTask } from './timer-task.js';
import type {
  ActivityReference,
  CallActivityOptions,
  CallChildWorkflowOptions,
  WaitForExternalEventOptions,
  WorkflowContext,
  WorkflowReference,
} from './workflow-context.js';

/** The `WorkflowContext` handed to workflow code; every durable call goes through the host. */
export class ReplayContext implements WorkflowContext {
  readonly #host: StepHost;

  constructor(host: StepHost) {
    this.#host = host;
  }

  get logger(): WorkflowLogger {
    return this.#host.logger;
  }

  callActivity<TOutput = unknown>(
    activity: ActivityReference,
    input?: unknown,
    options?: CallActivityOptions,
  ): Task<TOutput> {
    const name = referenceName(activity, 'activity');
    const policy = options?.retry && resolveRetryPolicy(options.retry);
    return new DurableCall(this.#host, { kind: 'activity', name }, input, policy).task as Task<TOutput>;
  }

  callChildWorkflow<TOutput = unknown>(
    workflow: WorkflowReference,
    input?: unknown,
    options?: CallChildWorkflowOptions,
  ): Task<TOutput> {
    const name = referenceName(workflow, 'workflow');
    const instanceId = options?.instanceId;
    if (instanceId !== undefined && (typeof instanceId !== 'string' || instanceId === '')) {
      throw new WorkflowArgumentError('instanceId', instanceId, 'a non-empty string');
    }
    const policy = options?.retry && resolveRetryPolicy(options.retry);
    const target = { kind: 'childWorkflow', name, instanceId } as const;
    return new DurableCall(this.#host, target, input, policy).task as Task<TOutput>;
  }

  createTimer(fireAt: TimerFireAt): TimerTask {
    const at = resolveFireAt(fireAt, this.#host.now());
    const id = this.#host.createTimer(at, { kind: 'user' }, () => fired(this.#host, timer));
    const timer: TimerTask = new TimerTask(id, at, () => {
      this.#host.cancelTimer(id);
      settleTask(timer, { ok: false, error: new TaskCanceledError(`timer ${id} was cancelled`) });
    });
    return timer;
  }

  waitForExternalEvent<TData = unknown>(name: string, options?: WaitForExternalEventOptions): Task<TData> {
    requireName(name, 'event name');
    const task = new Task<TData>();
    // Resolve the timeout before registering the wait, so a bad timeout leaves nothing behind.
    const timeoutAt =
      options?.timeout === undefined
        ? undefined
        : resolveFireAt(options.timeout, this.#host.now(), 'timeout');
    let timerId: number | undefined;
    const wait = this.#host.waitForEvent(name, (data) => {
      settleTask(task, { ok: true, value: data as TData });
      if (timerId !== undefined) this.#host.cancelTimer(timerId);
    });
    if (wait.consumed) {
      settleTask(task, { ok: true, value: wait.data as TData });
      return task;
    }
    if (timeoutAt !== undefined) {
      timerId = this.#host.createTimer(timeoutAt, { kind: 'externalEventTimeout', eventName: name }, () => {
        wait.cancel();
        const reason = `timed out waiting for external event ${JSON.stringify(name)}`;
        settleTask(task, { ok: false, error: new TaskCanceledError(reason) });
        return 'observed';
      });
    }
    return task;
  }

  whenAll<const TTasks extends readonly Task<unknown>[]>(tasks: TTasks): WhenAllTask<TTasks> {
    requireTasks(tasks, 'whenAll tasks');
    return new WhenAllTask(tasks);
  }

  whenAny<TTask extends Task<unknown>>(tasks: readonly TTask[]): WhenAnyTask<TTask> {
    requireTasks(tasks, 'whenAny tasks');
    return new WhenAnyTask(tasks);
  }

  continueAsNew(input: unknown, saveEvents = false): void {
    this.#host.continueAsNew(input, saveEvents);
  }

  sendEvent(instanceId: string, name: string, data?: unknown): void {
    requireName(instanceId, 'instanceId');
    requireName(name, 'event name');
    this.#host.sendEvent(instanceId, name, data);
  }

  setCustomStatus(status: unknown): void {
    this.#host.setCustomStatus(status);
  }

  getWorkflowInstanceId(): string {
    return this.#host.instanceId();
  }

  getWorkflowName(): string {
    return this.#host.workflowName();
  }

  getCurrentUtcDateTime(): Date {
    return new Date(this.#host.now().getTime());
  }

  isReplaying(): boolean {
    return this.#host.isReplaying();
  }

  newGuid(): string {
    return this.#host.newGuid();
  }

  now(): Date {
    return this.getCurrentUtcDateTime();
  }

  random(): number {
    return this.#host.random();
  }

  patched(patchId: string): boolean {
    requireName(patchId, 'patchId');
    return this.#host.patch(patchId, false);
  }

  deprecatePatch(patchId: string): void {
    requireName(patchId, 'patchId');
    this.#host.patch(patchId, true);
  }
}

function fired(host: StepHost, timer: TimerTask): TimerFireEffect {
  const decided = dependentState(timer) === 'decided' && !host.isAwaited(timer);
  settleTask(timer, { ok: true, value: undefined });
  return decided ? 'decided' : 'observed';
}

function referenceName(reference: ActivityReference | WorkflowReference, what: string): string {
  const name = typeof reference === 'function' ? reference.name : reference;
  if (typeof name !== 'string' || name === '') {
    throw new WorkflowArgumentError(`${what}`, reference, `a non-empty name, or a named function`);
  }
  return name;
}

function requireName(value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '')
    throw new WorkflowArgumentError(field, value, 'a non-empty string');
}

function requireTasks(tasks: readonly unknown[], field: string): void {
  if (!Array.isArray(tasks) || !tasks.every((task) => task instanceof Task)) {
    throw new WorkflowArgumentError(field, tasks, 'an array of tasks from this context');
  }
}
