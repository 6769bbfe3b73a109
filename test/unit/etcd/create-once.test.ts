import test from 'ava';
import { createOnce } from '../../../src/etcd/create-once.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';
import { LosingKv } from '../../helpers/losing-kv.js';

test('a create whose answer was lost after it applied resolves created, stored once', async (t) => {
  const kv = new LosingKv();
  kv.losses.push('applied');
  t.true(await createOnce(kv, 'k', 'mine'));
  t.is((await kv.get('k'))?.value, 'mine');
  t.is(kv.txns, 2, 'the re-send fails its guard and the key is read back');
  t.is((await kv.get('k'))?.createRevision, (await kv.get('k'))?.modRevision, 'written once');
});

test('a create whose answer was lost before it applied is sent again', async (t) => {
  const kv = new LosingKv();
  kv.losses.push('not applied', 'not applied');
  t.true(await createOnce(kv, 'k', 'mine'));
  t.is((await kv.get('k'))?.value, 'mine');
  t.is(kv.txns, 3);
});

test('an existing key is not ours: false, untouched, also when an answer was lost', async (t) => {
  const kv = new LosingKv();
  await kv.txn([], [{ op: 'put', key: 'k', value: 'theirs' }]);
  t.false(await createOnce(kv, 'k', 'mine'));
  kv.losses.push('not applied');
  t.false(await createOnce(kv, 'k', 'mine'), 'read back: another value, so the earlier copy never landed');
  t.is((await kv.get('k'))?.value, 'theirs');
});

test('after a lost answer the caller may say so (sentBefore): a guard failure is then read back', async (t) => {
  const kv = new LosingKv();
  await kv.txn([{ key: 'k', modRevision: 0 }], [{ op: 'put', key: 'k', value: 'mine' }]);
  t.true(await createOnce(kv, 'k', 'mine', { sentBefore: true }));
  t.false(await createOnce(kv, 'k', 'mine'), 'without it, an existing key is someone else’s');
});

test('every answer lost: the unknown outcome reaches the caller after `attempts` sends', async (t) => {
  const kv = new LosingKv();
  kv.losses.push('not applied', 'not applied', 'not applied');
  const error = await t.throwsAsync(createOnce(kv, 'k', 'mine', { attempts: 3 }), {
    instanceOf: StoreUnavailableError,
  });
  t.true(error?.outcomeUnknown);
  t.is(kv.txns, 3);
});

test('errors that say nothing was applied are not retried here', async (t) => {
  const kv = new LosingKv();
  await kv.close();
  await t.throwsAsync(createOnce(kv, 'k', 'mine'));
  t.is(kv.txns, 1);
});
