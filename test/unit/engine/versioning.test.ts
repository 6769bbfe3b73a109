/**
 * ctx.patched / ctx.deprecatePatch in the pure executor: a patched workflow replays histories
 * written before the patch (old branch, no marker needed) and runs new steps on the new branch,
 * recording a PatchRecorded marker; a deprecatePatch version replays marker histories; code that
 * dropped the patch without deprecating it diverges from histories with the marker.
 */
import test from 'ava';
import { execute, WorkflowExecutor } from '../../../src/engine/executor.js';
import { WorkflowArgumentError } from '../../../src/engine/errors.js';
import type { ExecutionResult } from '../../../src/engine/execution-result.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import type { HistoryEvent } from '../../../src/history/events.js';
import { at, ev, SECOND, startEvents } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';
import { replayHistory } from '../../../src/testing/replay.js';

/** Version 1: pack, wait a minute for the carrier, hand over. */
async function* v1(ctx: WorkflowContext) {
  yield ctx.callActivity('pack');
  yield ctx.createTimer(60);
  return yield* ctx.callActivity<string>('handToCarrier');
}

/** Version 2: after packing, new steps book a courier instead; old histories keep the carrier. */
async function* v2(ctx: WorkflowContext) {
  yield ctx.callActivity('pack');
  if (ctx.patched('courier')) return yield* ctx.callActivity<string>('bookCourier');
  yield ctx.createTimer(60);
  return yield* ctx.callActivity<string>('handToCarrier');
}

/** Version 3: the old branch is gone; the marker is still recorded. */
async function* v3(ctx: WorkflowContext) {
  yield ctx.callActivity('pack');
  ctx.deprecatePatch('courier');
  return yield* ctx.callActivity<string>('bookCourier');
}

/** Version 4: no trace of the patch. */
async function* v4(ctx: WorkflowContext) {
  yield ctx.callActivity('pack');
  return yield* ctx.callActivity<string>('bookCourier');
}

type Code = (ctx: WorkflowContext) => AsyncGenerator<unknown, string, unknown>;

/** Runs `code` through `deliveries` (one step each) and returns the history it wrote. */
async function record(code: Code, deliveries: HistoryEvent[][]): Promise<HistoryEvent[]> {
  const executor = new WorkflowExecutor(code);
  const history: HistoryEvent[] = [];
  for (const events of deliveries) history.push(...(await executor.step(events)).newHistory);
  return history;
}

const packed = [ev.orchestratorStarted(at(SECOND)), ev.taskCompleted(1, 'box', at(SECOND))];

/** A version-1 instance that packed and now waits on the carrier timer. */
const waitingOnCarrier = (): Promise<HistoryEvent[]> => record(v1, [startEvents(), packed]);

/** Why the step did not go on: the stalled error, or the failure it completed with. */
function divergenceMessage(result: ExecutionResult): string | undefined {
  const stalled = (result as { stalled?: { message: string } }).stalled;
  if (stalled) return stalled.message;
  const end = result.actions.find((a) => a.type === 'CompleteWorkflow');
  return end?.type === 'CompleteWorkflow' ? end.failureDetails?.message : undefined;
}

test('a history written before the patch replays on the old branch, with no marker', async (t) => {
  const history = await waitingOnCarrier();
  t.false(history.some((e) => e.type === 'PatchRecorded'));
  const fired = [ev.orchestratorStarted(at(61 * SECOND)), ev.timerFired(2, at(61 * SECOND))];
  const result = await execute(v2, history, fired);
  t.deepEqual(result.actions, [{ type: 'ScheduleTask', id: 3, name: 'handToCarrier' }]);
  t.false(result.newHistory.some((e) => e.type === 'PatchRecorded'));
  const executor = new WorkflowExecutor(v2);
  await executor.replay(history);
  t.deepEqual([...executor.patchBranches], [['courier', 'unpatched']]);
});

