/**
 * W3 cron: N recurring jobs on `*\/5 * * * * *` (every 5 s), once in UTC and once with
 * `CRON_TZ=Europe/Berlin`. In a steady-state window: triggers/s, CPU µs per trigger (this
 * process, and the store), lateness p99, and the share of this process's busy CPU spent
 * computing next fire times (from a sampling profile).
 */
import { summarize } from '../../lib/stats.js';
import type { TimerEngine } from '../engines/timer-engine.js';
import { CpuProfiler, isNextFireFrame } from '../profile.js';
import type { Metrics, Progress, ProfileSummary } from '../types.js';
import { ResourceMeter } from './resources.js';

const PERIOD_MS = 5_000;
const VARIANTS = [
  { key: 'utc', pattern: '*/5 * * * * *' },
  { key: 'berlin', pattern: 'CRON_TZ=Europe/Berlin */5 * * * * *' },
] as const;

export async function w3Cron(
  makeEngine: () => Promise<TimerEngine>,
  jobs: number,
  seconds: number,
  progress: Progress,
): Promise<{ metrics: Metrics; profile: ProfileSummary | undefined }> {
  const metrics: Metrics = {};
  let profile: ProfileSummary | undefined;
  for (const variant of VARIANTS) {
    const engine = await makeEngine();
    try {
      const r = await oneVariant(engine, variant.pattern, jobs, seconds, (t) =>
        progress(`${variant.key}: ${t}`),
      );
      for (const [k, v] of Object.entries(r.metrics)) metrics[`${variant.key}.${k}`] = v;
      profile ??= r.profile;
    } finally {
      await engine.close();
    }
  }
  return { metrics, profile };
}

async function oneVariant(
  engine: TimerEngine,
  pattern: string,
  jobs: number,
  seconds: number,
  progress: Progress,
): Promise<{ metrics: Metrics; profile: ProfileSummary }> {
  const windowMs = Math.max(1, Math.round(seconds / 5)) * PERIOD_MS;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let inWindow = 0;
  let total = 0;
  let early = 0;
  const lateness: number[] = [];
  await engine.start((_id, dueAtMs, nowMs) => {
    total++;
    if (nowMs < dueAtMs) early++;
    if (nowMs >= windowStart && nowMs < windowEnd) {
      inWindow++;
      lateness.push(nowMs - dueAtMs);
    }
  });
  const started = Date.now();
  const ids = Array.from({ length: jobs }, (_, i) => `c${i}`);
  await engine.scheduleCron(ids, pattern);
  const scheduledMs = Date.now() - started;
  // Skip the first tick after creation (every job's first run, and catch-up of an overrun
  // creation), then measure from mid-period so whole bursts fall inside the window.
  windowStart = Math.ceil(Date.now() / PERIOD_MS) * PERIOD_MS + PERIOD_MS / 2;
  windowEnd = windowStart + windowMs;
  while (Date.now() < windowStart) {
    progress(`scheduled ${jobs} in ${scheduledMs} ms, warming up, ${total} triggers so far`);
    await sleep(Math.min(500, windowStart - Date.now()));
  }
  const resources = await ResourceMeter.start(engine.storePids);
  const profiler = await CpuProfiler.start(2_000);
  while (Date.now() < windowEnd) {
    progress(
      `measuring: ${inWindow} triggers in window, ${Math.ceil((windowEnd - Date.now()) / 1000)} s left`,
    );
    await sleep(Math.min(500, windowEnd - Date.now()));
  }
  const cpu = await resources.cpu();
  const profile = await profiler.stop(isNextFireFrame);
  const mem = await resources.stop();
  const late = summarize(lateness);
  return {
    metrics: {
      jobs,
      createPerSec: (jobs / Math.max(1, scheduledMs)) * 1000,
      triggersPerSec: (inWindow / windowMs) * 1000,
      expectedPerSec: (jobs / PERIOD_MS) * 1000,
      cpuUsPerTrigger: inWindow > 0 ? cpu.selfUs / inWindow : Number.NaN,
      storeCpuUsPerTrigger: inWindow > 0 ? cpu.storeUs / inWindow : Number.NaN,
      nextFireSharePct: profile.focusShare * 100,
      lateP50: late.p50,
      lateP99: late.p99,
      early,
      rssMiB: mem.rssMiB,
      storeRssMiB: mem.storeRssMiB,
    },
    profile,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
