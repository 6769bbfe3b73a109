import type { Clock } from '../../common/clock.js';
import type { HistoryEvent } from '../../history/events.js';
import type { ScheduleTaskAction } from '../../engine/actions.js';
import type { ExecutionResult } from '../../engine/execution-result.js';
import { payloadBytes } from '../../engine/payload-limit.js';
import { inlineCalls, mergeStepResults } from './inline-merge.js';
import type { InlineActivityLimits } from './inline-limits.js';
import type { StepExecutor } from './step-executor.js';

/** Runs the inline activities of one step (see `ActivityRunner.executeInline`). */
export interface InlineActivities {
  /** Whether the activity registered under `name` runs inline. */
  isInline(name: string): boolean;
  /** Runs one call in-process and returns its TaskCompleted or TaskFailed. */
  run(instanceId: string, generation: number, action: ScheduleTaskAction): Promise<HistoryEvent>;
  limits: InlineActivityLimits;
}

export interface InlineRoundsInput {
  executor: StepExecutor;
  /** The step's result so far (from the events it was given). */
  first: ExecutionResult;
  instanceId: string;
  generation: number;
  /** Events already in the instance's history, for its limit. */
  storedEvents: number;
  maxHistoryEvents: number;
  inline: InlineActivities;
  clock: Clock;
}

/**
 * Carries a step on while it asks only for inline activities: runs them in-process, hands their
 * outcomes to the executor as a further step, and merges the results, so the whole chain commits
 * in one transaction (like Temporal's local activities). Each activity still runs at least once:
 * should the commit fail or the process die first, the step is replayed from what etcd holds and
 * the activities run again. Stops at the limits, at a step that ends the instance, or at one that
 * stalls (then the rounds before it are committed, and the activities of the stalled round are
 * scheduled as usual); what is left is scheduled as usual by the commit.
 */
export async function runInlineRounds(
  input: InlineRoundsInput,
): Promise<{ result: ExecutionResult; executorSpent: boolean }> {
  const { executor, inline, clock } = input;
  const { maxRounds, maxBytes, maxMs } = inline.limits;
  const started = clock.now();
  let merged = input.first;
  let bytes = 0;
  for (let round = 0; round < maxRounds; round++) {
    if (bytes >= maxBytes || clock.now() - started >= maxMs) break;
    if (input.storedEvents + merged.newHistory.length >= input.maxHistoryEvents) break;
    // Inline calls of earlier rounds were taken out by the merge: these are all still to run.
    const calls = inlineCalls(merged, inline.isInline);
    if (calls.length === 0) break;
    const outcomes = await Promise.all(
      calls.map((call) => inline.run(input.instanceId, input.generation, call)),
    );
    outcomes.forEach((outcome, i) => {
      bytes += payloadBytes(calls[i]?.input) + outcomeBytes(outcome);
    });
    const next = await executor.step([
      { type: 'OrchestratorStarted', timestamp: new Date(clock.now()) },
      ...outcomes,
    ]);
    // The executor took in outcomes that will not be committed: it must not be used again.
    if (next.stalled) return { result: merged, executorSpent: true };
    merged = mergeStepResults(merged, next, new Set(calls.map((c) => c.id)));
  }
  return { result: merged, executorSpent: false };
}

function outcomeBytes(outcome: HistoryEvent): number {
  if (outcome.type === 'TaskCompleted') return payloadBytes(outcome.result);
  if (outcome.type === 'TaskFailed') return payloadBytes(outcome.failureDetails);
  return 0;
}
