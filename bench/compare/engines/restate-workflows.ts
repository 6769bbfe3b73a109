/**
 * Restate: the same shapes as a service handler invoked through the ingress (request-response),
 * steps as `ctx.run`, the timer as `ctx.sleep(1000)`, fan-out as RestatePromise.all over runs.
 * Latency is the ingress call's duration (the invocation's completion).
 */
import type { RestateContext } from '../peer-types.js';
import type { Progress } from '../types.js';
import { RestateEndpoint } from './restate-endpoint.js';
import type { WorkflowEngine, WorkflowShape } from './workflow-engine.js';

export class RestateWorkflows implements WorkflowEngine {
  readonly #endpoint: RestateEndpoint;
  /** Step times of the running longSequence, written by its handler. */
  readonly #stamps: { steps: number[] };

  private constructor(endpoint: RestateEndpoint, stamps: { steps: number[] }) {
    this.#endpoint = endpoint;
    this.#stamps = stamps;
  }

  static async create(): Promise<RestateWorkflows> {
    const stamps = { steps: [] as number[] };
    const endpoint = await RestateEndpoint.start({
      Bench: {
        sequence: async (ctx: RestateContext, input: unknown) => {
          const { steps, timerBefore } = input as { steps: number; timerBefore?: number };
          let sum = 0;
          for (let i = 0; i < steps; i++) {
            if (i === timerBefore) await ctx.sleep(1_000);
            sum += await ctx.run(`s${i}`, () => i);
          }
          return sum;
        },
        fanout: async (ctx: RestateContext, input: unknown) => {
          const { activities } = input as { activities: number };
          const results = await endpoint.sdk.RestatePromise.all(
            Array.from({ length: activities }, (_, i) => ctx.run(`a${i}`, () => i)),
          );
          return results.length;
        },
        longSequence: async (ctx: RestateContext, input: unknown) => {
          const steps = input as number;
          for (let i = 0; i < steps; i++) {
            await ctx.run(`s${i}`, () => {
              stamps.steps[i] = performance.now();
              return i;
            });
          }
          return steps;
        },
      },
    });
    return new RestateWorkflows(endpoint, stamps);
  }

  get storePids(): number[] {
    return [this.#endpoint.pid];
  }

  async runMany(shape: WorkflowShape, count: number, progress: Progress): Promise<number[]> {
    let completed = 0;
    const ticker = setInterval(() => progress(`${completed}/${count} workflows done`), 1_000);
    try {
      return await Promise.all(
        Array.from({ length: count }, async () => {
          const started = Date.now();
          await this.#endpoint.call('Bench', shape.kind, shape);
          completed++;
          return Date.now() - started;
        }),
      );
    } finally {
      clearInterval(ticker);
    }
  }

  async longSequence(steps: number, progress: Progress): Promise<number[]> {
    this.#stamps.steps = new Array<number>(steps).fill(Number.NaN);
    const ticker = setInterval(
      () => progress(`step ${this.#stamps.steps.findIndex((s) => Number.isNaN(s))}/${steps}`),
      1_000,
    );
    try {
      await this.#endpoint.call('Bench', 'longSequence', steps);
      return this.#stamps.steps;
    } finally {
      clearInterval(ticker);
    }
  }

  close(): Promise<void> {
    return this.#endpoint.close();
  }
}
