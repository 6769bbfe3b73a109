/**
 * ctx.random(), ctx.now() and ctx.newGuid(): what workflow code uses instead of Math.random,
 * Date.now and crypto.randomUUID. Each gives the same values when a history is replayed, and
 * different ones in other steps and other instances.
 */
import test from 'ava';
import { execute, WorkflowExecutor } from '../../../src/engine/executor.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import type { HistoryEvent } from '../../../src/history/events.js';
import { seededFraction } from '../../../src/engine/seeded-random.js';
import { at, ev, MINUTE, startEvents } from '../../helpers/history-builder.js';

interface Draw {
  random: number[];
  now: string;
  guid: string;
}

/** Draws in two steps (before and after a timer) and returns them all. */
async function* drawing(ctx: WorkflowContext) {
  const draw = (): Draw => ({
    random: [ctx.random(), ctx.random()],
    now: ctx.now().toISOString(),
    guid: ctx.newGuid(),
  });
  const first = draw();
  yield ctx.createTimer(60);
  return [first, draw()];
}

/** Runs an instance of `drawing` to completion, step by step as the runtime would. */
async function run(instanceId: string): Promise<{ history: HistoryEvent[]; draws: Draw[] }> {
  const executor = new WorkflowExecutor(drawing);
  const history = [...(await executor.step(startEvents({ instanceId }))).newHistory];
  const fired = [ev.orchestratorStarted(at(MINUTE)), ev.timerFired(1, at(MINUTE))];
  history.push(...(await executor.step(fired)).newHistory);
  const end = history.at(-1);
  if (end?.type !== 'ExecutionCompleted') throw new Error('expected the instance to complete');
  return { history, draws: end.output as Draw[] };
}

test('every helper gives the same values when the history is replayed', async (t) => {
  const { history, draws } = await run('order-1');
  // Replay everything but the completion, then re-run the last step from scratch.
  const last = history.findLastIndex((e) => e.type === 'OrchestratorStarted');
  const result = await execute(drawing, history.slice(0, last), history.slice(last, last + 2));
  const end = result.actions.at(-1);
  t.deepEqual(end?.type === 'CompleteWorkflow' ? end.result : undefined, draws);
});

test('values differ across steps and instances; now is the step time', async (t) => {
  const a = await run('order-1');
  const b = await run('order-2');
  const [a1, a2] = a.draws;
  const [b1] = b.draws;
  if (!a1 || !a2 || !b1) return t.fail();
  t.is(a1.now, at().toISOString());
  t.is(a2.now, at(MINUTE).toISOString());
  t.not(a1.random[0], a1.random[1], 'successive calls in one step');
  t.not(a1.random[0], a2.random[0], 'another step');
  t.not(a1.random[0], b1.random[0], 'another instance');
  t.not(a1.guid, a2.guid);
  t.not(a1.guid, b1.guid);
  for (const value of [...a1.random, ...a2.random, ...b1.random]) t.true(value >= 0 && value < 1);
});

test('ctx.random draws its own counter: adding it leaves the guids of a history unchanged', async (t) => {
  async function* guidsOnly(ctx: WorkflowContext) {
    yield ctx.createTimer(1);
    return ctx.newGuid();
  }
  async function* guidsAndRandom(ctx: WorkflowContext) {
    ctx.random();
    yield ctx.createTimer(1);
    ctx.random();
    return ctx.newGuid();
  }
  const fired = [ev.orchestratorStarted(at(1000)), ev.timerFired(1, at(1000))];
  const before = await execute(guidsOnly, startEvents(), fired);
  const after = await execute(guidsAndRandom, startEvents(), fired);
  t.deepEqual(before.actions, after.actions);
});

test('seededFraction is uniform-looking over [0, 1) and depends only on its seed', (t) => {
  const values = Array.from({ length: 2000 }, (_, i) => seededFraction(`seed|${i}`));
  t.is(values.at(7), seededFraction('seed|7'));
  t.true(values.every((v) => v >= 0 && v < 1));
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  t.true(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  const buckets = new Array<number>(10).fill(0);
  for (const v of values) buckets[Math.floor(v * 10)] = (buckets[Math.floor(v * 10)] ?? 0) + 1;
  t.true(
    buckets.every((n) => n > 120 && n < 280),
    `buckets ${buckets.join(',')}`,
  );
});
