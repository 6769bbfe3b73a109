/**
 * One tickflow replica of the soak benchmark, in its own process (so its RSS is its own): a
 * WorkflowRuntime whose timer service fires the cron jobs to an 'app' handler that only counts,
 * and runs the soak workflow (a 1 s durable timer, then one activity). Completed instances are
 * purged, as an application that keeps no finished instances would, so the store can stay flat.
 *
 *   node --import tsx soak-replica.ts '<SoakReplicaConfig as JSON>'
 *
 * Prints one JSON line (a SoakReport) per `reportMs` on stdout, deltas since the last one. Exits
 * when its stdin closes, so a replica never outlives the bench that started it.
 */
import {
  WorkflowClient,
  WorkflowRuntime,
  type WorkflowActivityContext,
  type WorkflowContext,
} from './tickflow.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { SoakReplicaConfig, SoakReport } from './soak-protocol.js';
import { exitOnSigterm } from './replica-exit.js';

async function touch(_ctx: WorkflowActivityContext, n: number): Promise<number> {
  return n + 1;
}

async function* soakWorkflow(ctx: WorkflowContext, n: number) {
  yield ctx.createTimer(1);
  return yield* ctx.callActivity<number>(touch, n);
}

const say = (line: SoakReport): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as SoakReplicaConfig;
  const runtime = new WorkflowRuntime({
    etcd: { hosts: config.hosts },
    partitions: config.partitions,
    memberId: config.memberId,
  });
  runtime.registerWorkflow(soakWorkflow).registerActivity(touch);
  const client = new WorkflowClient({ etcd: { hosts: config.hosts }, partitions: config.partitions });

  let firedBySecond = new Map<number, number>();
  let lateness = new LatencyHistogram();
  let early = 0;
  let completed = 0;
  let purged = 0;
  let purgeFailed = 0;
  let warnings: string[] = [];
  const warn = (error: Error): void => {
    if (warnings.length < 20) warnings.push(error.message);
  };
  runtime.on('warning', warn);
  runtime.timers.on('warning', warn);
  runtime.timers.onTrigger('app', (trigger) => {
    const scheduledAt = trigger.scheduledAt.getTime();
    const now = Date.now();
    if (now < scheduledAt) early++;
    if (trigger.attempt === 1) lateness.observe(now - scheduledAt);
    const second = Math.floor(scheduledAt / 1000);
    firedBySecond.set(second, (firedBySecond.get(second) ?? 0) + 1);
    return 'success';
  });
  runtime.on('completed', (instanceId) => {
    completed++;
    client.purgeWorkflow(instanceId).then(
      () => purged++,
      (error: unknown) => {
        purgeFailed++;
        warn(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });

  const report = setInterval(() => {
    say({
      event: 'report',
      rss: process.memoryUsage.rss(),
      heapUsed: process.memoryUsage().heapUsed,
      owned: runtime.timers.ownedPartitions().length,
      firedBySecond: Object.fromEntries(firedBySecond),
      lateness: lateness.toJSON(),
      early,
      completed,
      purged,
      purgeFailed,
      warnings,
    });
    firedBySecond = new Map();
    lateness = new LatencyHistogram();
    early = completed = purged = purgeFailed = 0;
    warnings = [];
  }, config.reportMs);

  await runtime.start();
  say({ event: 'started' });

  exitOnSigterm(
    report,
    async () => {
      await runtime.stop();
      await client.close();
    },
    () => say({ event: 'stopped' }),
  );
}

await main();
