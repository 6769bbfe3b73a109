/**
 * DormantStore: dormant jobs in columns with an indexed min-heap by tick. Checked against a plain
 * model (a Map and a sort) over a seeded random mix of adds, frees, takes and put-backs, past the
 * initial capacity so the columns grow, plus the slot-generation rule handles rely on.
 */
import test from 'ava';
import { DormantStore, type DormantFields } from '../../../src/timers/dormant-store.js';

const T0 = Date.UTC(2026, 0, 1);

const job = (name: string, tick: number, more: Partial<DormantFields> = {}): DormantFields => ({
  name,
  partition: 3,
  modRevision: 7,
  tick,
  count: 0,
  lastTick: undefined,
  progressStored: false,
  ...more,
});

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

test('fields read back as added; count and lastTick only when a job has them', (t) => {
  const store = new DormantStore();
  const a = store.add(job('a', T0 + 5));
  t.deepEqual(store.fields(a), job('a', T0 + 5));
  const b = store.add(
    job('b', T0 + 9, {
      partition: 70_000,
      modRevision: 2 ** 40,
      count: 4,
      lastTick: T0 + 1,
      progressStored: true,
    }),
  );
  t.deepEqual(
    store.fields(b),
    job('b', T0 + 9, {
      partition: 70_000,
      modRevision: 2 ** 40,
      count: 4,
      lastTick: T0 + 1,
      progressStored: true,
    }),
  );
  t.deepEqual(
    store.fields(a),
    job('a', T0 + 5),
    'a one-shot added before the progress columns still reads 0 / none',
  );
  const c = store.add(job('c', T0 + 1));
  t.deepEqual(store.fields(c), job('c', T0 + 1));
  t.is(store.size, 3);
});

test('a freed slot is reused under a new generation; the old one is gone', (t) => {
  const store = new DormantStore();
  const a = store.add(job('a', T0 + 5, { count: 2, lastTick: T0 }));
  const generation = store.generation(a);
  t.true(store.has(a, generation));
  store.free(a);
  t.false(store.has(a, generation));
  t.is(store.size, 0);
  t.is(store.firstTick(), undefined, 'out of the heap at once');
  const b = store.add(job('b', T0 + 6));
  t.is(b, a, 'slot reused');
  t.false(store.has(b, generation));
  t.true(store.has(b, store.generation(b)));
  t.deepEqual(store.fields(b), job('b', T0 + 6), 'nothing of the previous job left in the slot');
  store.free(b);
  store.free(b);
  t.is(store.size, 0, 'freeing twice frees once');
});

test('taken jobs stay held and listed as waking until put back or freed', (t) => {
  const store = new DormantStore();
  const a = store.add(job('a', T0 + 1));
  const b = store.add(job('b', T0 + 2));
  t.is(store.takeFirst(), a);
  t.is(store.takeFirst(), b);
  t.is(store.takeFirst(), undefined);
  t.deepEqual([...store.waking()], [a, b]);
  t.is(store.size, 2);
  store.putBack(b);
  store.putBack(b);
  store.free(a);
  t.deepEqual([...store.waking()], []);
  t.is(store.firstTick(), T0 + 2);
  t.is(store.takeFirst(), b, 'put back once');
  t.is(store.takeFirst(), undefined);
});

test('random adds, frees, takes and put-backs hand jobs out in tick order, as a model does', (t) => {
  const next = random(21);
  const store = new DormantStore();
  /** slot -> what it holds, for every held job; `queued` those not taken. */
  const model = new Map<
    number,
    { name: string; partition: number; tick: number; generation: number; queued: boolean }
  >();
  let names = 0;
  for (let step = 0; step < 20_000; step++) {
    const roll = next();
    const held = [...model.keys()];
    if (roll < 0.5 || held.length === 0) {
      const tick = T0 + Math.floor(next() * 1000); // many equal ticks
      const name = `j${names++}`;
      const partition = Math.floor(next() * 4);
      const slot = store.add(job(name, tick, { partition }));
      model.set(slot, { name, partition, tick, generation: store.generation(slot), queued: true });
    } else if (roll < 0.7) {
      const slot = held[Math.floor(next() * held.length)] ?? 0;
      store.free(slot);
      model.delete(slot);
    } else if (roll < 0.9) {
      const slot = store.takeFirst();
      const queued = [...model.values()].filter((m) => m.queued);
      if (queued.length === 0) {
        t.is(slot, undefined);
        continue;
      }
      const earliest = Math.min(...queued.map((m) => m.tick));
      const entry = slot === undefined ? undefined : model.get(slot);
      if (!entry || !entry.queued || entry.tick !== earliest) return t.fail(`step ${step}: took ${slot}`);
      entry.queued = false;
    } else {
      const taken = [...model.entries()].filter(([, m]) => !m.queued);
      const pick = taken[Math.floor(next() * taken.length)];
      if (pick) {
        store.putBack(pick[0]);
        pick[1].queued = true;
      }
    }
  }
  t.true(names > 1024, 'grew past the initial capacity');
  t.is(store.size, model.size);
  for (const [slot, m] of model) {
    t.true(store.has(slot, m.generation));
    t.is(store.fields(slot).name, m.name);
    t.is(store.find(m.partition, m.name), slot);
    t.is(store.find((m.partition + 1) % 4, m.name), undefined);
  }
  const byNumber = (a: number, b: number): number => a - b;
  t.deepEqual(
    [...store.waking()].sort(byNumber),
    [...model]
      .filter(([, m]) => !m.queued)
      .map(([slot]) => slot)
      .sort(byNumber),
  );
  const seen: number[] = [];
  store.forEach((_, tick) => seen.push(tick));
  t.is(seen.length, model.size);
  // Drain: the queued ones come out in tick order.
  const ticks: number[] = [];
  for (let slot = store.takeFirst(); slot !== undefined; slot = store.takeFirst())
    ticks.push(store.tickOf(slot));
  t.deepEqual(
    ticks,
    [...model.values()]
      .filter((m) => m.queued)
      .map((m) => m.tick)
      .sort((a, b) => a - b),
  );
  for (const p of [0, 1, 2, 3]) {
    t.deepEqual(
      store.slotsOf(p).sort(byNumber),
      [...model]
        .filter(([, m]) => m.partition === p)
        .map(([slot]) => slot)
        .sort(byNumber),
    );
  }
  t.deepEqual(store.slotsOf(4), []);
  store.clear();
  t.is(store.size, 0);
  const some = [...model.values()][0];
  t.is(some && store.find(some.partition, some.name), undefined);
  t.deepEqual(store.slotsOf(some?.partition ?? 0), []);
  t.is(store.firstTick(), undefined);
});
