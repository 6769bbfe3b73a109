/**
 * Proof that a benchmark run starts on a quiet machine: no process an earlier run spawned is still
 * alive, and how busy the CPUs were just before (load average and the busy share of every core
 * over one second, from /proc/stat). Recorded per run and shown in the report, so a figure taken
 * while something else ran (an earlier workload's server not yet gone, another job) can be seen.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';

/** The machine as one run found it. */
export interface RunStart {
  /** 1-minute load average. */
  load1: number;
  /** Share of all cores' time spent busy over the second before the run, in percent. */
  busyPercent: number;
  /** Pids of earlier runs' processes still alive after they were killed (should be none). */
  leftovers: number[];
  /** How long the run waited for the CPUs to calm down (earlier runs' work winding down). */
  waitedMs: number;
  /** Whether the CPUs were under QUIET_BUSY_PERCENT busy when it started. */
  quiet: boolean;
}

/** Busy share of all cores under which a run may start, and how long it waits for that at most. */
export const QUIET_BUSY_PERCENT = 25;
const QUIET_WAIT_MS = 30_000;

/** Waits up to `timeoutMs` for each pid to be gone; returns those still alive. */
export async function stillAlive(pids: readonly number[], timeoutMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    alive = alive.filter(isAlive);
  }
  return alive;
}

/**
 * Reads the machine's state before a run: waits for earlier runs' processes to be gone, then
 * samples the CPUs one second at a time until they are under QUIET_BUSY_PERCENT busy (or 30 s
 * passed: the run starts anyway, marked as not quiet).
 */
export async function observeRunStart(earlierPids: readonly number[]): Promise<RunStart> {
  const leftovers = await stillAlive(earlierPids);
  const started = Date.now();
  let busyPercent: number;
  for (;;) {
    busyPercent = await busyOverOneSecond();
    if (!(busyPercent >= QUIET_BUSY_PERCENT) || Date.now() - started >= QUIET_WAIT_MS) break;
  }
  return {
    load1: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    busyPercent,
    leftovers,
    waitedMs: Math.max(0, Date.now() - started - 1_000),
    quiet: busyPercent < QUIET_BUSY_PERCENT,
  };
}

async function busyOverOneSecond(): Promise<number> {
  const before = await cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = await cpuTimes();
  const total = after.total - before.total;
  const busy = total - (after.idle - before.idle);
  return total > 0 ? Math.round((1000 * busy) / total) / 10 : Number.NaN;
}

/** One line for the report: the runs' start conditions, and any process left over. */
export function describeRunStarts(starts: readonly RunStart[]): string | undefined {
  if (starts.length === 0) return undefined;
  const loads = starts.map((s) => s.load1.toFixed(2)).join(' / ');
  const busy = starts.map((s) => `${s.busyPercent} %`).join(' / ');
  const left = starts.flatMap((s) => s.leftovers);
  const noisy = starts.filter((s) => !s.quiet).length;
  return (
    `runs started at load ${loads}, CPUs busy ${busy} in the second before` +
    (noisy === 0
      ? ` (each under ${QUIET_BUSY_PERCENT} %); `
      : ` (${noisy} run(s) started on a busy machine after waiting 30 s: their figures are not comparable); `) +
    (left.length === 0
      ? 'no process of an earlier run alive'
      : `processes of earlier runs still alive: ${[...new Set(left)].join(', ')}`)
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours; only ESRCH means gone.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function cpuTimes(): Promise<{ total: number; idle: number }> {
  try {
    const text = await readFile('/proc/stat', 'utf8');
    const fields = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    // idle + iowait
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { total, idle };
  } catch {
    return { total: 0, idle: 0 };
  }
}
