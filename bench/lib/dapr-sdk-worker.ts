/**
 * A Dapr app's workflow worker, for bench/grpc-workers.bench.ts: the official `@dapr/dapr`
 * WorkflowRuntime with the HelloCities5 workflow, connected to the gRPC port given as argv[2].
 * Prints `ready` once started. The SDK logs every work item with console.log; that output is
 * dropped here (a terminal would be the bottleneck, not the protocol).
 */
import { WorkflowRuntime, type WorkflowActivityContext, type WorkflowContext } from '@dapr/dapr';

const port = process.argv[2];
if (!port) throw new Error('usage: dapr-sdk-worker.ts <grpc port>');
const write = process.stdout.write.bind(process.stdout);
console.log = () => undefined;
console.info = () => undefined;

const sayHello = async (_ctx: WorkflowActivityContext, city: string): Promise<string> => `Hello ${city}!`;

async function* helloCities5(ctx: WorkflowContext): AsyncGenerator<unknown, string[], string> {
  const out: string[] = [];
  for (const city of ['Tokyo', 'Seattle', 'London', 'Amsterdam', 'Lima']) {
    out.push(yield ctx.callActivity(sayHello, city));
  }
  return out;
}

const runtime = new WorkflowRuntime({ daprHost: '127.0.0.1', daprPort: port })
  .registerWorkflowWithName('helloCities5', helloCities5)
  .registerActivityWithName('sayHello', sayHello);
await runtime.start();
write('ready\n');
process.on('SIGTERM', () => {
  void runtime.stop().finally(() => process.exit(0));
});
