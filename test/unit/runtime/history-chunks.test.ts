import test from 'ava';
import type { HistoryEvent } from '../../../src/history/events.js';
import { deserializeHistory, serializeEvent } from '../../../src/history/serialize.js';
import {
  appendToChunks,
  DEFAULT_CHUNK_LIMITS,
  type ChunkState,
} from '../../../src/runtime/instances/history-chunks.js';
import { at, ev } from '../../helpers/history-builder.js';

/** Steps of a long sequential workflow: each takes an activity's result and schedules the next. */
function runSteps(steps: number, result: (i: number) => unknown) {
  let state: ChunkState = { chunks: 0, tail: [] };
  const stored = new Map<number, string>();
  const rewrites: number[] = [];
  const written: string[] = [];
  const appended: HistoryEvent[] = [];
  for (let i = 0; i < steps; i++) {
    const events: HistoryEvent[] = [
      ev.taskCompleted(i, result(i), at(i)),
      ev.taskScheduled(i + 1, 'charge-card', { order: `order-${i}` }, at(i)),
    ];
    appended.push(...events);
    const out = appendToChunks(state, events);
    // What the step writes besides its own events: the older events of the tail it rewrites.
    const own = events.reduce((n, e) => n + Buffer.byteLength(serializeEvent(e)) + 1, 0);
    rewrites.push(out.writes.reduce((n, w) => n + Buffer.byteLength(w.text), 0) - own);
    for (const write of out.writes) stored.set(write.chunk, write.text);
    written.push(...out.writes.map((w) => w.text));
    state = out.next;
  }
  const read = [...stored.keys()]
    .sort((a, b) => a - b)
    .flatMap((k) => deserializeHistory(stored.get(k) ?? ''));
  return { state, rewrites, written, read, appended };
}

test('default chunks: a step of a long workflow rewrites at most one small tail of older events', (t) => {
  const { state, rewrites, read, appended } = runSteps(2_000, (i) => ({ ok: true, step: i }));
  // Each step's transaction carries the tail chunk again; its size is paid on every step.
  t.true(
    Math.max(...rewrites) <= DEFAULT_CHUNK_LIMITS.maxBytes,
    `max rewrite ${Math.max(...rewrites)} bytes`,
  );
  t.true(
    Math.max(...rewrites) <= 4 * 1024,
    'a step of small events rewrites at most 4 KiB (a long workflow pays it on every step)',
  );
  t.is(state.chunks, Math.ceil(4_000 / DEFAULT_CHUNK_LIMITS.maxEvents));
  // Read back chunk by chunk, the history is every event in order.
  t.deepEqual(read, appended);
});

test('default chunks: a large payload is not carried into the next steps', (t) => {
  const big = 'x'.repeat(100 * 1024);
  const { written, read, appended } = runSteps(40, (i) => (i % 10 === 3 ? big : i));
  // Each of the 4 large results is written once, by its own step; the steps after it start a
  // new chunk instead of writing it again.
  t.is(written.filter((text) => text.includes(big)).length, 4);
  t.deepEqual(read, appended);
});

test('default chunks: a large step packs its events into few chunks (operations of one transaction)', (t) => {
  // A fan-out of 200 activities with 5.5 KB of input each, after a short history.
  let state: ChunkState = appendToChunks({ chunks: 0, tail: [] }, [ev.orchestratorStarted(at())]).next;
  const fanOut = Array.from({ length: 200 }, (_, i) =>
    ev.taskScheduled(i + 1, 'ship', { parcel: i, label: 'x'.repeat(5_500) }, at()),
  );
  const out = appendToChunks(state, fanOut);
  t.true(out.writes.length <= 6, `${out.writes.length} chunks written`);
  for (const write of out.writes) t.true(Buffer.byteLength(write.text) <= 256 * 1024);
  state = out.next;
  // The next step does not append to the packed chunk: it would write it again.
  const next = appendToChunks(state, [ev.taskCompleted(1, 'ok', at())]);
  t.deepEqual(
    next.writes.map((w) => w.chunk),
    [state.chunks],
  );
});
