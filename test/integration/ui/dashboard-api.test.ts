/**
 * The JSON routes the dashboard adds (`/v1.0/ui/...`) and the serving of its files at `/ui/`, on
 * a real `tickflow serve` with etcd and an API token: the shell is public, the data is not.
 */
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { httpRequest, startServerProcess, type HttpResult } from '../../helpers/server-fixture.js';

const TOKEN = 'dashboard-token-0123456789abcdef';
const server = await startServerProcess({
  workflows: fileURLToPath(new URL('./fixtures/dashboard-workflows.ts', import.meta.url)),
  args: ['--api-token', TOKEN],
});
test.after.always(() => server.stop());

const WF = '/v1.0/workflows/dapr';
const call = (method: string, path: string, body?: unknown): Promise<HttpResult> =>
  httpRequest(server.url, method, path, {
    headers: { 'dapr-api-token': TOKEN },
    ...(body !== undefined && { body }),
  });
async function json<T>(path: string): Promise<T> {
  const res = await call('GET', path);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
  return res.json as T;
}
async function start(name: string, id: string, input: unknown): Promise<void> {
  const res = await call('POST', `${WF}/${name}/start?instanceID=${id}`, input);
  if (res.status !== 202) throw new Error(`start ${id}: ${res.status} ${res.text}`);
}
async function statusOf(id: string): Promise<string> {
  return (await json<{ runtimeStatus: string }>(`${WF}/${id}`)).runtimeStatus;
}

interface Row {
  instanceID: string;
  workflowName: string;
  runtimeStatus: string;
  createdAt: string;
}
interface Page {
  instances: Row[];
  continuationToken?: string;
  scanned: number;
}
interface ErrorJson {
  errorCode: string;
  message: string;
  field?: string;
}

// 12 approvals waiting (a pending 1 h timer each), 1 failed, 2 completed; ids sort as listed.
const waiting = Array.from({ length: 12 }, (_, i) => `ui-wait-${String(i).padStart(2, '0')}`);
const startedAt = Date.now();
test.before(async () => {
  for (const id of waiting) await start('approval', id, { item: id });
  await start('failing', 'ui-bad-1', 'out of stock');
  await start('echo', 'ui-echo-1', { a: 1 });
  await start('echo', 'ui-echo-2', { a: 2 });
  await start('buggy', 'ui-stuck-1', 'config');
  await waitFor(async () => (await statusOf('ui-bad-1')) === 'FAILED', {
    what: 'ui-bad-1 FAILED',
    timeoutMs: 20_000,
  });
  for (const id of waiting) {
    await waitFor(
      async () => (await json<{ timers: unknown[] }>(`/v1.0/ui/workflows/${id}/timers`)).timers.length > 0,
      { what: `${id} waits on its timer`, timeoutMs: 20_000, intervalMs: 50 },
    );
  }
  await waitFor(async () => (await statusOf('ui-echo-2')) === 'COMPLETED', {
    what: 'echo done',
    timeoutMs: 20_000,
  });
  await waitFor(
    async () =>
      (await json<Page>('/v1.0/ui/workflows?idPrefix=ui-stuck-1&stalled=true')).instances.length === 1,
    { what: 'ui-stuck-1 stalled', timeoutMs: 20_000, intervalMs: 50 },
  );
});

