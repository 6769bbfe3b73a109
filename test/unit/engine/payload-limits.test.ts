/**
 * Workflow payload limits (issue 13): the pure checks (payloadBytes, checkPayload, the option),
 * the byte-bounded inbox portion of a step, bounded failure details, history chunks that never
 * exceed their byte bound, and the executor refusing oversized payloads where the workflow hands
 * them over, deterministically on every replay.
 */
import test from 'ava';
import { boundedFailure } from '../../../src/engine/bounded-failure.js';
import { TaskFailedError } from '../../../src/engine/errors.js';
import {
  checkPayload,
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_PAYLOAD_BYTES_CEILING,
  payloadBytes,
  PayloadTooLargeError,
  resolveMaxPayloadBytes,
} from '../../../src/engine/payload-limit.js';
import { appendToChunks } from '../../../src/runtime/instances/history-chunks.js';
import { inboxPortion } from '../../../src/runtime/instances/inbox-portion.js';
import type { WorkflowContext } from '../../../src/engine/workflow-context.js';
import type { HistoryEvent } from '../../../src/history/events.js';
import { serializeEvent } from '../../../src/history/serialize.js';
import { at, ev, failure, SECOND } from '../../helpers/history-builder.js';
import { ReplayHarness } from '../../helpers/replay-harness.js';

test('payloadBytes counts JSON text in UTF-8 bytes; undefined is 0', (t) => {
  t.is(payloadBytes(undefined), 0);
  t.is(payloadBytes('abc'), 5); // quotes included
  t.is(payloadBytes({ a: 1 }), 7);
  t.is(payloadBytes('é'), 4); // two bytes in UTF-8
  t.is(payloadBytes('€'), 5);
  // What JSON cannot encode is left to the store's own encoding (it throws there).
  const cycle: Record<string, unknown> = {};
  cycle['self'] = cycle;
  t.is(payloadBytes(cycle), 0);
});

test('checkPayload: at the limit passes, one byte over throws naming field, size and limit', (t) => {
  checkPayload('input', 'x'.repeat(98), 100);
  const error = t.throws(() => checkPayload('input', 'x'.repeat(99), 100), {
    instanceOf: PayloadTooLargeError,
  });
  t.is(error?.field, 'input');
  t.is(error?.bytes, 101);
  t.is(error?.limit, 100);
  t.is(error?.value, '101 bytes');
  t.regex(error?.allowed ?? '', /at most 100 bytes/);
  t.regex(error?.message ?? '', /input is 101 bytes.*limit of 100 bytes.*maxPayloadBytes.*reference/);
  t.true(error?.nonRetryable);
});

test('the maxPayloadBytes option: default 256 KiB, an integer from 1 to 1 MiB', (t) => {
  const invalid = (allowed: string): Error => new RangeError(allowed);
  t.is(resolveMaxPayloadBytes(undefined, invalid), DEFAULT_MAX_PAYLOAD_BYTES);
  t.is(DEFAULT_MAX_PAYLOAD_BYTES, 256 * 1024);
  t.is(resolveMaxPayloadBytes(1, invalid), 1);
  t.is(resolveMaxPayloadBytes(MAX_PAYLOAD_BYTES_CEILING, invalid), MAX_PAYLOAD_BYTES_CEILING);
  for (const bad of [0, -1, 1.5, MAX_PAYLOAD_BYTES_CEILING + 1, '100', Number.NaN]) {
    t.throws(() => resolveMaxPayloadBytes(bad, invalid), { instanceOf: RangeError }, String(bad));
  }
});

const message = (n: number, bytes: number): { key: string; event: HistoryEvent } => ({
  key: `m${n}`,
  event: ev.eventRaised('e', 'x'.repeat(bytes)),
});

test('inboxPortion takes leading messages up to the byte bound, and always the first', (t) => {
  const size = serializeEvent(message(0, 1000).event).length;
  const messages = [0, 1, 2, 3].map((n) => message(n, 1000));
  t.deepEqual(
    inboxPortion(messages, size * 2).map((m) => m.key),
    ['m0', 'm1'],
  );
  t.deepEqual(
    inboxPortion(messages, size * 2 - 1).map((m) => m.key),
    ['m0'],
  );
  // One message larger than the bound alone is still taken: the inbox never stops at it.
  t.deepEqual(
    inboxPortion([message(9, 5000), ...messages], size).map((m) => m.key),
    ['m9'],
  );
  t.deepEqual(inboxPortion([], 10), []);
  t.is(inboxPortion(messages, 1e9).length, 4);
});

