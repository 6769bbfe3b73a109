/**
 * BullMQ on Redis: delayed jobs are its durable timers (one-shots: `delay`; recurring: job
 * schedulers with a cron pattern), consumed by a Worker in this process. Redis runs with AOF,
 * `appendfsync everysec` or `always`.
 */
import { importPeer } from '../peers.js';
import type {
  BullJob,
  BullModule,
  BullQueue,
  BullWorker,
  IoRedisModule,
  RedisClient,
} from '../peer-types.js';
import { startRedis, type AppendFsync, type RedisServer } from '../redis-server.js';
import { scheduleChunked, type FireListener, type OneShot, type TimerEngine } from './timer-engine.js';

const QUEUE = 'timers';
/** Jobs a Worker processes at once; generous so that the no-op handler never limits the rate. */
export const BULLMQ_CONCURRENCY = 500;

export class BullmqTimers implements TimerEngine {
  readonly #redis: RedisServer;
  readonly #bull: BullModule;
  readonly #queue: BullQueue;
  readonly #client: RedisClient;
  #worker: BullWorker | undefined;

  readonly #connect: () => RedisClient;

  private constructor(redis: RedisServer, bull: BullModule, connect: () => RedisClient) {
    this.#redis = redis;
    this.#bull = bull;
    this.#connect = connect;
    // BullMQ's ESM build cannot load ioredis itself: it is handed ready clients.
    this.#client = connect();
    this.#queue = new bull.Queue(QUEUE, { connection: connect() });
  }

  static async create(fsync: AppendFsync): Promise<BullmqTimers> {
    const bull = await importPeer<BullModule>('bullmq');
    const { Redis } = await importPeer<IoRedisModule>('ioredis');
    const redis = await startRedis(fsync);
    const connect = (): RedisClient =>
      new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null });
    const engine = new BullmqTimers(redis, bull, connect);
    await engine.#queue.waitUntilReady();
    return engine;
  }

  get storePids(): number[] {
    return [this.#redis.pid];
  }

  async start(onFire: FireListener): Promise<void> {
    const worker = new this.#bull.Worker(
      QUEUE,
      (job: BullJob) => {
        const now = Date.now();
        onFire(idOf(job), dueOf(job), now);
        return Promise.resolve(undefined);
      },
      { connection: this.#connect(), concurrency: BULLMQ_CONCURRENCY },
    );
    worker.on('error', (e) => process.stderr.write(`bullmq worker error: ${e.message}\n`));
    await worker.waitUntilReady();
    this.#worker = worker;
  }

  async scheduleOneShots(timers: readonly OneShot[]): Promise<void> {
    await scheduleChunked(timers, async (chunk) => {
      const now = Date.now();
      await this.#queue.addBulk(
        chunk.map((t) => ({
          name: 'timer',
          data: { id: t.id, due: t.dueAtMs },
          opts: {
            jobId: t.id,
            delay: Math.max(0, t.dueAtMs - now),
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      );
    });
  }

  async scheduleCron(ids: readonly string[], pattern: string): Promise<void> {
    const tz = /^CRON_TZ=(\S+)\s+/.exec(pattern);
    const repeat = tz?.[1] ? { pattern: pattern.slice(tz[0].length), tz: tz[1] } : { pattern };
    // Job schedulers are created one call each (BullMQ has no bulk form); a few in flight.
    await scheduleChunked(
      ids.map((id) => ({ id, dueAtMs: 0 })),
      async (chunk) => {
        await Promise.all(
          chunk.map((t) =>
            this.#queue.upsertJobScheduler(t.id, repeat, {
              name: 'cron',
              data: { id: t.id },
              opts: { removeOnComplete: true, removeOnFail: true },
            }),
          ),
        );
      },
      100,
      4,
    );
  }

  /** Redis's used_memory (the dataset and its overhead, excluding the AOF file). */
  async storeBytes(): Promise<number> {
    const info = String(await this.#client.call('INFO', 'memory'));
    return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
  }

  async close(): Promise<void> {
    await this.#worker?.close(true);
    await this.#queue.close();
    await this.#client.quit();
    await this.#redis.stop();
  }
}

function idOf(job: BullJob): string {
  const data = job.data as { id?: unknown } | undefined;
  return typeof data?.id === 'string' ? data.id : job.name;
}

/** When the job was due: its data for one-shots, the scheduler's tick for recurring jobs. */
function dueOf(job: BullJob): number {
  const data = job.data as { due?: unknown } | undefined;
  if (typeof data?.due === 'number') return data.due;
  return job.opts.prevMillis ?? job.timestamp + job.delay;
}
