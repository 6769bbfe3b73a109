import type { WorkflowClient, WorkflowRuntime } from '../../../src/index.js';
import type { Services } from '../services/index.js';
import { BILLING_JOB, handleBillingTriggers, scheduleBilling } from '../workflows/billing-schedule.js';
import { subscriptionWorkflow } from '../workflows/subscription.js';

/** Every 5 s instead of monthly, so the demo shows a few billing runs. */
const DEMO_BILLING_SCHEDULE = '*/5 * * * * *';

/**
 * The subscription samples, run next to the orders: one subscription renewing every few seconds
 * (each renewal a new generation via continue-as-new) and the billing cron job.
 */
export class SubscriptionExtras {
  readonly #runtime: WorkflowRuntime;
  readonly #client: WorkflowClient;
  readonly #since: Date;
  readonly subscriptionId: string;
  #stopBilling: (() => void) | undefined;

  constructor(runtime: WorkflowRuntime, client: WorkflowClient, idPrefix: string, since: Date) {
    this.#runtime = runtime;
    this.#client = client;
    this.#since = since;
    this.subscriptionId = `${idPrefix}-subscription`;
  }

  async start(services: Services): Promise<void> {
    this.#stopBilling = handleBillingTriggers(this.#runtime.timers, this.#client);
    await scheduleBilling(this.#runtime.timers, DEMO_BILLING_SCHEDULE);
    const subscription = services.subscriptions[0];
    if (subscription) {
      await this.#client.scheduleNewWorkflow(
        subscriptionWorkflow,
        { subscription, period: '3s' },
        this.subscriptionId,
      );
    }
  }

  /**
   * Removes the cron job, ends the subscription, and waits for billing runs already started.
   * Returns what they did.
   */
  async stop(): Promise<{ renewals: number; generation: number; billingRuns: number }> {
    await this.#runtime.timers.delete(BILLING_JOB);
    const subscription = await this.#client.getWorkflowState(this.subscriptionId, false);
    const renewals = (subscription?.customStatus as { renewals?: number } | undefined)?.renewals ?? 0;
    const history = subscription ? await this.#client.getWorkflowHistory(this.subscriptionId) : [];
    const started = history.find((e) => e.type === 'ExecutionStarted');
    if (subscription?.runtimeStatus === 'RUNNING')
      await this.#client.raiseEvent(this.subscriptionId, 'cancel');
    const runs = await this.#client.listWorkflows({ namePrefix: 'billingRun', createdFrom: this.#since });
    for (const run of runs.instances) await this.#client.waitForWorkflowCompletion(run.instanceId, false, 30);
    if (subscription) await this.#client.waitForWorkflowCompletion(this.subscriptionId, false, 30);
    this.#stopBilling?.();
    return {
      renewals,
      generation: started?.type === 'ExecutionStarted' ? started.generation : 0,
      billingRuns: runs.instances.length,
    };
  }
}
