import type { WorkflowContext } from '../../src/index.js';
import { bookCourier, pack, type Order } from './activities.js';

/** Version 4 (deploy 3), once no instance holds a marker of version 2: no trace of the patch. */
export async function* shipOrder(ctx: WorkflowContext, order: Order) {
  yield* ctx.callActivity(pack, order);
  return yield* ctx.callActivity<string>(bookCourier, order);
}
