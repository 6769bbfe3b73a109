import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { runCli, useServer, type CliResult } from '../../helpers/server-fixture.js';

// The real `tickflow` binary against one running server (with the test workflows loaded).
const server = await useServer(test, {
  workflows: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
});

const cli = (...args: string[]): Promise<CliResult> => runCli(['--server', server.url, ...args]);

async function statusOf(id: string): Promise<string | undefined> {
  const res = await server.request('GET', `/v1.0/workflows/dapr/${id}`);
  return (res.json as { runtimeStatus?: string } | undefined)?.runtimeStatus;
}

const until = (id: string, status: string): Promise<void> =>
  waitFor(async () => (await statusOf(id)) === status, {
    what: `${id} ${status}`,
    timeoutMs: 20_000,
    intervalMs: 50,
  });

/** Errors are exactly one line on stderr, starting with "error:". */
function oneErrorLine(
  t: { is(a: unknown, b: unknown, m?: string): void; regex(s: string, r: RegExp, m?: string): void },
  result: CliResult,
): string {
  const lines = result.stderr.trimEnd().split('\n');
  t.is(lines.length, 1, `stderr: ${result.stderr}`);
  t.regex(lines[0] ?? '', /^error: \S/);
  return lines[0] ?? '';
}

test('jobs schedule, get, list and delete', async (t) => {
  const scheduled = await cli('jobs', 'schedule', 'cli-job', '--due-time', '1h', '--data', '{"a":1}');
  t.is(scheduled.code, 0, scheduled.stderr);
  t.is(scheduled.stdout, 'job "cli-job" scheduled\n');

  const got = await cli('jobs', 'get', 'cli-job');
  t.is(got.code, 0, got.stderr);
  t.regex(got.stdout, /^name: +cli-job$/m);
  t.regex(got.stdout, /^due time: +1h$/m);
  t.regex(got.stdout, /^failure policy: +retry every 1s, at most 3 times$/m);
  t.regex(got.stdout, /^data: +\{"a":1\}$/m);

  const json = await cli('--json', 'jobs', 'get', 'cli-job');
  const job = JSON.parse(json.stdout) as Record<string, unknown>;
  t.is(job['name'], 'cli-job');
  t.deepEqual(job['data'], { a: 1 });

  const repeating = await cli(
    'jobs',
    'schedule',
    'cli-rep',
    '--schedule',
    '@every 1h',
    '--repeats',
    '2',
    '--drop',
  );
  t.is(repeating.code, 0, repeating.stderr);
  const list = await cli('jobs', 'list', '--prefix', 'cli-');
  t.is(list.code, 0, list.stderr);
  const [header, ...rows] = list.stdout.trimEnd().split('\n');
  t.regex(header ?? '', /^NAME +SCHEDULE +DUE TIME +REPEATS +TTL +DATA$/);
  t.is(rows.length, 2);
  t.regex(rows[0] ?? '', /^cli-job +1h +\{"a":1\}$/);
  t.regex(rows[1] ?? '', /^cli-rep +@every 1h +2$/);
  const listJson = JSON.parse((await cli('jobs', 'list', '--prefix', 'cli-', '--json')).stdout) as Array<{
    name: string;
  }>;
  t.deepEqual(
    listJson.map((j) => j.name),
    ['cli-job', 'cli-rep'],
  );

  const limited = await cli('jobs', 'list', '--prefix', 'cli-', '--limit', '1');
  t.is(limited.code, 0, limited.stderr);
  t.deepEqual(
    limited.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((row) => row.split(' ')[0]),
    ['cli-job'],
  );
  t.is(limited.stderr, 'first 1 job listed, more follow (raise --limit to see them)\n');
  const exact = await cli('jobs', 'list', '--prefix', 'cli-', '--limit', '2');
  t.is(exact.stderr, '', 'a listing that fits its limit says nothing more');
  t.is(exact.stdout.trimEnd().split('\n').length, 3);
  const badLimit = await cli('jobs', 'list', '--limit', '0');
  t.is(badLimit.code, 2);
  oneErrorLine(t, badLimit);

  const deleted = await cli('jobs', 'delete', 'cli-job');
  t.is(deleted.code, 0);
  t.is(deleted.stdout, 'job "cli-job" deleted\n');
  const missing = await cli('jobs', 'get', 'cli-job');
  t.is(missing.code, 1);
  t.regex(oneErrorLine(t, missing), /not found \(ERR_JOB_NOT_FOUND\)$/);
});

test('workflows start --wait shows progress, then the final status; a failure exits 1', async (t) => {
  const ok = await cli('workflows', 'start', 'echo', '--input', '{"x":1}', '--id', 'cli-echo', '--wait');
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stderr, /^waiting for cli-echo: [A-Z]+ \(\d+\.\d s\)$/m, 'progress on stderr');
  t.regex(ok.stdout, /^status: +COMPLETED$/m);
  t.regex(ok.stdout, /^output: +\{"x":1\}$/m);

  const failed = await cli(
    'workflows',
    'start',
    'failing',
    '--input',
    '"kaput"',
    '--id',
    'cli-fail',
    '--wait',
  );
  t.is(failed.code, 1);
  t.regex(failed.stdout, /^status: +FAILED$/m);
  t.regex(failed.stdout, /^error: +\S+: .*kaput/m);
  const last = failed.stderr.trimEnd().split('\n').at(-1) ?? '';
  t.regex(last, /^error: workflow cli-fail ended FAILED: .*kaput/);
});

