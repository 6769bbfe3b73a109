/**
 * The dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core) against
 * a real `tickflow serve` with etcd and an API token: every page renders the server's data, the
 * actions take effect (checked over the API), a phone-sized window needs no sideways scrolling,
 * and no page throws or logs an error. Screenshots land in test-artifacts/.
 */
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { Page } from 'playwright-core';
import { launchChromium, screenshot, type Browser } from '../../helpers/chromium.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { httpRequest, startServerProcess, type HttpResult } from '../../helpers/server-fixture.js';

/*
 * The browser globals the functions run by page.evaluate and waitForFunction use: this file is
 * type-checked with Node's types, without the DOM library (declared here, they stay local to it).
 */
declare const document: {
  querySelector(
    selector: string,
  ): { textContent: string | null; getAttribute(name: string): string | null } | null;
  querySelectorAll(selector: string): { length: number };
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };
declare const location: { protocol: string };
declare const sessionStorage: { setItem(key: string, value: string): void };

const TOKEN = 'dashboard-browser-token-0123456789';
const WF = '/v1.0/workflows/dapr';
const server = await startServerProcess({
  workflows: fileURLToPath(new URL('./fixtures/dashboard-workflows.ts', import.meta.url)),
  args: ['--api-token', TOKEN],
});
let browser: Browser | undefined;
test.after.always(async () => {
  await browser?.close();
  await server.stop();
});

const call = (method: string, path: string, body?: unknown): Promise<HttpResult> =>
  httpRequest(server.url, method, path, {
    headers: { 'dapr-api-token': TOKEN },
    ...(body !== undefined && { body }),
  });
async function state(id: string): Promise<{ runtimeStatus: string; properties: Record<string, string> }> {
  const res = await call('GET', `${WF}/${id}`);
  if (res.status !== 200) throw new Error(`GET ${id}: ${res.status} ${res.text}`);
  return res.json as { runtimeStatus: string; properties: Record<string, string> };
}
async function until(id: string, status: string): Promise<void> {
  await waitFor(async () => (await state(id)).runtimeStatus === status, {
    what: `${id} ${status}`,
    timeoutMs: 20_000,
    intervalMs: 50,
  });
}
const ui = (hash: string): string => `${server.url}/ui/${hash}`;
/** Errors of the pages so far, then forgotten: each test answers for its own. */
function takeErrors(): string[] {
  return browser?.errors.splice(0) ?? [];
}

test.before(async () => {
  for (const id of ['ui-order-1', 'ui-order-2']) {
    const res = await call('POST', `${WF}/approval/start?instanceID=${id}`, { item: id });
    if (res.status !== 202) throw new Error(res.text);
  }
  await call('POST', `${WF}/failing/start?instanceID=ui-bad-1`, 'out of stock');
  await call('POST', `${WF}/echo/start?instanceID=ui-echo-1`, { hello: 'world' });
  await call('POST', `${WF}/buggy/start?instanceID=ui-stuck-1`, 'config');
  await call('POST', `${WF}/shipment/start?instanceID=ui-ship-1`, 'o-7');
  const job = await call('POST', '/v1.0/jobs/nightly-report', {
    schedule: '@every 1h',
    data: { report: 'daily' },
  });
  if (job.status !== 204) throw new Error(job.text);
  await until('ui-bad-1', 'FAILED');
  await until('ui-echo-1', 'COMPLETED');
  await until('ui-ship-1', 'COMPLETED');
  for (const id of ['ui-order-1', 'ui-order-2']) {
    await waitFor(
      async () => (await state(id)).properties['dapr.workflow.custom_status']?.includes('waiting') === true,
      { what: `${id} waiting`, timeoutMs: 20_000, intervalMs: 50 },
    );
  }
  browser = await launchChromium();
});

async function open(hash: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser!.newPage(viewport);
  await page.goto(ui(hash));
  return page;
}

