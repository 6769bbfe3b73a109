/**
 * In-process timer replicas for the fault tests that break etcd rather than the replicas, and the
 * checks they share: every job delivered at least once, none before its due time (by the
 * delivering replica's own clock), duplicates counted.
 */
import { nanoid } from 'nanoid';
import type { Clock } from '../../src/common/clock.js';
import type { KvStore } from '../../src/etcd/kv-store.js';
import type { JobSpec } from '../../src/timers/schedule/job.js';
import { TimerService } from '../../src/timers/timer-service.js';

export interface Delivery {
  name: string;
  scheduledAt: number;
  /** The delivering replica's clock when its handler ran. */
  now: number;
  /** The wall clock when the handler ran. */
  wall: number;
  replica: string;
}

export const uniqueAppId = (prefix: string): string => `${prefix}-${nanoid(6)}`;

/** Starts a replica whose 'app' handler records every delivery into `log`. */
export async function startTimerReplica(options: {
  kv: KvStore;
  appId: string;
  name: string;
  log: Delivery[];
  partitions: number;
  leaseTtlSeconds: number;
  clock?: Clock;
  warnings?: Error[];
}): Promise<TimerService> {
  const { clock } = options;
  const service = new TimerService({
    kv: options.kv,
    appId: options.appId,
    memberId: options.name,
    partitions: options.partitions,
    leaseTtlSeconds: options.leaseTtlSeconds,
    ...(clock !== undefined ? { clock } : {}),
  });
  service.on('warning', (error) => options.warnings?.push(error));
  service.onTrigger('app', (trigger) => {
    options.log.push({
      name: trigger.name,
      scheduledAt: trigger.scheduledAt.getTime(),
      now: clock?.now() ?? Date.now(),
      wall: Date.now(),
      replica: options.name,
    });
    return 'success';
  });
  await service.start();
  return service;
}

/** `count` one-shot jobs named `{prefix}-{i}`, due evenly from `fromMs` over `spanMs`. */
export function oneShots(
  prefix: string,
  count: number,
  fromMs: number,
  spanMs: number,
): Array<{ name: string; spec: JobSpec; dueAt: number }> {
  return Array.from({ length: count }, (_, i) => {
    const dueAt = fromMs + Math.floor((i * spanMs) / Math.max(count, 1));
    return { name: `${prefix}-${i}`, spec: { dueTime: new Date(dueAt) }, dueAt };
  });
}

export interface DeliveryReport {
  /** Jobs never delivered. */
  missing: string[];
  /** Deliveries before the due time, by the delivering replica's clock, or for another tick. */
  early: Delivery[];
  /** Jobs delivered more than once. */
  duplicated: string[];
  /** Delivery minus due time, ms, sorted. */
  lateness: number[];
}

/** Checks `log` against the expected due times. */
export function report(log: readonly Delivery[], due: ReadonlyMap<string, number>): DeliveryReport {
  const counts = new Map<string, number>();
  const early: Delivery[] = [];
  for (const d of log) {
    if (!due.has(d.name)) continue;
    counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
    const at = due.get(d.name) ?? Number.NaN;
    if (d.scheduledAt !== at || d.now < at) early.push(d);
  }
  return {
    missing: [...due.keys()].filter((name) => !counts.has(name)),
    early,
    duplicated: [...counts].filter(([, n]) => n > 1).map(([name]) => name),
    lateness: log
      .filter((d) => due.has(d.name))
      .map((d) => d.wall - d.scheduledAt)
      .sort((a, b) => a - b),
  };
}

/** `p50 x ms, max y ms` of a sorted list. */
export function spread(sorted: readonly number[]): string {
  if (sorted.length === 0) return 'none';
  return `p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms`;
}