test('workflows status shows a stalled step; list --stalled lists it', async (t) => {
  const started = await cli('workflows', 'start', 'buggy', '--input', '"the plan"', '--id', 'cli-stall');
  t.is(started.code, 0, started.stderr);
  await waitFor(
    async () => {
      const res = await server.request('GET', `/v1.0/workflows/dapr/cli-stall`);
      return 'tickflow.stalled.attempts' in ((res.json as { properties?: object }).properties ?? {});
    },
    { what: 'cli-stall to stall', timeoutMs: 20_000, intervalMs: 50 },
  );
  const status = await cli('workflows', 'status', 'cli-stall');
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /^status: +RUNNING$/m);
  t.regex(status.stdout, /^stalled: +TypeError: cannot read the plan \(attempt \d+\)$/m);
  t.regex(status.stdout, /^stalled since: +\d{4}-\d\d-\d\dT/m);
  t.regex(status.stdout, /^next retry: +\d{4}-\d\d-\d\dT/m);
  t.notRegex(status.stdout, /^error:/m);

  const listed = await cli('workflows', 'list', '--stalled');
  t.is(listed.code, 0, listed.stderr);
  const [header, ...rows] = listed.stdout.trimEnd().split('\n');
  t.regex(header ?? '', /^INSTANCE ID +WORKFLOW +ATTEMPTS +STALLED SINCE +NEXT RETRY +ERROR$/);
  t.is(rows.length, 1, listed.stdout);
  t.regex(rows[0] ?? '', /^cli-stall +buggy +\d+ +\S+ +\S+ +TypeError: cannot read the plan$/);
  const all = await cli('workflows', 'list', '--name', 'buggy');
  t.regex(all.stdout, /^cli-stall +buggy +RUNNING \(stalled\) +\d{4}-/m);
  const json = await cli('--json', 'workflows', 'list', '--stalled');
  const [row] = JSON.parse(json.stdout) as Array<{ instanceID: string; stalled?: { errorType: string } }>;
  t.is(row?.instanceID, 'cli-stall');
  t.is(row?.stalled?.errorType, 'TypeError');

  t.is((await cli('workflows', 'terminate', 'cli-stall')).code, 0);
  await until('cli-stall', 'TERMINATED');
});

test('workflows status, list and history print readable output', async (t) => {
  const started = await cli(
    'workflows',
    'start',
    'approval',
    '--input',
    '{"item":"pen"}',
    '--id',
    'cli-appr',
  );
  t.is(started.code, 0, started.stderr);
  t.is(started.stdout, 'cli-appr\n');
  await until('cli-appr', 'RUNNING');
  const raised = await cli('workflows', 'raise', 'cli-appr', 'approve', '--data', '"ok"');
  t.is(raised.code, 0, raised.stderr);
  t.is(raised.stdout, 'raised "approve" on cli-appr\n');
  await until('cli-appr', 'COMPLETED');

  const status = await cli('workflows', 'status', 'cli-appr');
  t.is(status.code, 0);
  t.regex(status.stdout, /^instance: +cli-appr$/m);
  t.regex(status.stdout, /^workflow: +approval$/m);
  t.regex(status.stdout, /^status: +COMPLETED$/m);
  t.regex(status.stdout, /^input: +\{"item":"pen"\}$/m);
  t.regex(status.stdout, /^output: +\{"charged":"pen","approval":"ok"\}$/m);
  t.regex(status.stdout, /^custom status: +\{"stage":"charging"\}$/m);

  const list = await cli('workflows', 'list', '--status', 'COMPLETED', '--name', 'approval');
  t.is(list.code, 0);
  t.regex(list.stdout, /^INSTANCE ID +WORKFLOW +STATUS +CREATED +UPDATED$/m);
  t.regex(list.stdout, /^cli-appr +approval +COMPLETED +\d{4}-\d\d-\d\dT/m);
  // At least two instances exist from here on, whatever the other tests have started.
  t.is((await cli('workflows', 'start', 'echo', '--id', 'cli-list-2')).code, 0);
  const one = await cli('workflows', 'list', '--limit', '1');
  t.is(one.stdout.trimEnd().split('\n').length, 2, 'a header and one instance');
  t.is(one.stderr, 'first 1 instance listed, more follow (raise --limit to see them)\n');

  const history = await cli('workflows', 'history', 'cli-appr');
  t.is(history.code, 0);
  const lines = history.stdout.trimEnd().split('\n');
  t.regex(lines[0] ?? '', /^TIME +EVENT +ID +DETAIL$/);
  const row = (event: string): string => lines.find((l) => new RegExp(`^\\S+ +${event} `).test(l)) ?? '';
  t.regex(row('ExecutionStarted'), /name=approval generation=0 input=\{"item":"pen"\}/);
  t.regex(row('EventRaised'), /event=approve data=ok/);
  t.regex(row('TaskScheduled'), /^\S+ +TaskScheduled +1 +activity=charge/);
  t.regex(row('TaskCompleted'), /^\S+ +TaskCompleted +1 +result=/);
  t.regex(lines.at(-1) ?? '', /ExecutionCompleted +status=COMPLETED output=/);
  const events = JSON.parse((await cli('--json', 'workflows', 'history', 'cli-appr')).stdout) as Array<{
    type: string;
  }>;
  t.is(events.at(-1)?.type, 'ExecutionCompleted');
});

