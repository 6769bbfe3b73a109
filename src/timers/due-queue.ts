/**
 * A min-heap of entries by due time. Entries are never removed in place: the job table gives each
 * push a token and skips, on pop, an entry whose token no longer matches its job's current one.
 * That keeps reschedules O(log n) without an index into the heap.
 */
export interface DueEntry {
  at: number;
}

export class DueQueue<E extends DueEntry> {
  #heap: E[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(entry: E): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as E;
      if (p.at <= entry.at) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  peek(): E | undefined {
    return this.#heap[0];
  }

  pop(): E | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    this.#siftDown(0, last);
    return top;
  }

  /**
   * Calls `visit` for every entry due at or before `at`, in no particular order, without changing
   * the heap. Subtrees whose root is later are skipped (a parent is never later than its children),
   * so this costs the number of entries visited, not the heap's size.
   */
  visitUpTo(at: number, visit: (entry: E) => void): void {
    const heap = this.#heap;
    const stack: number[] = heap.length > 0 ? [0] : [];
    for (let i = stack.pop(); i !== undefined; i = stack.pop()) {
      const entry = heap[i];
      if (entry === undefined || entry.at > at) continue;
      visit(entry);
      stack.push(2 * i + 1, 2 * i + 2);
    }
  }

  /** Keeps only the entries `keep` accepts (a sweep of stale ones), in O(n). */
  retain(keep: (entry: E) => boolean): void {
    const heap = this.#heap.filter(keep);
    this.#heap = heap;
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) this.#siftDown(i, heap[i] as E);
  }

  /** Places `entry` at `i` or below, moving smaller children up. */
  #siftDown(start: number, entry: E): void {
    const heap = this.#heap;
    const n = heap.length;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = heap[l] as E;
      const right = heap[r];
      const child = right !== undefined && right.at < left.at ? r : l;
      const c = heap[child] as E;
      if (c.at >= entry.at) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = entry;
  }

  clear(): void {
    this.#heap = [];
  }
}
