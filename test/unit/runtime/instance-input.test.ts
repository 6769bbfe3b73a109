/**
 * `InstanceStore.loadWithInput`: the record's input, from the record while it has it, else from
 * the ExecutionStarted of the record's generation in history chunk 0 or 1.
 */
import test from 'ava';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import type { HistoryEvent } from '../../../src/history/events.js';
import { serializeHistory } from '../../../src/history/serialize.js';
import { instanceKeys } from '../../../src/runtime/instances/instance-keys.js';
import type { InstanceRecord } from '../../../src/runtime/instances/instance-record.js';
import { InstanceStore } from '../../../src/runtime/instances/instance-store.js';
import { at, ev } from '../../helpers/history-builder.js';

const keys = instanceKeys('default', 'shop');

function record(fields: Partial<InstanceRecord>): InstanceRecord {
  return {
    instanceId: 'o-1',
    name: 'fulfil',
    status: 'RUNNING',
    generation: 0,
    createdAt: 0,
    lastUpdatedAt: 0,
    chunks: 1,
    tailEvents: 2,
    events: 2,
    ...fields,
  } as InstanceRecord;
}

function opening(generation: number, input: unknown): HistoryEvent[] {
  return [
    ev.orchestratorStarted(at()),
    ev.executionStarted({ name: 'fulfil', instanceId: 'o-1', generation, input }),
  ];
}

async function store(r: InstanceRecord, chunks: HistoryEvent[][] | string[]): Promise<InstanceStore> {
  const kv = new MemoryKv();
  await kv.txn(
    [],
    [
      { op: 'put', key: keys.record('o-1'), value: JSON.stringify(r) },
      ...chunks.map((c, i) => ({
        op: 'put' as const,
        key: keys.historyChunk('o-1', i),
        value: typeof c === 'string' ? c : serializeHistory(c),
      })),
    ],
  );
  return new InstanceStore(kv, keys);
}

test('a record with its input (no history yet, or written before inputs moved) is read as is', async (t) => {
  const s = await store(record({ chunks: 0, input: { sku: 'a' } }), []);
  t.deepEqual((await s.loadWithInput('o-1'))?.record.input, { sku: 'a' });
  const old = await store(record({ input: { sku: 'b' } }), [opening(0, { sku: 'c' })]);
  t.deepEqual((await old.loadWithInput('o-1'))?.record.input, { sku: 'b' });
});

test('the input comes from the opening in chunk 0, or in chunk 1 when it had a chunk of its own', async (t) => {
  const s = await store(record({}), [opening(0, { sku: 'a' })]);
  t.deepEqual((await s.loadWithInput('o-1'))?.record.input, { sku: 'a' });
  const [begun, started] = opening(0, 'x'.repeat(5000));
  const big = await store(record({ chunks: 2 }), [[begun as HistoryEvent], [started as HistoryEvent]]);
  t.is((await big.loadWithInput('o-1'))?.record.input, 'x'.repeat(5000));
  // `load` leaves it out.
  t.is((await s.load('o-1'))?.record.input, undefined);
});

test('an opening of another generation is not the record input; no instance is undefined', async (t) => {
  const s = await store(record({ generation: 1 }), [opening(0, { sku: 'old' })]);
  const loaded = await s.loadWithInput('o-1');
  t.is(loaded?.record.generation, 1);
  t.is(loaded?.record.input, undefined);
  t.is(await s.loadWithInput('o-2'), undefined);
});

test('a workflow started without input has none', async (t) => {
  const s = await store(record({}), [opening(0, undefined)]);
  const loaded = await s.loadWithInput('o-1');
  t.is(loaded?.record.input, undefined);
  t.is(loaded?.record.name, 'fulfil');
});

test('an unreadable opening gives the state without input (the next step fails the instance)', async (t) => {
  const s = await store(record({}), ['{"type":"ExecutionStarted",' + '\n']);
  const loaded = await s.loadWithInput('o-1');
  t.is(loaded?.record.status, 'RUNNING');
  t.is(loaded?.record.input, undefined);
});
