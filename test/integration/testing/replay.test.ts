import test from 'ava';
import {
  NonDeterminismError,
  serializeHistory,
  TaskFailedError,
  WorkflowNotRegisteredError,
  type HistoryEvent,
  type WorkflowContext,
} from '../../../src/index.js';
import {
  formatReplayResult,
  replayHistories,
  replayHistory,
  TestEnvironmentError,
  TestWorkflowEnvironment,
  type ReplayResult,
} from '../../../src/testing/index.js';
import { serializeEvent } from '../../../src/history/serialize.js';
import * as v1 from './fixtures/order.js';
import * as v2 from './fixtures/order-v2.js';

const { chargePayment, checkInventory, largeOrder, orderActivities, orderWorkflow, shipOrder, smallOrder } =
  v1;

interface Recorded {
  small: HistoryEvent[];
  approved: HistoryEvent[];
  timedOut: HistoryEvent[];
  retried: HistoryEvent[];
  /** Still waiting for its approval when exported. */
  running: HistoryEvent[];
}

/** Histories of the first version of the order workflow, recorded once in a time-skipping env. */
const recorded: Promise<Recorded> = (async () => {
  const env = await TestWorkflowEnvironment.create({
    workflows: [orderWorkflow],
    activities: orderActivities,
  });
  try {
    const run = async (
      order: v1.Order,
      id: string,
      before?: () => Promise<void>,
    ): Promise<HistoryEvent[]> => {
      await env.client.scheduleNewWorkflow(orderWorkflow, order, id);
      await before?.();
      await env.client.waitForWorkflowCompletion(id);
      return env.getHistory(id);
    };
    const small = await run(smallOrder, 'small');
    const approved = await run(largeOrder, 'approved', async () => {
      await env.sleep('3h');
      await env.client.raiseEvent('approved', 'approval', { approved: true });
    });
    const timedOut = await run(largeOrder, 'timed-out');
    const charge = env.mockActivity(chargePayment, (ctx) => {
      if (ctx.getAttempt() < 3) throw new Error('declined');
      return 'paid';
    });
    const retried = await run(smallOrder, 'retried');
    charge.restore();
    await env.client.scheduleNewWorkflow(orderWorkflow, largeOrder, 'running');
    await env.settle();
    const running = await env.getHistory('running');
    return { small, approved, timedOut, retried, running };
  } finally {
    await env.teardown();
  }
})();

function failure(result: ReplayResult): Error {
  if (result.ok) throw new Error(`expected ${result.source} to diverge`);
  return result.error;
}

test('every recorded history replays on unchanged code', async (t) => {
  const histories = await recorded;
  t.true(histories.retried.some((e) => e.type === 'TaskFailed'));
  t.false(histories.running.some((e) => e.type === 'ExecutionCompleted'));
  for (const [name, history] of Object.entries(histories)) {
    const result = await replayHistory(orderWorkflow, history, { source: name });
    t.deepEqual(result, {
      ok: true,
      source: name,
      instanceId: name === 'timedOut' ? 'timed-out' : name,
      workflowName: 'orderWorkflow',
      events: history.length,
      patches: [],
    });
  }
});

test('after a step is inserted, replay fails naming the sequence id, the record and the new action', async (t) => {
  const { small, running } = await recorded;
  const error = failure(await replayHistory(v2.orderWorkflow, small));
  t.true(error instanceof NonDeterminismError);
  const divergence = error as NonDeterminismError;
  t.is(divergence.sequenceId, 2);
  t.is(divergence.expected, 'TaskScheduled "chargePayment"');
  t.is(divergence.actual, 'ScheduleTask "reserveStock"');
  t.is(
    divergence.message,
    'non-deterministic workflow: at sequence id 2 history recorded TaskScheduled "chargePayment" ' +
      'but the code now does ScheduleTask "reserveStock"',
  );
  // A running instance (waiting for its approval) would break the same way.
  t.is(
    failure(await replayHistory(v2.orderWorkflow, running)).message,
    'non-deterministic workflow: at sequence id 2 history recorded TimerCreated (user) ' +
      'but the code now does ScheduleTask "reserveStock"',
  );
});

test('histories are accepted as events, JSON of getWorkflowHistory, JSON Lines, or tagged JSON', async (t) => {
  const { approved } = await recorded;
  const forms: Record<string, string | HistoryEvent[]> = {
    events: approved,
    'JSON.stringify(getWorkflowHistory)': JSON.stringify(approved),
    'HTTP history route (instanceID, events)': JSON.stringify({ instanceID: 'approved', events: approved }),
    'serializeHistory (JSON Lines)': serializeHistory(approved),
    'tagged JSON array': `[${approved.map((e) => serializeEvent(e)).join(',')}]`,
  };
  for (const [form, history] of Object.entries(forms)) {
    t.true((await replayHistory(orderWorkflow, history)).ok, form);
    t.true(failure(await replayHistory(v2.orderWorkflow, history)) instanceof NonDeterminismError, form);
  }
});

