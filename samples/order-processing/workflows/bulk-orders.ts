import type { WorkflowContext } from '../../../src/index.js';
import {
  ORDER_OUTCOMES,
  type Order,
  type OrderOptions,
  type OrderOutcome,
  type OrderResult,
} from '../types.js';
import { orderFulfilment } from './order-fulfilment.js';

export interface BulkOrderInput {
  batchId: string;
  orders: Order[];
  options?: OrderOptions;
}

export interface BulkOrderResult {
  batchId: string;
  orders: number;
  byOutcome: Record<OrderOutcome, number>;
  /** Cents collected from the orders that completed. */
  revenue: number;
  results: OrderResult[];
}

/**
 * A wholesale batch: fan out one child workflow per order, then fan in. Each child is a full
 * order workflow with its own history, retries and approval, and runs on whichever replica owns
 * it; the parent only waits. Children get the order id as instance id, so each can be looked up
 * (or approved) on its own.
 */
export async function* bulkOrders(
  ctx: WorkflowContext,
  input: BulkOrderInput,
): AsyncGenerator<unknown, BulkOrderResult, unknown> {
  ctx.setCustomStatus({ stage: 'fan-out', orders: input.orders.length });
  const children = input.orders.map((order) =>
    ctx.callChildWorkflow<OrderResult>(
      orderFulfilment,
      { order, ...(input.options && { options: input.options }) },
      { instanceId: order.id },
    ),
  );
  const results = yield* ctx.whenAll(children);

  const byOutcome = Object.fromEntries(ORDER_OUTCOMES.map((o) => [o, 0])) as Record<OrderOutcome, number>;
  let revenue = 0;
  for (const result of results) {
    byOutcome[result.outcome] += 1;
    if (result.outcome === 'completed') revenue += result.total;
  }
  ctx.setCustomStatus({ stage: 'done', orders: results.length });
  return { batchId: input.batchId, orders: results.length, byOutcome, revenue, results };
}
