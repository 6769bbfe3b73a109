import { fileURLToPath } from 'node:url';
import test from 'ava';
import { daprHttpClient } from '../../helpers/dapr-http-client.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { useServer, type HttpResult } from '../../helpers/server-fixture.js';

// One server for the file, with the workflows of fixtures/workflows.ts loaded by --workflows.
const server = await useServer(test, {
  workflows: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
});

const WF = '/v1.0-beta1/workflows/dapr';

interface WorkflowJson {
  instanceID: string;
  workflowName: string;
  createdAt: string;
  lastUpdatedAt: string;
  runtimeStatus: string;
  properties: Record<string, string>;
}

interface ErrorJson {
  errorCode: string;
  message: string;
  field?: string;
}

const errorOf = (res: HttpResult): ErrorJson => res.json as ErrorJson;

async function state(id: string, prefix = WF): Promise<WorkflowJson> {
  const res = await server.request('GET', `${prefix}/${id}`);
  if (res.status !== 200) throw new Error(`GET ${id}: ${res.status} ${res.text}`);
  return res.json as WorkflowJson;
}

/** Polls the HTTP API (the only view a remote client has) until the instance has `status`. */
async function untilStatus(
  id: string,
  status: string,
  also: (s: WorkflowJson) => boolean = () => true,
): Promise<WorkflowJson> {
  let last: WorkflowJson | undefined;
  await waitFor(
    async () => {
      last = await state(id);
      return last.runtimeStatus === status && also(last);
    },
    { what: `${id} to be ${status}`, timeoutMs: 20_000, intervalMs: 50 },
  );
  return last!;
}

test('a --workflows module is started, queried, raised and purged over HTTP', async (t) => {
  const start = await server.request('POST', `${WF}/approval/start?instanceID=http-1`, {
    body: { item: 'tea' },
  });
  t.is(start.status, 202);
  t.deepEqual(start.json, { instanceID: 'http-1' });

  const waiting = await untilStatus(
    'http-1',
    'RUNNING',
    (s) => 'dapr.workflow.custom_status' in s.properties,
  );
  t.is(waiting.instanceID, 'http-1');
  t.is(waiting.workflowName, 'approval');
  t.is(waiting.properties['dapr.workflow.input'], '{"item":"tea"}');
  t.deepEqual(JSON.parse(waiting.properties['dapr.workflow.custom_status']!), {
    stage: 'waiting for approval',
  });
  t.false('dapr.workflow.output' in waiting.properties);
  t.true(Date.parse(waiting.createdAt) <= Date.parse(waiting.lastUpdatedAt));

  const raise = await server.request('POST', `${WF}/http-1/raiseEvent/approve`, { body: { by: 'ana' } });
  t.is(raise.status, 202);
  const done = await untilStatus('http-1', 'COMPLETED');
  t.deepEqual(JSON.parse(done.properties['dapr.workflow.output']!), {
    charged: 'tea',
    approval: { by: 'ana' },
  });

  const history = await server.request('GET', `${WF}/http-1/history`);
  t.is(history.status, 200);
  const types = (history.json as { events: Array<{ type: string }> }).events.map((e) => e.type);
  t.true(
    types.includes('EventRaised') && types.includes('TaskCompleted') && types.at(-1) === 'ExecutionCompleted',
  );

  t.is((await server.request('POST', `${WF}/http-1/purge`)).status, 202);
  const gone = await server.request('GET', `${WF}/http-1`);
  t.is(gone.status, 404);
  t.is(errorOf(gone).errorCode, 'ERR_INSTANCE_ID_NOT_FOUND');
  t.is((await server.request('POST', `${WF}/http-1/purge`)).status, 404, 'nothing left to purge');
});

test('terminate, pause and resume over HTTP (v1.0 routes)', async (t) => {
  const V1 = '/v1.0/workflows/dapr';
  t.is(
    (await server.request('POST', `${V1}/approval/start?instanceID=http-2`, { body: { item: 'a' } })).status,
    202,
  );
  await untilStatus('http-2', 'RUNNING');
  t.is((await server.request('POST', `${V1}/http-2/pause`)).status, 202);
  await untilStatus('http-2', 'SUSPENDED');
  t.is((await server.request('POST', `${V1}/http-2/resume`)).status, 202);
  await untilStatus('http-2', 'RUNNING');
  t.is((await server.request('POST', `${V1}/http-2/terminate`)).status, 202);
  const ended = await untilStatus('http-2', 'TERMINATED');
  t.is(ended.workflowName, 'approval');
  t.is((await server.request('POST', `${V1}/http-2/purge`)).status, 202);
  t.is((await server.request('GET', `${V1}/http-2`)).status, 404);
});

