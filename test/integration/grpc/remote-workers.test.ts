/**
 * Remote workers: the official `@dapr/dapr` WorkflowRuntime, pointed at `tickflow serve`'s gRPC
 * port as at a Dapr sidecar, runs workflows and activities the server does not have; the server
 * keeps the history, the timers (reminder-jobs) and the guarantees.
 */
import test from 'ava';
import {
  DaprWorkflowClient,
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '@dapr/dapr';
import { credentials } from '@grpc/grpc-js';
import pb from '@dapr/durabletask-js/proto/orchestrator_service_pb.js';
import grpcPb from '@dapr/durabletask-js/proto/orchestrator_service_grpc_pb.js';
import { startServerProcess } from '../../helpers/server-fixture.js';

const server = await startServerProcess();
test.after.always(() => server.stop());
const sidecar = { daprHost: '127.0.0.1', daprPort: String(server.grpcPort) };

const hello = async (_ctx: WorkflowActivityContext, city: string): Promise<string> => `Hello ${city}!`;

async function* sequence(ctx: WorkflowContext): AsyncGenerator<unknown, string[], string> {
  const out: string[] = [];
  for (const city of ['Tokyo', 'London', 'Seattle']) out.push(yield ctx.callActivity(hello, city));
  yield ctx.createTimer(1);
  return out;
}

test('a Dapr SDK worker runs an activity sequence with a timer', async (t) => {
  const runtime = new WorkflowRuntime(sidecar).registerWorkflow(sequence).registerActivity(hello);
  await runtime.start();
  t.teardown(() => runtime.stop());
  const client = new DaprWorkflowClient(sidecar);
  t.teardown(() => client.stop());
  const id = await client.scheduleNewWorkflow(sequence);
  const state = await client.waitForWorkflowCompletion(id, true, 60);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, JSON.stringify(state?.workflowFailureDetails));
  t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), [
    'Hello Tokyo!',
    'Hello London!',
    'Hello Seattle!',
  ]);
});

test('with --api-token a worker needs the token: with it the workflow runs, without it nothing is served', async (t) => {
  const token = 'remote-workers-token-0123456789';
  const secured = await startServerProcess({ args: ['--api-token', token] });
  t.teardown(() => secured.stop());
  const at = { daprHost: '127.0.0.1', daprPort: String(secured.grpcPort) };
  const runtime = new WorkflowRuntime({ ...at, daprApiToken: token })
    .registerWorkflow(sequence)
    .registerActivity(hello);
  await runtime.start();
  t.teardown(() => runtime.stop());
  const client = new DaprWorkflowClient({ ...at, daprApiToken: token });
  t.teardown(() => client.stop());
  const id = await client.scheduleNewWorkflow(sequence);
  const state = await client.waitForWorkflowCompletion(id, true, 60);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, JSON.stringify(state?.workflowFailureDetails));
  // A worker without the token is refused: its work-item stream ends UNAUTHENTICATED at once.
  const stub = new grpcPb.TaskHubSidecarServiceClient(
    `127.0.0.1:${String(secured.grpcPort)}`,
    credentials.createInsecure(),
  );
  t.teardown(() => stub.close());
  const stream = stub.getWorkItems(new pb.GetWorkItemsRequest());
  const refused = await new Promise<Error>((resolve) => stream.on('error', resolve));
  t.regex(refused.message, /UNAUTHENTICATED/);
  const metrics = await fetch(`${secured.url}/metrics`, { headers: { 'dapr-api-token': token } });
  t.regex(await metrics.text(), /tickflow_workers_connected 1\b/);
});
