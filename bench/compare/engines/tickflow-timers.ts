/**
 * tickflow's TimerService (public API) on an embedded etcd started here in a temp dir, fsync on
 * as shipped; one replica owning every partition, handler and producer in this process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  connectEtcd,
  startEmbeddedEtcd,
  TimerService,
  type EmbeddedEtcd,
  type KvStore,
} from '../../lib/tickflow.js';
import { scheduleChunked, type FireListener, type OneShot, type TimerEngine } from './timer-engine.js';
import type { ProducerReply, ProducerRequest } from './producer-protocol.js';

const PARTITIONS = 32;
const APP_ID = 'bench';
const PRODUCER = fileURLToPath(new URL('./tickflow-producer.ts', import.meta.url));

export class TickflowTimers implements TimerEngine {
  readonly #etcd: EmbeddedEtcd;
  readonly #dataDir: string;
  readonly #kv: KvStore;
  readonly #service: TimerService;
  /** W7's producer process, once `separateProducer` started it: scheduling goes there. */
  #producer: ChildProcess | undefined;
  #seq = 0;
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  private constructor(etcd: EmbeddedEtcd, dataDir: string, kv: KvStore) {
    this.#etcd = etcd;
    this.#dataDir = dataDir;
    this.#kv = kv;
    this.#service = new TimerService({ kv, appId: APP_ID, partitions: PARTITIONS });
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

  /**
   * Starts a producer process (tickflow-producer.ts) with a TimerService of its own, not started,
   * on the same etcd; from then on `scheduleOneShots` hands the timers to it over IPC, and this
   * process is the replica only. Resolves the producer's pid, whose RSS W7 reports beside ours.
   */
  async separateProducer(): Promise<number> {
    const child = fork(PRODUCER, [JSON.stringify(this.#etcd.hosts), APP_ID, String(PARTITIONS)], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
    });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the producer process exited (${code})`)));
      child.once('message', () => resolve());
    });
    child.removeAllListeners('exit');
    child.on('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`the producer process exited (${code})`));
      this.#pending.clear();
    });
    child.on('message', (message: ProducerReply) => {
      if (message.kind !== 'done') return;
      const pending = this.#pending.get(message.seq);
      this.#pending.delete(message.seq);
      if (message.error === undefined) pending?.resolve();
      else pending?.reject(new Error(message.error));
    });
    this.#producer = child;
    if (child.pid === undefined) throw new Error('the producer process has no pid');
    return child.pid;
  }

  async scheduleOneShots(timers: readonly OneShot[]): Promise<void> {
    const producer = this.#producer;
    if (producer) {
      await scheduleChunked(timers, (chunk) => {
        const seq = ++this.#seq;
        const request: ProducerRequest = {
          kind: 'schedule',
          seq,
          ids: chunk.map((t) => t.id),
          dueAtMs: chunk.map((t) => t.dueAtMs),
        };
        return new Promise<void>((resolve, reject) => {
          this.#pending.set(seq, { resolve, reject });
          producer.send(request);
        });
      });
      return;
    }
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

  /** etcd's backend bytes in use, from its /metrics endpoint (on its unix socket or TCP port). */
  async storeBytes(): Promise<number> {
    const host = this.#etcd.hosts[0];
    if (host === undefined) return Number.NaN;
    const text = await metricsText(host);
    const match = /^etcd_mvcc_db_total_size_in_use_in_bytes (\S+)$/m.exec(text);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]);
  }

  async close(): Promise<void> {
    const producer = this.#producer;
    if (producer && producer.exitCode === null) {
      const exited = new Promise((resolve) => producer.once('exit', resolve));
      producer.send({ kind: 'stop' } satisfies ProducerRequest);
      await exited;
    }
    await this.#service.stop();
    await this.#kv.close();
    await this.#etcd.stop();
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}

/**
 * GET /metrics from an etcd client URL: `http://host:port`, or `unix:///path/client.sock:0` (the
 * embedded etcd's default, which `fetch` cannot reach).
 */
function metricsText(host: string): Promise<string> {
  // The socket file is named `client.sock:0` (etcd's unix URL form): the whole rest is the path.
  const target = host.startsWith('unix://')
    ? { socketPath: host.slice('unix://'.length) }
    : { host: new URL(host).hostname, port: new URL(host).port };
  return new Promise((resolve, reject) => {
    const req = request({ ...target, path: '/metrics', method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
