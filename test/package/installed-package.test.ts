/**
 * tickflow as a user installs it (issue 14): `npm pack`, then the tarball installed into a copy of
 * examples/hello in a temporary folder, away from this repository. There: the shipped files only,
 * the CLI on plain Node, `tickflow serve` with an embedded etcd and a job round trip, the example's
 * own build (tsc against the shipped .d.ts), its test (tickflow/testing) and its start (a workflow
 * on an embedded etcd).
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { waitFor } from '../helpers/etcd-wait.js';
import { startServerProcess } from '../helpers/server-fixture.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** No npm audit or funding chatter; the registry is used only for what the cache lacks. */
const QUIET = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
const WARNINGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn'];

const work = await mkdtemp(join(tmpdir(), 'tickflow-package-'));

/** Runs a command in `cwd` and returns its output; a non-zero exit fails with all of it. */
async function sh(cwd: string, command: string, args: string[], timeoutMs = 240_000): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

// Build and pack once, and install into the example's copy. (The build runs here rather than as
// pack's prepare script, whose output would be mixed into the JSON answer.)
await sh(REPO, NPM, ['run', 'build', '--silent']);
const packed = JSON.parse(
  await sh(REPO, NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', work, ...QUIET]),
) as Array<{
  filename: string;
  files: Array<{ path: string }>;
}>;
const tarball = join(work, packed[0]?.filename ?? 'missing.tgz');
const project = join(work, 'hello');
await cp(join(REPO, 'examples', 'hello'), project, {
  recursive: true,
  filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
});
const installed = await sh(project, NPM, ['install', tarball, ...WARNINGS]);
const bin = join(project, 'node_modules', 'tickflow', 'bin', 'tickflow.js');
// (ava wants every hook declared in one synchronous run, after the awaits above.)
test.after.always(() => rm(work, { recursive: true, force: true }));

test('the tarball ships the built package only', (t) => {
  const files = packed[0]?.files.map((f) => f.path) ?? [];
  t.true(files.includes('dist/index.js'));
  t.true(files.includes('dist/index.d.ts'));
  t.true(files.includes('dist/testing/index.js'));
  t.true(files.includes('bin/tickflow.js'));
  // The compiled modules (with types and source maps), the launcher, and the package's own files.
  const stray = files.filter((f) => !/^(dist\/|bin\/|README\.md$|package\.json$|LICENSE$)/.test(f));
  t.deepEqual(stray, []);
  t.false(files.some((f) => f.endsWith('.test.js')));
});

test('installing on this Node prints no engine mismatch (EBADENGINE)', (t) => {
  t.notRegex(installed, /EBADENGINE/, installed);
});

test('npx tickflow --help and --version run on plain Node', async (t) => {
  const help = await sh(project, 'npx', ['--no-install', 'tickflow', '--help']);
  t.regex(help, /Usage: tickflow/);
  t.regex(help, /serve/);
  const version = await sh(project, 'npx', ['--no-install', 'tickflow', '--version']);
  t.regex(version, /^\d+\.\d+\.\d+/);
  // No tsx anywhere in the user's project: the CLI does not need it.
  t.false((await readdir(join(project, 'node_modules'))).includes('tsx'));
});

test('tickflow serve from the installed package: embedded etcd, a job scheduled, read and deleted', async (t) => {
  const server = await startServerProcess({ bin, cwd: project });
  t.teardown(() => server.stop());
  const put = await server.request('POST', '/v1.0-alpha1/jobs/hello', {
    body: { dueTime: '1h', data: { hi: 1 } },
  });
  t.is(put.status, 204, put.text);
  const got = await server.request('GET', '/v1.0-alpha1/jobs/hello');
  t.is(got.status, 200);
  t.like(got.json, { name: 'hello', dueTime: '1h', data: { hi: 1 } });
  t.is((await server.request('DELETE', '/v1.0-alpha1/jobs/hello')).status, 204);
  t.is((await server.request('GET', '/v1.0-alpha1/jobs/hello')).status, 404);
});

test('the example builds against the shipped types and its time-skipping test passes', async (t) => {
  // `npm test` runs tsc (strict, NodeNext) over the example, then node --test.
  const out = await sh(project, NPM, ['test', '--silent']);
  t.regex(out, /# pass 1/);
  t.regex(out, /# fail 0/);
});

test('the example runs its workflow on an embedded etcd', async (t) => {
  const out = await sh(project, NPM, ['start', '--silent']);
  t.regex(out, /COMPLETED: \["Hello, world!","Hello, world again!"\]/);
});

test('tickflow serve --workflows with the built example module serves its workflow', async (t) => {
  await sh(project, NPM, ['run', 'build', '--silent']);
  const server = await startServerProcess({
    bin,
    cwd: project,
    workflows: join(project, 'dist', 'serve-module.js'),
  });
  t.teardown(() => server.stop());
  const start = await server.request('POST', '/v1.0/workflows/dapr/greeting/start?instanceID=hello-1', {
    body: { name: 'serve', pause: '1s' },
  });
  t.is(start.status, 202, start.text);
  let state: { runtimeStatus?: string; properties?: Record<string, string> } = {};
  await waitFor(
    async () => {
      state = (await server.request('GET', '/v1.0/workflows/dapr/hello-1')).json as typeof state;
      return state.runtimeStatus === 'COMPLETED';
    },
    { what: 'hello-1 completed', timeoutMs: 30_000 },
  );
  t.is(state.runtimeStatus, 'COMPLETED');
  t.is(state.properties?.['dapr.workflow.output'], JSON.stringify(['Hello, serve!', 'Hello, serve again!']));
});
