/**
 * A timer-service fleet for benchmarks: a fresh embedded etcd in a temp dir and one started replica
 * owning every partition, plus a Meter of what it delivered.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEtcd, type EtcdKv, startEmbeddedEtcd, TimerService } from './tickflow.js';

export interface Fleet {
  kv: EtcdKv;
  service: TimerService;
  etcdPid: number;
  close(): Promise<void>;
}

/** A fresh etcd and one started replica that owns every partition. */
export async function startFleet(
  appId: string,
  partitions = 32,
  options: { horizonMs?: number } = {},
): Promise<Fleet> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-bench-'));
  const etcd = await startEmbeddedEtcd({ dataDir });
  const kv = await connectEtcd({ hosts: etcd.hosts });
  const service = new TimerService({ kv, appId, partitions, ...options });
  service.on('warning', (e) => process.stderr.write(`warning: ${e.message}\n`));
  const owned = new Promise<void>((resolve) =>
    service.on('partitionsChanged', (p) => p.length === partitions && resolve()),
  );
  await service.start();
  await owned;
  return {
    kv,
    service,
    etcdPid: etcd.pid,
    async close() {
      await service.stop();
      await kv.close();
      await etcd.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Records handler-side lateness and commit-side completions of one service. */
export class Meter {
  readonly lateness: number[] = [];
  early = 0;
  delivered = 0;
  ended = 0;
  lastEndedAt = 0;
  firstDeliveredAt = Infinity;
  #waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(service: TimerService) {
    service.onTrigger('app', (trigger) => {
      const now = Date.now();
      const late = now - trigger.scheduledAt.getTime();
      if (late < 0) this.early++;
      this.lateness.push(late);
      this.delivered++;
      if (now < this.firstDeliveredAt) this.firstDeliveredAt = now;
      return 'success';
    });
    service.on('triggered', (e) => {
      if (e.firedAt < e.scheduledAt) this.early++;
    });
    service.on('jobEnded', () => {
      this.ended++;
      this.lastEndedAt = Date.now();
      if (this.#waiters.length > 0 && this.#waiters[0] !== undefined && this.ended >= this.#waiters[0].n) {
        const ready = this.#waiters.filter((w) => this.ended >= w.n);
        this.#waiters = this.#waiters.filter((w) => this.ended < w.n);
        for (const w of ready) w.resolve();
      }
    });
  }

  /** Resolves when `n` jobs have ended, or rejects after `timeoutMs`. */
  untilEnded(n: number, timeoutMs: number): Promise<void> {
    if (this.ended >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.ended} of ${n} jobs ended within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}
