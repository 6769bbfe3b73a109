/**
 * The command and SDK examples of the README and the docs run as written against
 * `tickflow serve --workflows samples/order-processing/serve-module.ts`, and end as their text says.
 *
 * A fenced block is run when the line before it (blank lines aside) is
 * `<!-- runnable: server-with-samples -->`; `<!-- not-runnable: why -->` skips one (a command that
 * starts a server, say). HTML comments do not show when the markdown is rendered. Every `sh` block
 * that runs `tickflow` or `curl`, and every `ts` block with a `DaprClient`, must carry one of the two,
 * so a new example cannot be skipped by accident.
 *
 * The blocks run in document order (README, getting started, HTTP API and CLI, Jobs API) against one server
 * on a free port, with three changes, all made explicitly below: `npx tickflow` becomes
 * `node <this repo>/bin/tickflow.js`; port 3500 (the default the examples use) becomes the test
 * server's port, and `daprPort: '50001'` (Dapr's gRPC port) its gRPC port; and `TICKFLOW_SERVER` is the test server's URL (the CLI's default is
 * `http://127.0.0.1:3500`). `sh` blocks run in bash with `set -eu`, curl with `--fail-with-body` (an
 * HTTP error fails the block); a `ts` block is type-checked (strict), then runs as an ES module with
 * `node --import tsx` and the real `@dapr/dapr` from this repository's node_modules.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { startRedis } from '../../helpers/redis-server.js';
import { TICKFLOW_BIN, useServer } from '../../helpers/server-fixture.js';
import { PubSubInvokeApp } from '../server/pubsub-invoke-app.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const PAGES = [
  'README.md',
  'docs/getting-started.md',
  'docs/http-api-and-cli.md',
  'docs/jobs-api.md',
  'docs/dapr-workers.md',
];
const RUNNABLE = 'server-with-samples';

interface Block {
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** `runnable`, `not-runnable`, or undefined when the block has no marker. */
  marker: 'runnable' | 'not-runnable' | undefined;
}

/** The fenced blocks of a markdown text, with the marker comment right before each (if any). */
function fencedBlocks(page: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1] ?? '';
    const end = lines.findIndex((l, j) => j > i && l === `${indent}\`\`\``);
    if (end < 0) throw new Error(`${page}:${i + 1}: unclosed code fence`);
    let before = i - 1;
    while (before >= 0 && (lines[before] ?? '').trim() === '') before--;
    const comment = /^\s*<!--\s*(runnable|not-runnable):\s*(.*?)\s*-->\s*$/.exec(lines[before] ?? '');
    if (comment?.[1] === 'runnable' && comment[2] !== RUNNABLE) {
      throw new Error(`${page}:${before + 1}: unknown runnable kind "${comment[2]}"`);
    }
    blocks.push({
      page,
      line: i + 1,
      lang: open[2] ?? '',
      code: lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join('\n'),
      marker: comment?.[1] as Block['marker'],
    });
    i = end;
  }
  return blocks;
}

const blocks = (
  await Promise.all(PAGES.map(async (page) => fencedBlocks(page, await readFile(join(REPO, page), 'utf8'))))
).flat();

