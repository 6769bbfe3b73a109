/**
 * W1 burst: N one-shot timers all due at one instant. Create rate, fire rate (N over the time from
 * the due instant to the last delivery), lateness p50/p99/max, early and duplicate deliveries.
 */
import type { TimerEngine } from '../engines/timer-engine.js';
import type { Metrics, Progress } from '../types.js';
import { ResourceMeter } from './resources.js';
import { TimerMeter, warmUp } from './timer-meter.js';

/** Creation rate assumed when choosing how far ahead the instant lies (slower engines overrun it). */
const ASSUMED_CREATE_PER_SEC = 4_000;

export async function w1Burst(engine: TimerEngine, n: number, progress: Progress): Promise<Metrics> {
  const meter = new TimerMeter('t', n);
  await engine.start(meter.onFire);
  await warmUp(engine, () => meter.foreign);
  const resources = await ResourceMeter.start(engine.storePids);
  const leadMs = Math.max(3_000, (n / ASSUMED_CREATE_PER_SEC) * 1000) + 2_000;
  const started = Date.now();
  const dueAt = started + leadMs;
  const timers = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, dueAtMs: dueAt }));
  let created = 0;
  const ticker = setInterval(() => progress(`created ${created}/${n}, fired ${meter.fired}`), 1_000);
  try {
    for (let from = 0; from < n; from += 10_000) {
      await engine.scheduleOneShots(timers.slice(from, from + 10_000));
      created = Math.min(n, from + 10_000);
    }
    const createdAt = Date.now();
    const cpuCreate = await resources.cpu();
    const all = await meter.until(n, Math.max(0, dueAt - Date.now()) + 600_000);
    const cpu = await resources.cpu();
    const mem = await resources.stop();
    const late = meter.lateness();
    const fireStart = Math.max(dueAt, createdAt);
    return {
      timers: n,
      createPerSec: (n / Math.max(1, createdAt - started)) * 1000,
      slackMs: dueAt - createdAt,
      firedPerSec: all ? (n / Math.max(1, meter.lastAt - fireStart)) * 1000 : Number.NaN,
      lateP50: late.p50,
      lateP99: late.p99,
      lateMax: late.max,
      early: meter.early,
      duplicates: meter.duplicates,
      missing: n - meter.fired,
      cpuUsPerTimer: cpu.selfUs / n,
      cpuUsPerCreate: cpuCreate.selfUs / n,
      storeCpuUsPerTimer: cpu.storeUs / n,
      rssMiB: mem.rssMiB,
      storeRssMiB: mem.storeRssMiB,
    };
  } finally {
    clearInterval(ticker);
  }
}
