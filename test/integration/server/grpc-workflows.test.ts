/**
 * `tickflow serve` answers the Durable Task sidecar protocol on its gRPC port: the official
 * `DaprWorkflowClient` of `@dapr/dapr`, pointed at the server as at a Dapr sidecar with its API
 * token, starts, drives and reads workflows of the server's `--workflows` module.
 */
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { DaprWorkflowClient, WorkflowRuntimeStatus } from '@dapr/dapr';
import { httpRequest, startServerProcess } from '../../helpers/server-fixture.js';

const TOKEN = 'grpc-workflows-token-0123456789';
const server = await startServerProcess({
  workflows: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
  args: ['--api-token', TOKEN],
});
test.after.always(() => server.stop());

function client(token: string | undefined): DaprWorkflowClient {
  return new DaprWorkflowClient({
    daprHost: '127.0.0.1',
    daprPort: String(server.grpcPort),
    ...(token !== undefined && { daprApiToken: token }),
  });
}

test('DaprWorkflowClient over gRPC: start, raise, wait and read a workflow of the served module', async (t) => {
  t.truthy(server.grpcPort, 'the startup line names the gRPC port');
  const dapr = client(TOKEN);
  t.teardown(() => dapr.stop());
  const id = await dapr.scheduleNewWorkflow('approval', { item: 'book' });
  await dapr.raiseEvent(id, 'approve', { by: 'ada' });
  const state = await dapr.waitForWorkflowCompletion(id, true, 30);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), { charged: 'book', approval: { by: 'ada' } });
  // The same instance is visible over HTTP: one engine behind both faces.
  const http = await httpRequest(server.url, 'GET', `/v1.0/workflows/dapr/${id}`, {
    headers: { 'dapr-api-token': TOKEN },
  });
  t.is(http.status, 200);
  t.is((http.json as { runtimeStatus: string }).runtimeStatus, 'COMPLETED');
});

test('without the token the sidecar protocol is refused', async (t) => {
  const anonymous = client(undefined);
  t.teardown(() => anonymous.stop());
  const error = await t.throwsAsync(anonymous.scheduleNewWorkflow('echo', 1));
  t.regex(String(error?.message), /UNAUTHENTICATED|api token/i);
});
