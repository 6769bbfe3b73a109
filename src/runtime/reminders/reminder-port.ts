import type { StoreOp } from '../../etcd/store-op.js';

/** JSON as reminders carry it (structurally the timer service's JsonValue). */
export type ReminderJson =
  string | number | boolean | null | ReminderJson[] | { [key: string]: ReminderJson };

/** A one-shot reminder the runtime commits inside its own step transaction. */
export interface ReminderSpec {
  dueTime: Date;
  target: string;
  /** All reminders of one instance share its id, so one replica owns the instance's work. */
  partitionKey: string;
  data?: ReminderJson;
  overwrite: true;
  failurePolicy?: { constant: { interval?: string; maxRetries?: number } } | { drop: Record<string, never> };
}

export interface ReminderTrigger {
  name: string;
  data: ReminderJson | undefined;
  scheduledAt: Date;
  attempt: number;
}

export type ReminderResult = 'success' | 'failed' | 'undeliverable';

/**
 * What the workflow runtime needs of the timer service, declared here so the engine depends on
 * this small interface rather than on `src/timers` (the layering in docs/architecture.md). `TimerService` satisfies it.
 */
export interface ReminderPort {
  onTrigger(target: string, handler: (trigger: ReminderTrigger) => Promise<ReminderResult>): () => void;
  /** Learns what the synchronous `*Ops` methods need (the scope's partition count); `start` does too. */
  ready(): Promise<void>;
  putJobOps(name: string, spec: ReminderSpec): StoreOp[];
  deleteJobOps(name: string, partitionKey: string): StoreOp[];
  deleteJobPrefixOps(namePrefix: string, partitionKey: string): StoreOp[];
  list(options: { prefix?: string }): Promise<Array<{ name: string; nextFireAt?: Date; target: string }>>;
  /** This replica's id among the replicas. */
  readonly memberId: string;
  /** The live replicas' ids. */
  members(): readonly string[];
  /** Fires now the waiting one-shot reminders of `target` in `partitions` (default: all owned) that `pick`. */
  expedite(
    target: string,
    pick: (data: ReminderJson | undefined) => boolean,
    partitions?: Iterable<number>,
  ): number;
  /** Calls `listener` with the owned partitions when the replicas change, and with newly acquired ones. */
  onClusterChange(listener: (partitions: readonly number[]) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