/** An example a reader would paste: a shell command of tickflow or curl, or Dapr SDK code. */
function isExample(block: Block): boolean {
  if (['sh', 'bash', 'shell', 'console'].includes(block.lang)) {
    return /(^|&&|\|\||[;|]|\$\()\s*(npx\s+)?(tickflow|curl)\s/m.test(block.code);
  }
  return ['ts', 'js', 'mjs'].includes(block.lang) && /\bDaprClient\b/.test(block.code);
}

// Module resolution starts from the file, so the snippet goes under this repo's node_modules,
// where `@dapr/dapr` (a devDependency) is found as it would be in the reader's project.
await mkdir(join(REPO, 'node_modules', '.cache'), { recursive: true });
const scratch = await mkdtemp(join(REPO, 'node_modules', '.cache', 'doc-examples-'));
// What the publish, invoke and actor reminder examples need beside the server: a Redis behind the
// pub/sub component `orders-bus`, the server's own app (--app-url: subscribes to cart-reminders,
// hosts the actor type Lamp) and the app `billing` (--app billing=...). Each stops in the
// after-hook declared next to useServer's.
const redis = await startRedis();
const ownApp = await PubSubInvokeApp.start(
  [{ pubsubname: 'orders-bus', topic: 'cart-reminders', route: '/cart-reminders' }],
  (r) => (r.path === '/dapr/config' ? { status: 200, body: { entities: ['Lamp'] } } : { status: 200 }),
).catch(async (error: unknown) => {
  await redis.stop();
  throw error;
});
const billing = await PubSubInvokeApp.start(undefined, () => ({ status: 200 }));
const stopHelpers = async (): Promise<void> => {
  await Promise.allSettled([ownApp.close(), billing.close(), redis.stop()]);
};
const server = await useServer(test, {
  workflows: join(REPO, 'samples/order-processing/serve-module.ts'),
  appUrl: ownApp.url,
  args: ['--pubsub', `orders-bus=${redis.url}`, '--app', `billing=${billing.url}`],
}).catch(async (error: unknown) => {
  await stopHelpers();
  throw error;
});

test.after.always(() => rm(scratch, { recursive: true, force: true }));
test.after.always(stopHelpers);

test('every tickflow, curl and Dapr SDK example is marked runnable or not-runnable', (t) => {
  const unmarked = blocks.filter((b) => isExample(b) && b.marker === undefined);
  t.deepEqual(
    unmarked.map((b) => `${b.page}:${b.line}`),
    [],
    `mark them <!-- runnable: ${RUNNABLE} --> (then this test runs them) or <!-- not-runnable: why -->`,
  );
  t.true(blocks.filter((b) => b.marker === 'runnable').length >= 6);
});

interface WorkflowJson {
  runtimeStatus: string;
  properties: Record<string, string>;
}

async function workflow(id: string): Promise<WorkflowJson | undefined> {
  const res = await server.request('GET', `/v1.0/workflows/dapr/${id}`);
  return res.status === 200 ? (res.json as WorkflowJson) : undefined;
}

/** Polls the HTTP API until the instance has `status`; returns its parsed output. */
async function until(id: string, status: string): Promise<Record<string, unknown> | undefined> {
  let last: WorkflowJson | undefined;
  await waitFor(async () => (last = await workflow(id))?.runtimeStatus === status, {
    what: `${id} to be ${status} (last: ${JSON.stringify(last)})`,
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  const output = last?.properties['dapr.workflow.output'];
  return output === undefined ? undefined : (JSON.parse(output) as Record<string, unknown>);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The two substitutions, done on the text, and a check that no port 3500 is left. */
function forTestServer(code: string): string {
  const text = code
    .replaceAll('npx tickflow', `node ${shellQuote(TICKFLOW_BIN)}`)
    .replaceAll(/\b(localhost|127\.0\.0\.1):3500\b/g, `$1:${server.port}`)
    .replaceAll(/daprPort: '3500'/g, `daprPort: '${server.port}'`)
    .replaceAll(/daprPort: '50001'/g, `daprPort: '${String(server.grpcPort)}'`);
  if (/\b3500\b/.test(text)) throw new Error(`a port 3500 the test does not substitute is left in:\n${code}`);
  return text;
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

function run(command: string, args: string[], timeoutMs = 40_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    // The CLI's default server is http://127.0.0.1:3500, which the examples rely on; here it is
    // the test server.
    const env = { ...process.env, TICKFLOW_SERVER: server.url };
    const child = spawn(command, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A `sh` block in bash. `set -e` stops at a failing command; one in an `&&` list, which `set -e`
 * lets pass, still leaves `error: ...` (the CLI) or `curl: (22) ...` on stderr, which fails the test.
 */
function runShell(code: string): Promise<Run> {
  const script = [
    'set -eu',
    'curl() { command curl --silent --show-error --fail-with-body "$@"; echo; }',
    forTestServer(code),
  ].join('\n');
  return run('bash', ['-c', script]);
}

/** A `ts` block: type-checked as a strict ES module (as a reader's project would), then run. */
async function runModule(block: Block): Promise<Run> {
  const file = join(scratch, `${block.page.replaceAll(/\W/g, '-')}-${block.line}.mts`);
  await writeFile(file, forTestServer(block.code));
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const flags = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--skipLibCheck'];
  const checked = await run(process.execPath, [tsc, ...flags, '--types', 'node', file]);
  if (checked.code !== 0) return { ...checked, stderr: `tsc:\n${checked.stdout}${checked.stderr}` };
  return run(process.execPath, ['--import', 'tsx', file]);
}

/**
 * What the text around each runnable block promises, checked once the block has run; `match`
 * picks the block by its content. Every entry must match exactly one block.
 */
const PROMISES: Array<{ match: RegExp; check: (t: ExecutionContext, run: Run) => Promise<void> }> = [
  {
    // Jobs API: the job is stored as scheduled, and GET shows it.
    match: /jobs\/nightly-report/,
    async check(t, { stdout }) {
      const job = (await server.request('GET', '/v1.0-alpha1/jobs/nightly-report')).json as Record<
        string,
        unknown
      >;
      t.like(job, {
        name: 'nightly-report',
        schedule: '0 0 2 * * *',
        data: { report: 'sales' },
        failurePolicy: { constant: { interval: '30s', maxRetries: 5 } },
      });
      t.regex(stdout, /"name":"nightly-report"/);
    },
  },
  {
    // Jobs API, reading a job back: schedule, dueTime and ttl come back as sent, as Dapr answers them.
    match: /jobs\/standup/,
    async check(t, { stdout }) {
      const job = JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') as Record<string, unknown>;
      t.like(job, { name: 'standup', schedule: '0 0 9 * * mon-fri', dueTime: 'PT1H', ttl: 'P30D', count: 0 });
      t.is(typeof job['nextFireAt'], 'string');
    },
  },
  {
    match: /jobs schedule cleanup/,
    async check(t, { stdout }) {
      t.regex(stdout, /^job "cleanup" scheduled$/m);
      t.regex(stdout, /^name: +cleanup$/m);
      t.regex(stdout, /^cleanup +/m, 'the list shows it');
      t.regex(stdout, /^job "cleanup" deleted$/m);
      t.is((await server.request('GET', '/v1.0-alpha1/jobs/cleanup')).status, 404);
    },
  },
  {
    // The small order needs no approval: --wait returns once it is COMPLETED.
    match: /--id o-1 --wait/,
    async check(t, { stdout }) {
      t.regex(stdout, /^status: +COMPLETED$/m);
      t.regex(stdout, /ExecutionCompleted/, 'the history ends with the completion');
      t.like(await until('o-1', 'COMPLETED'), { orderId: 'o-1', outcome: 'completed' });
    },
  },
  {
    // The big order waits for the approval; approved, it is charged, shipped and COMPLETED.
    match: /raise o-2 approval/,
    async check(t, { stdout }) {
      t.regex(stdout, /^o-2\s+orderFulfilment\s+RUNNING\b/m, 'listed as RUNNING while it waits');
      t.regex(stdout, /^raised "approval" on o-2$/m);
      t.like(await until('o-2', 'COMPLETED'), { orderId: 'o-2', outcome: 'completed', total: 120_000 });
    },
  },
  {
    match: /terminate o-3/,
    async check(t) {
      await until('o-3', 'TERMINATED');
      t.is(await workflow('o-1'), undefined, 'o-1 is purged');
    },
  },
  {
    // Getting started: started and approved with curl, the order COMPLETES.
    match: /o-7\/raiseEvent\/approval/,
    async check(t, { stdout }) {
      t.regex(stdout, /"instanceID":"o-7"/);
      t.like(await until('o-7', 'COMPLETED'), { orderId: 'o-7', outcome: 'completed' });
    },
  },
  {
    // Workflow start with a start time: the instance waits PENDING.
    match: /instanceID=o-53&startTime=/,
    async check(t, { stdout }) {
      t.regex(stdout, /"runtimeStatus":"PENDING"/);
      t.is((await workflow('o-53'))?.runtimeStatus, 'PENDING');
    },
  },
  {
    // Jobs API targets: a recurring start is stored with its target, read back, then deleted.
    match: /jobs\/nightly-billing/,
    async check(t, { stdout }) {
      t.regex(stdout, /"target":\{"workflow":\{"name":"billingRun","input":\{"month":"current"\}\}\}/);
      t.is((await server.request('GET', '/v1.0-alpha1/jobs/nightly-billing')).status, 404);
    },
  },
  {
    // A one-shot start: two seconds later the job has started reorder-o-50@{tick}, which completes.
    match: /jobs\/reorder-o-50/,
    async check(t) {
      let id: string | undefined;
      await waitFor(
        async () => {
          const res = await server.request('GET', '/v1.0/workflows/dapr?name=orderFulfilment&pageSize=1000');
          const page = res.json as { instances: Array<{ instanceID: string }> };
          id = page.instances.find((i) => i.instanceID.startsWith('reorder-o-50@'))?.instanceID;
          return id !== undefined;
        },
        { what: 'the job to start its instance', timeoutMs: 20_000, intervalMs: 100 },
      );
      t.regex(id ?? '', /^reorder-o-50@\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      t.like(await until(id!, 'COMPLETED'), { orderId: 'o-50', outcome: 'completed' });
    },
  },
  {
    // Dapr's publish API: the subscriber's route gets the message at once, in a CloudEvent.
    match: /^curl -X POST localhost:3500\/v1\.0\/publish\/orders-bus\/cart-reminders[^\n]*$/,
    async check(t) {
      const message = await ownApp.next((r) => r.path === '/cart-reminders' && r.body.includes('c-10'));
      t.like(JSON.parse(message.body) as unknown, { topic: 'cart-reminders', data: { cart: 'c-10' } });
    },
  },
  {
    // A delayed publish is kept with its target (it is due in 30 minutes), and the publish API's
    // message reaches the subscriber.
    match: /jobs\/remind-cart-c-9/,
    async check(t) {
      const job = await server.request('GET', '/v1.0-alpha1/jobs/remind-cart-c-9');
      t.like(job.json as unknown, {
        target: { publish: { pubsubName: 'orders-bus', topic: 'cart-reminders', data: { cart: 'c-9' } } },
      });
      await ownApp.next((r) => r.path === '/cart-reminders' && r.body.includes('c-10'));
      t.pass();
    },
  },
  {
    // An actor reminder of three repetitions reaches the app hosting Lamp three times, then ends.
    match: /reminders\/blink/,
    async check(t) {
      const path = '/actors/Lamp/kitchen/method/remind/blink';
      await waitFor(async () => ownApp.received.filter((r) => r.path === path).length >= 3, {
        what: 'three reminder calls',
        timeoutMs: 20_000,
        intervalMs: 100,
      });
      const calls = ownApp.received.filter((r) => r.path === path);
      t.true(calls.every((c) => c.method === 'PUT'));
      t.like(JSON.parse(calls[0]!.body) as unknown, { data: 'blink', period: 'R3/PT1S' });
    },
  },
  {
    // Scheduled invocation: the monthly job is kept; the one-off calls billing two seconds later.
    match: /jobs\/close-invoices-now/,
    async check(t) {
      const monthly = await server.request('GET', '/v1.0-alpha1/jobs/close-invoices');
      t.like(monthly.json as unknown, { schedule: '0 0 1 1 * *', target: { invoke: { appId: 'billing' } } });
      const call = await billing.next((r) => r.path === '/invoices/close');
      t.is(call.method, 'PUT');
      t.deepEqual(JSON.parse(call.body) as unknown, { period: 'today' });
    },
  },
  {
    // A delayed raise: the job approves the waiting order, which then completes.
    match: /jobs\/approve-o-51/,
    async check(t) {
      t.like(await until('o-51', 'COMPLETED'), { orderId: 'o-51', outcome: 'completed' });
    },
  },
  {
    // The Dapr JS SDK: the approved order ends COMPLETED, and the snippet prints so.
    match: /new DaprClient/,
    async check(t, { stdout }) {
      const [status, output] = stdout.trim().split('\n').at(-1)?.split(/ (.*)/) ?? [];
      t.is(status, 'COMPLETED');
      t.like(JSON.parse(output ?? 'null') as unknown, { orderId: 'o-100', outcome: 'completed' });
    },
  },
  {
    // Dapr workers: the SDK's worker runs the workflow the server does not have, and it completes.
    match: /registerWorkflow\(greetCities\)/,
    async check(t, { stdout }) {
      const last = stdout
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('COMPLETED '))
        .at(-1);
      t.is(last, 'COMPLETED ["Hello Tokyo!","Hello London!","Hello Seattle!"]');
      await Promise.resolve();
    },
  },
];

const runnable = blocks.filter((b) => b.marker === 'runnable');

test('each promise checked below belongs to exactly one runnable block', (t) => {
  for (const { match } of PROMISES) {
    t.is(runnable.filter((b) => match.test(b.code)).length, 1, String(match));
  }
});

for (const block of runnable) {
  test.serial(`${block.page}:${block.line} (${block.lang}) runs as written`, async (t) => {
    const result = block.lang === 'ts' ? await runModule(block) : await runShell(block.code);
    const shown = `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
    t.is(result.code, 0, shown);
    t.notRegex(result.stderr, /^(error:|curl: \(|Error)/m, shown);
    const promise = PROMISES.find((p) => p.match.test(block.code));
    if (promise) await promise.check(t, result);
    else t.log('no promise to check beyond exit 0');
  });
}