test('boundedFailure cuts a huge message and stack and says so; small details are unchanged', (t) => {
  const small = failure('boom', 'Error');
  t.is(boundedFailure(small), small);
  const huge = { errorType: 'E', message: 'm'.repeat(1_000_000), stack: 's'.repeat(2_000_000) };
  const cut = boundedFailure(huge);
  t.true(cut.message.length < 9 * 1024);
  t.regex(cut.message, /more characters cut\)$/);
  t.true((cut.stack ?? '').length < 17 * 1024);
  t.is(cut.errorType, 'E');
});

test('history chunks never pass their byte bound (in UTF-8 bytes), and an untouched tail is not rewritten', (t) => {
  const limits = { maxEvents: 200, maxBytes: 10_000 };
  let state = { chunks: 0, tail: [] as HistoryEvent[] };
  const stored = new Map<number, string>();
  let puts = 0;
  // 400 events of 10 to 4,000 characters, half of them 3 bytes per character in UTF-8.
  for (let step = 0; step < 100; step++) {
    const events = [0, 1, 2, 3].map((i) =>
      ev.eventRaised('e', (step % 2 === 0 ? '€' : 'a').repeat(10 + ((step * 997 + i * 131) % 1300))),
    );
    const appended = appendToChunks(state, events, limits);
    for (const write of appended.writes) {
      puts++;
      t.true(Buffer.byteLength(write.text) <= limits.maxBytes, `chunk ${write.chunk} is over the bound`);
      stored.set(write.chunk, write.text);
    }
    // A chunk before the previous tail is never written again.
    t.true(appended.writes.every((w) => w.chunk >= Math.max(state.chunks - 1, 0)));
    state = appended.next;
  }
  const all = [...stored.keys()].sort((a, b) => a - b).map((k) => stored.get(k) ?? '');
  t.is(all.join('').split('\n').filter(Boolean).length, 400);
  t.true(puts < 400);

  // A step whose first event does not fit the tail starts a new chunk and leaves the tail alone.
  const full = appendToChunks({ chunks: 0, tail: [] }, [ev.eventRaised('e', 'a'.repeat(9000))], limits);
  const next = appendToChunks(full.next, [ev.eventRaised('e', 'b'.repeat(2000))], limits);
  t.deepEqual(
    next.writes.map((w) => w.chunk),
    [1],
  );
  // One event larger than a chunk gets a chunk of its own.
  const big = appendToChunks(next.next, [ev.eventRaised('e', 'c'.repeat(50_000))], limits);
  t.is(big.writes.length, 1);
  t.is(big.next.chunks, 3);
});

const LIMIT = 1000;
const options = { maxPayloadBytes: LIMIT };
/** Every error fails the instance (the registration option `failFast`). */
const failFast = { ...options, failurePolicy: () => ({ failFast: true }) };

test('callActivity with an input over maxPayloadBytes throws into the workflow, which can catch it', async (t) => {
  async function* uploads(ctx: WorkflowContext) {
    try {
      yield ctx.callActivity('store', 'x'.repeat(LIMIT));
    } catch (error) {
      if (!(error instanceof PayloadTooLargeError)) throw error;
      // Pass a reference instead.
      const key = (yield ctx.callActivity('store', { ref: 'blob-1' })) as string;
      return { refused: error.field, bytes: error.bytes, key };
    }
    return 'not refused';
  }
  const run = new ReplayHarness(uploads, options);
  const first = await run.start();
  // No sequence id was taken by the refused call: the retry with a reference is task 1.
  t.deepEqual(first.actions, [{ type: 'ScheduleTask', id: 1, name: 'store', input: { ref: 'blob-1' } }]);
  const done = await run.stepAt(SECOND, ev.taskCompleted(1, 'k'));
  t.deepEqual(done.actions, [
    {
      type: 'CompleteWorkflow',
      id: 2,
      status: 'COMPLETED',
      result: { refused: 'activity input', bytes: LIMIT + 2, key: 'k' },
    },
  ]);
});

test('uncaught, an oversized activity input stalls the step (fails the workflow with failFast)', async (t) => {
  async function* careless(ctx: WorkflowContext) {
    yield ctx.callActivity('store', 'x'.repeat(LIMIT));
  }
  const stalled = await new ReplayHarness(careless, options).start();
  t.deepEqual(stalled.actions, []);
  t.is(stalled.stalled?.errorType, 'PayloadTooLargeError');
  t.regex(stalled.stalled?.message ?? '', /activity input is 1002 bytes.*limit of 1000 bytes/);
  const run = new ReplayHarness(careless, failFast);
  const first = await run.start();
  const final = first.actions.at(-1);
  t.is(final?.type, 'CompleteWorkflow');
  if (final?.type !== 'CompleteWorkflow') return;
  t.is(final.status, 'FAILED');
  t.is(final.failureDetails?.errorType, 'PayloadTooLargeError');
  t.regex(final.failureDetails?.message ?? '', /activity input is 1002 bytes.*limit of 1000 bytes/);
  t.true(final.failureDetails?.nonRetryable);
});