test.serial('workflows: the token form, then the list with counts by status and filters', async (t) => {
  const page = await open('#/workflows');
  // Without a token the data routes answer 401 and the page asks for it.
  await page.getByTestId('token-form').waitFor();
  await page.locator('input[name="token"]').fill(TOKEN);
  await page.locator('[data-testid="token-form"] button[type="submit"]').click();
  await page.locator('tr[data-instance="ui-order-1"]').waitFor();
  // Every later page of this browser starts with the token, as a reload in the same tab would.
  await browser!.context.addInitScript((token) => {
    if (location.protocol.startsWith('http')) sessionStorage.setItem('tickflow.apiToken', token);
  }, TOKEN);
  // ui-ship-1's child workflow is listed too.
  t.is(await page.locator('tr[data-instance]').count(), 7);
  // Counts come from a scan cached for 5 s: they catch up within that.
  await page.waitForFunction(
    () =>
      document.querySelector('[data-status="RUNNING"] .count-n')?.textContent === '3' &&
      document.querySelector('[data-status="STALLED"] .count-n')?.textContent === '1',
    undefined,
    { timeout: 15_000 },
  );
  t.is(await page.locator('[data-status="FAILED"] .count-n').textContent(), '1');
  t.is(await page.locator('[data-status="COMPLETED"] .count-n').textContent(), '3');
  await screenshot(page, 'dashboard-workflows');

  await page.locator('[data-status="FAILED"]').click();
  await page.waitForFunction(() => document.querySelectorAll('tr[data-instance]').length === 1);
  t.is(await page.locator('tr[data-instance]').getAttribute('data-instance'), 'ui-bad-1');

  // Stalled: RUNNING, its step failing and retried.
  await page.locator('[data-status="STALLED"]').click();
  await page.waitForFunction(() => document.querySelectorAll('tr[data-instance]').length === 1);
  const stuck = page.locator('tr[data-instance="ui-stuck-1"]');
  t.regex((await stuck.textContent()) ?? '', /RUNNING · stalled/);

  await page.locator('.filters button', { hasText: 'Clear' }).click();
  await page.waitForFunction(() => document.querySelectorAll('tr[data-instance]').length === 7);
  await page.locator('input[name="idPrefix"]').fill('ui-order');
  await page.locator('.filters button[type="submit"]').click();
  await page.waitForFunction(() => document.querySelectorAll('tr[data-instance]').length === 2);
  t.true(page.url().includes('idPrefix=ui-order'));
  await page.close();
  // Only the two data requests made before the token was given may have failed, with 401.
  const errors = takeErrors().filter((e) => !/status of 401/.test(e));
  t.deepEqual(errors, []);
});

