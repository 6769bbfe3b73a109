import { DormantNames } from './dormant-names.js';

/** Slots allocated the first time; the columns double from there. */
const INITIAL_CAPACITY = 1024;

const PROGRESS_STORED = 1;
const WAKING = 2;
const USED = 4;

/** One dormant job as the store hands it out: its fields, read from the columns. */
export interface DormantFields {
  name: string;
  partition: number;
  modRevision: number;
  tick: number;
  count: number;
  lastTick: number | undefined;
  progressStored: boolean;
}

/**
 * The dormant jobs of a JobTable, in columns (typed arrays indexed by slot) rather than one object
 * each, with a min-heap of slots by tick for waking them.
 *
 * Why columns: a million jobs due far ahead are the memory a replica holds for them, and as
 * objects each one cost 84 bytes plus its queue entry (a double field is a boxed number of its
 * own, and every object has a header), plus some 60 bytes for its name string and map entry.
 * Here a one-shot job costs 41 bytes of columns (partition 4, tick 8, mod revision 8, generation
 * 4, flags 1, heap position 4, heap entry 4, its partition's list links 8), its name about 23 more in DormantNames (UTF-8 bytes
 * in an arena, offset, length, hash buckets), plus 16 for `count` and `lastTick` once any dormant
 * job has a completed tick (those two columns are allocated on first use, as one-shot jobs never
 * need them). Capacity doubles as needed and never shrinks; freed slots are reused first.
 *
 * Jobs are found by (partition, name) with `find`: the store is the table's index of its dormant
 * jobs, and at most one job per (partition, name) may be held (the table removes the old one
 * first).
 *
 * A slot is identified by (slot, generation): freeing a slot bumps its generation, so a handle
 * taken before (see DormantJob) can tell that the job it stood for is gone even once the slot is
 * reused. The heap is indexed (each slot knows its position), so a removed job leaves the heap at
 * once: no stale entries pile up for jobs overwritten or deleted while dormant.
 *
 * Pure bookkeeping, no I/O.
 */
export class DormantStore {
  #capacity = 0;
  /** Slots ever handed out: the ones below are in use or on the free list. */
  #highWater = 0;
  readonly #names = new DormantNames((slot) => this.#partition[slot] ?? 0);
  #partition = new Int32Array(0);
  #tick = new Float64Array(0);
  #modRevision = new Float64Array(0);
  #generation = new Uint32Array(0);
  #flags = new Uint8Array(0);
  /** Position in `#heap`, or -1 when not queued (free, or taken to be woken). */
  #heapPos = new Int32Array(0);
  #heap = new Int32Array(0);
  #heapSize = 0;
  /**
   * Each partition's slots as a doubly linked list (-1 ends it), so that listing or releasing one
   * partition costs its own jobs, not every dormant job of every partition.
   */
  #next = new Int32Array(0);
  #prev = new Int32Array(0);
  readonly #firstOf = new Map<number, number>();
  /** Ticks completed; allocated when the first job with a completed tick is added. */
  #count: Float64Array | undefined;
  /** The last completed tick (NaN: none); allocated with `#count`. */
  #lastTick: Float64Array | undefined;
  readonly #free: number[] = [];
  /** Slots taken by `takeFirst` and not yet put back or freed: bounded by the waker's batches. */
  readonly #waking = new Set<number>();
  #size = 0;

  /** Dormant jobs held (queued or taken to be woken). */
  get size(): number {
    return this.#size;
  }

  /** Adds a job, queued by its tick; returns its slot. */
  add(job: DormantFields): number {
    const slot = this.#allocate();
    this.#partition[slot] = job.partition;
    this.#link(slot, job.partition);
    this.#names.add(slot, job.name);
    this.#tick[slot] = job.tick;
    this.#modRevision[slot] = job.modRevision;
    this.#flags[slot] = USED | (job.progressStored ? PROGRESS_STORED : 0);
    if (job.count !== 0 || job.lastTick !== undefined || this.#count) {
      const [count, lastTick] = this.#progressColumns();
      count[slot] = job.count;
      lastTick[slot] = job.lastTick ?? Number.NaN;
    }
    this.#size++;
    this.#push(slot);
    return slot;
  }

