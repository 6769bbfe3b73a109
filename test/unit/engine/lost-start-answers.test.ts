/**
 * scheduleNewWorkflow when etcd's answer to the start is lost (outcome unknown): the client settles
 * it (re-send the start guarded on a free id; on a failed guard, recognise its own record) instead
 * of failing a start that may well have happened.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';
import {
  TimerService,
  WorkflowAlreadyExistsError,
  WorkflowClient,
  WorkflowRuntimeStatus,
} from '../../../src/index.js';
import { LosingKv } from '../../helpers/losing-kv.js';

async function setup(): Promise<{ kv: LosingKv; client: WorkflowClient }> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const kv = new LosingKv({ clock });
  // The scope's partition count stored beforehand: the client then only reads it, and the losses
  // are meant for the start's write.
  await new TimerService({ kv, clock, partitions: 4 }).ready();
  return { kv, client: new WorkflowClient({ kv, clock, partitions: 4 }) };
}

async function recordOf(kv: LosingKv, id: string) {
  const { entries } = await kv.range('/tickflow/');
  return entries.find((e) => e.key.endsWith(`/wf/instances/${id}`));
}

test('a start stored but unanswered resolves its id; the instance is created once', async (t) => {
  const { kv, client } = await setup();
  kv.losses.push('applied');
  t.is(await client.scheduleNewWorkflow('order', { sku: 'a' }, 'o-1'), 'o-1');
  const state = await client.getWorkflowState('o-1');
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.PENDING);
  t.is(state?.serializedInput, '{"sku":"a"}');
  const record = await recordOf(kv, 'o-1');
  t.is(record?.createRevision, record?.modRevision, 'written once');
});

test('a start lost before it was stored is sent again', async (t) => {
  const { kv, client } = await setup();
  kv.losses.push('not applied', 'not applied');
  t.is(await client.scheduleNewWorkflow('order', 1, 'o-2'), 'o-2');
  t.is((await client.getWorkflowState('o-2'))?.name, 'order');
});

test('an id held by another running instance still fails with WorkflowAlreadyExistsError', async (t) => {
  const { kv, client } = await setup();
  await client.scheduleNewWorkflow('order', 'theirs', 'o-3');
  kv.losses.push('not applied');
  await t.throwsAsync(client.scheduleNewWorkflow('order', 'mine', 'o-3'), {
    instanceOf: WorkflowAlreadyExistsError,
  });
  t.is((await client.getWorkflowState('o-3'))?.serializedInput, '"theirs"');
});

test('every answer lost: the unknown outcome reaches the caller', async (t) => {
  const { kv, client } = await setup();
  kv.losses.push('not applied', 'not applied', 'not applied', 'not applied');
  const error = await t.throwsAsync(client.scheduleNewWorkflow('order', 1, 'o-4'), {
    instanceOf: StoreUnavailableError,
  });
  t.true(error?.outcomeUnknown);
});
