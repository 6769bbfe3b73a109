/**
 * A sampling CPU profile of this process (node:inspector), summarised as self time per function
 * and per file, plus the share of busy samples spent under functions matching a predicate (e.g.
 * everything that computes next fire times).
 */
import { Session } from 'node:inspector/promises';
import type { ProfileSummary } from './types.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);

export class CpuProfiler {
  readonly #session = new Session();

  static async start(intervalUs = 1_000): Promise<CpuProfiler> {
    const profiler = new CpuProfiler();
    profiler.#session.connect();
    await profiler.#session.post('Profiler.enable');
    await profiler.#session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await profiler.#session.post('Profiler.start');
    return profiler;
  }

  /** Stops and summarises; `focus` marks frames whose inclusive time is reported as `focusShare`. */
  async stop(focus?: (frame: CallFrame) => boolean): Promise<ProfileSummary & { focusShare: number }> {
    const { profile } = (await this.#session.post('Profiler.stop')) as { profile: CpuProfile };
    this.#session.disconnect();
    return summarise(profile, focus);
  }
}

function summarise(
  profile: CpuProfile,
  focus: ((frame: CallFrame) => boolean) | undefined,
): ProfileSummary & { focusShare: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inFocus = new Map<number, boolean>();
  const focused = (id: number): boolean => {
    const known = inFocus.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const value =
      node !== undefined &&
      focus !== undefined &&
      (focus(node.callFrame) || (up !== undefined && focused(up)));
    inFocus.set(id, value);
    return value;
  };
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let busyUs = 0;
  let focusUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? 0;
    // A sample's duration is the delta to the next one.
    const us = deltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + us);
    const frame = byId.get(id)?.callFrame;
    if (frame && !IDLE.has(frame.functionName)) {
      busyUs += us;
      if (focused(id)) focusUs += us;
    }
  }
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || IDLE.has(frame.functionName)) continue;
    const file = shortFile(frame.url);
    const name = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const top = <K extends string>(map: Map<string, number>, key: K, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([name, us]) =>
          ({ [key]: name, selfMs: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }) as Record<K, string> & {
            selfMs: number;
            share: number;
          },
      );
  return {
    totalMs: busyUs / 1000,
    top: top(byFunction, 'name', 25),
    byFile: top(byFile, 'file', 15),
    focusShare: busyUs > 0 ? focusUs / busyUs : Number.NaN,
  };
}

/** A readable file name: the path from src/ or from the package inside node_modules. */
function shortFile(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  const bench = url.indexOf('/bench/');
  if (bench >= 0) return url.slice(bench + 1);
  return url.replace(/^file:\/\//, '');
}

/** Frames that compute next fire times: tickflow's schedule/next-fire and cron-parser (BullMQ's too). */
export function isNextFireFrame(frame: CallFrame): boolean {
  return /\/src\/timers\/(next-fire|schedule)\.ts|\/cron-parser\/|\/luxon\//.test(frame.url);
}
