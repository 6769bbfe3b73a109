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
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = heap[l] as E;
      const right = heap[r];
      const child = right !== undefined && right.at < left.at ? r : l;
      const c = heap[child] as E;
      if (c.at >= last.at) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  clear(): void {
    this.#heap = [];
  }
}