test.serial(
  'instance: payloads, pending timer, timeline and history; a raised event completes it',
  async (t) => {
    const page = await open('#/instance/ui-order-1');
    await page.getByTestId('input').filter({ hasText: '"item": "ui-order-1"' }).waitFor();
    await page.getByTestId('custom-status').filter({ hasText: 'waiting for approval' }).waitFor();
    // The 1 h timeout of the event wait, with its due time.
    const timerRow = page.locator('[data-testid="timers-table"] tbody tr');
    await timerRow.first().waitFor();
    t.regex((await timerRow.first().textContent()) ?? '', /timeout for event approve.*in (59 min|1 h)/);
    // The history loads beside the state and the timers.
    await page.locator('.tl-bar.bar-timer.bar-open').waitFor();
    t.true((await page.locator('.tl-bar.bar-activity').count()) >= 1);
    t.is(await page.locator('.tl-bar.bar-timer.bar-open').count(), 1);
    t.true((await page.locator('[data-testid="history-table"] tbody tr').count()) >= 5);
    // A history row opens to the event as the API returned it.
    const started = page.locator('[data-testid="history-table"] tr.ev-ExecutionStarted');
    await started.locator('summary').click();
    await started.locator('pre').filter({ hasText: '"instanceId": "ui-order-1"' }).waitFor();
    await screenshot(page, 'dashboard-instance');

    await page.getByTestId('raise').click();
    await page.locator('input[name="eventName"]').fill('approve');
    await page.locator('textarea[name="eventData"]').fill('{"ok": true}');
    await page.getByTestId('confirm').click();
    await page.getByTestId('output').filter({ hasText: '"ok": true' }).waitFor({ timeout: 20_000 });
    await page.locator('.page-head .badge', { hasText: 'COMPLETED' }).waitFor();
    const done = await state('ui-order-1');
    t.is(done.runtimeStatus, 'COMPLETED');
    t.deepEqual(JSON.parse(done.properties['dapr.workflow.output'] ?? 'null').decision, { ok: true });
    // Nothing pending once it completed; the timer's bar has ended.
    await page.locator('[data-testid="timers-table"]').waitFor({ state: 'detached', timeout: 10_000 });
    await page.locator('.tl-bar.bar-activity').nth(1).waitFor();
    t.is(await page.locator('.tl-bar.bar-timer.bar-open').count(), 0);
    t.is(await page.locator('.tl-bar.bar-activity').count(), 2);
    await screenshot(page, 'dashboard-instance-completed');
    await page.close();
    t.deepEqual(takeErrors(), []);
  },
);

test.serial(
  'instance: retries, retry delays and a child workflow on the timeline; the child is a link',
  async (t) => {
    const page = await open('#/instance/ui-ship-1');
    await page.getByTestId('output').filter({ hasText: 'shipped o-7' }).waitFor();
    // The history loads after the state.
    await page.locator('.tl-bar.bar-child').waitFor();
    // Two failed attempts, two retry delays, the third attempt, the child, the timer.
    t.is(await page.locator('.tl-bar.bar-activity.bar-failed').count(), 2);
    t.is(await page.locator('.tl-bar.bar-activity.bar-retry').count(), 2);
    t.is(await page.locator('.tl-bar.bar-timer.bar-retry').count(), 2);
    t.is(await page.locator('.tl-bar.bar-child').count(), 1);
    t.is(await page.locator('.tl-bar.bar-timer:not(.bar-retry)').count(), 1);
    await screenshot(page, 'dashboard-instance-shipment');
    const created = page.locator('[data-testid="history-table"] tr.ev-ChildWorkflowCreated');
    await created.locator('summary a').click();
    await page.getByTestId('instance-id').filter({ hasText: 'ui-ship-1:' }).waitFor();
    await page.getByTestId('output').filter({ hasText: '"receipt": "o-7"' }).waitFor();
    await page.close();
    t.deepEqual(takeErrors(), []);
  },
);

test.serial(
  "instance: suspend, resume and terminate after confirmation; a failure's and a stall's details; purge",
  async (t) => {
    const page = await open('#/instance/ui-order-2');
    await page.locator('button', { hasText: 'Suspend' }).click();
    await page.getByTestId('confirm').click();
    await page.locator('.page-head .badge', { hasText: 'SUSPENDED' }).waitFor({ timeout: 20_000 });
    t.is((await state('ui-order-2')).runtimeStatus, 'SUSPENDED');
    await page.locator('button', { hasText: 'Resume' }).click();
    await page.getByTestId('confirm').click();
    await page.locator('.page-head .badge', { hasText: 'RUNNING' }).waitFor({ timeout: 20_000 });
    t.is((await state('ui-order-2')).runtimeStatus, 'RUNNING');
    await page.getByTestId('terminate').click();
    await page.getByRole('dialog').waitFor();
    await page.getByTestId('confirm').click();
    await page.locator('.page-head .badge', { hasText: 'TERMINATED' }).waitFor({ timeout: 20_000 });
    t.is((await state('ui-order-2')).runtimeStatus, 'TERMINATED');

    await page.goto(ui('#/instance/ui-bad-1'));
    await page.getByTestId('failure').filter({ hasText: 'out of stock' }).waitFor();
    await page.goto(ui('#/instance/ui-stuck-1'));
    await page.getByTestId('stalled').filter({ hasText: 'TypeError: cannot read config' }).waitFor();

    await page.goto(ui('#/instance/ui-echo-1'));
    await page.getByTestId('output').filter({ hasText: '"hello": "world"' }).waitFor();
    await page.locator('button', { hasText: 'Purge' }).click();
    await page.getByTestId('confirm').click();
    await page.getByTestId('notice').filter({ hasText: 'ui-echo-1' }).waitFor();
    t.is((await call('GET', `${WF}/ui-echo-1`)).status, 404);
    await page.close();
    t.deepEqual(takeErrors(), []);
  },
);

