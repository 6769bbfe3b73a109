import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { ORDER_OUTCOMES } from '../../../samples/order-processing/types.js';
import type { DemoSummary } from '../../../samples/order-processing/demo/summary.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runMain(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'samples/order-processing/main.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Bounded: a hung demo fails the test instead of the whole run.
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('`npm start -- --orders 20` exits 0 and its summary adds up to 20 orders', async (t) => {
  // A roomy approval timeout, so a loaded machine cannot turn the manager's answers into timeouts.
  const run = await runMain(['--orders', '20', '--seed', '11', '--approval-timeout', '8s']);
  t.is(run.code, 0, run.stderr);
  const line = run.stdout.split('\n').find((l) => l.startsWith('summary: '));
  if (!line) return t.fail(`no summary line in:\n${run.stdout}`);
  const summary = JSON.parse(line.slice('summary: '.length)) as DemoSummary;
  t.is(summary.orders, 20);
  t.is(
    Object.values(summary.outcomes).reduce((a, b) => a + b, 0),
    20,
  );
  t.deepEqual(Object.keys(summary.outcomes), [...ORDER_OUTCOMES], 'no order ended in a workflow error');
  // The mix guarantees one of each path in a batch this size.
  for (const outcome of ORDER_OUTCOMES) t.true((summary.outcomes[outcome] ?? 0) >= 1, outcome);
  t.true(summary.retries >= 2, 'the flaky card alone needs two retries');
  t.true(summary.subscription.renewals >= 1);
  // A person reads the same numbers: the table's total row, and the timeline of one order.
  t.regex(run.stdout, /^total\s+20\s+\d+$/m);
  t.regex(run.stdout, /history of order-\S+ \(/);
  t.regex(run.stdout, /→ call reserveInventory/);
  // The embedded etcd's data dir is gone (no --keep).
  const dataDir = /data in (\S+)/.exec(run.stdout)?.[1];
  if (!dataDir) return t.fail('no data dir in the header');
  t.false(existsSync(join(ROOT, dataDir)));
});

test('bad options are refused with what is allowed, before anything starts', async (t) => {
  const run = await runMain(['--orders', 'many']);
  t.not(run.code, 0);
  t.regex(run.stderr, /--orders <n>.*"many".*allowed: an integer from 1 to 2000/s);
  t.notRegex(run.stdout, /tickflow demo/);
});
