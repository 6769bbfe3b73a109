import type { WorkflowContext } from '../../src/index.js';
import { bookCourier, pack, type Order } from './activities.js';

/** Version 3 (deploy 2), once no instance runs the old branch: it is gone, the marker stays. */
export async function* shipOrder(ctx: WorkflowContext, order: Order) {
  yield* ctx.callActivity(pack, order);
  ctx.deprecatePatch('courier-pickup');
  return yield* ctx.callActivity<string>(bookCourier, order);
}
