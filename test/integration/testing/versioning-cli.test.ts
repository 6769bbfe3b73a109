/**
 * `tickflow replay` (the built command, bin/tickflow.js) as the versioning recipe of
 * docs/workflows.md uses it: histories of instances that ran on a real etcd, one started on
 * version 1 and still waiting, one started on version 2, replayed against each later version. The
 * report lists every instance with the patches it meets, then which instances the version would
 * break (and where) and which patches cover which instances.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { serializeHistory, type HistoryEvent, type StepEvent } from '../../../src/index.js';
import { TestWorkflowEnvironment } from '../../../src/testing/index.js';
import { activities } from '../../../samples/versioning/activities.js';
import * as v1 from '../../../samples/versioning/shipping-v1.js';
import * as v2 from '../../../samples/versioning/shipping-v2.js';
import { useEtcd } from '../../helpers/etcd.js';
import { runCli } from '../../helpers/server-fixture.js';

const etcd = await useEtcd(test);
const version = (n: number): string =>
  fileURLToPath(new URL(`../../../samples/versioning/shipping-v${n}.ts`, import.meta.url));

/**
 * Resolves with the history of a started instance once `done` holds for it, checked now and after
 * each of its steps.
 */
function historyWhen(
  env: TestWorkflowEnvironment,
  instanceId: string,
  done: (history: HistoryEvent[]) => boolean,
): Promise<HistoryEvent[]> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      env
        .getHistory(instanceId)
        .then((history) => {
          if (!done(history)) return;
          env.runtime.off('step', onStep);
          resolve(history);
        })
        .catch(reject);
    };
    const onStep = (step: StepEvent): void => {
      if (step.instanceId === instanceId) check();
    };
    env.runtime.on('step', onStep);
    check();
  });
}

/** Two exported histories: o-1 (version 1, waiting for the carrier) as JSON, o-2 (version 2) as JSON Lines. */
const dir: Promise<string> = (async () => {
  const path = await mkdtemp(join(tmpdir(), 'tickflow-versioning-'));
  const env = await TestWorkflowEnvironment.create({
    etcd: { hosts: etcd.hosts },
    workflows: { shipOrder: v1.shipOrder },
    activities,
    cacheSize: 0,
  });
  try {
    await env.client.scheduleNewWorkflow('shipOrder', { id: 'o-1' }, 'o-1');
    const waiting = historyWhen(env, 'o-1', (h) => h.some((e) => e.type === 'TimerCreated'));
    await writeFile(join(path, 'o-1.json'), JSON.stringify(await waiting, null, 2));

    env.runtime.registerWorkflowWithName('shipOrder', v2.shipOrder); // deploy 1
    await env.client.scheduleNewWorkflow('shipOrder', { id: 'o-2' }, 'o-2');
    await env.client.waitForWorkflowCompletion('o-2', true, 30);
    await writeFile(join(path, 'o-2.jsonl'), serializeHistory(await env.getHistory('o-2')));
  } finally {
    await env.teardown();
  }
  return path;
})();
test.after.always(async () => rm(await dir, { recursive: true, force: true }));

test('version 2 replays both; the report says which branch each instance takes', async (t) => {
  const path = await dir;
  const { code, stdout, stderr } = await runCli(['replay', '--workflows', version(2), path]);
  t.is(code, 0, stderr);
  t.is(stderr, '');
  t.deepEqual(stdout.trimEnd().split('\n'), [
    `ok    ${join(path, 'o-1.json')} (shipOrder o-1): 6 events; patches: courier-pickup (no marker, old branch)`,
    `ok    ${join(path, 'o-2.jsonl')} (shipOrder o-2): 10 events; patches: courier-pickup (marker, new branch)`,
    'patch courier-pickup: no marker, old branch: o-1; marker, new branch: o-2',
    '2 ok, 0 failed',
  ]);
});

test('version 3 would break the instance still on the old branch, and says where', async (t) => {
  const path = await dir;
  const { code, stdout, stderr } = await runCli(['replay', '--workflows', version(3), path]);
  t.is(code, 1, stderr);
  t.is(
    stderr,
    `FAIL  ${join(path, 'o-1.json')} (shipOrder o-1): non-deterministic workflow: at sequence id 2 history ` +
      'recorded TimerCreated (user) but the code now does ScheduleTask "bookCourier"; ' +
      'patches: courier-pickup (no marker, deprecated in code)\n',
  );
  t.deepEqual(stdout.trimEnd().split('\n'), [
    `ok    ${join(path, 'o-2.jsonl')} (shipOrder o-2): 10 events; patches: courier-pickup (marker, deprecated in code)`,
    'would break 1 of 2: o-1 at sequence id 2',
    'patch courier-pickup: no marker, deprecated in code: o-1; marker, deprecated in code: o-2',
    '1 ok, 1 failed',
  ]);
});

test('version 4, without deprecating first, would break the instance with the marker too', async (t) => {
  const path = await dir;
  const { code, stdout, stderr } = await runCli(['replay', '--workflows', version(4), path]);
  t.is(code, 1, stderr);
  const failures = stderr.trimEnd().split('\n');
  t.is(failures.length, 2);
  t.regex(
    failures[1] ?? '',
    /^FAIL {2}.*o-2\.jsonl \(shipOrder o-2\): non-deterministic workflow: at sequence id 3 history recorded PatchRecorded "courier-pickup" but the code now does nothing; patches: courier-pickup \(marker, not in code\)$/,
  );
  t.deepEqual(stdout.trimEnd().split('\n'), [
    'would break 2 of 2: o-1 at sequence id 2, o-2 at sequence id 3',
    'patch courier-pickup: marker, not in code: o-2',
    '0 ok, 2 failed',
  ]);
});
