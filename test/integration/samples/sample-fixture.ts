import type { TestFn } from 'ava';
import { nanoid } from 'nanoid';
import { WorkflowClient, WorkflowRuntime, type WorkflowState } from '../../../src/index.js';
import { registerOrderProcessing } from '../../../samples/order-processing/register.js';
import { createServices, type Services } from '../../../samples/order-processing/services/index.js';
import type { Order, OrderStatus } from '../../../samples/order-processing/types.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';

export interface SampleFixture {
  runtime: WorkflowRuntime;
  client: WorkflowClient;
  services: Services;
  /** Waits until the instance's custom status shows `stage`. */
  waitForStage(instanceId: string, stage: OrderStatus['stage']): Promise<void>;
  /** Waits for the instance to exist and end (bounded); returns its state with payloads. */
  finished(instanceId: string): Promise<WorkflowState>;
}

/**
 * One etcd, one runtime replica with the sample workflows, and a client, for the calling test
 * file. The simulated services answer at once and never fail by chance, so each test decides its
 * path through the order alone.
 */
export async function useSampleRuntime<Context>(test: TestFn<Context>): Promise<SampleFixture> {
  const etcd = await useEtcd(test);
  const services = createServices({ seed: 1, latencyScale: 0, transientFailureRate: 0 });
  const namespace = `samples-${nanoid(6)}`;
  const runtime = registerOrderProcessing(
    new WorkflowRuntime({ etcd: { hosts: etcd.hosts }, namespace, leaseTtlSeconds: 3 }),
    services,
  );
  const client = new WorkflowClient({ etcd: { hosts: etcd.hosts }, namespace });
  // Warnings are retried by the runtime on its own; printed so a stuck test says why.
  runtime.on('warning', (error) => console.error(`runtime warning: ${error.message}`));
  runtime.timers.on('warning', (error) => console.error(`timers warning: ${error.message}`));
  // No await between useEtcd and these: ava wants every hook declared in the same tick.
  test.before(() => runtime.start());
  test.after.always(async () => {
    await runtime.stop();
    await client.close();
  });
  return {
    runtime,
    client,
    services,
    async waitForStage(instanceId, stage) {
      await waitFor(
        async () => {
          const state = await client.getWorkflowState(instanceId, false);
          return (state?.customStatus as OrderStatus | undefined)?.stage === stage;
        },
        { timeoutMs: 20_000, intervalMs: 50, what: `${instanceId} to reach stage ${stage}` },
      );
    },
    async finished(instanceId) {
      // A child workflow exists only once its parent's step has created it.
      await waitFor(async () => (await client.getWorkflowState(instanceId, false)) !== undefined, {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: `${instanceId} to exist`,
      });
      return client.waitForWorkflowCompletion(instanceId, true, 30);
    },
  };
}

let counter = 0;

/** A valid order; `big` puts it above the default approval threshold ($1,000). */
export function makeOrder(overrides: Partial<Order> & { big?: boolean } = {}): Order {
  const { big = false, ...rest } = overrides;
  counter += 1;
  return {
    id: `order-${nanoid(6)}-${counter}`,
    customer: 'ada@example.com',
    items: [{ sku: 'kbd-01', quantity: big ? 20 : 2, unitPrice: 12_500 }],
    paymentToken: 'tok_visa',
    address: { name: 'Ada', city: 'London', country: 'GB' },
    ...rest,
  };
}

/** Parses a finished instance's output. */
export function outputOf<T>(state: WorkflowState): T {
  if (state.serializedOutput === undefined) throw new Error(`${state.instanceId} has no output`);
  return JSON.parse(state.serializedOutput) as T;
}