test('a stalled workflow stays RUNNING; its stall is in properties, the list and /metrics', async (t) => {
  const start = await server.request('POST', `${WF}/buggy/start?instanceID=http-stall`, { body: 'the map' });
  t.is(start.status, 202);
  const stalled = await untilStatus(
    'http-stall',
    'RUNNING',
    (s) => 'tickflow.stalled.attempts' in s.properties,
  );
  const p = stalled.properties;
  t.is(p['tickflow.stalled.error_type'], 'TypeError');
  t.is(p['tickflow.stalled.error_message'], 'cannot read the map');
  t.regex(p['tickflow.stalled.attempts'] ?? '', /^[1-9][0-9]*$/);
  const since = Date.parse(p['tickflow.stalled.since'] ?? '');
  const last = Date.parse(p['tickflow.stalled.last_attempt_at'] ?? '');
  const next = Date.parse(p['tickflow.stalled.next_retry_at'] ?? '');
  t.true(since <= last && last < next, JSON.stringify(p));
  t.false('dapr.workflow.failure.error_type' in p, 'not a failure');
  t.false(
    Object.keys(p).some((key) => key.includes('stack')),
    'no stack trace over the API',
  );

  const listed = await server.request('GET', `${WF}?stalled=true`);
  t.is(listed.status, 200);
  const rows = (
    listed.json as { instances: Array<{ instanceID: string; stalled?: Record<string, unknown> }> }
  ).instances;
  // Other tests of the file may have stalled instances of their own meanwhile.
  t.true(
    rows.every((row) => row.stalled !== undefined),
    'only stalled instances are listed',
  );
  t.like(rows.find((row) => row.instanceID === 'http-stall')?.stalled, {
    errorType: 'TypeError',
    errorMessage: 'cannot read the map',
  });
  const others = await server.request('GET', `${WF}?stalled=false`);
  const otherIds = (others.json as { instances: Array<{ instanceID: string }> }).instances.map(
    (i) => i.instanceID,
  );
  t.false(otherIds.includes('http-stall'));
  const bad = await server.request('GET', `${WF}?stalled=maybe`);
  t.is(bad.status, 400);

  const metrics = (await server.request('GET', '/metrics')).text;
  t.regex(metrics, /^tickflow_workflow_step_stalls_total\{workflow="buggy"\} [1-9]/m);
  t.regex(metrics, /^tickflow_workflow_instances_stalled [1-9]/m);
  // The steps (and the stalled attempts' records) went through the runtime's etcd transactions.
  t.regex(metrics, /^tickflow_store_commit_seconds_bucket\{component="workflows",le="\+Inf"\} [1-9]/m);
  t.regex(metrics, /^tickflow_store_commits_total\{component="workflows",outcome="committed"\} [1-9]/m);
  // The start made through the HTTP API was the client's own transaction.
  t.regex(metrics, /^tickflow_store_commits_total\{component="client",outcome="committed"\} [1-9]/m);
  t.regex(metrics, /^tickflow_store_commit_items_total\{component="client"\} [1-9]/m);
  // One coalesced line in the server's log names the workflow and the error.
  await waitFor(() => /stalled on TypeError: cannot read the map/.test(server.stdout() + server.stderr()), {
    what: 'the stall in the server log',
  });

  t.is((await server.request('POST', `${WF}/http-stall/terminate`)).status, 202);
  const ended = await untilStatus('http-stall', 'TERMINATED');
  t.false('tickflow.stalled.attempts' in ended.properties);
});

test('a workflow the module registers fail-fast (workflowOptions) fails on the same bug', async (t) => {
  const start = await server.request('POST', `${WF}/brittle/start?instanceID=http-brittle`, { body: 'x' });
  t.is(start.status, 202);
  const failed = await untilStatus('http-brittle', 'FAILED');
  t.is(failed.properties['dapr.workflow.failure.error_type'], 'TypeError');
  t.is(failed.properties['dapr.workflow.failure.error_message'], 'cannot read x');
  t.false('tickflow.stalled.attempts' in failed.properties);
});

