import type { TimerOrigin } from '../history/events.js';
import type { FailureDetails } from '../history/failure-details.js';
import type { WorkflowLogger } from './logger.js';
import type { Task } from './task.js';

/** How a durable call (activity or child workflow) hears back about one attempt. */
export interface AttemptCallbacks {
  onResult(value: unknown): void;
  onFailure(details: FailureDetails, attemptId: number): void;
}

/**
 * What a fired timer meant to the workflow: `decided` when its only waiters were composite
 * tasks (whenAny) that had already completed, so the fire resumed nothing.
 */
export type TimerFireEffect = 'observed' | 'decided';

/** The result of asking for an external event: taken from the buffer, or a registered wait. */
export type EventWait = { consumed: true; data: unknown } | { consumed: false; cancel(): void };

/**
 * The executor's side of the workflow context: every call that allocates a sequence id, emits
 * an action or registers interest in a completion goes through here. Internal to the engine.
 */
export interface StepHost {
  instanceId(): string;
  workflowName(): string;
  now(): Date;
  isReplaying(): boolean;
  /** Whether the workflow body is currently suspended on `task`. */
  isAwaited(task: Task<unknown>): boolean;
  scheduleActivity(name: string, input: unknown, attempt: number, callbacks: AttemptCallbacks): number;
  scheduleChildWorkflow(
    name: string,
    instanceId: string | undefined,
    input: unknown,
    attempt: number,
    callbacks: AttemptCallbacks,
  ): number;
  createTimer(fireAt: Date, origin: TimerOrigin, onFired: () => TimerFireEffect): number;
  cancelTimer(id: number): void;
  waitForEvent(name: string, onEvent: (data: unknown) => void): EventWait;
  sendEvent(instanceId: string, name: string, data: unknown): void;
  continueAsNew(input: unknown, saveEvents: boolean): void;
  setCustomStatus(status: unknown): void;
  newGuid(): string;
  /** A number in [0, 1) seeded from history, identical on replay. */
  random(): number;
  /** `ctx.patched` (deprecated false) and `ctx.deprecatePatch` (true): whether to take the patched branch. */
  patch(patchId: string, deprecated: boolean): boolean;
  readonly logger: WorkflowLogger;
}
