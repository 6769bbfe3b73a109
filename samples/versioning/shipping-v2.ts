import type { WorkflowContext } from '../../src/index.js';
import { bookCourier, handToCarrier, pack, type Order } from './activities.js';

/** Version 2 (deploy 1): a courier instead of the day's wait; instances already waiting keep it. */
export async function* shipOrder(ctx: WorkflowContext, order: Order) {
  yield* ctx.callActivity(pack, order);
  if (ctx.patched('courier-pickup')) {
    return yield* ctx.callActivity<string>(bookCourier, order);
  }
  yield ctx.createTimer('24h');
  return yield* ctx.callActivity<string>(handToCarrier, order);
}
