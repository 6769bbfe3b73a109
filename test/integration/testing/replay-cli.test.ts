import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { serializeHistory } from '../../../src/index.js';
import { ReplayExitCode, runReplay, type ReplayCommandIo } from '../../../src/cli/commands/replay.js';
import { TestWorkflowEnvironment } from '../../../src/testing/index.js';
import { largeOrder, orderActivities, orderWorkflow, smallOrder } from './fixtures/order.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const V1 = fixture('order.ts');
const V2 = fixture('order-v2.ts');

/** A directory with two exported histories: JSON (as getWorkflowHistory gives) and JSON Lines. */
const dir: Promise<string> = (async () => {
  const path = await mkdtemp(join(tmpdir(), 'tickflow-replay-'));
  const env = await TestWorkflowEnvironment.create({
    workflows: [orderWorkflow],
    activities: orderActivities,
  });
  try {
    const small = await env.client.scheduleNewWorkflow(orderWorkflow, smallOrder, 'small');
    await env.client.waitForWorkflowCompletion(small);
    await writeFile(join(path, 'a-small.json'), JSON.stringify(await env.getHistory(small), null, 2));
    const large = await env.client.scheduleNewWorkflow(orderWorkflow, largeOrder, 'large');
    await env.client.waitForWorkflowCompletion(large);
    await writeFile(join(path, 'b-large.jsonl'), serializeHistory(await env.getHistory(large)));
    await writeFile(join(path, 'notes.txt'), 'not a history: skipped when a directory is given');
  } finally {
    await env.teardown();
  }
  return path;
})();
test.after.always(async () => rm(await dir, { recursive: true, force: true }));

function capture(): ReplayCommandIo & { lines: { out: string[]; err: string[] } } {
  const lines = { out: [] as string[], err: [] as string[] };
  return {
    lines,
    out: (line) => lines.out.push(line),
    err: (line) => lines.err.push(line),
    setExitCode: () => undefined,
  };
}

test('unchanged code: every history replays, exit code 0', async (t) => {
  const io = capture();
  const code = await runReplay(V1, [await dir], io);
  t.is(code, ReplayExitCode.ok);
  t.deepEqual(io.lines.err, []);
  t.is(io.lines.out.length, 3);
  t.regex(io.lines.out[0] ?? '', /^ok {4}.*a-small\.json \(orderWorkflow small\): \d+ events$/);
  t.regex(io.lines.out[1] ?? '', /^ok {4}.*b-large\.jsonl \(orderWorkflow large\): \d+ events$/);
  t.is(io.lines.out[2], '2 ok, 0 failed');
});

test('an inserted step: each history fails with the divergence, exit code 1', async (t) => {
  const io = capture();
  const path = await dir;
  const code = await runReplay(V2, [join(path, 'a-small.json'), join(path, 'b-large.jsonl')], io);
  t.is(code, ReplayExitCode.diverged);
  t.deepEqual(io.lines.err, [
    `FAIL  ${join(path, 'a-small.json')} (orderWorkflow small): non-deterministic workflow: at sequence id 2 ` +
      'history recorded TaskScheduled "chargePayment" but the code now does ScheduleTask "reserveStock"',
    `FAIL  ${join(path, 'b-large.jsonl')} (orderWorkflow large): non-deterministic workflow: at sequence id 2 ` +
      'history recorded TimerCreated (user) but the code now does ScheduleTask "reserveStock"',
  ]);
  t.deepEqual(io.lines.out, [
    'would break 2 of 2: small at sequence id 2, large at sequence id 2',
    '0 ok, 2 failed',
  ]);
});

test('a missing history file fails the run; a module that cannot load is a usage error', async (t) => {
  const io = capture();
  const path = await dir;
  t.is(
    await runReplay(V1, [join(path, 'a-small.json'), join(path, 'gone.json')], io),
    ReplayExitCode.diverged,
  );
  t.regex(io.lines.err[0] ?? '', /^FAIL {2}.*gone\.json: ENOENT/);
  t.deepEqual(io.lines.out.slice(-1), ['1 ok, 1 failed']);

  const bad = capture();
  t.is(await runReplay(fixture('no-such-module.ts'), [path], bad), ReplayExitCode.usage);
  t.regex(bad.lines.err[0] ?? '', /^cannot load workflows module .*no-such-module\.ts/);
});

test('the command in a real process exits 1 on divergence', async (t) => {
  const path = await dir;
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', fixture('replay-cli.ts'), 'replay', '--workflows', V2, path],
        (error, out, err) => resolve({ code: error ? Number(error.code) : 0, stdout: out, stderr: err }),
      );
    },
  );
  t.is(code, 1, stderr);
  t.regex(stderr, /at sequence id 2 history recorded TaskScheduled "chargePayment"/);
  t.regex(stdout, /0 ok, 2 failed/);
});
