import type { WorkflowContext } from '../../src/index.js';
import { handToCarrier, pack, type Order } from './activities.js';

/** Version 1: pack the order, wait a day for the carrier's pickup, hand the parcel over. */
export async function* shipOrder(ctx: WorkflowContext, order: Order) {
  yield* ctx.callActivity(pack, order);
  yield ctx.createTimer('24h');
  return yield* ctx.callActivity<string>(handToCarrier, order);
}
