/**
 * The versioning example of docs/workflows.md, run as its text says in the time-skipping
 * environment: instances started on version 1 complete on version 2 (the old branch), new ones
 * take the new branch; each later version replays the histories it must, and the replay report
 * names the instances a version would break and the patches that cover the others. The docs show
 * the example's files verbatim.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { WorkflowRuntimeStatus, type HistoryEvent } from '../../../src/index.js';
import {
  replayHistories,
  replaySummary,
  TestWorkflowEnvironment,
  type ReplayReport,
} from '../../../src/testing/index.js';
import { activities } from '../../../samples/versioning/activities.js';
import * as v1 from '../../../samples/versioning/shipping-v1.js';
import * as v2 from '../../../samples/versioning/shipping-v2.js';
import * as v3 from '../../../samples/versioning/shipping-v3.js';
import * as v4 from '../../../samples/versioning/shipping-v4.js';

const SAMPLES = new URL('../../../samples/versioning/', import.meta.url);
const DOCS = new URL('../../../docs/workflows.md', import.meta.url);

interface Run {
  /** Started on version 1 and waiting for the carrier when version 2 was deployed. */
  waiting: HistoryEvent[];
  /** Started on version 2. */
  patched: HistoryEvent[];
  /** Started on version 3. */
  deprecated: HistoryEvent[];
}

/** The three deploys, one environment: each version is registered under the workflow's name. */
const run: Promise<Run> = (async () => {
  // cacheSize 0: every step replays history, so a re-registration acts like a deploy.
  const env = await TestWorkflowEnvironment.create({
    workflows: { shipOrder: v1.shipOrder },
    activities,
    cacheSize: 0,
  });
  try {
    await env.client.scheduleNewWorkflow('shipOrder', { id: 'o-1' }, 'o-1');
    await env.settle(); // packed; the day's timer is running

    env.runtime.registerWorkflowWithName('shipOrder', v2.shipOrder);
    await env.client.scheduleNewWorkflow('shipOrder', { id: 'o-2' }, 'o-2');
    const o2 = await env.client.waitForWorkflowCompletion('o-2');
    if (o2.serializedOutput !== '"courier-o-2"') throw new Error(`o-2: ${o2.serializedOutput}`);
    const o1 = await env.client.waitForWorkflowCompletion('o-1'); // skips the day
    if (o1.runtimeStatus !== WorkflowRuntimeStatus.COMPLETED || o1.serializedOutput !== '"carrier-o-1"') {
      throw new Error(`o-1: ${o1.runtimeStatus} ${o1.serializedOutput}`);
    }

    env.runtime.registerWorkflowWithName('shipOrder', v3.shipOrder);
    await env.client.scheduleNewWorkflow('shipOrder', { id: 'o-3' }, 'o-3');
    await env.client.waitForWorkflowCompletion('o-3');
    return {
      waiting: await env.getHistory('o-1'),
      patched: await env.getHistory('o-2'),
      deprecated: await env.getHistory('o-3'),
    };
  } finally {
    await env.teardown();
  }
})();

const replay = async (version: Record<string, unknown>): Promise<ReplayReport> => {
  const { waiting, patched, deprecated } = await run;
  return replayHistories(version, { 'o-1.json': waiting, 'o-2.json': patched, 'o-3.json': deprecated });
};

test('deploy 1: instances waiting on version 1 finish on the old branch, new ones take the new', async (t) => {
  const { waiting, patched, deprecated } = await run;
  const activitiesOf = (history: HistoryEvent[]): string[] =>
    history.flatMap((e) => (e.type === 'TaskScheduled' ? [e.name] : []));
  t.deepEqual(activitiesOf(waiting), ['pack', 'handToCarrier']);
  t.false(waiting.some((e) => e.type === 'PatchRecorded'));
  t.deepEqual(activitiesOf(patched), ['pack', 'bookCourier']);
  t.deepEqual(
    patched.flatMap((e) => (e.type === 'PatchRecorded' ? [[e.patchId, e.deprecated]] : [])),
    [['courier-pickup', undefined]],
  );
  t.deepEqual(
    deprecated.flatMap((e) => (e.type === 'PatchRecorded' ? [[e.patchId, e.deprecated]] : [])),
    [['courier-pickup', true]],
  );
});

test('version 2 replays every history and says which branch each instance takes', async (t) => {
  const report = await replay(v2);
  t.true(report.ok);
  t.deepEqual(replaySummary(report.results), [
    'patch courier-pickup: no marker, old branch: o-1; marker, new branch: o-2; deprecated marker, new branch: o-3',
  ]);
});

test('version 3 breaks only the instance that ran the old branch', async (t) => {
  const report = await replay(v3);
  t.deepEqual(
    report.failures.map((f) => f.instanceId),
    ['o-1'],
  );
  t.deepEqual(replaySummary(report.results), [
    'would break 1 of 3: o-1 at sequence id 2',
    'patch courier-pickup: no marker, deprecated in code: o-1; marker, deprecated in code: o-2; deprecated marker, deprecated in code: o-3',
  ]);
});

test('version 4 replays deprecated markers; a marker of version 2 is a divergence', async (t) => {
  const report = await replay(v4);
  t.deepEqual(
    report.failures.map((f) => [f.instanceId, f.error.message]),
    [
      [
        'o-1',
        'non-deterministic workflow: at sequence id 2 history recorded TimerCreated (user) but the code now does ScheduleTask "bookCourier"',
      ],
      [
        'o-2',
        'non-deterministic workflow: at sequence id 3 history recorded PatchRecorded "courier-pickup" but the code now does nothing',
      ],
    ],
  );
  t.true(report.results.find((r) => r.instanceId === 'o-3')?.ok);
});

test('docs/workflows.md shows the example files as they are', (t) => {
  const docs = readFileSync(DOCS, 'utf8');
  for (const file of ['shipping-v1.ts', 'shipping-v2.ts', 'shipping-v3.ts', 'shipping-v4.ts']) {
    // The docs import from the package, the sample from this repository's sources.
    const source = readFileSync(new URL(file, SAMPLES), 'utf8')
      .replace("from '../../src/index.js'", "from 'tickflow'")
      .trimEnd();
    t.true(docs.includes(`\`\`\`ts\n// ${file}\n${source}\n\`\`\``), `docs/workflows.md shows ${file}`);
  }
});
