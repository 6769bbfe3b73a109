import type { StepExecutor } from './step-executor.js';
import type { ChunkState } from '../instances/history-chunks.js';
import type { InstanceRecord } from '../instances/instance-record.js';

/** A running instance kept in memory between steps, valid while its record's revision is unchanged. */
export interface CachedInstance {
  executor: StepExecutor;
  record: InstanceRecord;
  modRevision: number;
  chunks: ChunkState;
}

/** Least-recently-used cache of executors, bounded by entry count. */
export class ExecutorCache {
  readonly #max: number;
  readonly #entries = new Map<string, CachedInstance>();

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(instanceId: string): CachedInstance | undefined {
    const entry = this.#entries.get(instanceId);
    if (entry) {
      this.#entries.delete(instanceId);
      this.#entries.set(instanceId, entry);
    }
    return entry;
  }

  set(instanceId: string, entry: CachedInstance): void {
    this.#entries.delete(instanceId);
    this.#entries.set(instanceId, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(instanceId: string): void {
    this.#entries.delete(instanceId);
  }

  clear(): void {
    this.#entries.clear();
  }
}
