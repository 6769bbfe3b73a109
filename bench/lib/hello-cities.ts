/** The HelloCities5 shape the workflow benchmarks share: five sequential no-op activities. */
import type { WorkflowActivityContext, WorkflowContext } from './tickflow.js';

/** The cities greeted, in order (the Dapr SDK worker of bench:grpc-workers greets the same). */
export const CITIES = ['Tokyo', 'Seattle', 'London', 'Amsterdam', 'Lima'];

export async function sayHello(_ctx: WorkflowActivityContext, city: string): Promise<string> {
  return `Hello ${city}!`;
}

export async function* helloCities5(ctx: WorkflowContext) {
  const out: string[] = [];
  for (const city of CITIES) {
    out.push(yield* ctx.callActivity<string>(sayHello, city));
  }
  return out;
}