test('workflows suspend, resume, terminate and purge', async (t) => {
  t.is((await cli('workflows', 'start', 'approval', '--input', '{"item":"x"}', '--id', 'cli-ctl')).code, 0);
  await until('cli-ctl', 'RUNNING');
  const suspended = await cli('workflows', 'suspend', 'cli-ctl', '--reason', 'maintenance');
  t.is(suspended.stdout, 'suspended cli-ctl\n');
  await until('cli-ctl', 'SUSPENDED');
  t.is((await cli('workflows', 'resume', 'cli-ctl')).stdout, 'resumed cli-ctl\n');
  await until('cli-ctl', 'RUNNING');
  const terminated = await cli('--json', 'workflows', 'terminate', 'cli-ctl');
  t.deepEqual(JSON.parse(terminated.stdout), { instanceID: 'cli-ctl', action: 'terminate', accepted: true });
  await until('cli-ctl', 'TERMINATED');
  t.is((await cli('workflows', 'purge', 'cli-ctl')).stdout, 'purged cli-ctl\n');
  const gone = await cli('workflows', 'status', 'cli-ctl');
  t.is(gone.code, 1);
  t.regex(oneErrorLine(t, gone), /"cli-ctl" not found \(ERR_INSTANCE_ID_NOT_FOUND\)$/);
});

test('errors are one line; usage errors exit 2, failures exit 1', async (t) => {
  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  const cases: Array<{ args: string[]; code: number; message: RegExp }> = [
    { args: ['jobs', 'frobnicate'], code: 2, message: /unknown command 'frobnicate'/ },
    { args: ['jobs', 'get'], code: 2, message: /missing required argument 'name'/ },
    { args: ['jobs', 'list', '--colour'], code: 2, message: /unknown option '--colour'/ },
    // Typos get commander's suggestion, on the same line.
    { args: ['serv'], code: 2, message: /unknown command 'serv' \(Did you mean serve\?\)$/ },
    {
      args: ['serve', '--prot', '1'],
      code: 2,
      message: /unknown option '--prot' \(Did you mean --port\?\)$/,
    },
    { args: ['jobs', 'lst'], code: 2, message: /unknown command 'lst' \(Did you mean list\?\)$/ },
    {
      args: ['--jsno', 'jobs', 'list'],
      code: 2,
      message: /unknown option '--jsno' \(Did you mean --json\?\)$/,
    },
    {
      args: ['workflows', 'start', 'echo', '--input', '{nope'],
      code: 2,
      message: /--input .*Not valid JSON/,
    },
    { args: ['jobs', 'schedule', 'x', '--repeats', 'many'], code: 2, message: /--repeats .*integer/ },
    {
      args: ['jobs', 'schedule', 'x', '--schedule', 'whenever'],
      code: 2,
      message: /invalid schedule .*\(ERR_JOB_INVALID\)$/,
    },
    {
      args: ['jobs', 'schedule', 'x', '--drop', '--max-retries', '2', '-d', '1s'],
      code: 2,
      message: /--drop cannot be combined/,
    },
    {
      args: ['workflows', 'status', 'bad id'],
      code: 2,
      message: /invalid instanceId.*\(ERR_INSTANCE_ID_INVALID\)$/,
    },
    { args: ['workflows', 'purge', 'nobody'], code: 1, message: /not found/ },
  ];
  for (const c of cases) {
    const result = await cli(...c.args);
    t.is(result.code, c.code, `${c.args.join(' ')}: ${result.stderr}`);
    t.regex(oneErrorLine(t, result), c.message, c.args.join(' '));
    t.is(result.stdout, '', 'nothing on stdout');
  }
  const unreachable = await runCli(['--server', `http://127.0.0.1:${closedPort}`, 'workflows', 'list']);
  t.is(unreachable.code, 1);
  t.regex(
    oneErrorLine(t, unreachable),
    /cannot reach the tickflow server at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/,
  );
  const badUrl = await runCli(['--server', 'not a url', 'jobs', 'list']);
  t.is(badUrl.code, 2);
  t.regex(oneErrorLine(t, badUrl), /--server "not a url" is not a URL/);
});
