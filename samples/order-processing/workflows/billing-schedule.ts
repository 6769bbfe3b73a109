import {
  WorkflowAlreadyExistsError,
  type TimerService,
  type TriggerResult,
  type WorkflowClient,
} from '../../../src/index.js';
import { billingRun } from './billing-run.js';

export const BILLING_JOB = 'monthly-billing';
/** The trigger target the billing job is delivered to (jobs of other targets go elsewhere). */
export const BILLING_TARGET = 'billing';
/** 03:00:00 on the 1st of every month (6 fields, seconds first). */
export const MONTHLY = '0 0 3 1 * *';

/**
 * Puts the billing cron job in the timer service. It lives in etcd: schedule it once, from any
 * process, and whichever replica owns it fires it, every missed tick included after downtime.
 */
export async function scheduleBilling(timers: TimerService, schedule: string = MONTHLY): Promise<void> {
  await timers.schedule(BILLING_JOB, { schedule, target: BILLING_TARGET, overwrite: true });
}

/**
 * Starts one billing-run workflow per tick. Triggers arrive at least once, so the instance id is
 * derived from the tick: a repeated trigger finds the run already there and does nothing.
 * Returns the function that unregisters the handler.
 */
export function handleBillingTriggers(timers: TimerService, client: WorkflowClient): () => void {
  return timers.onTrigger(BILLING_TARGET, async (trigger): Promise<TriggerResult> => {
    const period = trigger.scheduledAt.toISOString();
    const instanceId = `billing-${period}`;
    if (await client.getWorkflowState(instanceId, false)) return 'success';
    try {
      await client.scheduleNewWorkflow(billingRun, { period }, instanceId);
    } catch (error) {
      if (!(error instanceof WorkflowAlreadyExistsError)) throw error;
    }
    return 'success';
  });
}
