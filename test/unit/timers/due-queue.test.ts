import test from 'ava';
import fc from 'fast-check';
import { DueQueue } from '../../../src/timers/due-queue.js';

test('pops come out in due order, whatever the push order', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 300 }), (times) => {
      const queue = new DueQueue<{ at: number; id: number }>();
      times.forEach((at, id) => queue.push({ at, id }));
      const popped: number[] = [];
      for (let e = queue.pop(); e; e = queue.pop()) popped.push(e.at);
      return JSON.stringify(popped) === JSON.stringify([...times].sort((a, b) => a - b));
    }),
  );
  t.pass();
});

test('interleaved pushes and pops always return the current minimum', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(-1)), { maxLength: 300 }),
      (script) => {
        const queue = new DueQueue<{ at: number }>();
        const model: number[] = [];
        for (const step of script) {
          if (step >= 0) {
            queue.push({ at: step });
            model.push(step);
            continue;
          }
          model.sort((a, b) => a - b);
          if (queue.peek()?.at !== model[0] || queue.pop()?.at !== model.shift()) return false;
        }
        return queue.size === model.length;
      },
    ),
  );
  t.pass();
});

test('retain drops the rejected entries and the rest still pop in due order', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.integer({ min: 0, max: 1000 }), keep: fc.boolean() }), { maxLength: 300 }),
      fc.integer({ min: 0, max: 50 }),
      (entries, popsBefore) => {
        const queue = new DueQueue<{ at: number; keep: boolean }>();
        for (const e of entries) queue.push(e);
        const model = [...entries].sort((a, b) => a.at - b.at);
        // Pop some first, so retain starts from a heap that is not freshly built. Entries that tie
        // on `at` may come out in any order, so the model drops the very entry the queue popped.
        for (let i = 0; i < popsBefore && model.length > 0; i++) {
          const popped = queue.pop();
          if (popped === undefined || popped.at !== model[0]?.at) return false;
          model.splice(model.indexOf(popped), 1);
        }
        queue.retain((e) => e.keep);
        const expected = model.filter((e) => e.keep).map((e) => e.at);
        if (queue.size !== expected.length) return false;
        const popped: number[] = [];
        for (let e = queue.pop(); e; e = queue.pop()) {
          if (!e.keep) return false;
          popped.push(e.at);
        }
        return JSON.stringify(popped) === JSON.stringify(expected);
      },
    ),
  );
  t.pass();
});
