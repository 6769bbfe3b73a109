import type { ExecutionContext } from 'ava';
import { nanoid } from 'nanoid';
import { RuntimeCore, type RuntimeCoreOptions } from '../../src/runtime/runtime-core.js';
import {
  TimerService,
  WorkflowClient,
  WorkflowRuntime,
  type HistoryEvent,
  type WorkflowRuntimeOptions,
} from '../../src/index.js';
import { DoublingPort, type DoublingMode } from './doubling-port.js';
import type { EtcdFixture } from './etcd.js';
import { within } from './etcd-wait.js';

/** Partitions per test scope: few, so a runtime owns them all quickly and listings stay cheap. */
export const TEST_PARTITIONS = 4;

export interface RuntimeFixture {
  runtime: WorkflowRuntime;
  client: WorkflowClient;
  /** The scope shared by runtime and client; unique per test so tests never see each other. */
  appId: string;
}

export type RuntimeFixtureOptions = Omit<WorkflowRuntimeOptions, 'etcd' | 'kv' | 'appId'> & {
  appId?: string;
};

/**
 * A started runtime (owning every partition of its scope) and a client of the same scope, both
 * on this file's etcd, stopped when the test ends. `register` adds workflows and activities.
 */
export async function startRuntime(
  t: ExecutionContext,
  etcd: EtcdFixture,
  register: (runtime: WorkflowRuntime) => void,
  options: RuntimeFixtureOptions = {},
): Promise<RuntimeFixture> {
  const appId = options.appId ?? `t-${nanoid(8)}`;
  const runtime = new WorkflowRuntime({
    partitions: TEST_PARTITIONS,
    leaseTtlSeconds: 2,
    ...options,
    appId,
    etcd: { hosts: etcd.hosts },
  });
  register(runtime);
  const client = new WorkflowClient({ etcd: { hosts: etcd.hosts }, appId, partitions: TEST_PARTITIONS });
  t.teardown(async () => {
    await runtime.stop();
    await client.close();
  });
  runtime.on('warning', (error) => t.log(`runtime warning: ${error.message}`));
  await ownAllPartitions(runtime.timers, () => runtime.start());
  return { runtime, client, appId };
}

/**
 * Like `startRuntime`, but the runtime core's reminders go through a `DoublingPort` around a real
 * timer service, so a test can observe (or duplicate) every trigger it receives.
 */
export async function startRuntimeWithPort(
  t: ExecutionContext,
  etcd: EtcdFixture,
  mode: DoublingMode,
  register: (runtime: RuntimeCore) => void,
  options: Omit<RuntimeCoreOptions, 'kv' | 'reminders' | 'appId'> = {},
): Promise<{ runtime: RuntimeCore; client: WorkflowClient; port: DoublingPort; appId: string }> {
  const appId = `t-${nanoid(8)}`;
  const kv = await etcd.connect();
  const timers = new TimerService({ kv, appId, partitions: TEST_PARTITIONS, leaseTtlSeconds: 2 });
  const port = new DoublingPort(timers, mode);
  const runtime = new RuntimeCore({ ...options, kv, reminders: port, appId });
  register(runtime);
  runtime.on('warning', (error) => t.log(`runtime warning: ${error.message}`));
  t.teardown(() => runtime.stop());
  await ownAllPartitions(timers, () => runtime.start());
  return { runtime, client: new WorkflowClient({ kv, appId, partitions: TEST_PARTITIONS }), port, appId };
}

/** Calls `start` and resolves once `timers` fires every partition of its scope. */
export async function ownAllPartitions(
  timers: TimerService,
  start: () => Promise<void>,
  timeoutMs = 20_000,
): Promise<void> {
  const owned = new Promise<void>((resolve) => {
    const check = (): void => {
      const total = timers.partitionCount;
      if (total === undefined || timers.ownedPartitions().length < total) return;
      timers.off('partitionsChanged', check);
      resolve();
    };
    timers.on('partitionsChanged', check);
    check();
  });
  await start();
  await within(owned, { timeoutMs, what: `replica ${timers.memberId} to own all partitions` });
}

/** History without times: what a replay depends on, comparable across runs. */
export function shape(history: readonly HistoryEvent[]): string[] {
  return history.map((event) => {
    const { timestamp: _timestamp, ...rest } = event;
    return JSON.stringify(rest, (key, value: unknown) =>
      key === 'fireAt' || key === 'scheduledStartAt' ? 'T' : key === 'stack' ? undefined : value,
    );
  });
}

/** Completion events (activity results, timer fires, child results) per kind and task id. */
export function completionCounts(history: readonly HistoryEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of history) {
    if (
      event.type === 'TaskCompleted' ||
      event.type === 'TaskFailed' ||
      event.type === 'TimerFired' ||
      event.type === 'ChildWorkflowCompleted' ||
      event.type === 'ChildWorkflowFailed'
    ) {
      const key = `${event.type}#${event.eventId}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}
