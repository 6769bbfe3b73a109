/**
 * Random mixes of payload sizes around and over the limits never leave an instance stuck
 * (issue 13): whatever the sizes of its input, custom status, activity input and result, raised
 * events and output, a start is either refused at once (PayloadTooLargeError, nothing stored) or
 * the instance ends, COMPLETED or FAILED (registered fail-fast) with a size error that says so,
 * never PENDING or RUNNING forever. Runs on the in-memory store (the step's size check is the runtime's own); the real-etcd
 * cases are in test/faults/workflow-payload-limits.test.ts.
 */
import test from 'ava';
import fc from 'fast-check';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  MemoryKv,
  PayloadTooLargeError,
  TaskFailedError,
  WorkflowClient,
  WorkflowLimitError,
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  type WorkflowContext,
} from '../../src/index.js';

const RUNS = 40;
const LIMIT = DEFAULT_MAX_PAYLOAD_BYTES;

interface Plan {
  status: number;
  activityInput: number;
  activityOutput: number;
  events: number[];
  output: number;
}

/** Sizes that cluster at the limit (either side of it) and spread below and above it. */
const size = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: Math.round(1.3 * LIMIT) }) },
  { weight: 2, arbitrary: fc.integer({ min: LIMIT - 20, max: LIMIT + 5 }) },
  { weight: 1, arbitrary: fc.constant(0) },
);
const plan = fc.record({
  // Mostly a start that is accepted (the plan itself adds a few hundred bytes to the input).
  input: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: LIMIT - 1000 }) }, size),
  status: size,
  activityInput: size,
  activityOutput: size,
  events: fc.array(size, { maxLength: 8 }),
  output: size,
});

/** A string whose JSON encoding is `bytes` long (at least the two quotes). */
const text = (bytes: number): string => 'x'.repeat(Math.max(bytes - 2, 0));

async function* sized(ctx: WorkflowContext, input: { plan: Plan }) {
  const { plan: p } = input;
  ctx.setCustomStatus(text(p.status));
  try {
    yield ctx.callActivity('produce', { bytes: p.activityOutput, pad: text(p.activityInput) });
  } catch (error) {
    if (!(error instanceof TaskFailedError)) throw error;
  }
  // Events raised meanwhile stay buffered: the instance holds them unconsumed to the end.
  yield ctx.createTimer(0.05);
  return text(p.output);
}

const kv = new MemoryKv();
const runtime = new WorkflowRuntime({ kv, appId: 'sizes', partitions: 1, leaseTtlSeconds: 2 });
// Fail-fast: an uncaught size error ends the instance (by default it would stall the step,
// retried until the code is fixed); this test is about every instance coming to an end.
runtime
  .registerWorkflow(sized, { failFast: true })
  .registerActivityWithName('produce', (_ctx, request: { bytes: number }) => text(request.bytes));
const client = new WorkflowClient({ kv, appId: 'sizes', partitions: 1 });
await runtime.start();
test.after.always(async () => {
  await runtime.stop();
  await client.close();
});

/** The failures a size may cause, each naming what was too large. */
const SIZE_ERRORS = new Set(['PayloadTooLargeError', 'StepTooLargeError']);

test('whatever the payload sizes, a start is refused at once or its instance ends', async (t) => {
  let n = 0;
  const outcomes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(plan, async (p) => {
      const id = `sizes-${n++}`;
      // The input is the plan plus padding: its JSON is `p.input` bytes or a little more.
      const input = { plan: p, pad: text(p.input) };
      try {
        await client.scheduleNewWorkflow(sized, input, id);
      } catch (error) {
        if (!(error instanceof PayloadTooLargeError) || error.field !== 'input') throw error;
        if ((await client.getWorkflowState(id)) !== undefined)
          throw new Error('a refused start stored something');
        outcomes.set('start refused', (outcomes.get('start refused') ?? 0) + 1);
        return;
      }
      for (const bytes of p.events) {
        try {
          await client.raiseEvent(id, 'e', text(bytes));
        } catch (error) {
          // Refused, nothing stored: too large alone, or too much held already; or finished.
          if (!(error instanceof PayloadTooLargeError) && !(error instanceof WorkflowLimitError)) throw error;
        }
      }
      const state = await client.waitForWorkflowCompletion(id, false, 15);
      const kind =
        state.runtimeStatus === WorkflowRuntimeStatus.COMPLETED
          ? 'completed'
          : `${state.runtimeStatus} ${state.workflowFailureDetails?.errorType ?? ''}`;
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      if (state.runtimeStatus === WorkflowRuntimeStatus.FAILED) {
        const type = state.workflowFailureDetails?.errorType ?? '';
        if (!SIZE_ERRORS.has(type)) throw new Error(`failed for another reason: ${type}`);
      } else if (state.runtimeStatus !== WorkflowRuntimeStatus.COMPLETED) {
        throw new Error(`ended ${state.runtimeStatus}`);
      }
    }),
    { numRuns: RUNS },
  );
  t.log(Object.fromEntries(outcomes));
  t.pass();
});
