import type { Clock } from '../../common/clock.js';
import type { HistoryEvent } from '../../history/events.js';
import type { ScheduleTaskAction } from '../../engine/actions.js';
import type { ExecutionResult } from '../../engine/execution-result.js';
import { payloadBytes } from '../../engine/payload-limit.js';
import { eventPayloadBytes } from './delivery-portion.js';
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

/** What the rounds made of a step. */
export interface InlineRoundsResult {
  result: ExecutionResult;
  /** The executor took in outcomes that will not be committed: it must not be used again. */
  executorSpent: boolean;
  /**
   * Outcomes of inline calls that ran but did not fit the step's bytes; their calls stay
   * scheduled in `result`, and the outcomes are to be delivered once it commits.
   */
  leftovers: HistoryEvent[];
}

/**
 * Carries a step on while it asks for inline activities: runs them in-process, hands their
 * outcomes to the executor as a further step, and merges the results, so the whole chain commits
 * in one transaction (like Temporal's local activities). Each activity still runs at least once:
 * should the commit fail or the process die first, the step is replayed from what etcd holds and
 * the activities run again. Stops at the limits, at a step that ends the instance, or at one that
 * stalls (then the rounds before it are committed, and the activities of the stalled round are
 * scheduled as usual). Outcomes over `maxBytes` (a fan-out of large results) are not taken in:
 * they come back as `leftovers`, for steps of their own.
 */
export async function runInlineRounds(input: InlineRoundsInput): Promise<InlineRoundsResult> {
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
    // The leading outcomes that fit; always at least one in a step that took none yet.
    let fit = 0;
    for (const [i, outcome] of outcomes.entries()) {
      const size = payloadBytes(calls[i]?.input) + eventPayloadBytes(outcome);
      if (bytes > 0 && bytes + size > maxBytes) break;
      bytes += size;
      fit++;
    }
    const leftovers = outcomes.slice(fit);
    if (fit === 0) return { result: merged, executorSpent: false, leftovers };
    const next = await executor.step([
      { type: 'OrchestratorStarted', timestamp: new Date(clock.now()) },
      ...outcomes.slice(0, fit),
    ]);
    if (next.stalled) return { result: merged, executorSpent: true, leftovers: [] };
    merged = mergeStepResults(merged, next, new Set(calls.slice(0, fit).map((c) => c.id)));
    if (leftovers.length > 0) return { result: merged, executorSpent: false, leftovers };
  }
  return { result: merged, executorSpent: false, leftovers: [] };
}
