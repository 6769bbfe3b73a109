/**
 * tickflow's TimerService (public API) on an embedded etcd started here in a temp dir, fsync on
 * as shipped; one replica owning every partition, handler and producer in this process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectEtcd,
  startEmbeddedEtcd,
  TimerService,
  type EmbeddedEtcd,
  type KvStore,
} from '../../../src/index.js';
import { scheduleChunked, type FireListener, type OneShot, type TimerEngine } from './timer-engine.js';

const PARTITIONS = 32;

export class TickflowTimers implements TimerEngine {
  readonly #etcd: EmbeddedEtcd;
  readonly #dataDir: string;
  readonly #kv: KvStore;
  readonly #service: TimerService;

  private constructor(etcd: EmbeddedEtcd, dataDir: string, kv: KvStore) {
    this.#etcd = etcd;
    this.#dataDir = dataDir;
    this.#kv = kv;
    this.#service = new TimerService({ kv, appId: 'bench', partitions: PARTITIONS });
    this.#service.on('warning', (e) => process.stderr.write(`tickflow warning: ${e.message}\n`));
  }

  static async create(): Promise<TickflowTimers> {
    const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-compare-etcd-'));
    const etcd = await startEmbeddedEtcd({ dataDir });
    return new TickflowTimers(etcd, dataDir, await connectEtcd({ hosts: etcd.hosts }));
  }

  get storePids(): number[] {
    return [this.#etcd.pid];
  }

  get etcd(): EmbeddedEtcd {
    return this.#etcd;
  }

  async start(onFire: FireListener): Promise<void> {
    this.#service.onTrigger('app', (trigger) => {
      onFire(trigger.name, trigger.scheduledAt.getTime(), Date.now());
      return 'success';
    });
    const owned = new Promise<void>((resolve) =>
      this.#service.on('partitionsChanged', (p) => p.length === PARTITIONS && resolve()),
    );
    await this.#service.start();
    await owned;
  }

  async scheduleOneShots(timers: readonly OneShot[]): Promise<void> {
    await scheduleChunked(timers, async (chunk) => {
      const results = await this.#service.scheduleMany(
        chunk.map((t) => ({ name: t.id, spec: { dueTime: new Date(t.dueAtMs) } })),
      );
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok) throw failed.error;
    });
  }

  async scheduleCron(ids: readonly string[], pattern: string): Promise<void> {
    await scheduleChunked(
      ids.map((id) => ({ id, dueAtMs: 0 })),
      async (chunk) => {
        const results = await this.#service.scheduleMany(
          chunk.map((t) => ({ name: t.id, spec: { schedule: pattern } })),
        );
        const failed = results.find((r) => !r.ok);
        if (failed && !failed.ok) throw failed.error;
      },
    );
  }

  /** etcd's backend bytes in use, from its /metrics endpoint. */
  async storeBytes(): Promise<number> {
    const host = this.#etcd.hosts[0];
    if (host === undefined) return Number.NaN;
    const text = await (await fetch(`${host}/metrics`)).text();
    const match = /^etcd_mvcc_db_total_size_in_use_in_bytes (\S+)$/m.exec(text);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]);
  }

  async close(): Promise<void> {
    await this.#service.stop();
    await this.#kv.close();
    await this.#etcd.stop();
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}
