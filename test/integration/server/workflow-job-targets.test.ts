// Jobs whose ticks act on workflows (issue 18, section 2): start a workflow, raise an event later.
// Against a real `tickflow serve` on its embedded etcd, with the workflows of fixtures/workflows.ts.
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { runCli, useServer, type HttpResult } from '../../helpers/server-fixture.js';

// No gRPC, so no remote worker can run a workflow the module lacks: an unknown name is refused.
const server = await useServer(test, {
  workflows: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
  args: ['--no-grpc'],
});

const WF = '/v1.0-beta1/workflows/dapr';
const JOBS = '/v1.0-alpha1/jobs';

interface WorkflowJson {
  instanceID: string;
  workflowName: string;
  createdAt: string;
  runtimeStatus: string;
  properties: Record<string, string>;
}

interface ErrorJson {
  errorCode: string;
  message: string;
  field?: string;
  allowed?: string;
}

const errorOf = (res: HttpResult): ErrorJson => res.json as ErrorJson;

async function instance(id: string): Promise<WorkflowJson | undefined> {
  const res = await server.request('GET', `${WF}/${encodeURIComponent(id)}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${id}: ${res.status} ${res.text}`);
  return res.json as WorkflowJson;
}

async function untilStatus(id: string, status: string): Promise<WorkflowJson> {
  let last: WorkflowJson | undefined;
  await waitFor(async () => (last = await instance(id))?.runtimeStatus === status, {
    what: `${id} to be ${status}`,
    timeoutMs: 15_000,
    intervalMs: 50,
  });
  return last!;
}

/** The ids of the instances of `workflow` whose id starts with `prefix`. */
async function instanceIds(workflow: string, prefix: string): Promise<string[]> {
  const res = await server.request('GET', `${WF}?name=${workflow}&pageSize=1000`);
  const page = res.json as { instances: Array<{ instanceID: string }> };
  return page.instances.map((i) => i.instanceID).filter((id) => id.startsWith(prefix));
}

async function schedule(name: string, body: unknown): Promise<HttpResult> {
  return server.request('POST', `${JOBS}/${name}`, { body });
}

const iso = (ms: number): string => new Date(ms).toISOString();

test('a one-shot start fires at its time, never before, and starts exactly one instance', async (t) => {
  // Far enough ahead that the GET and list below still find the job on a loaded machine (at
  // 1.5 s, one CI run's job had fired and ended before its list request was answered).
  const due = Date.now() + 4_000;
  const res = await schedule('start-once', {
    dueTime: iso(due),
    target: { workflow: { name: 'echo', input: { n: 1 } } },
  });
  t.is(res.status, 204, res.text);

  // GET shows the target as scheduled (and no data).
  const job = await server.request('GET', `${JOBS}/start-once`);
  t.is(job.status, 200);
  t.deepEqual((job.json as { target: unknown }).target, {
    workflow: { name: 'echo', input: { n: 1 } },
  });
  t.false('data' in (job.json as object));
  // Listed with the API's jobs, unlike the runtime's reminders.
  const listed = await server.request('GET', `/v1.0/jobs?prefix=start-once`);
  t.deepEqual(
    (listed.json as { jobs: Array<{ name: string }> }).jobs.map((j) => j.name),
    ['start-once'],
  );

  const id = `start-once@${iso(due)}`;
  const done = await untilStatus(id, 'COMPLETED');
  t.true(Date.parse(done.createdAt) >= due, `created ${done.createdAt}, due ${iso(due)}`);
  t.is(done.workflowName, 'echo');
  t.deepEqual(JSON.parse(done.properties['dapr.workflow.output']!), { n: 1 });
  t.deepEqual(await instanceIds('echo', 'start-once@'), [id]);
  // A one-shot job ends after its tick.
  await waitFor(async () => (await server.request('GET', `${JOBS}/start-once`)).status === 404, {
    what: 'the one-shot job to end',
  });
});

test('a recurring start begins one instance per tick, with ids from the job name and tick time', async (t) => {
  const anchor = Date.now() + 300;
  const res = await schedule('start-every', {
    schedule: '@every 200ms',
    dueTime: iso(anchor),
    repeats: 3,
    target: { workflow: { name: 'echo', input: 'tick' } },
  });
  t.is(res.status, 204, res.text);
  const expected = [0, 1, 2].map((k) => `start-every@${iso(anchor + k * 200)}`);
  for (const id of expected) {
    const done = await untilStatus(id, 'COMPLETED');
    t.true(Date.parse(done.createdAt) >= Date.parse(id.slice('start-every@'.length)), id);
  }
  await waitFor(async () => (await server.request('GET', `${JOBS}/start-every`)).status === 404, {
    what: 'the job to end after 3 ticks',
  });
  t.deepEqual((await instanceIds('echo', 'start-every@')).sort(), expected);
});

