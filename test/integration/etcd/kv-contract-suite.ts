import type { TestFn } from 'ava';
import {
  CompactionError,
  LeaseLostError,
  LeaseNotFoundError,
  StoreRequestError,
  WatchCompactedError,
} from '../../../src/etcd/errors.js';
import type { KvEvent, KvLease, KvStore } from '../../../src/etcd/kv-store.js';
import { MAX_TXN_OPS, type StoreOp } from '../../../src/etcd/store-op.js';
import { waitFor, within } from '../../helpers/etcd-wait.js';

export interface ContractStore {
  kv: KvStore & { compact(revision: number): Promise<void> };
  /** A key prefix no other test uses. */
  prefix: string;
  /** Makes the store drop the lease as if its holder had died or it was revoked elsewhere. */
  loseLease(lease: KvLease): Promise<void>;
}

/** Records a watch's deliveries. */
class Recorder {
  readonly events: KvEvent[] = [];
  readonly batches: { events: KvEvent[]; revision: number }[] = [];
  reset: Error | undefined;
  readonly callbacks = {
    onEvents: (events: KvEvent[], revision: number) => {
      this.events.push(...events);
      this.batches.push({ events, revision });
    },
    onReset: (reason: Error) => {
      this.reset = reason;
    },
  };
  until(count: number): Promise<void> {
    return waitFor(() => this.events.length >= count, { what: `${count} watch events` });
  }
}

const put = (key: string, value: string, lease?: string): StoreOp =>
  lease === undefined ? { op: 'put', key, value } : { op: 'put', key, value, lease };

/**
 * The behaviour every KvStore must share. Registered once per implementation so EtcdKv and
 * MemoryKv are held to the same answers.
 */
