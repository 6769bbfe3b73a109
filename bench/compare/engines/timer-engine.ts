/** What a timer workload (W1, W2, W3, W7) needs from an engine; one adapter per engine. */

export interface OneShot {
  id: string;
  dueAtMs: number;
}

/** A delivery seen by the benchmark's handler: which timer, when it was due, when it ran. */
export type FireListener = (id: string, dueAtMs: number, nowMs: number) => void;

export interface TimerEngine {
  /** Processes whose CPU and RSS count as the engine's store (etcd, redis-server, restate-server). */
  readonly storePids: number[];
  /** Starts consuming: every delivery calls `onFire`. */
  start(onFire: FireListener): Promise<void>;
  /**
   * Optional (W7): moves `scheduleOneShots` into a producer process of its own, so that this
   * process's RSS is the consumer's (for tickflow: the replica's) alone. Resolves the producer's pid.
   */
  separateProducer?(): Promise<number>;
  /** Durably creates one-shot timers; resolves once all are stored. */
  scheduleOneShots(timers: readonly OneShot[]): Promise<void>;
  /**
   * Creates recurring jobs with a 6-field cron pattern (seconds first, optional CRON_TZ= prefix),
   * or throws UnsupportedError.
   */
  scheduleCron(ids: readonly string[], pattern: string): Promise<void>;
  /** Bytes the store holds for its data (e.g. etcd's db in use, Redis used_memory, disk). */
  storeBytes(): Promise<number>;
  close(): Promise<void>;
}

/** An engine cannot express a workload; the table says so instead of showing a figure. */
export class UnsupportedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnsupportedError';
  }
}

/** How many timers one scheduling call takes, and how many calls are outstanding at once. */
export const SCHEDULE_CHUNK = 5_000;
export const SCHEDULE_PIPELINE = 2;

/** Runs `schedule` over `timers` in chunks with a few calls in flight, as a producer would. */
export async function scheduleChunked(
  timers: readonly OneShot[],
  schedule: (chunk: readonly OneShot[]) => Promise<void>,
  chunkSize = SCHEDULE_CHUNK,
  pipeline = SCHEDULE_PIPELINE,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < timers.length) {
      const from = next;
      next = Math.min(timers.length, from + chunkSize);
      await schedule(timers.slice(from, next));
    }
  };
  await Promise.all(Array.from({ length: pipeline }, worker));
}