test('a tick delivered again starts nothing: not even over a finished instance', async (t) => {
  // A tick in the past fires at once; scheduling the same job again (overwrite) delivers that
  // same tick a second time, as a redelivery after a crash would.
  const tick = '2026-01-01T00:00:00.000Z';
  const body = { dueTime: tick, target: { workflow: { name: 'echo', input: 'first' } } };
  t.is((await schedule('start-again', body)).status, 204);
  const id = `start-again@${tick}`;
  const first = await untilStatus(id, 'COMPLETED');
  await waitFor(async () => (await server.request('GET', `${JOBS}/start-again`)).status === 404, {
    what: 'the first delivery to complete',
  });

  const again = { ...body, target: { workflow: { name: 'echo', input: 'second' } } };
  t.is((await schedule('start-again', again)).status, 204);
  await waitFor(async () => (await server.request('GET', `${JOBS}/start-again`)).status === 404, {
    what: 'the second delivery to complete',
  });
  const after = await instance(id);
  // Still the first instance: scheduleNewWorkflow would have replaced a finished one.
  t.is(after?.createdAt, first.createdAt);
  t.is(after?.properties['dapr.workflow.output'], '"first"');
  t.deepEqual(await instanceIds('echo', 'start-again@'), [id]);
});

test('a delayed raise delivers the event to a waiting workflow at its time', async (t) => {
  t.is(
    (await server.request('POST', `${WF}/approval/start?instanceID=raise-1`, { body: { item: 'tea' } }))
      .status,
    202,
  );
  await untilStatus('raise-1', 'RUNNING');
  const due = Date.now() + 500;
  const res = await schedule('raise-later', {
    dueTime: iso(due),
    target: { raiseEvent: { instanceId: 'raise-1', name: 'approve', data: { by: 'job' } } },
  });
  t.is(res.status, 204, res.text);
  const job = await server.request('GET', `${JOBS}/raise-later`);
  t.deepEqual((job.json as { target: unknown }).target, {
    raiseEvent: { instanceId: 'raise-1', name: 'approve', data: { by: 'job' } },
  });
  const done = await untilStatus('raise-1', 'COMPLETED');
  // Never early: the event was raised at or after the job's time.
  const history = (await server.request('GET', `${WF}/raise-1/history`)).json as {
    events: Array<{ type: string; timestamp: string; name?: string }>;
  };
  const raised = history.events.find((e) => e.type === 'EventRaised' && e.name === 'approve');
  t.true(raised !== undefined && Date.parse(raised.timestamp) >= due, JSON.stringify(raised));
  t.deepEqual(JSON.parse(done.properties['dapr.workflow.output']!), {
    charged: 'tea',
    approval: { by: 'job' },
  });
});

test('a raise whose instance is gone at its time fails: logged, counted, its policy applied', async (t) => {
  t.is(
    (await server.request('POST', `${WF}/approval/start?instanceID=raise-gone`, { body: { item: 'x' } }))
      .status,
    202,
  );
  await untilStatus('raise-gone', 'RUNNING');
  const due = Date.now() + 2_000;
  const res = await schedule('raise-gone-job', {
    dueTime: iso(due),
    failurePolicy: { drop: {} },
    target: { raiseEvent: { instanceId: 'raise-gone', name: 'approve' } },
  });
  t.is(res.status, 204, res.text);
  t.is((await server.request('POST', `${WF}/raise-gone/terminate`)).status, 202);
  await untilStatus('raise-gone', 'TERMINATED');
  t.is((await server.request('POST', `${WF}/raise-gone/purge`)).status, 202);
  t.true(Date.now() < due, 'the instance was purged before the tick (else this test proves nothing)');

  // `drop`: the failed tick is given up and the one-shot job ends.
  await waitFor(async () => (await server.request('GET', `${JOBS}/raise-gone-job`)).status === 404, {
    what: 'the failed tick to be dropped',
  });
  await waitFor(() => server.stderr().includes('job "raise-gone-job": could not raise event'), {
    what: 'the warning in the log',
  });
  t.regex(server.stderr(), /workflow instance "raise-gone".*the instance does not exist/);
  const metrics = (await server.request('GET', '/metrics')).text;
  t.regex(metrics, /tickflow_jobs_triggered_total\{target="raise-event",result="failed"\} [1-9]/);
  t.regex(metrics, /tickflow_warnings_total\{component="workflows",kind="JobTargetTriggerError"\} [1-9]/);
});

