import { WorkflowError } from './errors.js';

/**
 * Workflow code awaited something the engine does not drive (real I/O or a real timer: `fetch`,
 * `setTimeout`, `fs.promises`, a database call) between two yields. The engine steps the body
 * only while it applies events, and replays it on every step and after every restart; a result
 * that arrives later from outside is neither recorded in history nor the same on replay. Move the
 * I/O into an activity (`yield ctx.callActivity(...)`) and wait with `yield ctx.createTimer(...)`.
 */
export class OutsideAwaitError extends WorkflowError {
  override name = 'OutsideAwaitError';
  /** The workflow whose code awaited outside the engine. */
  readonly workflowName: string;

  constructor(workflowName: string) {
    super(
      `workflow ${JSON.stringify(workflowName)} awaited something outside the engine between yields ` +
        `(real I/O or a real timer, e.g. fetch, setTimeout, fs.promises, a database call). Workflow code ` +
        `is replayed from history and may only wait on tasks from ctx: move the I/O into an activity ` +
        `(yield ctx.callActivity(...)) and wait with yield ctx.createTimer(...) instead of a timer`,
    );
    this.workflowName = workflowName;
  }
}

/**
 * Settles as `step` does if `step` settles before the event loop runs its next macrotask, and
 * rejects with `escaped()` otherwise.
 *
 * Why this tells engine waits from outside ones: everything the engine gives workflow code settles
 * within the current turn, because tasks are completed before the body is resumed and awaiting an
 * already-settled promise (any number of times) only queues microtasks, and Node runs every
 * microtask (and `process.nextTick`) before any timer, I/O or `setImmediate` callback. A step still
 * pending when a sentinel macrotask runs is therefore waiting for a timer, a socket or a file,
 * never for the engine: no false alarms.
 *
 * Two sentinels, because neither alone always comes first: an Immediate armed while the loop is in
 * its check phase (a step driven from another `setImmediate` callback) runs only in the next loop
 * iteration, after that iteration's timers, so a short real `setTimeout` could settle the step
 * first; a 0 ms Timeout comes first in that iteration's timers phase (it is due before any longer
 * timer the code set). What may still slip through: a single-roundtrip I/O or a `setTimeout(0)` of
 * the code's own, completing first in that case; the next such await usually gives it away.
 *
 * The sentinels are shared by every step pending at once: any macrotask that runs after a step
 * began proves that step missed its microtasks, whenever the sentinel was armed. So a replay of
 * thousands of steps in one turn arms them once, instead of creating and clearing two timers per
 * step (which cost about 2 µs a step).
 */
export function withinMicrotasks<T>(step: Promise<T>, escaped: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onEscape = (): void => reject(escaped());
    pending.add(onEscape);
    armSentinels();
    // Also handles a late settlement after a sentinel fired: no unhandled rejection.
    step.then(
      (value) => {
        pending.delete(onEscape);
        resolve(value);
      },
      (error: unknown) => {
        pending.delete(onEscape);
        reject(error);
      },
    );
  });
}

/** The escape handlers of the steps not settled yet. */
const pending = new Set<() => void>();
let immediate: NodeJS.Immediate | undefined;
let timeout: NodeJS.Timeout | undefined;

function armSentinels(): void {
  if (immediate !== undefined) return;
  immediate = setImmediate(sentinelRan);
  timeout = setTimeout(sentinelRan, 0);
}

function sentinelRan(): void {
  clearImmediate(immediate);
  clearTimeout(timeout);
  immediate = undefined;
  timeout = undefined;
  const escaped = [...pending];
  pending.clear();
  for (const onEscape of escaped) onEscape();
}
