import type {
  ReminderPort,
  ReminderResult,
  ReminderSpec,
  ReminderTrigger,
} from '../../src/runtime/reminders/reminder-port.js';
import type { StoreOp } from '../../src/etcd/store-op.js';
import type { TimerService } from '../../src/index.js';

/** `single` delivers once (to observe triggers); the others deliver every trigger twice. */
export type DoublingMode = 'single' | 'sequential' | 'concurrent';

/**
 * A ReminderPort that can hand every trigger to the runtime's handler twice: one after the other (a
 * late duplicate, after the first was committed) or both at once (a race). Everything else goes
 * to the real timer service, so the runtime behaves as in production apart from the duplicates.
 */
export class DoublingPort implements ReminderPort {
  readonly #inner: TimerService;
  readonly #mode: DoublingMode;
  /** Triggers delivered twice, by target. */
  readonly doubled = new Map<string, number>();
  /** Called as each trigger is handed to the runtime (before its handler settles). */
  onHandle: (trigger: ReminderTrigger, target: string) => void = () => undefined;

  constructor(inner: TimerService, mode: DoublingMode) {
    this.#inner = inner;
    this.#mode = mode;
  }

  onTrigger(target: string, handler: (trigger: ReminderTrigger) => Promise<ReminderResult>): () => void {
    return this.#inner.onTrigger(target, async (trigger) => {
      this.onHandle(trigger, target);
      if (this.#mode === 'single') return handler(trigger);
      const results =
        this.#mode === 'concurrent'
          ? await Promise.all([handler(trigger), handler(trigger)])
          : [await handler(trigger), await handler(trigger)];
      this.doubled.set(target, (this.doubled.get(target) ?? 0) + 1);
      return results.find((r) => r !== 'success') ?? 'success';
    });
  }

  ready(): Promise<void> {
    return this.#inner.ready();
  }

  putJobOps(name: string, spec: ReminderSpec): StoreOp[] {
    return this.#inner.putJobOps(name, spec);
  }

  deleteJobOps(name: string, partitionKey: string): StoreOp[] {
    return this.#inner.deleteJobOps(name, partitionKey);
  }

  deleteJobPrefixOps(namePrefix: string, partitionKey: string): StoreOp[] {
    return this.#inner.deleteJobPrefixOps(namePrefix, partitionKey);
  }

  list(options: { prefix?: string }): ReturnType<ReminderPort['list']> {
    return this.#inner.list(options);
  }

  get memberId(): string {
    return this.#inner.memberId;
  }

  members(): readonly string[] {
    return this.#inner.members();
  }

  expedite(...args: Parameters<ReminderPort['expedite']>): number {
    return this.#inner.expedite(...args);
  }

  onClusterChange(listener: (partitions: readonly number[]) => void): () => void {
    return this.#inner.onClusterChange(listener);
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  stop(): Promise<void> {
    return this.#inner.stop();
  }
}
