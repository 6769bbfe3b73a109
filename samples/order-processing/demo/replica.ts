import { once } from 'node:events';
import { WorkflowClient, WorkflowRuntime } from '../../../src/index.js';
import { registerOrderProcessing } from '../register.js';
import { createServices } from '../services/index.js';
import { handleBillingTriggers } from '../workflows/billing-schedule.js';
import { sameInEveryRun } from './batch.js';
import { bounded } from './bounded.js';
import type { DemoOptions } from './options.js';

/**
 * `npm start -- --join --etcd host:port`: one more runtime replica of the demo's scope. It takes
 * over a share of the timer partitions (and so of the instances) as soon as it joins, and hands
 * them back when it leaves; the work it does shows in the main demo's progress like any other.
 */
export async function runReplica(options: DemoOptions & { etcd: string[] }): Promise<void> {
  const etcd = { hosts: options.etcd };
  const runtime = registerOrderProcessing(
    new WorkflowRuntime({ etcd }),
    // The same decisions as the demo's own process makes for the orders this replica runs.
    createServices({ seed: options.seed, decisionKey: sameInEveryRun }),
  );
  const client = new WorkflowClient({ etcd });
  const stopBilling = handleBillingTriggers(runtime.timers, client);
  let activities = 0;
  let finished = 0;
  let reported = '';
  let lastWarning = '';
  runtime.on('activityFinished', () => (activities += 1));
  runtime.on('completed', () => (finished += 1));
  let owned = -1;
  runtime.timers.on('partitionsChanged', (partitions) => {
    // Fired once per partition taken or handed over; report only the totals.
    if (partitions.length !== owned) console.log(`replica: owns ${partitions.length} partitions`);
    owned = partitions.length;
  });
  const warn = (error: Error): void => {
    // etcd going away (the main demo ended) repeats the same warning many times a second.
    if (error.message !== lastWarning) console.warn(`replica: ${error.message}`);
    lastWarning = error.message;
  };
  runtime.on('warning', warn);
  runtime.timers.on('warning', warn);

  await runtime.start();
  console.log(`replica ${runtime.timers.memberId} joined ${options.etcd.join(',')}; Ctrl-C to leave`);
  const report = setInterval(() => {
    const line = `replica: ran ${activities} activities, finished ${finished} workflow instances`;
    if (line !== reported) console.log(line);
    reported = line;
  }, 2000);

  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  clearInterval(report);
  console.log('replica: leaving, handing partitions back');
  stopBilling();
  await bounded(runtime.stop(), 'stopping the replica');
  await bounded(client.close(), 'closing the client');
}
