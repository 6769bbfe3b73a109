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
