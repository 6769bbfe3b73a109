/**
 * Helpers shared by the timer-service integration tests: a service per test with its own appId
 * (so tests sharing one etcd never see each other's jobs) and a recorder of what was delivered.
 */
import { nanoid } from 'nanoid';
import type { KvStore } from '../../../src/etcd/kv-store.js';
import type { JobTrigger, JsonValue, TriggerResult } from '../../../src/timers/schedule/job.js';
import type { TriggerEvent } from '../../../src/timers/timer-events.js';
import { TimerService, type TimerServiceOptions } from '../../../src/timers/timer-service.js';
import { waitFor, type WaitOptions } from '../../helpers/etcd-wait.js';

/** A fresh appId: letters, digits, '_' and '-' only, as scope keys require. */
export function uniqueAppId(): string {
  return `t-${nanoid(10)}`;
}

export function newService(kv: KvStore, options: Partial<TimerServiceOptions> = {}): TimerService {
  // Cron without CRON_TZ runs in the process's zone by default; tests must not depend on the machine's.
  return new TimerService({
    kv,
    appId: uniqueAppId(),
    partitions: 8,
    leaseTtlSeconds: 3,
    cronTimeZone: 'UTC',
    ...options,
  });
}

/** One call of a trigger handler, as the handler itself saw it. */
export interface Delivery {
  name: string;
  target: string;
  scheduledAt: number;
  /** `Date.now()` read inside the handler: the independent check of "never early". */
  handlerNow: number;
  attempt: number;
  count: number;
  data: JsonValue | undefined;
  replica: string;
}

/** Everything one or more services delivered and reported, for assertions after the fact. */
export class Recorder {
  readonly deliveries: Delivery[] = [];
  readonly triggered: TriggerEvent[] = [];
  readonly ended: string[] = [];
  readonly staged: string[] = [];
  readonly warnings: Error[] = [];

  /** Listens to a service's events. */
  watch(service: TimerService): this {
    service.on('triggered', (e) => this.triggered.push(e));
    service.on('jobEnded', (name) => this.ended.push(name));
    service.on('staged', (name) => this.staged.push(name));
    service.on('warning', (error) => this.warnings.push(error));
    return this;
  }

  /** A handler that records each delivery and answers with `answer` (default 'success'). */
  handler(
    replica: string,
    answer: (trigger: JobTrigger) => TriggerResult | Promise<TriggerResult> = () => 'success',
  ): (trigger: JobTrigger) => Promise<TriggerResult> {
    return async (trigger) => {
      this.deliveries.push({
        name: trigger.name,
        target: trigger.target,
        scheduledAt: trigger.scheduledAt.getTime(),
        handlerNow: Date.now(),
        attempt: trigger.attempt,
        count: trigger.count,
        data: trigger.data,
        replica,
      });
      return answer(trigger);
    };
  }

  of(name: string): Delivery[] {
    return this.deliveries.filter((d) => d.name === name);
  }

  async untilEnded(names: string | readonly string[], options: WaitOptions = {}): Promise<void> {
    const wanted = typeof names === 'string' ? [names] : names;
    await waitFor(() => wanted.every((n) => this.ended.includes(n)), {
      what: `jobEnded for ${wanted.length === 1 ? wanted[0] : `${wanted.length} jobs`}`,
      ...options,
    });
  }

  async untilDelivered(name: string, count: number, options: WaitOptions = {}): Promise<void> {
    await waitFor(() => this.of(name).length >= count, {
      what: `${count} deliveries of ${name}`,
      ...options,
    });
  }
}

/** An RFC3339 timestamp `ms` from now, with milliseconds. */
export function inMs(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

/** A promise with its resolve function, for handlers that must wait for the test. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
