import type { WorkflowActivityContext, WorkflowContext } from 'tickflow';

export interface GreetingInput {
  name: string;
  /** How long to wait before the second greeting, e.g. '2s' or '24h'. */
  pause: string;
}

/** An activity does the real work (I/O, calls to other services). It may run more than once. */
export async function composeGreeting(_ctx: WorkflowActivityContext, name: string): Promise<string> {
  return `Hello, ${name}!`;
}

/**
 * A workflow decides what happens, step by step. Every step is stored in etcd, so it survives
 * restarts; the timer is a durable job that fires even if this process was down at the time.
 */
export async function* greeting(ctx: WorkflowContext, input: GreetingInput) {
  const first = yield* ctx.callActivity<string>(composeGreeting, input.name);
  ctx.setCustomStatus({ greeted: true });
  yield ctx.createTimer(input.pause);
  const second = yield* ctx.callActivity<string>(composeGreeting, `${input.name} again`);
  return [first, second];
}