test('a failed workflow reports failure details, not an output', async (t) => {
  t.is(
    (await server.request('POST', `${WF}/failing/start?instanceID=http-fail`, { body: 'boom' })).status,
    202,
  );
  const failed = await untilStatus('http-fail', 'FAILED');
  t.regex(failed.properties['dapr.workflow.failure.error_message'] ?? '', /boom/);
  t.truthy(failed.properties['dapr.workflow.failure.error_type']);
  t.false('dapr.workflow.output' in failed.properties);
  // No stack traces or server paths over the API; the server's log has them.
  t.false('dapr.workflow.failure.stack_trace' in failed.properties);
  const history = await server.request('GET', `${WF}/http-fail/history`);
  t.is(history.status, 200);
  t.notRegex(history.text, /stackTrace|fixtures\/workflows/);
  await waitFor(
    () => /workflow "http-fail" failed: TaskFailedError: [^\n]*boom\n[\s\S]*?\n\s+at /.test(server.stderr()),
    {
      what: 'the failure and its stack in the server log',
    },
  );
  t.pass();
});

test('inputs: JSON, text that is JSON, plain text, no body; a generated id when none is given', async (t) => {
  const cases: Array<{ raw?: string; contentType?: string; expected: string | undefined }> = [
    { raw: '{"a":[1,2]}', contentType: 'application/json', expected: '{"a":[1,2]}' },
    { raw: '42', contentType: 'text/plain', expected: '42' },
    { raw: 'hello there', contentType: 'text/plain', expected: '"hello there"' },
    { expected: undefined },
  ];
  for (const [i, c] of cases.entries()) {
    const res = await server.request('POST', `${WF}/echo/start?instanceID=input-${i}`, {
      ...(c.raw !== undefined && { raw: c.raw }),
      ...(c.contentType !== undefined && { contentType: c.contentType }),
    });
    t.is(res.status, 202, res.text);
    const done = await untilStatus(`input-${i}`, 'COMPLETED');
    t.is(done.properties['dapr.workflow.input'], c.expected, `case ${i}`);
    t.is(done.properties['dapr.workflow.output'], c.expected, `case ${i}`);
  }
  const generated = await server.request('POST', `${WF}/echo/start`, { body: 1 });
  t.is(generated.status, 202);
  const { instanceID } = generated.json as { instanceID: string };
  t.regex(instanceID, /^[0-9a-f-]{36}$/);
  await untilStatus(instanceID, 'COMPLETED');
});

test('workflow errors: unknown, invalid and duplicate ids, malformed input, purge of a running instance', async (t) => {
  const unknown = ['GET', 'raiseEvent/e', 'terminate', 'pause', 'resume', 'purge'] as const;
  for (const op of unknown) {
    const res =
      op === 'GET'
        ? await server.request('GET', `${WF}/no-such-id`)
        : await server.request('POST', `${WF}/no-such-id/${op}`);
    t.is(res.status, 404, `${op}: ${res.text}`);
    t.is(errorOf(res).errorCode, 'ERR_INSTANCE_ID_NOT_FOUND', op);
  }
  for (const op of ['raiseEvent/e', 'terminate', 'pause', 'resume', 'purge']) {
    const res = await server.request('POST', `${WF}/bad%20id/${op}`);
    t.is(res.status, 400, op);
    t.is(errorOf(res).errorCode, 'ERR_INSTANCE_ID_INVALID', op);
    t.is(errorOf(res).field, 'instanceId');
  }
  const badGet = await server.request('GET', `${WF}/bad%20id`);
  t.is(errorOf(badGet).errorCode, 'ERR_INSTANCE_ID_INVALID');
  const badStart = await server.request('POST', `${WF}/echo/start?instanceID=bad%20id`, { body: 1 });
  t.is(badStart.status, 400);
  t.is(errorOf(badStart).errorCode, 'ERR_INSTANCE_ID_INVALID');

  const malformed = await server.request('POST', `${WF}/echo/start?instanceID=malformed`, {
    raw: '{"item": ',
    contentType: 'application/json',
  });
  t.is(malformed.status, 400);
  t.is(errorOf(malformed).errorCode, 'ERR_MALFORMED_REQUEST');
  t.is((await server.request('GET', `${WF}/malformed`)).status, 404, 'nothing was started');

  t.is(
    (await server.request('POST', `${WF}/approval/start?instanceID=dup-1`, { body: { item: 'x' } })).status,
    202,
  );
  const dup = await server.request('POST', `${WF}/approval/start?instanceID=dup-1`, { body: { item: 'y' } });
  t.is(dup.status, 409);
  t.is(errorOf(dup).errorCode, 'ERR_INSTANCE_ID_ALREADY_EXISTS');
  await untilStatus('dup-1', 'RUNNING');
  const purgeRunning = await server.request('POST', `${WF}/dup-1/purge`);
  t.is(purgeRunning.status, 409);
  t.is(errorOf(purgeRunning).errorCode, 'ERR_WORKFLOW_STATE');
  t.is(
    (await state('dup-1')).properties['dapr.workflow.input'],
    '{"item":"x"}',
    'the first instance is untouched',
  );
  t.is((await server.request('POST', `${WF}/dup-1/terminate`)).status, 202);
  await untilStatus('dup-1', 'TERMINATED');

  const badList = await server.request('GET', `${WF}?status=SLEEPING`);
  t.is(badList.status, 400);
  t.is(errorOf(badList).field, 'status');
  t.is((await server.request('GET', '/v1.0/healthz')).status, 204, 'the server survived');
});

