import { systemClock, type Clock } from '../common/clock.js';
import type { WorkflowLogger } from '../engine/logger.js';
import type { StallRetryOptions } from '../runtime/steps/stall-backoff.js';
import type { AnyActivity } from '../runtime/activities/activity-types.js';
import type { AnyWorkflow } from '../engine/workflow-context.js';
import { connectEtcd } from '../etcd/etcd-kv.js';
import type { KvStore } from '../etcd/kv-store.js';
import { MemoryKv } from '../etcd/memory-kv.js';
import { WorkflowClient } from '../workflow-client.js';
import { WorkflowRuntime } from '../workflow-runtime.js';
import { TestEnvironmentError } from './errors.js';
import { IdleProbe } from './idle-probe.js';
import { SkippingClock } from './skipping-clock.js';
import { TestWorkflowClient } from './test-client.js';
import { TimeSkipper } from './time-skipper.js';

// How a TestWorkflowEnvironment is put together: options, the two kinds of store, registration.

/** Options of `TestWorkflowEnvironment.create`. */
export interface TestWorkflowEnvironmentOptions {
  /**
   * Run on an in-process store with a virtual clock that skips ahead whenever every instance is
   * idle (waiting only on timers). Default true unless `etcd` is given.
   */
  timeSkipping?: boolean;
  /** Run on this etcd with the real clock instead (integration tests). */
  etcd?: { hosts: string[] };
  /** Virtual time at creation (time skipping only). Default 2026-01-01T00:00:00Z. */
  startTime?: Date;
  /** Registered before the runtime starts; more can be registered on `env.runtime` later. */
  workflows?: AnyWorkflow[] | Record<string, AnyWorkflow>;
  /** Registered before the runtime starts: functions by their names, or a record by its keys. */
  activities?: AnyActivity[] | Record<string, AnyActivity>;
  /** Scope namespace of the runtime and client (default `default`). */
  namespace?: string;
  /** Default: a fresh id, so environments sharing an etcd never see each other's work. */
  appId?: string;
  /** Timer-service partitions (default 4: fewer is quicker to own and to list). */
  partitions?: number;
  /** The runtime's logger (default silent). */
  logger?: WorkflowLogger;
  /**
   * Running instances whose executor the runtime keeps in memory between steps (default 10,000).
   * With 0 every step replays the instance's history, as after a restart: re-register a workflow
   * under its name (`env.runtime.registerWorkflowWithName`) and running instances go on with the
   * new code at their next step, which is how to test a new version of a workflow (a deploy).
   */
  cacheSize?: number;
  /**
   * How the runtime retries a stalled step (default 1 s doubling to 300 s, in virtual time with
   * time skipping); see `WorkflowRuntimeOptions.stallRetry`.
   */
  stallRetry?: StallRetryOptions;
  /**
   * Real milliseconds a time-skipping wait lingers, when nothing is left to skip to, for work
   * the test starts concurrently before it fails with TimeSkippingStalledError. Default 100.
   */
  stallGraceMs?: number;
}

const DEFAULT_START = Date.UTC(2026, 0, 1);
const OWNERSHIP_TIMEOUT_MS = 30_000;

/** What an environment is made of, as built by `createSkipping` or `createOnEtcd`. */
export interface EnvironmentParts {
  runtime: WorkflowRuntime;
  client: WorkflowClient;
  kv: KvStore;
  clock: Clock;
  skipper: TimeSkipper | undefined;
  probe: IdleProbe | undefined;
}

export type Scope = { namespace?: string; appId: string; partitions: number };

export function createSkipping(options: TestWorkflowEnvironmentOptions, scope: Scope): EnvironmentParts {
  const start = options.startTime === undefined ? DEFAULT_START : Number(options.startTime);
  if (!(options.startTime === undefined || options.startTime instanceof Date) || !Number.isFinite(start)) {
    throw new TestEnvironmentError('startTime', options.startTime, 'a valid Date');
  }
  const stallGraceMs = options.stallGraceMs ?? 100;
  if (!Number.isFinite(stallGraceMs) || stallGraceMs < 0) {
    throw new TestEnvironmentError('stallGraceMs', stallGraceMs, 'a non-negative number of milliseconds');
  }
  const clock = new SkippingClock(start);
  const kv = new MemoryKv({ clock });
  const runtime = new WorkflowRuntime({
    kv,
    clock,
    ...scope,
    ...(options.logger !== undefined && { logger: options.logger }),
    ...(options.cacheSize !== undefined && { cacheSize: options.cacheSize }),
    ...(options.stallRetry !== undefined && { stallRetry: options.stallRetry }),
  });
  const probe = new IdleProbe({ kv, clock, timers: runtime.timers, runtime });
  const skipper = new TimeSkipper(clock, probe, stallGraceMs);
  const client = new TestWorkflowClient({ kv, ...scope, clock }, skipper);
  return { runtime, client, kv, clock, skipper, probe };
}

export async function createOnEtcd(
  hosts: string[],
  options: TestWorkflowEnvironmentOptions,
  scope: Scope,
): Promise<EnvironmentParts> {
  const kv = await connectEtcd({ hosts });
  const runtime = new WorkflowRuntime({
    kv,
    ...scope,
    ...(options.logger !== undefined && { logger: options.logger }),
    ...(options.cacheSize !== undefined && { cacheSize: options.cacheSize }),
    ...(options.stallRetry !== undefined && { stallRetry: options.stallRetry }),
  });
  const client = new WorkflowClient({ kv, ...scope });
  return { runtime, client, kv, clock: systemClock, skipper: undefined, probe: undefined };
}

export function entries<T extends (...args: never[]) => unknown>(
  list: T[] | Record<string, T> | undefined,
  field: string,
): Array<[string, T]> {
  if (list === undefined) return [];
  const pairs: Array<[string, T]> = Array.isArray(list)
    ? list.map((fn) => [fn?.name, fn])
    : Object.entries(list);
  for (const [name, fn] of pairs) {
    if (typeof fn !== 'function' || !name) {
      throw new TestEnvironmentError(field, fn, 'named functions, or an object of functions by name');
    }
  }
  return pairs;
}

/** Starts the runtime and waits until it fires every partition of its scope. */
export async function startAndOwn(runtime: WorkflowRuntime, partitions: number): Promise<void> {
  let resolveOwned: () => void = () => undefined;
  const owned = new Promise<void>((resolve) => (resolveOwned = resolve));
  const check = (): void => {
    if (runtime.timers.ownedPartitions().length >= partitions) resolveOwned();
  };
  runtime.timers.on('partitionsChanged', check);
  let timer: NodeJS.Timeout | undefined;
  try {
    await runtime.start();
    check();
    await Promise.race([
      owned,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the test runtime did not own its ${partitions} partitions within 30 s`)),
          OWNERSHIP_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    runtime.timers.off('partitionsChanged', check);
  }
}
