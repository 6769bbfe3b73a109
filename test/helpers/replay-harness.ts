import assert from 'node:assert/strict';
import { execute, WorkflowExecutor } from '../../src/engine/executor.js';
import type { ExecutorOptions, WorkflowSource } from '../../src/engine/executor.js';
import type { ExecutionResult } from '../../src/engine/execution-result.js';
import type { HistoryEvent } from '../../src/history/events.js';
import { foldHistory } from '../../src/history/fold.js';
import { deserializeHistory, serializeHistory } from '../../src/history/serialize.js';
import { at, ev, startEvents } from './history-builder.js';

/** Replaces every `stack` string with a placeholder: stacks differ by call path, nothing else may. */
export function withoutStacks<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutStacks) as T;
  if (value instanceof Date || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = key === 'stack' && typeof item === 'string' ? '<stack>' : withoutStacks(item);
  }
  return out as T;
}

/**
 * Drives one instance step by step the way the runtime will, and checks on every step that
 * the cached executor (fed only new events) agrees exactly with a full replay from the stored
 * history (serialised and parsed back, as it would be from etcd), and that the returned state
 * is the fold of the whole history.
 */
export class ReplayHarness {
  readonly #source: WorkflowSource;
  readonly #options: ExecutorOptions | undefined;
  readonly #cached: WorkflowExecutor;
  #history: HistoryEvent[] = [];

  constructor(source: WorkflowSource, options?: ExecutorOptions) {
    this.#source = source;
    this.#options = options;
    this.#cached = new WorkflowExecutor(source, options);
  }

  /** Everything committed so far. */
  get history(): HistoryEvent[] {
    return this.#history;
  }

  /** First step: OrchestratorStarted + ExecutionStarted at T0 (plus any extra events). */
  start(
    options: Parameters<typeof ev.executionStarted>[0] = {},
    ...extra: HistoryEvent[]
  ): Promise<ExecutionResult> {
    return this.step(...startEvents(options), ...extra);
  }

  /** A step at `T0 + ms`: OrchestratorStarted at that time, then `events`. */
  stepAt(ms: number, ...events: HistoryEvent[]): Promise<ExecutionResult> {
    return this.step(ev.orchestratorStarted(at(ms)), ...events);
  }

  async step(...events: HistoryEvent[]): Promise<ExecutionResult> {
    const stored = deserializeHistory(serializeHistory(this.#history));
    const full = await execute(this.#source, stored, events, this.#options);
    const incremental = await this.#cached.step(events);
    assert.deepStrictEqual(
      withoutStacks(incremental),
      withoutStacks(full),
      'cached executor diverged from full replay',
    );
    this.#history.push(...incremental.newHistory);
    assert.deepStrictEqual(
      incremental.state,
      foldHistory(this.#history),
      'state is not the fold of the history',
    );
    return incremental;
  }
}