test.serial('jobs: list with schedule and next fire, create, detail, delete', async (t) => {
  const page = await open('#/jobs');
  const row = page.locator('tr[data-job="nightly-report"]');
  await row.waitFor();
  t.regex((await row.textContent()) ?? '', /@every 1h.*in (59 min|1 h)/);
  await screenshot(page, 'dashboard-jobs');

  await page.getByTestId('new-job').click();
  const form = page.getByTestId('create-job');
  await form.locator('input[name="name"]').fill('ui-made');
  await form.locator('input[name="dueTime"]').fill('1h');
  await form.locator('textarea[name="data"]').fill('{"n": 1}');
  await form.locator('textarea[name="policy"]').fill('{"drop": {}}');
  await form.locator('button[type="submit"]').click();
  await page.getByTestId('job-json').filter({ hasText: '"ui-made"' }).waitFor();
  const made = await call('GET', '/v1.0/jobs/ui-made');
  t.is(made.status, 200);
  t.deepEqual((made.json as { data: unknown }).data, { n: 1 });

  await page.getByTestId('delete-job').click();
  await page.getByTestId('confirm').click();
  await page.getByTestId('notice').filter({ hasText: 'ui-made' }).waitFor();
  t.is((await call('GET', '/v1.0/jobs/ui-made')).status, 404);
  await page.close();
  t.deepEqual(takeErrors(), []);
});

test.serial('cluster: replicas, partitions and owners, charts from the metrics samples', async (t) => {
  const page = await open('#/cluster');
  await page.getByTestId('partitions').waitFor();
  t.is(await page.locator('[data-testid="partitions"] .cell').count(), 32);
  t.is(await page.locator('[data-testid="partitions"] .cell.unowned').count(), 0);
  t.is(await page.locator('[data-testid="replicas-table"] tbody tr').count(), 1);
  // The workflows above fired triggers: a point of the rate chart shows them (one per 5 s).
  await page.waitForFunction(
    () =>
      (document.querySelector('[data-testid="chart-rate"] path.line.s1')?.getAttribute('d') ?? '').includes(
        'L',
      ),
    undefined,
    { timeout: 15_000 },
  );
  await screenshot(page, 'dashboard-cluster');
  await page.close();
  t.deepEqual(takeErrors(), []);
});

test.serial('a phone-sized window: no page scrolls sideways', async (t) => {
  const phone = { width: 390, height: 844 };
  for (const [name, hash, ready] of [
    ['workflows', '#/workflows', 'tr[data-instance]'],
    ['instance', '#/instance/ui-order-1', '[data-testid="history-table"] tbody tr'],
    ['jobs', '#/jobs', 'tr[data-job]'],
    ['cluster', '#/cluster', '[data-testid="partitions"] .cell'],
  ] as const) {
    const page = await open(hash, phone);
    await page.locator(ready).first().waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    t.true(wide <= 0, `${name} is ${wide} px wider than the window`);
    await screenshot(page, `dashboard-phone-${name}`);
    await page.close();
  }
  t.deepEqual(takeErrors(), []);
});