test('a new step takes the patched branch and records the marker before its actions', async (t) => {
  const started = await record(v1, [startEvents()]);
  const result = await execute(v2, started, packed);
  t.deepEqual(result.actions, [{ type: 'ScheduleTask', id: 2, name: 'bookCourier' }]);
  t.deepEqual(
    result.newHistory.map((e) => e.type),
    ['OrchestratorStarted', 'TaskCompleted', 'PatchRecorded', 'TaskScheduled'],
  );
  t.deepEqual(result.newHistory[2], ev.patchRecorded('courier', at(SECOND)));
});

test('new instances take the new branch; the cached executor agrees with a full replay', async (t) => {
  const harness = new ReplayHarness(v2);
  await harness.start();
  await harness.step(...packed);
  const done = await harness.stepAt(2 * SECOND, ev.taskCompleted(2, 'courier-42', at(2 * SECOND)));
  t.is(done.status, 'COMPLETED');
  t.deepEqual(
    harness.history.filter((e) => e.type === 'PatchRecorded'),
    [ev.patchRecorded('courier', at(SECOND))],
  );
  // The same code replays its own history: the marker is matched, nothing diverges.
  const replayed = new WorkflowExecutor(v2);
  await replayed.replay(harness.history);
  t.is(replayed.state.status, 'COMPLETED');
  t.deepEqual([...replayed.patchBranches], [['courier', 'patched']]);
});

test('asking again in the same generation records no second marker', async (t) => {
  async function* loop(ctx: WorkflowContext) {
    const picks: string[] = [];
    for (let i = 0; i < 3; i++) {
      picks.push(ctx.patched('fast') ? 'new' : 'old');
      yield ctx.createTimer(1);
    }
    return picks;
  }
  const harness = new ReplayHarness(loop);
  await harness.start();
  await harness.stepAt(SECOND, ev.timerFired(1, at(SECOND)));
  const done = await harness.stepAt(2 * SECOND, ev.timerFired(2, at(2 * SECOND)));
  await harness.stepAt(3 * SECOND, ev.timerFired(3, at(3 * SECOND)));
  t.is(done.status, 'RUNNING');
  t.is(harness.history.filter((e) => e.type === 'PatchRecorded').length, 1);
  t.deepEqual(
    harness.history.at(-1),
    ev.executionCompleted('COMPLETED', ['new', 'new', 'new'], undefined, at(3 * SECOND)),
  );
});

test('a patch first asked in a replayed step is old there and new from the marker step on', async (t) => {
  async function* oldLoop(ctx: WorkflowContext) {
    for (let i = 0; i < 3; i++) yield ctx.createTimer(1);
    return 'done';
  }
  async function* newLoop(ctx: WorkflowContext) {
    const picks: string[] = [];
    for (let i = 0; i < 3; i++) {
      picks.push(ctx.patched('fast') ? 'new' : 'old');
      yield ctx.createTimer(1);
    }
    return picks;
  }
  const old = await record(oldLoop, [
    startEvents(),
    [ev.orchestratorStarted(at(SECOND)), ev.timerFired(1, at(SECOND))],
  ]);
  // Deployed while the second timer runs: the third iteration is a new step.
  const executor = new WorkflowExecutor(newLoop);
  await executor.replay(old);
  const step = await executor.step([
    ev.orchestratorStarted(at(2 * SECOND)),
    ev.timerFired(2, at(2 * SECOND)),
  ]);
  t.deepEqual(step.newHistory[2], ev.patchRecorded('fast', at(2 * SECOND)));
  const history = [...old, ...step.newHistory];
  const last = [ev.orchestratorStarted(at(3 * SECOND)), ev.timerFired(3, at(3 * SECOND))];
  // Replayed from scratch, the history gives the same answers at the same steps.
  const result = await execute(newLoop, history, last);
  t.deepEqual(result.actions, [
    { type: 'CompleteWorkflow', id: 4, status: 'COMPLETED', result: ['old', 'old', 'new'] },
  ]);
});

