/**
 * The `--workflows` module's optional `workflowOptions` and `activityOptions` exports: registration
 * options by name, checked when the module is loaded (a bad one names the file and the key).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadWorkflowModule, registerWorkflowModule } from '../../../src/server/workflow-module.js';
import { MemoryKv, WorkflowRuntime } from '../../../src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'tickflow-module-'));
test.after.always(() => rm(dir, { recursive: true, force: true }));

async function moduleFile(name: string, source: string): Promise<string> {
  const path = join(dir, `${name}.mjs`);
  await writeFile(path, source);
  return path;
}

const WORKFLOWS = `
export const workflows = {
  strict: async function strict() { throw new TypeError('x'); },
  lenient: async function lenient() { return 1; },
};`;

test('workflowOptions are read by workflow name and given to the registration', async (t) => {
  const path = await moduleFile(
    'ok',
    `${WORKFLOWS}\nexport const workflowOptions = { strict: { failFast: true, failureTypes: ['RangeError'] } };`,
  );
  const module = await loadWorkflowModule(path);
  t.deepEqual([...module.workflowOptions], [['strict', { failFast: true, failureTypes: ['RangeError'] }]]);
  const runtime = new WorkflowRuntime({ kv: new MemoryKv(), partitions: 1 });
  const calls: Array<[string, unknown]> = [];
  const register = runtime.registerWorkflowWithName.bind(runtime);
  runtime.registerWorkflowWithName = (name, fn, options) => {
    calls.push([name, options]);
    return register(name, fn, options);
  };
  registerWorkflowModule(runtime, module);
  t.deepEqual(calls, [
    ['strict', { failFast: true, failureTypes: ['RangeError'] }],
    ['lenient', undefined],
  ]);
  t.deepEqual((await loadWorkflowModule(await moduleFile('none', WORKFLOWS))).workflowOptions.size, 0);
});

test('a bad workflowOptions export names the file and the key', async (t) => {
  const notObject = await moduleFile('not-object', `${WORKFLOWS}\nexport const workflowOptions = [1];`);
  await t.throwsAsync(loadWorkflowModule(notObject), {
    name: 'WorkflowModuleError',
    message:
      /not-object\.mjs: export `workflowOptions` must be an object of workflow name → options, got an array/,
  });
  const unknown = await moduleFile('unknown', `${WORKFLOWS}\nexport const workflowOptions = { strikt: {} };`);
  await t.throwsAsync(loadWorkflowModule(unknown), {
    message: /workflowOptions\.strikt names no exported workflow \(workflows: strict, lenient\)/,
  });
  const badValue = await moduleFile(
    'bad-value',
    `${WORKFLOWS}\nexport const workflowOptions = { strict: true };`,
  );
  await t.throwsAsync(loadWorkflowModule(badValue), {
    message: /workflowOptions\.strict must be an object such as \{ failFast: true \}, got boolean/,
  });
  const badField = await moduleFile(
    'bad-field',
    `${WORKFLOWS}\nexport const workflowOptions = { strict: { failFast: 'yes' } };`,
  );
  const loaded = await loadWorkflowModule(badField);
  const runtime = new WorkflowRuntime({ kv: new MemoryKv(), partitions: 1 });
  t.throws(() => registerWorkflowModule(runtime, loaded), {
    name: 'WorkflowModuleError',
    message: /bad-field\.mjs: workflowOptions\.strict: invalid failFast: "yes"; allowed: true or false/,
  });
});

const ACTIVITIES = `
export const activities = { quick: function quick() { return 1; }, slow: function slow() { return 2; } };`;

test('activityOptions mark activities inline; a bad one names the file and the key', async (t) => {
  const module = await loadWorkflowModule(
    await moduleFile('inline', `${ACTIVITIES}\nexport const activityOptions = { quick: { inline: true } };`),
  );
  t.deepEqual([...module.activityOptions], [['quick', { inline: true }]]);
  const runtime = new WorkflowRuntime({ kv: new MemoryKv(), partitions: 1 });
  const calls: Array<[string, unknown]> = [];
  const register = runtime.registerActivityWithName.bind(runtime);
  runtime.registerActivityWithName = (name, fn, options) => {
    calls.push([name, options]);
    return register(name, fn, options);
  };
  registerWorkflowModule(runtime, module);
  t.deepEqual(calls, [
    ['quick', { inline: true }],
    ['slow', undefined],
  ]);
  const unknown = await moduleFile(
    'unknown-activity',
    `${ACTIVITIES}\nexport const activityOptions = { quik: {} };`,
  );
  await t.throwsAsync(loadWorkflowModule(unknown), {
    message: /activityOptions\.quik names no exported activity \(activities: quick, slow\)/,
  });
  const badField = await loadWorkflowModule(
    await moduleFile(
      'bad-inline',
      `${ACTIVITIES}\nexport const activityOptions = { quick: { inline: 'yes' } };`,
    ),
  );
  t.throws(
    () => registerWorkflowModule(new WorkflowRuntime({ kv: new MemoryKv(), partitions: 1 }), badField),
    {
      name: 'WorkflowModuleError',
      message: /bad-inline\.mjs: activityOptions\.quick: invalid inline: "yes"; allowed: true or false/,
    },
  );
});
