/**
 * The order-processing demo (`npm start`): starts etcd and a workflow runtime, submits a batch of
 * orders, plays the manager who approves some of them, shows live progress, and ends with a
 * summary and the history of one order. `npm start -- --help` lists the options.
 */
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmbeddedEtcd, WorkflowClient, WorkflowRuntime } from '../../src/index.js';
import { bounded } from './demo/bounded.js';
import { planBatch, sameInEveryRun, type BatchPlan, type ManagerDecision } from './demo/batch.js';
import { SubscriptionExtras } from './demo/extras.js';
import { SimulatedManager } from './demo/manager.js';
import { parseDemoOptions, type DemoOptions } from './demo/options.js';
import { liveCounts, ProgressView } from './demo/progress.js';
import { runReplica } from './demo/replica.js';
import { formatTable, outcomeRows, retriesIn, type DemoSummary } from './demo/summary.js';
import { formatTimeline } from './demo/timeline.js';
import { OrderTracker, type TrackedOrder } from './demo/tracker.js';
import { registerOrderProcessing } from './register.js';
import { createServices } from './services/index.js';
import { SeededRandom } from './services/random.js';
import type { OrderOptions } from './types.js';
import { bulkOrders } from './workflows/bulk-orders.js';
import { orderFulfilment } from './workflows/order-fulfilment.js';

/** Give up (and exit 1) if the batch has not finished by then; a normal run takes 15-25 s. */
const DEADLINE_MS = 120_000;
const REFRESH_MS = 250;

interface Store {
  hosts: string[];
  /** Where the data lives, for the header. */
  where: string;
  close(): Promise<void>;
}

