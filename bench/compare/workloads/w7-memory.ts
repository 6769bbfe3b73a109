/**
 * W7 memory: N pending timers (due in an hour, so none fires). RSS of this process, of the
 * producer process when the engine has one, and of the store process, and the store's bytes per
 * timer (etcd: db in use; Redis: used_memory; Restate: bytes on disk).
 *
 * For tickflow this process is the replica (the TimerService that owns every partition and keeps
 * its jobs in memory, fed by the etcd watch) and, by default, the producer too: its peak RSS
 * bounds the replica's from above. With `TICKFLOW_W7_PRODUCER_PROCESS=1` the timers are scheduled
 * from a producer process of its own (`separateProducer`), so this process is the replica alone,
 * and the producer's peak is reported beside it. Engines without a producer process (BullMQ,
 * Restate) always schedule from this process; their timers live only in the server.
 */
import type { TimerEngine } from '../engines/timer-engine.js';
import type { Metrics, Progress } from '../types.js';
import { RssSampler, rssOfPid } from '../../lib/rss.js';
import { ResourceMeter } from './resources.js';

const HOUR_MS = 3_600_000;
const CHUNK = 20_000;

export async function w7Memory(engine: TimerEngine, n: number, progress: Progress): Promise<Metrics> {
  await engine.start(() => undefined);
  const split = process.env.TICKFLOW_W7_PRODUCER_PROCESS === '1';
  const producerPid = split ? await engine.separateProducer?.() : undefined;
  const producer = producerPid === undefined ? undefined : new RssSampler(producerPid, 200);
  const before = await engine.storeBytes();
  const heap0 = settledHeap();
  const rss0 = process.memoryUsage.rss();
  const storeRss0 = await storeRss(engine.storePids);
  const resources = await ResourceMeter.start(engine.storePids);
  const dueAt = Date.now() + HOUR_MS;
  const started = Date.now();
  for (let from = 0; from < n; from += CHUNK) {
    const size = Math.min(CHUNK, n - from);
    await engine.scheduleOneShots(
      Array.from({ length: size }, (_, i) => ({ id: `m${from + i}`, dueAtMs: dueAt })),
    );
    const done = from + size;
    const rate = (done / Math.max(1, Date.now() - started)) * 1000;
    const producerRss = producerPid === undefined ? undefined : await rssOfPid(producerPid);
    progress(
      `created ${done}/${n} (${Math.round(rate)}/s), RSS ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB` +
        (producerRss === undefined ? '' : `, producer ${Math.round(producerRss / 2 ** 20)} MiB`),
    );
  }
  const createMs = Date.now() - started;
  // Let background work (loading the watch feed into the due queue, compaction) settle.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const after = await engine.storeBytes();
  const heap = settledHeap();
  const mem = await resources.stop();
  const producerMem = await producer?.stop();
  return {
    timers: n,
    createPerSec: (n / Math.max(1, createMs)) * 1000,
    rssMiB: mem.rssMiB,
    storeRssMiB: mem.storeRssMiB,
    ...(producerMem && { producerRssMiB: producerMem.otherMiB }),
    heapBytesPerTimer: (heap - heap0) / n,
    rssBytesPerTimer: (mem.rssMiB * 2 ** 20 - rss0) / n,
    storeRssBytesPerTimer: (mem.storeRssMiB * 2 ** 20 - storeRss0) / n,
    storeBytesPerTimer: (after - before) / n,
  };
}

/**
 * Heap and array buffers in use after a full GC (the runner starts children with --expose-gc):
 * what stays live. Array buffers count too: tickflow keeps dormant jobs in typed arrays, whose
 * memory is outside the JS heap.
 */
function settledHeap(): number {
  globalThis.gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

async function storeRss(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += (await rssOfPid(pid)) ?? 0;
  return total;
}
