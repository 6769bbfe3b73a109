/**
 * One tickflow replica of the W8 failover workload, in its own process so the workload can kill
 * it with SIGKILL: a WorkflowRuntime whose timer service fires the cron jobs to an 'app' handler,
 * and which runs the W8 workflow (durable timers on a fixed grid, each followed by an activity).
 *
 *   node --import tsx failover-replica.ts '<FailoverReplicaConfig as JSON>'
 *
 * Every delivery, activity run, completion and change of the partitions it serves is appended to
 * the record file with a synchronous write before the handler returns (see failover-protocol.ts),
 * so a SIGKILL loses none of them. Status lines go to stdout. Exits when its stdin closes, so a
 * replica never outlives the workload that started it.
 */
import { openSync, writeSync } from 'node:fs';
import { WorkflowRuntime, type WorkflowActivityContext, type WorkflowContext } from './tickflow.js';
import { exitOnSigterm } from './replica-exit.js';
import {
  FAILOVER_INSTANCE_PREFIX,
  FAILOVER_JOB_PREFIX,
  type FailoverActivityInput,
  type FailoverReplicaConfig,
  type FailoverStatus,
  type FailoverWorkflowInput,
} from './failover-protocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as FailoverReplicaConfig;
const recordFd = openSync(config.recordPath, 'a');
/** A write to a regular file is in the page cache when writeSync returns: a SIGKILL keeps it. */
const record = (line: string): void => {
  writeSync(recordFd, `${line}\n`);
};

async function failoverTick(_ctx: WorkflowActivityContext, input: FailoverActivityInput): Promise<null> {
  record(`a ${input.index} ${input.iteration} ${input.dueAt} ${Date.now()}`);
  return null;
}

async function* failoverWorkflow(ctx: WorkflowContext, input: FailoverWorkflowInput) {
  let iteration = 0;
  for (let dueAt = input.firstDueAt; dueAt <= input.endAt; dueAt += input.periodMs) {
    yield ctx.createTimer(new Date(dueAt));
    yield* ctx.callActivity<null>(failoverTick, { index: input.index, iteration, dueAt });
    iteration++;
  }
  return iteration;
}

const say = (line: FailoverStatus): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

async function main(): Promise<void> {
  const runtime = new WorkflowRuntime({
    etcd: { hosts: config.hosts },
    partitions: config.partitions,
    memberId: config.memberId,
    leaseTtlSeconds: config.leaseTtlSeconds,
  });
  runtime.registerWorkflow(failoverWorkflow).registerActivity(failoverTick);

  let warnings: string[] = [];
  const warn = (error: Error): void => {
    if (warnings.length < 20) warnings.push(error.message);
  };
  runtime.on('warning', warn);
  runtime.timers.on('warning', warn);
  const serving = (): number =>
    runtime.timers.ownedPartitions().length - runtime.timers.loadingPartitions().length;
  runtime.timers.on('partitionsChanged', () => record(`p ${Date.now()} ${serving()}`));
  runtime.timers.onTrigger('app', (trigger) => {
    const job = trigger.name.slice(FAILOVER_JOB_PREFIX.length);
    record(`c ${job} ${trigger.scheduledAt.getTime()} ${Date.now()}`);
    return 'success';
  });
  runtime.on('completed', (instanceId) => {
    record(`w ${instanceId.slice(FAILOVER_INSTANCE_PREFIX.length)}`);
  });

  const report = setInterval(() => {
    say({ event: 'report', rss: process.memoryUsage.rss(), serving: serving(), warnings });
    warnings = [];
  }, config.reportMs);

  await runtime.start();
  say({ event: 'started' });

  exitOnSigterm(
    report,
    () => runtime.stop(),
    () => say({ event: 'stopped' }),
  );
}

await main();