/** The embedded etcd in `.tickflow/demo-<tag>` (removed afterwards unless --keep), or the one given. */
async function openStore(options: DemoOptions, tag: string): Promise<Store> {
  if (options.etcd)
    return { hosts: options.etcd, where: `etcd at ${options.etcd.join(',')}`, close: async () => {} };
  const dataDir = `.tickflow/demo-${tag}`;
  const etcd = await startEmbeddedEtcd({ dataDir });
  return {
    hosts: etcd.hosts,
    where: `embedded etcd at ${etcd.hosts.join(',')}, data in ${dataDir}${options.keep ? ' (kept)' : ''}`,
    async close() {
      await etcd.stop();
      if (!options.keep) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Submits each order when its arrival time comes; the wholesale orders go in as one bulk order. */
async function submitBatch(
  client: WorkflowClient,
  plan: BatchPlan,
  orderOptions: OrderOptions,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const started = Date.now();
  const single = plan.orders.filter((p) => !p.bulk);
  const bulk = plan.orders.filter((p) => p.bulk);
  const submissions: Array<{ at: number; submit: () => Promise<unknown> }> = single.map((p) => ({
    at: p.arrivalMs,
    submit: () =>
      client.scheduleNewWorkflow(orderFulfilment, { order: p.order, options: orderOptions }, p.order.id),
  }));
  if (plan.bulkBatchId && bulk.length > 0) {
    const batchId = plan.bulkBatchId;
    submissions.push({
      at: bulk[0]?.arrivalMs ?? 0,
      submit: async () => {
        await client.scheduleNewWorkflow(
          bulkOrders,
          { batchId, orders: bulk.map((p) => p.order), options: orderOptions },
          batchId,
        );
        log(`bulk: ${batchId} fans out ${bulk.length} orders as child workflows`);
      },
    });
  }
  submissions.sort((a, b) => a.at - b.at);
  for (const { at, submit } of submissions) {
    if (signal.aborted) return;
    const wait = at - (Date.now() - started);
    if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {});
    if (signal.aborted) return;
    await submit();
  }
}

/** The order whose history is worth reading: retries and a compensation, else a retried approval, ... */
function interestingOrder(
  orders: TrackedOrder[],
  retries: ReadonlyMap<string, number>,
): TrackedOrder | undefined {
  return (
    orders.find((o) => o.state === 'compensated' && (retries.get(o.id) ?? 0) > 0) ??
    orders.find((o) => o.state === 'compensated') ??
    orders.find(
      (o) => o.state === 'completed' && (retries.get(o.id) ?? 0) > 0 && (o.result?.total ?? 0) > 100_000,
    ) ??
    orders.find((o) => (retries.get(o.id) ?? 0) > 0) ??
    orders.find((o) => o.state === 'approval-timeout') ??
    orders[0]
  );
}

async function runDemo(options: DemoOptions): Promise<number> {
  const startedAt = new Date();
  const tag = startedAt.getTime().toString(36).slice(-5);
  const random = new SeededRandom(options.seed);
  const store = await openStore(options, tag);
  const services = createServices({ seed: options.seed, decisionKey: sameInEveryRun });
  const runtime = registerOrderProcessing(new WorkflowRuntime({ etcd: { hosts: store.hosts } }), services);
  const client = new WorkflowClient({ etcd: { hosts: store.hosts } });
  const view = new ProgressView();
  const warnings: string[] = [];
  runtime.on('warning', (e) => warnings.push(e.message));
  runtime.timers.on('warning', (e) => warnings.push(e.message));
  let activitiesHere = 0;
  runtime.on('activityFinished', () => (activitiesHere += 1));
  const extras = new SubscriptionExtras(
    runtime,
    client,
    `order-${tag}`,
    new Date(startedAt.getTime() - 1000),
  );
  // Ctrl-C: stop submitting, then clean up as at the end (stop etcd, remove its data dir).
  const interrupted = new AbortController();
  process.once('SIGINT', () => interrupted.abort());
  try {
    await runtime.start();
    console.log(`tickflow demo · ${options.orders} orders · seed ${options.seed} · ${store.where}`);
    if (!options.etcd) {
      console.log(`add a replica from another terminal: npm start -- --join --etcd ${store.hosts.join(',')}`);
    }
    await extras.start(services);

    const plan = planBatch(options.orders, random, `order-${tag}`);
    const decisions = new Map<string, ManagerDecision>(
      plan.orders.flatMap((p) => (p.decision ? [[p.order.id, p.decision] as const] : [])),
    );
    const tracker = new OrderTracker(
      client,
      plan.orders.map((p) => p.order.id),
      new Date(startedAt.getTime() - 1000),
    );
    const manager = new SimulatedManager(client, random, decisions, (line) => view.log(line));
    const orderOptions: OrderOptions = { approvalTimeout: options.approvalTimeout, retryInterval: '1s' };
    let submitError: unknown;
    const submitting = submitBatch(
      client,
      plan,
      orderOptions,
      (line) => view.log(line),
      interrupted.signal,
    ).catch((e: unknown) => {
      submitError = e;
    });

    const elapsed = (): number => Date.now() - startedAt.getTime();
    let refreshFailures = 0;
    while (
      !tracker.allDone &&
      submitError === undefined &&
      !interrupted.signal.aborted &&
      elapsed() < DEADLINE_MS
    ) {
      await sleep(REFRESH_MS);
      try {
        await tracker.refresh();
        refreshFailures = 0;
      } catch (error) {
        // Ride out a short etcd outage (a leader change, say); on Ctrl-C etcd goes away with us.
        if (interrupted.signal.aborted) break;
        if ((refreshFailures += 1) * REFRESH_MS > 10_000) throw error;
        continue;
      }
      for (const order of tracker.orders()) if (order.state === 'awaiting-approval') manager.notice(order.id);
      view.render(liveCounts(tracker, elapsed()));
    }
    await submitting;
    manager.stop();
    view.finish(liveCounts(tracker, elapsed()));
    if (submitError !== undefined) throw submitError;
    if (interrupted.signal.aborted) {
      console.log('interrupted: stopping the runtime and etcd');
      return 130;
    }
    if (!tracker.allDone) {
      const stuck = tracker
        .orders()
        .filter((o) => o.state === 'queued' || o.state === 'running' || o.state === 'awaiting-approval');
      console.error(
        `gave up after ${DEADLINE_MS / 1000} s; unfinished: ${stuck.map((o) => `${o.id} (${o.state})`).join(', ')}`,
      );
      return 1;
    }

    const side = await extras.stop();
    const orders = tracker.orders();
    const retries = new Map<string, number>();
    for (const order of orders) retries.set(order.id, retriesIn(await client.getWorkflowHistory(order.id)));
    const rows = outcomeRows(orders, retries);
    console.log(`\n${formatTable(rows)}\n`);
    console.log(
      `subscription ${extras.subscriptionId}: ${side.renewals} renewals billed, now in generation ${side.generation} ` +
        `(continue-as-new keeps its history short) · billing cron job: ${side.billingRuns} runs`,
    );
    // With --join replicas, this is this process's share of the work.
    console.log(`activities run by this process: ${activitiesHere}`);
    if (warnings.length > 0)
      console.log(`runtime warnings (retried on their own): ${warnings.length}, first: ${warnings[0]}`);

    const shown = interestingOrder(orders, retries);
    if (shown) {
      const why = shown.result?.reason ? `: ${shown.result.reason}` : '';
      console.log(`\nhistory of ${shown.id} (${shown.state}${why}):`);
      for (const line of formatTimeline(await client.getWorkflowHistory(shown.id))) console.log(line);
    }

    const summary: DemoSummary = {
      orders: orders.length,
      outcomes: Object.fromEntries(rows.map((r) => [r.outcome, r.count])),
      rows,
      retries: rows.reduce((sum, r) => sum + r.retries, 0),
      elapsedMs: elapsed(),
      seed: options.seed,
      ...(plan.bulkBatchId && {
        bulkOrders: { batchId: plan.bulkBatchId, orders: plan.orders.filter((p) => p.bulk).length },
      }),
      subscription: { renewals: side.renewals, generation: side.generation },
      billingRuns: side.billingRuns,
    };
    console.log(`\ndone in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
    // One machine-readable line, for scripts and the sample's own test.
    if (options.json || !process.stdout.isTTY) console.log(`summary: ${JSON.stringify(summary)}`);
    return 0;
  } finally {
    // Bounded: with etcd already gone (Ctrl-C reaches it too), a replica cannot hand its
    // partitions back, and there is nothing left to hand them to.
    await bounded(runtime.stop(), 'stopping the runtime');
    await bounded(client.close(), 'closing the client');
    await store.close();
  }
}

const options = parseDemoOptions(process.argv);
if (options.join && options.etcd) {
  await runReplica({ ...options, etcd: options.etcd });
  process.exit(0);
}
process.exitCode = await runDemo(options);
