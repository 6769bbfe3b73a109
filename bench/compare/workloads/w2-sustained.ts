/**
 * W2 sustained: a producer creates timers due `leadMs` later at a steady rate for some seconds
 * while the same process consumes them; per rate: lateness p50/p99/max and early deliveries. The
 * headline figure is the highest rate whose p99 lateness stays under 1 s.
 */
import type { TimerEngine } from '../engines/timer-engine.js';
import type { Metrics, Progress } from '../types.js';
import { TimerMeter, warmUp } from './timer-meter.js';

const TICK_MS = 50;
export const P99_LIMIT_MS = 1_000;

export async function w2Sustained(
  makeEngine: () => Promise<TimerEngine>,
  rates: readonly number[],
  seconds: number,
  leadMs: number,
  progress: Progress,
): Promise<Metrics> {
  const metrics: Metrics = {};
  let best = 0;
  let missedAt: number | undefined;
  for (const rate of rates) {
    if (missedAt !== undefined) {
      // A higher rate cannot do better; draining its backlog would only cost minutes.
      metrics[`skipped@${rate}`] = 1;
      continue;
    }
    const engine = await makeEngine();
    try {
      const r = await oneRate(engine, rate, seconds, leadMs, (text) => progress(`${rate}/s: ${text}`));
      metrics[`p50@${rate}`] = r.p50;
      metrics[`p99@${rate}`] = r.p99;
      metrics[`max@${rate}`] = r.max;
      metrics[`early@${rate}`] = r.early;
      metrics[`missing@${rate}`] = r.missing;
      metrics[`achieved@${rate}`] = r.achievedPerSec;
      if (r.p99 < P99_LIMIT_MS && r.missing === 0 && r.achievedPerSec >= rate * 0.9)
        best = Math.max(best, rate);
      else missedAt = rate;
    } finally {
      await engine.close();
    }
  }
  metrics['maxRateP99Under1s'] = best;
  return metrics;
}

async function oneRate(
  engine: TimerEngine,
  rate: number,
  seconds: number,
  leadMs: number,
  progress: Progress,
): Promise<{
  p50: number;
  p99: number;
  max: number;
  early: number;
  missing: number;
  achievedPerSec: number;
}> {
  const total = Math.round(rate * seconds);
  const meter = new TimerMeter('s', total);
  await engine.start(meter.onFire);
  await warmUp(engine, () => meter.foreign);
  const started = Date.now();
  let produced = 0;
  const pending = new Set<Promise<void>>();
  let failure: unknown;
  while (produced < total && failure === undefined) {
    const want = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate) + Math.ceil(rate / 20));
    if (want > produced) {
      const timers = [];
      for (; produced < want; produced++) timers.push({ id: `s${produced}`, dueAtMs: Date.now() + leadMs });
      const call = engine.scheduleOneShots(timers).catch((error: unknown) => {
        failure = error;
      });
      pending.add(call);
      void call.finally(() => pending.delete(call));
    }
    progress(`produced ${produced}/${total}, fired ${meter.fired}, calls in flight ${pending.size}`);
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  await meter.until(total, leadMs + 120_000);
  const late = meter.lateness();
  return {
    ...late,
    early: meter.early,
    missing: total - meter.fired,
    achievedPerSec: (meter.fired / Math.max(1, meter.lastAt - meter.firstAt)) * 1000,
  };
}
