import test from 'ava';
import { MAX_TXN_OPS } from '../../../src/etcd/store-op.js';
import { txnBatches } from '../../../src/etcd/txn-batches.js';

test('cuts into consecutive batches of at most the size, in order, losing nothing', (t) => {
  const items = Array.from({ length: 7 }, (_, i) => i);
  t.deepEqual(txnBatches(items, 3), [[0, 1, 2], [3, 4, 5], [6]]);
  t.deepEqual(txnBatches([], 3), []);
  t.deepEqual(txnBatches(items, 7), [items]);
});

test("defaults to etcd's operations per transaction", (t) => {
  const items = Array.from({ length: MAX_TXN_OPS * 2 + 1 }, (_, i) => i);
  t.deepEqual(
    txnBatches(items).map((batch) => batch.length),
    [MAX_TXN_OPS, MAX_TXN_OPS, 1],
  );
});

test('a size below one is refused', (t) => {
  t.throws(() => txnBatches([1], 0), { instanceOf: RangeError, message: /integer >= 1, got 0/ });
});