test('the shell and its assets are served without the token; the data routes need it', async (t) => {
  const redirect = await fetch(`${server.url}/ui`, { redirect: 'manual' });
  t.is(redirect.status, 302);
  t.is(redirect.headers.get('location'), '/ui/');
  const shell = await fetch(`${server.url}/ui/`);
  const html = await shell.text();
  t.is(shell.status, 200);
  t.regex(shell.headers.get('content-type') ?? '', /^text\/html/);
  t.regex(shell.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  t.regex(shell.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  const script = /src="\/ui\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
  t.truthy(script, html);
  const asset = await fetch(`${server.url}/ui/${script}`);
  t.is(asset.status, 200);
  t.regex(asset.headers.get('content-type') ?? '', /^text\/javascript/);
  t.regex(asset.headers.get('cache-control') ?? '', /immutable/);
  // Nothing outside the built folder, nothing unknown.
  for (const path of ['/ui/..%2Fpackage.json', '/ui/assets/../../package.json', '/ui/nope.js', '/ui/.env']) {
    const res = await httpRequest(server.url, 'GET', path);
    t.not(res.status, 200, path);
    t.false(res.text.includes('"name": "tickflow"'), path);
  }
  for (const path of [
    '/v1.0/ui/workflows',
    '/v1.0/ui/workflows/counts',
    `/v1.0/ui/workflows/${waiting[0]}/timers`,
    '/v1.0/ui/cluster',
    '/v1.0/ui/metrics',
  ]) {
    const res = await httpRequest(server.url, 'GET', path);
    t.is(res.status, 401, path);
    t.is((await call('GET', path)).status, 200, path);
  }
});

test('the list filters by id prefix, status, name, stall and creation time, and pages server-side', async (t) => {
  const ids = (page: Page): string[] => page.instances.map((i) => i.instanceID);
  t.deepEqual(ids(await json<Page>('/v1.0/ui/workflows?idPrefix=ui-wait-')), waiting);
  t.deepEqual(ids(await json<Page>('/v1.0/ui/workflows?idPrefix=ui-wait-1')), waiting.slice(10));
  // An id prefix ends the scan past its ids: the echo instances after them are never read.
  const prefixed = await json<Page>('/v1.0/ui/workflows?idPrefix=ui-bad');
  t.deepEqual(ids(prefixed), ['ui-bad-1']);
  t.is(prefixed.continuationToken, undefined);
  t.deepEqual(ids(await json<Page>('/v1.0/ui/workflows?status=failed')), ['ui-bad-1']);
  t.deepEqual(ids(await json<Page>('/v1.0/ui/workflows?status=COMPLETED,FAILED&idPrefix=ui-')), [
    'ui-bad-1',
    'ui-echo-1',
    'ui-echo-2',
  ]);
  t.deepEqual(ids(await json<Page>('/v1.0/ui/workflows?name=ech')), ['ui-echo-1', 'ui-echo-2']);
  t.deepEqual(ids(await json<Page>('/v1.0/ui/workflows?stalled=true')), ['ui-stuck-1']);
  t.deepEqual(ids(await json<Page>('/v1.0/ui/workflows?stalled=true&status=RUNNING')), ['ui-stuck-1']);
  t.is((await json<Page>('/v1.0/ui/workflows?stalled=false&idPrefix=ui-&pageSize=200')).instances.length, 15);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  t.deepEqual(ids(await json<Page>(`/v1.0/ui/workflows?createdFrom=${future}`)), []);
  const before = new Date(startedAt - 1000).toISOString();
  t.is(
    (
      await json<Page>(
        `/v1.0/ui/workflows?idPrefix=ui-&createdFrom=${before}&createdTo=${future}&pageSize=200`,
      )
    ).instances.length,
    16,
  );

  // Pages of 5 over the approvals: each once, in id order, and the last page ends the listing.
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page: Page = await json<Page>(
      `/v1.0/ui/workflows?idPrefix=ui-wait-&pageSize=5${token === undefined ? '' : `&continuationToken=${encodeURIComponent(token)}`}`,
    );
    t.true(page.instances.length <= 5);
    seen.push(...ids(page));
    token = page.continuationToken;
    pages++;
  } while (token !== undefined && pages < 10);
  t.deepEqual(seen, waiting);
  t.is(pages, 3);
});

test('bad list queries are 400s naming the field and what is allowed', async (t) => {
  for (const [query, field] of [
    ['status=SLEEPING', 'status'],
    ['pageSize=0', 'pageSize'],
    ['pageSize=201', 'pageSize'],
    ['pageSize=ten', 'pageSize'],
    ['stalled=yes', 'stalled'],
    ['idPrefix=a%2Fb', 'idPrefix'],
    ['createdFrom=yesterday', 'createdFrom'],
    ['createdTo=2026-13-45T00:00:00Z', 'createdTo'],
    ['sort=name', 'sort'],
  ] as const) {
    const res = await call('GET', `/v1.0/ui/workflows?${query}`);
    t.is(res.status, 400, query);
    const body = res.json as ErrorJson;
    t.is(body.errorCode, 'ERR_MALFORMED_REQUEST', query);
    t.is(body.field, field, `${query}: ${body.message}`);
  }
});

test.serial('counts by status come from the bounded, cached count /metrics exports', async (t) => {
  let counts: { counts: Record<string, number>; stalled: number; truncated: boolean } | undefined;
  await waitFor(
    async () => {
      counts = await json('/v1.0/ui/workflows/counts');
      return counts?.counts['RUNNING'] === 13 && counts.counts['COMPLETED'] === 2 && counts.stalled === 1;
    },
    { what: 'counts to catch up (cached for 5 s)', timeoutMs: 15_000, intervalMs: 500 },
  );
  // The stalled instance is RUNNING too.
  t.deepEqual(counts, { counts: { RUNNING: 13, FAILED: 1, COMPLETED: 2 }, stalled: 1, truncated: false });
  const metrics = (await call('GET', '/metrics')).text;
  t.regex(metrics, /tickflow_workflow_instances\{status="RUNNING"\} 13/);
  t.regex(metrics, /tickflow_workflow_instances_stalled 1/);
});

test("an instance's pending timers show their due time; taking the event clears them", async (t) => {
  // An instance of its own: the other tests count and list the ui-* ones.
  const id = 'zz-raise-1';
  await start('approval', id, { item: 'raise' });
  await waitFor(
    async () => (await json<{ timers: unknown[] }>(`/v1.0/ui/workflows/${id}/timers`)).timers.length > 0,
    { what: `${id} waits on its timer`, timeoutMs: 20_000, intervalMs: 50 },
  );
  const before = await json<{
    timers: Array<{ kind: string; dueAt: string; delivered: number }>;
    truncated: boolean;
  }>(`/v1.0/ui/workflows/${id}/timers`);
  t.false(before.truncated);
  t.is(before.timers.length, 1);
  const timer = before.timers[0]!;
  t.is(timer.kind, 'timer');
  t.is(timer.delivered, 0);
  const created = (await json<Page>(`/v1.0/ui/workflows?idPrefix=${id}`)).instances[0]!.createdAt;
  // The 1 h timeout of waitForExternalEvent, due an hour after the step that set it.
  const dueIn = Date.parse(timer.dueAt) - Date.parse(created);
  t.true(dueIn >= 3_600_000 && dueIn < 3_660_000, `${timer.dueAt} vs ${created}`);

  t.is((await call('POST', `${WF}/${id}/raiseEvent/approve`, { ok: true })).status, 202);
  await waitFor(async () => (await statusOf(id)) === 'COMPLETED', {
    what: `${id} COMPLETED`,
    timeoutMs: 20_000,
  });
  t.deepEqual((await json<{ timers: unknown[] }>(`/v1.0/ui/workflows/${id}/timers`)).timers, []);

  t.is((await call('GET', '/v1.0/ui/workflows/no-such-instance/timers')).status, 404);
  const bad = await call('GET', '/v1.0/ui/workflows/bad%20id/timers');
  t.is(bad.status, 400);
});

test('the cluster view shows this replica owning every partition, with its lease age', async (t) => {
  const c = await json<{
    memberId: string;
    partitionCount: number;
    replicas: Array<{ memberId: string; self: boolean; partitions: number[]; leaseAgeSeconds: number }>;
    partitions: Array<{
      partition: number;
      owner?: string;
      oldestOverdueSeconds?: number;
      loading?: boolean;
    }>;
    stagedTriggers: number;
    oldestOverdueSeconds: number;
    truncated: boolean;
  }>('/v1.0/ui/cluster');
  t.is(c.partitionCount, 32);
  t.is(c.replicas.length, 1);
  const [self] = c.replicas;
  t.is(self?.memberId, c.memberId);
  t.true(self?.self);
  t.deepEqual(
    self?.partitions,
    Array.from({ length: 32 }, (_, i) => i),
  );
  t.true((self?.leaseAgeSeconds ?? -1) >= 0);
  t.is(c.partitions.length, 32);
  t.true(
    c.partitions.every(
      (p) => p.owner === c.memberId && p.loading === false && p.oldestOverdueSeconds !== undefined,
    ),
  );
  t.is(c.stagedTriggers, 0);
  t.false(c.truncated);
});

test('the chart points are the /metrics trigger counter and lateness histogram, differenced', async (t) => {
  interface Point {
    seconds: number;
    triggerRate: number;
    lateness: { p50: number; p90: number; p99: number } | null;
  }
  let points: Point[] = [];
  // The workflows above fired reminder-jobs (activities, wake-ups); a point covering them follows
  // within one sampling interval (5 s).
  await waitFor(
    async () => {
      points = (await json<{ points: Point[] }>('/v1.0/ui/metrics')).points;
      return points.some((p) => p.triggerRate > 0);
    },
    { what: 'a chart point with triggers', timeoutMs: 20_000, intervalMs: 500 },
  );
  const busy = points.find((p) => p.triggerRate > 0)!;
  t.not(busy.lateness, null);
  t.true(busy.lateness!.p50 <= busy.lateness!.p90 && busy.lateness!.p90 <= busy.lateness!.p99);
  const counted = points.reduce((sum, p) => sum + p.triggerRate * p.seconds, 0);
  const metrics = (await call('GET', '/metrics')).text;
  const total = [...metrics.matchAll(/^tickflow_jobs_triggered_total\{[^}]*\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
  t.true(Math.round(counted) >= 1 && Math.round(counted) <= total, `${counted} of ${total}`);
});
