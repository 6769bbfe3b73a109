import { readFile } from 'node:fs/promises';

/** Resident set size of another process (e.g. the etcd child), from /proc; undefined if unreadable. */
export async function rssOfPid(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Samples this process's RSS (and optionally another pid's) every `intervalMs` and keeps the
 * peaks, since a single reading at the end misses the high-water mark.
 */
export class RssSampler {
  peakSelf = 0;
  peakOther = 0;
  readonly #timer: NodeJS.Timeout;
  readonly #otherPid: number | undefined;

  constructor(otherPid?: number, intervalMs = 100) {
    this.#otherPid = otherPid;
    this.#timer = setInterval(() => void this.sample(), intervalMs);
    this.#timer.unref();
  }

  async sample(): Promise<void> {
    this.peakSelf = Math.max(this.peakSelf, process.memoryUsage.rss());
    if (this.#otherPid !== undefined)
      this.peakOther = Math.max(this.peakOther, (await rssOfPid(this.#otherPid)) ?? 0);
  }

  async stop(): Promise<{ selfMiB: number; otherMiB: number }> {
    clearInterval(this.#timer);
    await this.sample();
    return { selfMiB: this.peakSelf / 2 ** 20, otherMiB: this.peakOther / 2 ** 20 };
  }
}

export const MiB = 2 ** 20;

/** CPU time (user + system) another process has used so far, in microseconds; undefined if unreadable. */
export async function cpuOfPid(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of those.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ; 100 on every Linux platform Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;