test('deprecatePatch replays histories with the marker, and records one itself', async (t) => {
  const started = await record(v1, [startEvents()]);
  const v2History = [...started, ...(await execute(v2, started, packed)).newHistory];
  const courier = [ev.orchestratorStarted(at(2 * SECOND)), ev.taskCompleted(2, 'c-1', at(2 * SECOND))];
  const finished = await execute(v3, v2History, courier);
  t.deepEqual(finished.actions, [{ type: 'CompleteWorkflow', id: 3, status: 'COMPLETED', result: 'c-1' }]);

  const fresh = await execute(v3, started, packed);
  t.deepEqual(fresh.newHistory[2], ev.patchRecorded('courier', at(SECOND), true));
  // The version before (patched) replays a history the deprecating version wrote.
  const v3History = [...started, ...fresh.newHistory];
  const back = await execute(v2, v3History, courier);
  t.deepEqual(back.actions, [{ type: 'CompleteWorkflow', id: 3, status: 'COMPLETED', result: 'c-1' }]);
});

test('code without the patch replays deprecated markers but diverges from live ones', async (t) => {
  const started = await record(v1, [startEvents()]);
  const courier = [ev.orchestratorStarted(at(2 * SECOND)), ev.taskCompleted(2, 'c-1', at(2 * SECOND))];
  const deprecated = [...started, ...(await execute(v3, started, packed)).newHistory];
  const ok = await execute(v4, deprecated, courier);
  t.deepEqual(ok.actions, [{ type: 'CompleteWorkflow', id: 3, status: 'COMPLETED', result: 'c-1' }]);

  const patched = [...started, ...(await execute(v2, started, packed)).newHistory];
  const broken = await execute(v4, patched, courier);
  t.is(
    divergenceMessage(broken),
    'non-deterministic workflow: at sequence id 3 history recorded PatchRecorded "courier" but the code now does nothing',
  );
});

test('patched and deprecatePatch refuse an empty id', async (t) => {
  for (const call of [
    (ctx: WorkflowContext) => ctx.patched(''),
    (ctx: WorkflowContext) => ctx.deprecatePatch(''),
  ]) {
    let caught: unknown;
    // eslint-disable-next-line require-yield -- the call under test throws before any yield
    async function* bad(ctx: WorkflowContext) {
      try {
        call(ctx);
      } catch (error) {
        caught = error;
      }
      return 'ok';
    }
    await execute(bad, [], startEvents());
    t.true(caught instanceof WorkflowArgumentError);
    t.is((caught as WorkflowArgumentError).field, 'patchId');
  }
});

test('the replay check answers patched() as on replay and reports the patches it met', async (t) => {
  const waiting = await waitingOnCarrier();
  const old = await replayHistory(v2, waiting);
  t.true(old.ok);
  t.deepEqual(old.patches, [{ patchId: 'courier', marker: 'none', code: 'unpatched' }]);

  const started = await record(v1, [startEvents()]);
  const patched = [...started, ...(await execute(v2, started, packed)).newHistory];
  const same = await replayHistory(v2, patched);
  t.true(same.ok);
  t.deepEqual(same.patches, [{ patchId: 'courier', marker: 'patched', code: 'patched' }]);

  const removed = await replayHistory(v4, patched);
  t.false(removed.ok);
  t.deepEqual(removed.patches, [{ patchId: 'courier', marker: 'patched', code: 'absent' }]);
  t.is(
    removed.ok ? undefined : removed.error.message,
    'non-deterministic workflow: at sequence id 3 history recorded PatchRecorded "courier" but the code now does nothing',
  );
});

test('a marker of the first step is read before the code starts', async (t) => {
  async function* fromTheStart(ctx: WorkflowContext) {
    if (ctx.patched('audit')) yield ctx.callActivity('audit');
    return 'done';
  }
  const history = await record(fromTheStart, [
    startEvents(),
    [ev.orchestratorStarted(at(SECOND)), ev.taskCompleted(1, null, at(SECOND))],
  ]);
  t.deepEqual(
    history.map((e) => e.type),
    [
      'OrchestratorStarted',
      'ExecutionStarted',
      'PatchRecorded',
      'TaskScheduled',
      'OrchestratorStarted',
      'TaskCompleted',
      'ExecutionCompleted',
    ],
  );
  const result = await replayHistory(fromTheStart, history);
  t.true(result.ok);
  t.deepEqual(result.patches, [{ patchId: 'audit', marker: 'patched', code: 'patched' }]);
});
