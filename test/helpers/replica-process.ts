/**
 * One tickflow replica in its own process, so fault tests can SIGKILL it (a real crash: no lease
 * revoke, no hand-over) or SIGTERM it (a clean leave). Usage:
 *
 *   node --import tsx replica-process.ts '<ReplicaConfig as JSON>'
 *
 * Prints one JSON line (a `ReplicaLine`) per event on stdout. Exits when its stdin closes, so a
 * replica never outlives the test process that started it.
 */
import { pathToFileURL } from 'node:url';
import type { Clock } from '../../src/common/clock.js';
import { systemClock } from '../../src/common/clock.js';
import { connectEtcd } from '../../src/etcd/etcd-kv.js';
import { TimerService } from '../../src/timers/timer-service.js';
import { WorkflowRuntime } from '../../src/workflow-runtime.js';

export interface ReplicaConfig {
  hosts: string[];
  appId: string;
  /** 'timers': a bare TimerService whose 'app' handler reports each delivery; 'runtime': a WorkflowRuntime. */
  mode: 'timers' | 'runtime';
  memberId: string;
  partitions: number;
  leaseTtlSeconds: number;
  /** For 'runtime': an ES module exporting `register(runtime: WorkflowRuntime): void`. */
  workflowsModule?: string;
  /** This replica's clock runs this far ahead of the wall clock (negative: behind). */
  skewMs?: number;
  /**
   * For 'runtime': more WorkflowRuntime options, passed as they are (e.g. a short
   * `activityFallbackSeconds`, so activities lost with a killed replica are re-run soon).
   */
  runtimeOptions?: Record<string, number>;
}

/** What a replica reports; `wall` is `Date.now()` of the replica when it wrote the line. */
export type ReplicaLine = { wall: number } & (
  | { event: 'started' }
  | { event: 'partitions'; owned: number[] }
  /** A delivery to the 'app' handler; `now` is the replica's own (possibly skewed) clock. */
  | { event: 'fired'; name: string; scheduledAt: number; now: number; attempt: number }
  | { event: 'completed'; instanceId: string; status: string }
  | { event: 'step'; instanceId: string }
  /** Activities of a replica that is gone, run at once here. */
  | { event: 'recovered'; count: number }
  | { event: 'warning'; message: string }
  | { event: 'stopped' }
);

type Report = ReplicaLine extends infer L ? (L extends ReplicaLine ? Omit<L, 'wall'> : never) : never;

const say = (line: Report): void => {
  process.stdout.write(`${JSON.stringify({ ...line, wall: Date.now() })}\n`);
};

function skewedClock(skewMs: number): Clock {
  if (skewMs === 0) return systemClock;
  return {
    now: () => Date.now() + skewMs,
    // The system clock waits for wall time atMs; this clock's atMs is skewMs away from that.
    schedule: (atMs, fn) => systemClock.schedule(atMs - skewMs, fn),
  };
}

const config = JSON.parse(process.argv[2] ?? '{}') as ReplicaConfig;
const clock = skewedClock(config.skewMs ?? 0);
const warn = (error: Error): void => say({ event: 'warning', message: error.message });
const watch = (service: TimerService): void => {
  service.on('partitionsChanged', (owned) => say({ event: 'partitions', owned: [...owned] }));
  service.on('warning', warn);
};
let stop: () => Promise<void>;
let timers: TimerService;

if (config.mode === 'timers') {
  const kv = await connectEtcd({ hosts: config.hosts });
  timers = new TimerService({
    kv,
    clock,
    appId: config.appId,
    memberId: config.memberId,
    partitions: config.partitions,
    leaseTtlSeconds: config.leaseTtlSeconds,
  });
  timers.onTrigger('app', (trigger) => {
    const scheduledAt = trigger.scheduledAt.getTime();
    say({ event: 'fired', name: trigger.name, scheduledAt, now: clock.now(), attempt: trigger.attempt });
    return 'success';
  });
  stop = async () => {
    await timers.stop();
    await kv.close();
  };
  watch(timers);
  await timers.start();
} else {
  const runtime = new WorkflowRuntime({
    etcd: { hosts: config.hosts },
    clock,
    appId: config.appId,
    memberId: config.memberId,
    partitions: config.partitions,
    leaseTtlSeconds: config.leaseTtlSeconds,
    ...config.runtimeOptions,
  });
  if (config.workflowsModule === undefined) throw new Error('runtime mode needs workflowsModule');
  const module = (await import(pathToFileURL(config.workflowsModule).href)) as {
    register(runtime: WorkflowRuntime): void;
  };
  module.register(runtime);
  runtime.on('completed', (instanceId, status) => say({ event: 'completed', instanceId, status }));
  runtime.on('step', (e) => say({ event: 'step', instanceId: e.instanceId }));
  runtime.on('activitiesRecovered', (count) => say({ event: 'recovered', count }));
  runtime.on('warning', warn);
  timers = runtime.timers;
  stop = () => runtime.stop();
  watch(timers);
  await runtime.start();
}
say({ event: 'started' });

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void stop().then(
    () => {
      say({ event: 'stopped' });
      process.exit(0);
    },
    (error: unknown) => {
      warn(error instanceof Error ? error : new Error(String(error)));
      process.exit(1);
    },
  );
});
process.stdin.on('close', () => process.exit(1));
process.stdin.resume();