for (const [what, call] of [
  ['customStatus', (ctx: WorkflowContext) => ctx.setCustomStatus({ big: 'x'.repeat(LIMIT) })],
  ['event data', (ctx: WorkflowContext) => ctx.sendEvent('other', 'e', 'x'.repeat(LIMIT))],
  ['continueAsNew input', (ctx: WorkflowContext) => ctx.continueAsNew('x'.repeat(LIMIT))],
  ['child workflow input', (ctx: WorkflowContext) => void ctx.callChildWorkflow('child', 'x'.repeat(LIMIT))],
] as const) {
  test(`${what} over maxPayloadBytes stalls the step (fails the workflow with failFast) with a clear error`, async (t) => {
    async function* oversized(ctx: WorkflowContext) {
      yield ctx.createTimer(1);
      call(ctx);
      return 'unreachable';
    }
    const stalling = new ReplayHarness(oversized, options);
    await stalling.start();
    const stalled = await stalling.stepAt(SECOND, ev.timerFired(1, at(SECOND)));
    t.deepEqual(stalled.actions, []);
    t.is(stalled.stalled?.errorType, 'PayloadTooLargeError');
    t.true(stalled.stalled?.message.startsWith(`${what} is`));
    const run = new ReplayHarness(oversized, failFast);
    await run.start();
    const done = await run.stepAt(SECOND, ev.timerFired(1, at(SECOND)));
    const final = done.actions.at(-1);
    t.is(final?.type, 'CompleteWorkflow');
    if (final?.type !== 'CompleteWorkflow') return;
    t.is(final.status, 'FAILED');
    t.is(final.failureDetails?.errorType, 'PayloadTooLargeError');
    t.true(final.failureDetails?.message.startsWith(`${what} is`));
    // Nothing of the refused call was recorded.
    t.deepEqual(
      done.actions.map((a) => a.type),
      ['CompleteWorkflow'],
    );
  });
}

test('a workflow output over maxPayloadBytes stalls the step, or fails the instance with failFast, instead of completing it', async (t) => {
  async function* bigResult(ctx: WorkflowContext) {
    yield ctx.createTimer(1);
    return 'x'.repeat(LIMIT);
  }
  const stalling = new ReplayHarness(bigResult, options);
  await stalling.start();
  const stalled = await stalling.stepAt(SECOND, ev.timerFired(1, at(SECOND)));
  t.deepEqual(stalled.actions, []);
  t.regex(stalled.stalled?.message ?? '', /^workflow output is 1002 bytes/);
  const run = new ReplayHarness(bigResult, failFast);
  await run.start();
  const done = await run.stepAt(SECOND, ev.timerFired(1, at(SECOND)));
  const final = done.actions.at(-1);
  if (final?.type !== 'CompleteWorkflow') return t.fail('no completion');
  t.is(final.status, 'FAILED');
  t.is(final.result, undefined);
  t.regex(final.failureDetails?.message ?? '', /^workflow output is 1002 bytes/);
});

test('pendingEventBytes counts the data of events no wait has taken yet', async (t) => {
  async function* waits(ctx: WorkflowContext) {
    yield ctx.createTimer(10);
    yield ctx.waitForExternalEvent('a');
  }
  const run = new ReplayHarness(waits, options);
  await run.start();
  const two = await run.stepAt(SECOND, ev.eventRaised('a', 'x'.repeat(98)), ev.eventRaised('b', [1, 2]));
  t.is(two.pendingEvents, 2);
  t.is(two.pendingEventBytes, 100 + 5);
  const taken = await run.stepAt(10 * SECOND, ev.timerFired(1, at(10 * SECOND)));
  t.is(taken.pendingEvents, 1);
  t.is(taken.pendingEventBytes, 5);
});

test('an activity failure is a TaskFailedError the workflow can catch (the shape a too-large result takes)', async (t) => {
  async function* catches(ctx: WorkflowContext) {
    try {
      yield ctx.callActivity('export');
      return 'ok';
    } catch (error) {
      if (!(error instanceof TaskFailedError)) throw error;
      return error.details.errorType;
    }
  }
  const run = new ReplayHarness(catches, options);
  await run.start();
  const details = { errorType: 'PayloadTooLargeError', message: 'result too large', nonRetryable: true };
  const done = await run.stepAt(SECOND, ev.taskFailed(1, details));
  t.like(done.actions.at(-1), {
    type: 'CompleteWorkflow',
    status: 'COMPLETED',
    result: 'PayloadTooLargeError',
  });
});
