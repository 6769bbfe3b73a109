/**
 * Order-like workflows for the workflow crash test, registered both by the test's own runtime
 * checks and by the runtimes it runs (and kills) in child processes: an activity, a durable
 * timer, a payment that fails a deterministic number of times and is retried by policy, a fan-out
 * of two activities, and a last timer. The result is a pure function of the order number, so
 * any run, disturbed or not, must produce `expectedOrderResult(n)`.
 */
import type { WorkflowActivityContext, WorkflowContext, WorkflowRuntime } from '../../src/index.js';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function reserveStock(_ctx: WorkflowActivityContext, n: number): Promise<string> {
  await pause(10 + (n % 5) * 10);
  return `R${n}`;
}

/** Declines the first `n % 3` attempts: 0, 1 or 2 retries, the same in every run. */
export async function chargeCard(ctx: WorkflowActivityContext, n: number): Promise<number> {
  await pause(5);
  if (ctx.getAttempt() <= n % 3)
    throw new Error(`card declined for order ${n} (attempt ${ctx.getAttempt()})`);
  return n * 10 + ctx.getAttempt();
}

export async function ship(_ctx: WorkflowActivityContext, n: number): Promise<string> {
  await pause(20);
  return `S${n}`;
}

export async function notifyCustomer(_ctx: WorkflowActivityContext, n: number): Promise<string> {
  await pause(10);
  return `N${n}`;
}

export interface OrderResult {
  reservation: string;
  paid: number;
  shipped: string;
  notified: string;
}

export async function* orderFlow(ctx: WorkflowContext, n: number) {
  const reservation = yield* ctx.callActivity<string>(reserveStock, n);
  yield ctx.createTimer('300ms');
  const paid = yield* ctx.callActivity<number>(chargeCard, n, {
    retry: { maxAttempts: 4, firstRetryInterval: '200ms' },
  });
  const [shipped, notified] = yield* ctx.whenAll([
    ctx.callActivity<string>(ship, n),
    ctx.callActivity<string>(notifyCustomer, n),
  ]);
  yield ctx.createTimer('300ms');
  const result: OrderResult = { reservation, paid, shipped, notified };
  return result;
}

export function expectedOrderResult(n: number): OrderResult {
  return { reservation: `R${n}`, paid: n * 10 + (n % 3) + 1, shipped: `S${n}`, notified: `N${n}` };
}

/** Called by replica-process.ts in runtime mode. */
export function register(runtime: WorkflowRuntime): void {
  runtime
    .registerWorkflow(orderFlow)
    .registerActivity(reserveStock)
    .registerActivity(chargeCard)
    .registerActivity(ship)
    .registerActivity(notifyCustomer);
}