export function registerKvContract<C>(
  test: TestFn<C>,
  name: string,
  open: () => Promise<ContractStore>,
): void {
  test(`${name}: put, get and revisions`, async (t) => {
    const { kv, prefix } = await open();
    t.is(await kv.get(`${prefix}a`), undefined);
    const first = await kv.txn([], [put(`${prefix}a`, 'one')]);
    t.true(first.succeeded);
    const entry = await kv.get(`${prefix}a`);
    t.like(entry, {
      key: `${prefix}a`,
      value: 'one',
      createRevision: first.revision,
      modRevision: first.revision,
    });
    t.is(entry?.lease, undefined);
    const second = await kv.txn([], [put(`${prefix}a`, 'two')]);
    t.true(second.revision > first.revision);
    t.like(await kv.get(`${prefix}a`), {
      value: 'two',
      createRevision: first.revision,
      modRevision: second.revision,
    });
    const noop = await kv.txn([], [{ op: 'delete', key: `${prefix}missing` }]);
    t.true(noop.succeeded, 'deleting a missing key succeeds');
    t.true(noop.revision >= second.revision);
  });

  test(`${name}: guards compare mod revisions, 0 meaning absent`, async (t) => {
    const { kv, prefix } = await open();
    const key = `${prefix}k`;
    const created = await kv.txn([{ key, modRevision: 0 }], [put(key, 'v1')]);
    t.true(created.succeeded);
    const again = await kv.txn([{ key, modRevision: 0 }], [put(key, 'v2'), put(`${prefix}other`, 'x')]);
    t.false(again.succeeded);
    t.true(again.revision >= created.revision, 'a failed txn reports the revision it was checked at');
    t.is(await kv.get(`${prefix}other`), undefined, 'nothing of a failed txn is applied');
    const stale = await kv.txn([{ key, modRevision: created.revision - 1 }], [put(key, 'v2')]);
    t.false(stale.succeeded);
    const fresh = await kv.txn(
      [{ key, modRevision: created.revision }],
      [put(key, 'v2'), put(`${prefix}b`, 'b')],
    );
    t.true(fresh.succeeded);
    t.is((await kv.get(key))?.modRevision, fresh.revision);
    t.is((await kv.get(`${prefix}b`))?.modRevision, fresh.revision, 'one txn is one revision');
  });

  test(`${name}: create-revision guards hold across updates, not across delete and re-create`, async (t) => {
    const { kv, prefix } = await open();
    const key = `${prefix}c`;
    const created = await kv.txn([{ key, createRevision: 0 }], [put(key, 'v1')]);
    t.true(created.succeeded, 'createRevision 0 means absent');
    t.false((await kv.txn([{ key, createRevision: 0 }], [put(key, 'x')])).succeeded);
    const updated = await kv.txn([], [put(key, 'v2')]);
    const same = await kv.txn([{ key, createRevision: created.revision }], [put(`${prefix}msg1`, 'm')]);
    t.true(same.succeeded, 'an update keeps the create revision');
    t.is((await kv.get(key))?.createRevision, created.revision);
    t.true(updated.revision > created.revision);
    await kv.txn([], [{ op: 'delete', key }]);
    t.false(
      (await kv.txn([{ key, createRevision: created.revision }], [put(`${prefix}msg2`, 'm')])).succeeded,
      'a deleted key fails the guard',
    );
    const recreated = await kv.txn([], [put(key, 'v3')]);
    t.false(
      (await kv.txn([{ key, createRevision: created.revision }], [put(`${prefix}msg2`, 'm')])).succeeded,
      'a re-created key is another incarnation',
    );
    t.is(await kv.get(`${prefix}msg2`), undefined, 'nothing of a failed txn is applied');
    t.true(
      (await kv.txn([{ key, createRevision: recreated.revision }], [put(`${prefix}msg2`, 'm')])).succeeded,
    );
    await t.throwsAsync(kv.txn([{ key, createRevision: -1 }], []), {
      instanceOf: StoreRequestError,
      message: /guard\.createRevision/,
    });
  });

  test(`${name}: getMany answers each key in the order asked, undefined where absent`, async (t) => {
    const { kv, prefix } = await open();
    t.deepEqual(await kv.getMany([]), []);
    const keys = Array.from({ length: MAX_TXN_OPS * 2 + 5 }, (_, i) => `${prefix}k${i}`);
    // Every third key exists; one exists with a second revision.
    const present = keys.filter((_, i) => i % 3 === 0);
    for (let i = 0; i < present.length; i += MAX_TXN_OPS) {
      await kv.txn(
        [],
        present.slice(i, i + MAX_TXN_OPS).map((key) => put(key, `v-${key}`)),
      );
    }
    const rewritten = await kv.txn([], [put(`${prefix}k3`, 'again')]);
    const asked = [`${prefix}missing`, ...keys.reverse(), `${prefix}k3`];
    const entries = await kv.getMany(asked);
    t.is(entries.length, asked.length);
    asked.forEach((key, i) => {
      const entry = entries[i];
      const index = Number(key.slice(prefix.length + 1));
      if (key === `${prefix}k3`) {
        t.like(entry, { key, value: 'again', modRevision: rewritten.revision });
      } else if (Number.isInteger(index) && index % 3 === 0) {
        t.like(entry, { key, value: `v-${key}` });
      } else {
        t.is(entry, undefined, key);
      }
    });
    const single = await kv.get(`${prefix}k0`);
    t.deepEqual(entries[asked.indexOf(`${prefix}k0`)], single, 'the same entry get returns');
  });

  test(`${name}: range is prefix-scoped, ordered and pages with limit/startAfter`, async (t) => {
    const { kv, prefix } = await open();
    const keys = ['b', 'a', 'c/1', 'c/2', 'd', 'e', 'é', '\u{1F600}', '\uFF5E'].map((k) => `${prefix}${k}`);
    await kv.txn(
      [],
      keys.map((k) => put(k, k)),
    );
    await kv.txn([], [put(`${prefix.slice(0, -1)}x`, 'outside')]);
    const all = await kv.range(prefix);
    const utf8Order = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    t.deepEqual(
      all.entries.map((e) => e.key),
      utf8Order,
    );
    t.false(all.more);
    const paged: string[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await kv.range(prefix, { limit: 2, ...(startAfter !== undefined ? { startAfter } : {}) });
      t.true(page.entries.length <= 2);
      paged.push(...page.entries.map((e) => e.key));
      startAfter = page.entries[page.entries.length - 1]?.key;
      if (!page.more) break;
    }
    t.deepEqual(paged, utf8Order);
    t.deepEqual(
      (await kv.range(`${prefix}c/`)).entries.map((e) => e.value),
      [`${prefix}c/1`, `${prefix}c/2`],
    );
    t.true(all.revision >= Math.max(...all.entries.map((e) => e.modRevision)));
  });

  // Issue 13: a page of large records used to exceed the client's 4 MiB receive limit and fail on
  // every retry, so nothing behind it was ever read. Pages now end by bytes.
  test(`${name}: range pages end by bytes: 1 MiB records beside small ones are all read, in order`, async (t) => {
    const { kv, prefix } = await open();
    const mib = 'm'.repeat(1024 * 1024);
    const keys: string[] = [];
    for (let i = 0; i < 6; i++) {
      const small = Array.from({ length: 20 }, (_, j) => put(`${prefix}${i}/s${j}`, `small-${i}-${j}`));
      await kv.txn([], [put(`${prefix}${i}/big`, `${i}${mib}`), ...small]);
      keys.push(`${prefix}${i}/big`, ...small.map((op) => (op.op === 'put' ? op.key : '')));
    }
    keys.sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const read: string[] = [];
    let startAfter: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await kv.range(prefix, {
        limit: 2_000,
        ...(startAfter !== undefined ? { startAfter } : {}),
      });
      pages++;
      t.true(page.entries.length >= 1, 'a page always makes progress');
      const bytes = page.entries.reduce((sum, e) => sum + e.key.length + e.value.length, 0);
      const last = page.entries[page.entries.length - 1];
      // At most the page size plus the one record that crossed it.
      t.true(bytes <= 2 * 1024 * 1024 + (last?.value.length ?? 0) + 4096, `page of ${bytes} bytes`);
      read.push(...page.entries.map((e) => e.key));
      startAfter = last?.key;
      if (!page.more) break;
    }
    t.deepEqual(read, keys);
    t.true(pages >= 3, `6 MiB read in ${pages} pages`);
    // getMany over more than the old 4 MiB receive limit answers every key, large or small.
    const many = await kv.getMany(keys);
    t.deepEqual(
      many.map((e) => e?.key),
      keys,
    );
    t.is(many.find((e) => e?.key === `${prefix}3/big`)?.value.length, mib.length + 1);
  });

  test(`${name}: small keys still come back in one page up to the limit`, async (t) => {
    const { kv, prefix } = await open();
    const ops = Array.from({ length: 120 }, (_, i) =>
      put(`${prefix}${String(i).padStart(4, '0')}`, 'v'.repeat(200)),
    );
    for (let i = 0; i < 5; i++)
      await kv.txn(
        [],
        ops.map((op) => (op.op === 'put' ? { ...op, key: `${op.key}-${i}` } : op)),
      );
    const page = await kv.range(prefix, { limit: 550 });
    t.is(page.entries.length, 550);
    t.true(page.more);
    const rest = await kv.range(prefix, { limit: 550, startAfter: page.entries[549]?.key ?? '' });
    t.is(rest.entries.length, 50);
    t.false(rest.more);
  });

  test(`${name}: deletePrefix removes only keys under the prefix`, async (t) => {
    const { kv, prefix } = await open();
    await kv.txn([], [put(`${prefix}job/1`, '1'), put(`${prefix}job/2`, '2'), put(`${prefix}jobs`, 'keep')]);
    await kv.txn([], [{ op: 'deletePrefix', prefix: `${prefix}job/` }]);
    t.deepEqual(
      (await kv.range(prefix)).entries.map((e) => e.key),
      [`${prefix}jobs`],
    );
  });

  test(`${name}: invalid transactions are refused before anything is stored`, async (t) => {
    const { kv, prefix } = await open();
    const tooMany = Array.from({ length: MAX_TXN_OPS + 1 }, (_, i) => put(`${prefix}${i}`, 'x'));
    const error = await t.throwsAsync(kv.txn([], tooMany), { instanceOf: StoreRequestError });
    t.is(error?.field, 'ops.length');
    t.true((await kv.txn([], tooMany.slice(0, MAX_TXN_OPS))).succeeded, 'exactly MAX_TXN_OPS is fine');
    await t.throwsAsync(kv.txn([], [put(`${prefix}dup`, '1'), put(`${prefix}dup`, '2')]), {
      instanceOf: StoreRequestError,
    });
    await t.throwsAsync(
      kv.txn([], [put(`${prefix}p/x`, '1'), { op: 'deletePrefix', prefix: `${prefix}p/` }]),
      {
        instanceOf: StoreRequestError,
      },
    );
    t.is(await kv.get(`${prefix}dup`), undefined);
  });

  test(`${name}: watch delivers puts and deletes in revision order, one txn in one batch`, async (t) => {
    const { kv, prefix } = await open();
    const start = await kv.range(prefix);
    const rec = new Recorder();
    const handle = await kv.watch(prefix, start.revision + 1, rec.callbacks);
    const r1 = await kv.txn([], [put(`${prefix}a`, '1'), put(`${prefix}b`, '2')]);
    await kv.txn([], [put(`${prefix.slice(0, -1)}-not-mine`, 'x')]);
    const r2 = await kv.txn([], [{ op: 'delete', key: `${prefix}a` }]);
    const r3 = await kv.txn([], [put(`${prefix}b`, '3')]);
    await rec.until(4);
    t.deepEqual(rec.events, [
      { type: 'put', key: `${prefix}a`, value: '1', modRevision: r1.revision, createRevision: r1.revision },
      { type: 'put', key: `${prefix}b`, value: '2', modRevision: r1.revision, createRevision: r1.revision },
      { type: 'delete', key: `${prefix}a`, modRevision: r2.revision },
      { type: 'put', key: `${prefix}b`, value: '3', modRevision: r3.revision, createRevision: r1.revision },
    ]);
    for (const batch of rec.batches) t.is(batch.revision, batch.events.at(-1)?.modRevision ?? -1);
    t.true(
      rec.batches.some((b) => b.events.length >= 2),
      'a txn arrives as one batch',
    );
    await handle.cancel();
    await kv.txn([], [put(`${prefix}after-cancel`, 'x')]);
    const late = new Recorder();
    await (await kv.watch(prefix, r3.revision + 1, late.callbacks)).cancel();
    t.is(rec.events.length, 4, 'nothing after cancel');
    t.is(rec.reset, undefined);
  });

  test(`${name}: watch from a past revision replays history`, async (t) => {
    const { kv, prefix } = await open();
    const r1 = await kv.txn([], [put(`${prefix}x`, '1')]);
    await kv.txn([], [put(`${prefix}x`, '2')]);
    const rec = new Recorder();
    const handle = await kv.watch(prefix, r1.revision, rec.callbacks);
    await rec.until(2);
    t.deepEqual(
      rec.events.map((e) => (e.type === 'put' ? e.value : 'deleted')),
      ['1', '2'],
    );
    await handle.cancel();
  });

  test.serial(`${name}: watching from a compacted revision resets the watcher`, async (t) => {
    const { kv, prefix } = await open();
    const r1 = await kv.txn([], [put(`${prefix}x`, '1')]);
    const r2 = await kv.txn([], [put(`${prefix}x`, '2')]);
    await kv.compact(r2.revision);
    await t.throwsAsync(kv.compact(r1.revision), { instanceOf: CompactionError });
    const rec = new Recorder();
    const handle = await kv.watch(prefix, r1.revision, rec.callbacks);
    await waitFor(() => rec.reset !== undefined, { what: 'onReset' });
    t.true(rec.reset instanceof WatchCompactedError);
    t.is((rec.reset as WatchCompactedError).compactRevision, r2.revision);
    t.deepEqual(rec.events, []);
    await handle.cancel();
    // Re-list and watch again: the documented recovery works.
    const relisted = await kv.range(prefix);
    const again = new Recorder();
    const handle2 = await kv.watch(prefix, relisted.revision + 1, again.callbacks);
    await kv.txn([], [put(`${prefix}x`, '3')]);
    await again.until(1);
    t.is(again.reset, undefined);
    await handle2.cancel();
  });

  test(`${name}: leased keys, revoke and lost leases`, async (t) => {
    const store = await open();
    const { kv, prefix } = store;
    const lease = await kv.grantLease(5);
    t.regex(lease.id, /^[1-9][0-9]*$/);
    let lostOnRevoke = false;
    lease.onLost(() => (lostOnRevoke = true));
    await kv.txn([], [put(`${prefix}owned`, 'me', lease.id)]);
    t.is((await kv.get(`${prefix}owned`))?.lease, lease.id);
    const rec = new Recorder();
    const watch = await kv.watch(prefix, (await kv.range(prefix)).revision + 1, rec.callbacks);
    await lease.revoke();
    await rec.until(1);
    t.like(rec.events[0], { type: 'delete', key: `${prefix}owned` });
    t.is(await kv.get(`${prefix}owned`), undefined);
    await t.throwsAsync(kv.txn([], [put(`${prefix}late`, 'x', lease.id)]), {
      instanceOf: LeaseNotFoundError,
    });
    t.is(await kv.get(`${prefix}late`), undefined);
    t.false(lostOnRevoke, 'revoking your own lease is not losing it');

    const doomed = await kv.grantLease(5);
    await kv.txn([], [put(`${prefix}doomed`, 'x', doomed.id)]);
    const lost = new Promise<Error>((resolve) => doomed.onLost(resolve));
    await store.loseLease(doomed);
    t.true((await within(lost, { what: 'onLost' })) instanceof LeaseLostError);
    await waitFor(async () => (await kv.get(`${prefix}doomed`)) === undefined, {
      what: 'leased key deleted',
    });
    await watch.cancel();
  });
}
