/**
 * Hostile HTTP input: random JSON shapes and raw bodies sent to the Jobs and
 * Workflow routes get a 4xx in the `{ errorCode, message }` shape, never a 5xx, and a refused
 * request stores nothing. The app runs in-process (Fastify inject) on an in-memory store; the
 * tests are serial because they count the jobs of one shared scope.
 */
import test from 'ava';
import fc from 'fast-check';
import { MemoryKv } from '../../src/etcd/memory-kv.js';
import { WorkflowClient } from '../../src/workflow-client.js';
import { WorkflowRuntime } from '../../src/workflow-runtime.js';
import { inProcessApi } from '../helpers/in-process-api.js';

const RUNS = 150;
const kv = new MemoryKv();
const runtime = new WorkflowRuntime({ kv, appId: 'http-prop', partitions: 4 });
// A registered workflow, so starts with a random input can also succeed.
runtime.registerWorkflow(async function* echo(ctx, input: unknown) {
  yield ctx.createTimer(0);
  return input;
});
const client = new WorkflowClient({ kv, appId: 'http-prop', partitions: 4 });
const serverErrors: unknown[] = [];
const app = inProcessApi(runtime, client, (error) => serverErrors.push(error));
test.after.always(() => app.close());

const jobLike = fc.record(
  {
    schedule: fc.oneof(
      fc.string(),
      fc.constantFrom('@every 1h', '0 0 * * * *', '1h', '@daily'),
      fc.anything(),
    ),
    dueTime: fc.oneof(fc.string(), fc.constantFrom('1h', '2030-01-01T00:00:00Z', '-1s'), fc.anything()),
    due_time: fc.oneof(fc.string(), fc.constant('10m')),
    repeats: fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double(), fc.string(), fc.constant(null)),
    ttl: fc.oneof(fc.string(), fc.constantFrom('1h', '1s')),
    data: fc.jsonValue({ maxDepth: 2 }),
    overwrite: fc.oneof(fc.boolean(), fc.string()),
    failurePolicy: fc.oneof(
      fc.record({
        constant: fc.record({ interval: fc.string(), maxRetries: fc.anything() }, { requiredKeys: [] }),
      }),
      fc.record({ drop: fc.anything() }),
      fc.anything(),
    ),
    name: fc.string(),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
/** Bodies that should be accepted, so the property also sees the 204 path. */
const validJob = fc.record(
  {
    dueTime: fc.constantFrom('1h', '10m', '2030-01-01T00:00:00Z'),
    data: fc.jsonValue({ maxDepth: 2 }),
    failurePolicy: fc.constantFrom({ drop: {} }, { constant: { interval: '2s', maxRetries: 1 } }),
  },
  { requiredKeys: ['dueTime'] },
);
const body = fc.oneof(validJob, jobLike, fc.jsonValue({ maxDepth: 3 }));
const jobName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('job-1', 'a.b', 'ünï') },
  fc.constantFrom('..', '/', '#x', 'x'.repeat(300)),
  fc.string(),
);

const url = (name: string): string => `/v1.0-alpha1/jobs/${encodeURIComponent(name)}`;

async function storedJobs(): Promise<number> {
  return (await runtime.timers.list()).length;
}

function checkError(status: number, payload: string): void {
  if (status >= 500) throw new Error(`${status}: ${payload}`);
  if (status >= 400) {
    const parsed = JSON.parse(payload) as { errorCode?: unknown; message?: unknown };
    if (typeof parsed.errorCode !== 'string' || typeof parsed.message !== 'string') {
      throw new Error(`error body without errorCode/message: ${payload}`);
    }
  }
}

test.serial(
  'POST job with random JSON: 204 and stored, or 4xx with an error body and nothing stored',
  async (t) => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(jobName, body, async (name, json) => {
        await runtime.timers.deletePrefix('');
        const res = await app.inject({
          method: 'POST',
          url: url(name),
          payload: JSON.stringify(json),
          headers: { 'content-type': 'application/json' },
        });
        checkError(res.statusCode, res.payload);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const stored = await storedJobs();
        if (res.statusCode === 204 && stored !== 1) throw new Error(`204 but ${stored} jobs stored`);
        if (res.statusCode !== 204 && stored !== 0)
          throw new Error(`${res.statusCode} but ${stored} jobs stored`);
      }),
      { numRuns: RUNS },
    );
    t.log(`statuses: ${JSON.stringify([...statuses])}`);
    // Both outcomes must occur, or the generators have drifted away from what they are meant to test.
    t.true((statuses.get(204) ?? 0) > 0 && [...statuses.keys()].some((s) => s >= 400));
    t.deepEqual(serverErrors, []);
  },
);

test.serial('raw bodies of any content type: never a 5xx, a refused one stores nothing', async (t) => {
  const contentType = fc.constantFrom(
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    'application/vnd.x+json',
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), contentType, async (raw, type) => {
      await runtime.timers.deletePrefix('');
      const res = await app.inject({
        method: 'POST',
        url: url('raw'),
        payload: raw,
        headers: { 'content-type': type },
      });
      checkError(res.statusCode, res.payload);
      if (res.statusCode !== 204 && (await storedJobs()) !== 0) throw new Error('refused but stored');
    }),
    { numRuns: RUNS },
  );
  t.deepEqual(serverErrors, []);
});

test.serial('workflow routes with random ids, event names and bodies: never a 5xx', async (t) => {
  const id = fc.oneof(fc.constantFrom('echo', 'nope', 'wf-1', '..'), fc.string({ maxLength: 30 }));
  const route = fc.constantFrom(
    'start',
    'raiseEvent',
    'terminate',
    'pause',
    'resume',
    'purge',
    'get',
    'history',
  );
  await fc.assert(
    fc.asyncProperty(route, id, id, fc.jsonValue({ maxDepth: 2 }), async (which, a, b, json) => {
      const base = `/v1.0/workflows/dapr`;
      const e = encodeURIComponent;
      const request =
        which === 'start'
          ? { method: 'POST' as const, url: `${base}/${e(a)}/start?instanceID=${e(b)}` }
          : which === 'raiseEvent'
            ? { method: 'POST' as const, url: `${base}/${e(a)}/raiseEvent/${e(b)}` }
            : which === 'get' || which === 'history'
              ? { method: 'GET' as const, url: `${base}/${e(a)}${which === 'history' ? '/history' : ''}` }
              : { method: 'POST' as const, url: `${base}/${e(a)}/${which}` };
      const res = await app.inject({
        ...request,
        ...(request.method === 'POST'
          ? { payload: JSON.stringify(json), headers: { 'content-type': 'application/json' } }
          : {}),
      });
      checkError(res.statusCode, res.payload);
    }),
    { numRuns: RUNS },
  );
  t.deepEqual(serverErrors, []);
});
