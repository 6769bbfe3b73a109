/**
 * Runs one job through the real timer service (TimerService on a MemoryKv with a FakeClock: the
 * real trigger loop, table, feed and failure policy) and records every delivery, so tests of the
 * schedule semantics check what the service does, not a model of it.
 */
import { sleep } from '../../src/common/backoff.js';
import { FakeClock } from '../../src/common/fake-clock.js';
import { MemoryKv } from '../../src/etcd/memory-kv.js';
import { JobNotFoundError } from '../../src/timers/errors.js';
import type { JobSpec } from '../../src/timers/schedule/job.js';
import { TimerService } from '../../src/timers/timer-service.js';
import { memorySteps } from './memory-steps.js';

export interface Delivery {
  /** The tick delivered (epoch ms). */
  tick: number;
  /** When the handler was called (epoch ms, by the service's clock). */
  at: number;
  attempt: number;
}

export interface DriveOptions {
  /** The clock when the job is scheduled. Default 2026-01-01T00:00:00Z. */
  createdAt?: number;
  /** Whether a delivery fails (the handler answers 'failed'). Default never. */
  fails?: (delivery: Delivery) => boolean;
  /** Start the service only at this time (the job was scheduled at `createdAt`, then downtime). */
  start?: number;
  /** How long each delivery takes, in ms of the fake clock. Default 0. */
  latency?: number;
  /** Stop after this many deliveries. Default 10,000. */
  limit?: number;
  /** The service's `cronTimeZone`. Default 'UTC', so no test depends on the machine's zone. */
  cronTimeZone?: string;
}

const NAME = 'job';
/** No test job runs longer than this after it starts; past it the drive gives up. */
const MAX_SPAN_MS = 31 * 24 * 3_600_000;

export async function driveJob(spec: JobSpec, options: DriveOptions = {}): Promise<Delivery[]> {
  const { fails = () => false, latency = 0, limit = 10_000 } = options;
  const clock = new FakeClock(options.createdAt ?? Date.UTC(2026, 0, 1));
  const kv = new MemoryKv({ clock });
  const steps = memorySteps(kv, clock);
  const timers = new TimerService({
    kv,
    clock,
    partitions: 1,
    appId: 'drive',
    cronTimeZone: options.cronTimeZone ?? 'UTC',
  });
  const deliveries: Delivery[] = [];
  let inFlight = 0;
  timers.onTrigger('app', async (trigger) => {
    const delivery = { tick: trigger.scheduledAt.getTime(), at: clock.now(), attempt: trigger.attempt };
    deliveries.push(delivery);
    inFlight++;
    try {
      if (latency > 0) await sleep(clock, latency);
      return fails(delivery) ? 'failed' : 'success';
    } finally {
      inFlight--;
    }
  });
  await timers.schedule(NAME, { ...spec, target: 'app' });
  if (options.start !== undefined) await steps.advanceTo(options.start);
  const giveUpAt = clock.now() + MAX_SPAN_MS;
  const exists = async (): Promise<boolean> =>
    timers.get(NAME).then(
      () => true,
      (error: unknown) => {
        if (error instanceof JobNotFoundError) return false;
        throw error;
      },
    );
  await timers.start();
  try {
    for (;;) {
      await steps.flush();
      if (deliveries.length >= limit && inFlight === 0) break;
      if (inFlight === 0 && !(await exists())) break;
      const next = clock.nextDue();
      if (next === undefined || next > giveUpAt) break;
      clock.advanceTo(next);
    }
  } finally {
    await timers.stop();
  }
  return deliveries.slice(0, limit);
}
