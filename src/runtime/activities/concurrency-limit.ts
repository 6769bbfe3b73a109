/** Bounds how many async tasks run at once; the rest wait in arrival order. */
export class ConcurrencyLimit {
  readonly #max: number;
  #running = 0;
  #waiting: Array<() => void> = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`concurrency limit must be a positive integer, got ${max}`);
    this.#max = max;
  }

  get running(): number {
    return this.#running;
  }

  async run<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.#running >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}