  /** The slot of the job named `name` in `partition`, if held. */
  find(partition: number, name: string): number | undefined {
    return this.#names.find(partition, name);
  }

  /** The slots of `partition`'s jobs. */
  slotsOf(partition: number): number[] {
    const out: number[] = [];
    for (let slot = this.#firstOf.get(partition) ?? -1; slot >= 0; slot = this.#next[slot] ?? -1)
      out.push(slot);
    return out;
  }

  /** Whether `slot` still holds the job it held at `generation`. */
  has(slot: number, generation: number): boolean {
    return slot < this.#capacity && this.#used(slot) && this.#generation[slot] === generation;
  }

  generation(slot: number): number {
    return this.#generation[slot] ?? 0;
  }

  /** The fields of the job in `slot` (which must be in use). */
  fields(slot: number): DormantFields {
    const lastTick = this.#lastTick?.[slot];
    return {
      name: this.#names.nameOf(slot),
      partition: this.#partition[slot] ?? 0,
      modRevision: this.#modRevision[slot] ?? 0,
      tick: this.#tick[slot] ?? 0,
      count: this.#count?.[slot] ?? 0,
      lastTick: lastTick === undefined || Number.isNaN(lastTick) ? undefined : lastTick,
      progressStored: ((this.#flags[slot] ?? 0) & PROGRESS_STORED) !== 0,
    };
  }

  tickOf(slot: number): number {
    return this.#tick[slot] ?? 0;
  }

  partitionOf(slot: number): number {
    return this.#partition[slot] ?? 0;
  }

  /** Frees `slot`: out of the heap or the waking set, and its generation moves on. */
  free(slot: number): void {
    if (!this.#used(slot)) return;
    const pos = this.#heapPos[slot] ?? -1;
    if (pos >= 0) this.#removeAt(pos);
    this.#waking.delete(slot);
    this.#names.delete(slot);
    this.#unlink(slot);
    this.#flags[slot] = 0;
    this.#generation[slot] = ((this.#generation[slot] ?? 0) + 1) >>> 0;
    this.#free.push(slot);
    this.#size--;
  }

  /** The earliest tick of a queued job (not counting jobs taken to be woken). */
  firstTick(): number | undefined {
    const top = this.#heap[0];
    return this.#heapSize === 0 || top === undefined ? undefined : this.#tick[top];
  }

  /** Takes the queued job with the earliest tick out of the heap (it stays held, as waking). */
  takeFirst(): number | undefined {
    if (this.#heapSize === 0) return undefined;
    const top = this.#heap[0] ?? 0;
    this.#removeAt(0);
    this.#flags[top] = (this.#flags[top] ?? 0) | WAKING;
    this.#waking.add(top);
    return top;
  }

  /** Queues a job taken by `takeFirst` again (its read failed). */
  putBack(slot: number): void {
    if (!this.#waking.delete(slot)) return;
    this.#flags[slot] = (this.#flags[slot] ?? 0) & ~WAKING;
    this.#push(slot);
  }

  /** Slots taken by `takeFirst` and not yet put back or freed. */
  waking(): IterableIterator<number> {
    return this.#waking.values();
  }

  /** Calls `visit` with the partition and tick of every job held. */
  forEach(visit: (partition: number, tick: number) => void): void {
    for (let slot = 0; slot < this.#highWater; slot++) {
      if (this.#used(slot)) visit(this.#partition[slot] ?? 0, this.#tick[slot] ?? 0);
    }
  }

  clear(): void {
    for (let slot = 0; slot < this.#highWater; slot++) if (this.#used(slot)) this.free(slot);
    this.#names.clear();
  }

  #link(slot: number, partition: number): void {
    const first = this.#firstOf.get(partition) ?? -1;
    this.#next[slot] = first;
    this.#prev[slot] = -1;
    if (first >= 0) this.#prev[first] = slot;
    this.#firstOf.set(partition, slot);
  }

  #unlink(slot: number): void {
    const next = this.#next[slot] ?? -1;
    const prev = this.#prev[slot] ?? -1;
    if (next >= 0) this.#prev[next] = prev;
    if (prev >= 0) this.#next[prev] = next;
    else {
      const partition = this.#partition[slot] ?? 0;
      if (next >= 0) this.#firstOf.set(partition, next);
      else this.#firstOf.delete(partition);
    }
  }

  #used(slot: number): boolean {
    return ((this.#flags[slot] ?? 0) & USED) !== 0;
  }

  #allocate(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    const slot = this.#highWater++;
    if (slot >= this.#capacity) this.#grow(Math.max(INITIAL_CAPACITY, this.#capacity * 2));
    this.#heapPos[slot] = -1;
    return slot;
  }

  #grow(capacity: number): void {
    const grow = <A extends Int32Array | Float64Array | Uint32Array | Uint8Array>(
      old: A,
      make: (n: number) => A,
    ): A => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.#partition = grow(this.#partition, (n) => new Int32Array(n));
    this.#tick = grow(this.#tick, (n) => new Float64Array(n));
    this.#modRevision = grow(this.#modRevision, (n) => new Float64Array(n));
    this.#generation = grow(this.#generation, (n) => new Uint32Array(n));
    this.#flags = grow(this.#flags, (n) => new Uint8Array(n));
    this.#heapPos = grow(this.#heapPos, (n) => new Int32Array(n));
    this.#next = grow(this.#next, (n) => new Int32Array(n));
    this.#prev = grow(this.#prev, (n) => new Int32Array(n));
    this.#heap = grow(this.#heap, (n) => new Int32Array(n));
    if (this.#count) this.#count = grow(this.#count, (n) => new Float64Array(n));
    if (this.#lastTick) this.#lastTick = grow(this.#lastTick, (n) => new Float64Array(n).fill(Number.NaN));
    this.#names.grow(capacity);
    this.#capacity = capacity;
  }

  #progressColumns(): [Float64Array, Float64Array] {
    if (!this.#count || !this.#lastTick) {
      this.#count = new Float64Array(this.#capacity);
      this.#lastTick = new Float64Array(this.#capacity).fill(Number.NaN);
    }
    return [this.#count, this.#lastTick];
  }

  // --- The indexed min-heap of slots by tick.

  #push(slot: number): void {
    const pos = this.#heapSize++;
    this.#siftUp(pos, slot);
  }

  #removeAt(pos: number): void {
    const removed = this.#heap[pos] ?? 0;
    this.#heapPos[removed] = -1;
    const lastPos = --this.#heapSize;
    if (pos === lastPos) return;
    const last = this.#heap[lastPos] ?? 0;
    // The last entry fills the hole: it may belong above or below it.
    if (pos > 0 && this.#tickAt(last) < this.#tickAt(this.#heap[(pos - 1) >> 1] ?? 0))
      this.#siftUp(pos, last);
    else this.#siftDown(pos, last);
  }

  #tickAt(slot: number): number {
    return this.#tick[slot] ?? 0;
  }

  #place(pos: number, slot: number): void {
    this.#heap[pos] = slot;
    this.#heapPos[slot] = pos;
  }

  #siftUp(start: number, slot: number): void {
    const at = this.#tickAt(slot);
    let pos = start;
    while (pos > 0) {
      const parentPos = (pos - 1) >> 1;
      const parent = this.#heap[parentPos] ?? 0;
      if (this.#tickAt(parent) <= at) break;
      this.#place(pos, parent);
      pos = parentPos;
    }
    this.#place(pos, slot);
  }

  #siftDown(start: number, slot: number): void {
    const at = this.#tickAt(slot);
    const n = this.#heapSize;
    let pos = start;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = this.#heap[l] ?? 0;
      let child = l;
      let childSlot = left;
      if (r < n) {
        const right = this.#heap[r] ?? 0;
        if (this.#tickAt(right) < this.#tickAt(left)) {
          child = r;
          childSlot = right;
        }
      }
      if (this.#tickAt(childSlot) >= at) break;
      this.#place(pos, childSlot);
      pos = child;
    }
    this.#place(pos, slot);
  }
}
