/** CPU and peak RSS of this process and of an engine's store processes over a workload. */
import { cpuOfPid, rssOfPid } from '../../lib/rss.js';

export class ResourceMeter {
  readonly #pids: number[];
  readonly #cpu0 = process.cpuUsage();
  #storeCpu0 = 0;
  peakRss = 0;
  peakStoreRss = 0;
  readonly #timer: NodeJS.Timeout;

  private constructor(pids: number[]) {
    this.#pids = pids;
    this.#timer = setInterval(() => void this.sample(), 200);
    this.#timer.unref();
  }

  static async start(pids: number[]): Promise<ResourceMeter> {
    const meter = new ResourceMeter(pids);
    meter.#storeCpu0 = await storeCpu(pids);
    return meter;
  }

  async sample(): Promise<void> {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    let store = 0;
    for (const pid of this.#pids) store += (await rssOfPid(pid)) ?? 0;
    this.peakStoreRss = Math.max(this.peakStoreRss, store);
  }

  /** CPU µs used since start: this process, and the store processes together. */
  async cpu(): Promise<{ selfUs: number; storeUs: number }> {
    const self = process.cpuUsage(this.#cpu0);
    return { selfUs: self.user + self.system, storeUs: (await storeCpu(this.#pids)) - this.#storeCpu0 };
  }

  async stop(): Promise<{ rssMiB: number; storeRssMiB: number }> {
    clearInterval(this.#timer);
    await this.sample();
    return { rssMiB: this.peakRss / 2 ** 20, storeRssMiB: this.peakStoreRss / 2 ** 20 };
  }
}

async function storeCpu(pids: number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += (await cpuOfPid(pid)) ?? 0;
  return total;
}