test('bad targets are refused with the field, the value and what is allowed; nothing is stored', async (t) => {
  const cases: Array<{ name: string; body: unknown; status: number; code: string; field: string }> = [
    {
      name: 'bad-unknown-workflow',
      body: { dueTime: '1h', target: { workflow: { name: 'nope' } } },
      status: 400,
      code: 'ERR_WORKFLOW_NOT_REGISTERED',
      field: 'target.workflow.name',
    },
    {
      name: 'bad-no-instance',
      body: { dueTime: '1h', target: { raiseEvent: { instanceId: 'missing-1', name: 'approve' } } },
      status: 404,
      code: 'ERR_INSTANCE_ID_NOT_FOUND',
      field: 'target.raiseEvent.instanceId',
    },
    {
      name: 'bad-kind',
      body: { dueTime: '1h', target: { pubsub: {} } },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'target.pubsub',
    },
    {
      name: 'bad-two-kinds',
      body: { dueTime: '1h', target: { app: {}, workflow: { name: 'echo' } } },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'target',
    },
    {
      name: 'bad-no-name',
      body: { dueTime: '1h', target: { workflow: { input: 1 } } },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'target.workflow.name',
    },
    {
      name: 'bad-extra-field',
      body: { dueTime: '1h', target: { workflow: { name: 'echo', instanceId: 'x' } } },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'target.workflow.instanceId',
    },
    {
      name: 'bad-instance-id',
      body: { dueTime: '1h', target: { raiseEvent: { instanceId: 'a b', name: 'approve' } } },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'target.raiseEvent.instanceId',
    },
    {
      name: 'bad-data-beside',
      body: { dueTime: '1h', data: { x: 1 }, target: { workflow: { name: 'echo' } } },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'data',
    },
    {
      name: 'bad%20job%20name',
      body: { dueTime: '1h', target: { workflow: { name: 'echo' } } },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'name',
    },
    {
      name: 'bad-too-large',
      body: { dueTime: '1h', target: { workflow: { name: 'echo', input: 'x'.repeat(300 * 1024) } } },
      status: 413,
      code: 'ERR_BODY_TOO_LARGE',
      field: 'target.workflow.input',
    },
  ];
  for (const c of cases) {
    const res = await schedule(c.name, c.body);
    t.is(res.status, c.status, `${c.name}: ${res.text}`);
    t.is(errorOf(res).errorCode, c.code, c.name);
    t.is(errorOf(res).field, c.field, c.name);
    t.is((await server.request('GET', `${JOBS}/${c.name}`)).status, 404, `${c.name} stored nothing`);
  }
  const unknown = errorOf(
    await schedule('bad-unknown-workflow', { dueTime: '1h', target: { workflow: { name: 'nope' } } }),
  );
  t.regex(unknown.message, /"nope".*registered: .*"echo"/);
  t.regex(unknown.allowed ?? '', /echo/);

  // A finished instance can take no event: refused when scheduling.
  t.is((await server.request('POST', `${WF}/echo/start?instanceID=raise-done`, { body: 1 })).status, 202);
  await untilStatus('raise-done', 'COMPLETED');
  const finished = await schedule('bad-finished', {
    dueTime: '1h',
    target: { raiseEvent: { instanceId: 'raise-done', name: 'approve' } },
  });
  t.is(finished.status, 409);
  t.is(errorOf(finished).errorCode, 'ERR_WORKFLOW_STATE');
});

test('HTTP start takes a start time: the instance waits PENDING until then', async (t) => {
  const at = Date.now() + 1_500;
  const res = await server.request('POST', `${WF}/echo/start?instanceID=later-1&startTime=${iso(at)}`, {
    body: 'later',
  });
  t.is(res.status, 202, res.text);
  t.is((await instance('later-1'))?.runtimeStatus, 'PENDING');
  await untilStatus('later-1', 'COMPLETED');
  t.true(Date.now() >= at);

  for (const bad of ['tomorrow', '2026-02-30T00:00:00Z', '2026-12-03T09:00:00']) {
    const refused = await server.request('POST', `${WF}/echo/start?instanceID=later-2&startTime=${bad}`, {
      body: 1,
    });
    t.is(refused.status, 400, bad);
    t.is(errorOf(refused).field, 'startTime', bad);
  }
  t.is(await instance('later-2'), undefined);
});

test('the CLI schedules a job with a target and shows it', async (t) => {
  const target = JSON.stringify({ workflow: { name: 'echo', input: 'cli' } });
  const scheduled = await runCli([
    'jobs',
    'schedule',
    'cli-start',
    '--server',
    server.url,
    '--due-time',
    '1h',
    '--target',
    target,
  ]);
  t.is(scheduled.code, 0, scheduled.stderr);
  const shown = await runCli(['jobs', 'get', 'cli-start', '--server', server.url]);
  t.is(shown.code, 0, shown.stderr);
  t.regex(shown.stdout, /^target: +\{"workflow":\{"name":"echo","input":"cli"\}\}$/m);
  const refused = await runCli([
    'jobs',
    'schedule',
    'cli-bad',
    '--server',
    server.url,
    '--due-time',
    '1h',
    '--target',
    '{"workflow":{"name":"nope"}}',
  ]);
  t.is(refused.code, 2, 'input the server rejected with 400 is a usage error');
  t.regex(refused.stderr, /no workflow named "nope"/);
});

test('the CLI starts a workflow later with --start-time', async (t) => {
  const at = iso(Date.now() + 60_000);
  const started = await runCli([
    'workflows',
    'start',
    'echo',
    '--server',
    server.url,
    '--id',
    'cli-later',
    '--input',
    '1',
    '--start-time',
    at,
  ]);
  t.is(started.code, 0, started.stderr);
  t.is(started.stdout.trim(), 'cli-later');
  t.is((await instance('cli-later'))?.runtimeStatus, 'PENDING');
  const refused = await runCli([
    'workflows',
    'start',
    'echo',
    '--server',
    server.url,
    '--start-time',
    'soon',
  ]);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /startTime/);
});