test('replayHistories picks each workflow by name and reports per history', async (t) => {
  const { small, approved, timedOut } = await recorded;
  const histories = { 'small.json': small, 'approved.json': approved, 'timed-out.json': timedOut };
  const unchanged = await replayHistories(v1, histories);
  t.true(unchanged.ok);
  t.deepEqual(
    unchanged.results.map((r) => [r.source, r.ok]),
    [
      ['small.json', true],
      ['approved.json', true],
      ['timed-out.json', true],
    ],
  );
  const changed = await replayHistories(v2, histories);
  t.false(changed.ok);
  t.is(changed.failures.length, 3);
  t.is(
    formatReplayResult(changed.results[0]!),
    'FAIL  small.json (orderWorkflow small): non-deterministic workflow: at sequence id 2 history recorded ' +
      'TaskScheduled "chargePayment" but the code now does ScheduleTask "reserveStock"',
  );
  t.is(
    formatReplayResult(unchanged.results[0]!),
    `ok    small.json (orderWorkflow small): ${small.length} events`,
  );

  async function* otherWorkflow(): AsyncGenerator<unknown, void> {}
  const missing = await replayHistories(
    [otherWorkflow],
    [small, { source: 'bad.json', history: '{"type":"Nope"}' }],
  );
  t.false(missing.ok);
  t.true(failure(missing.results[0]!) instanceof WorkflowNotRegisteredError);
  t.is(missing.results[0]?.source, 'history 1');
  const bad = failure(missing.results[1]!);
  t.true(bad instanceof TestEnvironmentError);
  t.regex(bad.message, /bad\.json event 0: type/);
  await t.throwsAsync(replayHistories(v1, small as never), { instanceOf: TestEnvironmentError });
});

test('other code changes are caught where they happen', async (t) => {
  const { small, approved } = await recorded;
  async function* removedStep(ctx: WorkflowContext, order: v1.Order) {
    const receipt = yield* ctx.callActivity<string>(chargePayment, order, { retry: v1.PAYMENT_RETRY });
    return { status: 'completed', receipt };
  }
  t.is(
    failure(await replayHistory(removedStep, small)).message,
    'non-deterministic workflow: at sequence id 1 history recorded TaskScheduled "checkInventory" ' +
      'but the code now does ScheduleTask "chargePayment"',
  );

  async function* appendedStep(ctx: WorkflowContext, order: v1.Order) {
    const outcome: unknown = yield* orderWorkflow(ctx, order);
    yield ctx.callActivity('sendReceipt', order);
    return outcome;
  }
  t.is(
    failure(await replayHistory(appendedStep, small)).message,
    'non-deterministic workflow: at sequence id 4 history recorded ExecutionCompleted (COMPLETED) ' +
      'but the code now does ScheduleTask "sendReceipt"',
  );

  async function* nowThrows(ctx: WorkflowContext, order: v1.Order) {
    yield ctx.callActivity(checkInventory, order);
    throw new TypeError('order.total is undefined');
  }
  t.regex(
    failure(await replayHistory(nowThrows, small)).message,
    /at sequence id 2 history recorded TaskScheduled "chargePayment" but the code now does CompleteWorkflow \(FAILED: TypeError: order\.total is undefined\)$/,
  );

  async function* shorterTimeout(ctx: WorkflowContext, order: v1.Order) {
    // Same decisions with a different duration: the timer is still a user timer, so this replays.
    yield ctx.callActivity(checkInventory, order);
    ctx.setCustomStatus('awaiting-approval');
    const approval = ctx.waitForExternalEvent<{ approved: boolean }>('approval');
    const winner = yield* ctx.whenAny([approval, ctx.createTimer('12h')]);
    if (winner !== approval) return { status: 'approval-timed-out' };
    ctx.setCustomStatus('approved');
    try {
      const receipt = yield* ctx.callActivity<string>(chargePayment, order, { retry: v1.PAYMENT_RETRY });
      const shipment = yield* ctx.callActivity<string>(shipOrder, order);
      return { status: 'completed', receipt, shipment };
    } catch (error) {
      if (error instanceof TaskFailedError) return { status: 'payment-failed' };
      throw error;
    }
  }
  t.true((await replayHistory(shorterTimeout, approved)).ok);
});
