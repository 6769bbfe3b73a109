import type { WorkflowClient, WorkflowState } from '../../../src/index.js';
import type { OrderOutcome, OrderResult, OrderStatus } from '../types.js';

/** Where an order is: not yet visible, in flight, or its final outcome ('error' = the workflow itself failed). */
export type LiveState = 'queued' | 'running' | 'awaiting-approval' | OrderOutcome | 'error';

export interface TrackedOrder {
  id: string;
  state: LiveState;
  createdAt?: Date;
  finishedAt?: Date;
  result?: OrderResult;
  /** Why the workflow failed, for state 'error'. */
  error?: string;
}

/**
 * Follows a set of order instances through etcd, so it sees the work of every replica (`--join`),
 * not just this process's: one range read per refresh, plus one read per order that just ended.
 */
export class OrderTracker {
  readonly #client: WorkflowClient;
  readonly #since: Date;
  readonly #orders = new Map<string, TrackedOrder>();

  constructor(client: WorkflowClient, ids: readonly string[], since: Date) {
    this.#client = client;
    this.#since = since;
    for (const id of ids) this.#orders.set(id, { id, state: 'queued' });
  }

  async refresh(): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.#client.listWorkflows({
        namePrefix: 'orderFulfilment',
        createdFrom: this.#since,
        pageSize: 1000,
        ...(token !== undefined && { continuationToken: token }),
      });
      for (const state of page.instances) await this.#update(state);
      token = page.continuationToken;
    } while (token !== undefined);
  }

  async #update(listed: WorkflowState): Promise<void> {
    const order = this.#orders.get(listed.instanceId);
    if (!order || isFinal(order.state)) return;
    order.createdAt = listed.createdAt;
    switch (listed.runtimeStatus) {
      case 'PENDING':
      case 'RUNNING':
      case 'SUSPENDED': {
        const stage = (listed.customStatus as OrderStatus | undefined)?.stage;
        order.state = stage === 'awaiting-approval' ? 'awaiting-approval' : 'running';
        return;
      }
      case 'COMPLETED': {
        const full = await this.#client.getWorkflowState(listed.instanceId, true);
        order.result = JSON.parse(full?.serializedOutput ?? 'null') as OrderResult;
        order.state = order.result.outcome;
        order.finishedAt = full?.lastUpdatedAt ?? listed.lastUpdatedAt;
        return;
      }
      default:
        order.state = 'error';
        order.finishedAt = listed.lastUpdatedAt;
        order.error = listed.workflowFailureDetails?.message ?? listed.runtimeStatus;
    }
  }

  orders(): TrackedOrder[] {
    return [...this.#orders.values()];
  }

  get(id: string): TrackedOrder | undefined {
    return this.#orders.get(id);
  }

  get allDone(): boolean {
    return this.orders().every((o) => isFinal(o.state));
  }

  count(...states: LiveState[]): number {
    return this.orders().filter((o) => states.includes(o.state)).length;
  }
}

export function isFinal(state: LiveState): boolean {
  return state !== 'queued' && state !== 'running' && state !== 'awaiting-approval';
}
