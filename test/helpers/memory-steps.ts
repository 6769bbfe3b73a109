/**
 * Driving a MemoryKv + FakeClock world step by step: `flush` lets every pending store operation,
 * watch delivery and handler settle; `advanceTo` moves the clock one due callback at a time,
 * settling after each, so timers scheduled by callbacks run in order.
 */
import type { FakeClock } from '../../src/common/fake-clock.js';
import type { MemoryKv } from '../../src/etcd/memory-kv.js';

export interface MemorySteps {
  flush(): Promise<void>;
  advanceTo(target: number): Promise<void>;
}

export function memorySteps(kv: MemoryKv, clock: FakeClock): MemorySteps {
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      await kv.settled();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const advanceTo = async (target: number): Promise<void> => {
    await flush();
    for (let next = clock.nextDue(); next !== undefined && next <= target; next = clock.nextDue()) {
      clock.advanceTo(next);
      await flush();
    }
    clock.advanceTo(target);
    await flush();
  };
  return { flush, advanceTo };
}
