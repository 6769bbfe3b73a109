import { WorkflowNotRegisteredError } from '../engine/errors.js';
import type { WorkflowLookup, WorkflowSource } from '../engine/executor.js';
import type { AnyWorkflow } from '../engine/workflow-context.js';
import type { HistoryEvent } from '../history/events.js';
import { findDivergence } from './divergence.js';
import { TestEnvironmentError } from './errors.js';
import { toHistory, type HistoryInput } from './history-input.js';
import { formatPatchCoverage, patchCoverage, type PatchCoverage } from './patch-coverage.js';

/** The outcome of replaying one history against the current code. */
export type ReplayResult =
  | {
      ok: true;
      source: string;
      instanceId: string;
      workflowName: string;
      events: number;
      /** The patches the history's markers or the code's calls name, and how they meet. */
      patches: PatchCoverage[];
    }
  | {
      ok: false;
      source: string;
      instanceId?: string;
      workflowName?: string;
      events: number;
      /** The divergence (a NonDeterminismError), or why the history could not be replayed. */
      error: Error;
      /** As for a success, up to the divergence; empty when the history could not be read. */
      patches: PatchCoverage[];
    };

/** What `replayHistories` found: one result per history, and the failed ones again. */
export interface ReplayReport {
  /** True when every history replayed without divergence. */
  ok: boolean;
  /** One result per history, in the order given. */
  results: ReplayResult[];
  /** The results that failed. */
  failures: Extract<ReplayResult, { ok: false }>[];
}

/**
 * Workflows to replay with: a list of named functions, an object of them by name (a module's
 * exports qualify, including a `workflows` or `default` export holding more), or a lookup.
 */
export type WorkflowSet = readonly AnyWorkflow[] | Readonly<Record<string, unknown>> | WorkflowLookup;

/** Histories to replay, each with a label used in the report (a file name, an instance id). */
export type HistorySet =
  | ReadonlyArray<HistoryInput | { source: string; history: HistoryInput }>
  | Readonly<Record<string, HistoryInput>>;

/**
 * Replays one exported history against `workflow` (used whatever name the history gives it) and
 * reports ok, or the first NonDeterminismError: the sequence id, what history recorded and what
 * the code does now. Bad input is reported as a failed result with a TestEnvironmentError.
 */
export async function replayHistory(
  workflow: AnyWorkflow,
  history: HistoryInput,
  options: { source?: string } = {},
): Promise<ReplayResult> {
  if (typeof workflow !== 'function') {
    throw new TestEnvironmentError('workflow', workflow, 'a workflow function');
  }
  return replayOne(workflow, history, options.source ?? 'history', false);
}

/** Replays each history with the workflow its ExecutionStarted names; one result per history, in order. */
export async function replayHistories(workflows: WorkflowSet, histories: HistorySet): Promise<ReplayReport> {
  const lookup = toLookup(workflows);
  const results: ReplayResult[] = [];
  for (const { source, history } of labelled(histories)) {
    results.push(await replayOne(lookup, history, source, true));
  }
  const failures = results.filter((r): r is Extract<ReplayResult, { ok: false }> => !r.ok);
  return { ok: failures.length === 0, results, failures };
}

/** One line per result, as the CLI prints it; the patches it meets follow `; patches:`. */
export function formatReplayResult(result: ReplayResult): string {
  const who = [result.workflowName, result.instanceId].filter(Boolean).join(' ');
  const label = who ? `${result.source} (${who})` : result.source;
  const line = result.ok
    ? `ok    ${label}: ${result.events} events`
    : `FAIL  ${label}: ${result.error.message}`;
  const patches = result.patches.map(formatPatchCoverage).join(', ');
  return patches ? `${line}; patches: ${patches}` : line;
}

async function replayOne(
  source: WorkflowSource,
  input: unknown,
  label: string,
  byName: boolean,
): Promise<ReplayResult> {
  let events: HistoryEvent[];
  try {
    events = toHistory(input, label);
  } catch (error) {
    return { ok: false, source: label, events: 0, error: asError(error), patches: [] };
  }
  const started = events.find((event) => event.type === 'ExecutionStarted');
  if (!started || started.type !== 'ExecutionStarted') {
    const error = new TestEnvironmentError(
      label,
      `${events.length} events`,
      'a history with an ExecutionStarted event',
    );
    return { ok: false, source: label, events: events.length, error, patches: [] };
  }
  const base = {
    source: label,
    instanceId: started.instanceId,
    workflowName: started.name,
    events: events.length,
  };
  if (byName && typeof source !== 'function' && !source.get(started.name)) {
    const error = new WorkflowNotRegisteredError(started.name);
    return { ok: false, ...base, error, patches: patchCoverage(events, new Map()) };
  }
  try {
    const { divergence, patchBranches } = await findDivergence(source, events);
    const patches = patchCoverage(events, patchBranches);
    return divergence ? { ok: false, ...base, error: divergence, patches } : { ok: true, ...base, patches };
  } catch (error) {
    return { ok: false, ...base, error: asError(error), patches: patchCoverage(events, new Map()) };
  }
}

function labelled(histories: HistorySet): Array<{ source: string; history: unknown }> {
  if (Array.isArray(histories)) {
    return histories.map((item: unknown, index) => {
      if (typeof item === 'string' || Array.isArray(item))
        return { source: `history ${index + 1}`, history: item };
      if (typeof item === 'object' && item !== null && 'history' in item) {
        const { source, history } = item as { source?: unknown; history: unknown };
        return { source: typeof source === 'string' ? source : `history ${index + 1}`, history };
      }
      throw new TestEnvironmentError(
        `histories[${index}]`,
        item,
        'a history (array of events or JSON text) or { source, history }; pass one history to replayHistory',
      );
    });
  }
  if (typeof histories === 'object' && histories !== null) {
    return Object.entries(histories).map(([source, history]) => ({ source, history }));
  }
  throw new TestEnvironmentError(
    'histories',
    histories,
    'an array of histories or an object of them by label',
  );
}

/**
 * Builds a name → workflow lookup: each function by its key and by its own name. Top-level
 * functions come first; then functions one level down in exported arrays and objects (a
 * `workflows` export, or a registry such as `{ orderFulfilment, billingRun }`), never replacing a
 * name already taken.
 */
function toLookup(workflows: WorkflowSet): WorkflowLookup {
  if (isLookup(workflows)) return workflows;
  const byName = new Map<string, AnyWorkflow>();
  const add = (key: string | undefined, value: unknown): void => {
    if (typeof value !== 'function') return;
    const fn = value as AnyWorkflow;
    if (key !== undefined && key !== 'default' && !byName.has(key)) byName.set(key, fn);
    if (fn.name && !byName.has(fn.name)) byName.set(fn.name, fn);
  };
  const members = (value: unknown): Array<[string | undefined, unknown]> =>
    Array.isArray(value)
      ? value.map((v: unknown): [undefined, unknown] => [undefined, v])
      : typeof value === 'object' && value !== null
        ? Object.entries(value)
        : [];
  const top = members(workflows);
  for (const [key, value] of top) add(key, value);
  for (const [, value] of top) for (const [key, nested] of members(value)) add(key, nested);
  if (byName.size === 0) {
    throw new TestEnvironmentError(
      'workflows',
      workflows,
      'workflow functions: an array, or an object (or module) of them',
    );
  }
  return byName;
}

function isLookup(value: WorkflowSet): value is WorkflowLookup {
  // Only a Map: a module may well export a function that happens to be called `get`.
  return value instanceof Map;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
