/**
 * GroupRead on MemoryKv: single-key reads asked in one tick become one getMany, each caller gets
 * its own key's entry, and a failure reaches every caller of its batch.
 */
import test from 'ava';
import { GroupRead } from '../../../src/etcd/group-read.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { txnBatches } from '../../../src/etcd/txn-batches.js';
import { ForwardingKv } from '../../helpers/forwarding-kv.js';
import type { KvEntry } from '../../../src/etcd/kv-store.js';

/** Records the getMany calls that reach the store; fails them while `failing` is set. */
class CountingKv extends ForwardingKv {
  readonly batches: string[][] = [];
  failing: Error | undefined;

  override getMany(keys: readonly string[]): Promise<Array<KvEntry | undefined>> {
    this.batches.push([...keys]);
    if (this.failing) return Promise.reject(this.failing);
    return super.getMany(keys);
  }
}

async function seeded(count: number): Promise<{ mem: MemoryKv; kv: CountingKv }> {
  const mem = new MemoryKv();
  const puts = Array.from({ length: count }, (_, i) => ({
    op: 'put' as const,
    key: `/r/${i}`,
    value: `v${i}`,
  }));
  for (const batch of txnBatches(puts)) await mem.txn([], batch);
  return { mem, kv: new CountingKv(mem) };
}

test('reads asked in one tick go out as one getMany, each answered with its own entry', async (t) => {
  const { mem, kv } = await seeded(300);
  const reads = new GroupRead(kv);
  const keys = [...Array.from({ length: 300 }, (_, i) => `/r/${i}`), '/r/absent'];
  const entries = await Promise.all(keys.map((key) => reads.get(key)));
  t.is(kv.batches.length, 1);
  t.is(reads.readCount, 1);
  t.deepEqual(kv.batches[0], keys);
  for (const [i, key] of keys.entries()) t.deepEqual(entries[i], await mem.get(key), key);
  t.is(entries[300], undefined);
});

test('the same key asked twice in a tick is read once and answers both', async (t) => {
  const { kv } = await seeded(2);
  const reads = new GroupRead(kv);
  const [a, b, c] = await Promise.all([reads.get('/r/1'), reads.get('/r/0'), reads.get('/r/1')]);
  t.deepEqual(kv.batches, [['/r/1', '/r/0']]);
  t.is(a?.value, 'v1');
  t.is(b?.value, 'v0');
  t.deepEqual(c, a);
});

test('reads of later ticks make batches of their own and see writes made in between', async (t) => {
  const { mem, kv } = await seeded(1);
  const reads = new GroupRead(kv);
  t.is((await reads.get('/r/0'))?.value, 'v0');
  const written = await mem.txn([], [{ op: 'put', key: '/r/0', value: 'again' }]);
  const entry = await reads.get('/r/0');
  t.like(entry, { value: 'again', modRevision: written.revision });
  t.is(kv.batches.length, 2);
});

test("a failed batch rejects every read in it and not the next tick's", async (t) => {
  const { kv } = await seeded(2);
  const reads = new GroupRead(kv);
  kv.failing = new Error('etcd unavailable');
  const failed = await Promise.allSettled([reads.get('/r/0'), reads.get('/r/1'), reads.get('/r/0')]);
  t.deepEqual(
    failed.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok')),
    ['etcd unavailable', 'etcd unavailable', 'etcd unavailable'],
  );
  kv.failing = undefined;
  t.is((await reads.get('/r/1'))?.value, 'v1');
});