test('GET {prefix} lists instances by status and name prefix (tickflow extension)', async (t) => {
  for (const id of ['list-1', 'list-2']) {
    t.is((await server.request('POST', `${WF}/echo/start?instanceID=${id}`, { body: id })).status, 202);
    await untilStatus(id, 'COMPLETED');
  }
  const res = await server.request('GET', `${WF}?name=echo&status=completed&pageSize=1000`);
  t.is(res.status, 200);
  const ids = (res.json as { instances: Array<{ instanceID: string; runtimeStatus: string }> }).instances.map(
    (i) => i.instanceID,
  );
  t.true(ids.includes('list-1') && ids.includes('list-2'));
  const page = await server.request('GET', `${WF}?name=echo&pageSize=1`);
  const first = page.json as { instances: unknown[]; continuationToken?: string };
  t.is(first.instances.length, 1);
  t.truthy(first.continuationToken);
});

test('the Dapr JS SDK (DaprClient over HTTP) drives workflows on tickflow', async (t) => {
  const client = daprHttpClient(server.port);
  // start() waits for GET /v1.0/metadata to answer, as it does with a Dapr sidecar.
  await client.start();
  const wf = client.workflow;
  // The SDK passes Dapr's status strings through (RUNNING, ...) whatever its enum type says.
  const statusOf = async (id: string): Promise<string> =>
    String((await wf.getWorkflowState(id)).runtimeStatus);
  const until = (id: string, status: string): Promise<void> =>
    waitFor(async () => (await statusOf(id)) === status, {
      what: `${id} ${status}`,
      timeoutMs: 20_000,
      intervalMs: 50,
    });
  try {
    const id = await wf.scheduleNewWorkflow('approval', { item: 'sdk' }, 'sdk-1');
    t.is(id, 'sdk-1');
    await until(id, 'RUNNING');
    const running = await wf.getWorkflowState(id);
    t.is(running.instanceID, 'sdk-1');
    t.is(running.workflowName, 'approval');
    t.false(Number.isNaN(running.createdAt.getTime()));
    t.is(running.properties['dapr.workflow.input'], '{"item":"sdk"}');

    await wf.pause(id);
    await until(id, 'SUSPENDED');
    await wf.resume(id);
    await until(id, 'RUNNING');
    // The SDK sends a boolean as text/plain `true`; it arrives as the JSON value true.
    await wf.raiseEvent(id, 'approve', true);
    await until(id, 'COMPLETED');
    const done = await wf.getWorkflowState(id);
    t.deepEqual(JSON.parse(String(done.properties['dapr.workflow.output'])), {
      charged: 'sdk',
      approval: true,
    });
    await wf.purge(id);
    await t.throwsAsync(() => wf.getWorkflowState(id), { message: /ERR_INSTANCE_ID_NOT_FOUND/ });

    const other = await wf.scheduleNewWorkflow('approval', { item: 'never' });
    await until(other, 'RUNNING');
    await wf.terminate(other);
    await until(other, 'TERMINATED');
    await wf.purge(other);
    t.is((await server.request('GET', `${WF}/${other}`)).status, 404);
  } finally {
    await client.stop();
  }
});

test('a workflow name no one runs yet is taken and waits, visibly, for a worker to run it', async (t) => {
  // The server takes remote workers (its gRPC port is on): a worker may run any name.
  const res = await server.request('POST', `${WF}/noSuchWorkflow/start?instanceID=unknown-name-1`, {
    body: {},
  });
  t.is(res.status, 202, res.text);
  const waiting = await untilStatus(
    'unknown-name-1',
    'RUNNING',
    (s) => s.properties['tickflow.stalled.error_type'] === 'WorkflowNotServedError',
  );
  t.regex(
    waiting.properties['tickflow.stalled.error_message'] ?? '',
    /workflow "noSuchWorkflow" is not registered here and no worker is connected; the instance waits/,
  );
  t.is((await server.request('POST', `${WF}/unknown-name-1/terminate`)).status, 202);
  await untilStatus('unknown-name-1', 'TERMINATED');
});
