/**
 * tickflow's WorkflowRuntime and WorkflowClient (public API) on an embedded etcd started here,
 * fsync on as shipped. Steps are activities; the timer is `ctx.createTimer('1s')`. Completion is
 * taken from the runtime's 'completed' event (the commit of the final step).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startEmbeddedEtcd,
  WorkflowClient,
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  type EmbeddedEtcd,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '../../lib/tickflow.js';
import type { Progress } from '../types.js';
import type { WorkflowEngine, WorkflowShape } from './workflow-engine.js';

const PARTITIONS = 32;

/** Step times of the running longSequence, written by the `stamp` activity. */
let stamps: number[] = [];

function noop(_ctx: WorkflowActivityContext, i: number): number {
  return i;
}

function stamp(_ctx: WorkflowActivityContext, i: number): number {
  stamps[i] = performance.now();
  return i;
}

async function* sequence(ctx: WorkflowContext, input: { steps: number; timerBefore?: number }) {
  let sum = 0;
  for (let i = 0; i < input.steps; i++) {
    if (i === input.timerBefore) yield ctx.createTimer('1s');
    sum += yield* ctx.callActivity<number>(noop, i);
  }
  return sum;
}

async function* fanout(ctx: WorkflowContext, input: { activities: number }) {
  const results = yield* ctx.whenAll(
    Array.from({ length: input.activities }, (_, i) => ctx.callActivity<number>(noop, i)),
  );
  return results.length;
}

async function* longSequence(ctx: WorkflowContext, steps: number) {
  for (let i = 0; i < steps; i++) yield ctx.callActivity(stamp, i);
  return steps;
}

export interface TickflowWorkflowsOptions {
  /** Executor cache entries; 0 turns the cache off. */
  cacheSize?: number;
  /** Register the activities `{ inline: true }` (engine `tickflow-inline`). */
  inline?: boolean;
}

export class TickflowWorkflows implements WorkflowEngine {
  readonly #etcd: EmbeddedEtcd;
  readonly #dataDir: string;
  readonly #runtime: WorkflowRuntime;
  readonly #client: WorkflowClient;
  readonly #done = new Map<string, (status: WorkflowRuntimeStatus) => void>();
  #seq = 0;

  private constructor(etcd: EmbeddedEtcd, dataDir: string, options: TickflowWorkflowsOptions) {
    const { cacheSize, inline = false } = options;
    this.#etcd = etcd;
    this.#dataDir = dataDir;
    const store = { etcd: { hosts: etcd.hosts }, appId: 'bench' };
    this.#runtime = new WorkflowRuntime({
      ...store,
      partitions: PARTITIONS,
      ...(cacheSize === undefined ? {} : { cacheSize }),
    });
    this.#runtime.registerWorkflow(sequence).registerWorkflow(fanout).registerWorkflow(longSequence);
    this.#runtime.registerActivity(noop, { inline }).registerActivity(stamp, { inline });
    this.#runtime.on('warning', (e) => process.stderr.write(`tickflow warning: ${e.message}\n`));
    this.#runtime.on('completed', (id, status) => this.#done.get(id)?.(status));
    this.#client = new WorkflowClient(store);
  }

  /** `cacheSize: 0` turns the executor cache off (every step replays the history). */
  static async create(options: TickflowWorkflowsOptions = {}): Promise<TickflowWorkflows> {
    const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-compare-etcd-'));
    const etcd = await startEmbeddedEtcd({ dataDir });
    const engine = new TickflowWorkflows(etcd, dataDir, options);
    const owned = new Promise<void>((resolve) =>
      engine.#runtime.timers.on('partitionsChanged', (p) => p.length === PARTITIONS && resolve()),
    );
    await engine.#runtime.start();
    if (engine.#runtime.timers.ownedPartitions().length < PARTITIONS) await owned;
    return engine;
  }

  get storePids(): number[] {
    return [this.#etcd.pid];
  }

  async runMany(shape: WorkflowShape, count: number, progress: Progress): Promise<number[]> {
    const [workflow, input] = shape.kind === 'sequence' ? [sequence, shape] : [fanout, shape];
    let completed = 0;
    const ticker = setInterval(() => progress(`${completed}/${count} workflows done`), 1_000);
    try {
      return await Promise.all(
        Array.from({ length: count }, async () => {
          const id = `w${++this.#seq}`;
          const started = Date.now();
          const done = this.#completion(id);
          await this.#client.scheduleNewWorkflow(workflow, input, id);
          const status = await done;
          if (status !== WorkflowRuntimeStatus.COMPLETED) throw new Error(`workflow ${id} ended ${status}`);
          completed++;
          return Date.now() - started;
        }),
      );
    } finally {
      clearInterval(ticker);
    }
  }

  async longSequence(steps: number, progress: Progress): Promise<number[]> {
    stamps = new Array<number>(steps).fill(Number.NaN);
    const id = `long${++this.#seq}`;
    const done = this.#completion(id);
    const ticker = setInterval(
      () => progress(`step ${stamps.findIndex((s) => Number.isNaN(s))}/${steps}`),
      1_000,
    );
    try {
      await this.#client.scheduleNewWorkflow(longSequence, steps, id);
      const status = await done;
      if (status !== WorkflowRuntimeStatus.COMPLETED) throw new Error(`workflow ${id} ended ${status}`);
      return stamps;
    } finally {
      clearInterval(ticker);
    }
  }

  #completion(id: string): Promise<WorkflowRuntimeStatus> {
    return new Promise((resolve) =>
      this.#done.set(id, (status) => {
        this.#done.delete(id);
        resolve(status);
      }),
    );
  }

  async close(): Promise<void> {
    await this.#runtime.stop();
    await this.#client.close();
    await this.#etcd.stop();
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}
