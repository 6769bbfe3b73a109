import test from 'ava';
import { nanoid } from 'nanoid';
import { PartitionCountMismatchError } from '../../../src/cluster/errors.js';
import { TimerServiceError } from '../../../src/timers/errors.js';
import { TimerService, WorkflowClient, type WorkflowContext } from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

const inAnHour = (): Date => new Date(Date.now() + 3_600_000);

test('a process started without partitions adopts the count the scope stored, and finds its jobs', async (t) => {
  const kv = await etcd.connect();
  const appId = `pc-${nanoid(6)}`;
  const first = new TimerService({ kv, appId, partitions: 8 });
  // job-b is in partition 3 of 8 and would be looked for in partition 19 of 32; job-y: 6 and 14.
  await first.schedule('job-b', { dueTime: inAnHour(), target: 'app' });
  t.is(first.partitionCount, 8);

  // Not started, no option: with a default of its own (32) it would look in another partition.
  const second = new TimerService({ kv, appId });
  t.is(second.partitionCount, undefined, 'unknown until asked');
  t.is((await second.get('job-b')).name, 'job-b');
  t.is(second.partitionCount, 8);
  await second.schedule('job-y', { dueTime: inAnHour(), target: 'app' });
  t.is((await first.get('job-y')).name, 'job-y');
  t.true(await second.delete('job-b'));
  t.deepEqual(
    (await first.list()).map((job) => job.name),
    ['job-y'],
  );
});

test('a different explicit count is refused by name; a new scope stores 32 by default', async (t) => {
  const kv = await etcd.connect();
  const appId = `pc-${nanoid(6)}`;
  await new TimerService({ kv, appId, partitions: 8 }).ready();
  const error = await t.throwsAsync(new TimerService({ kv, appId, partitions: 16 }).ready(), {
    instanceOf: PartitionCountMismatchError,
  });
  t.is(error?.stored, 8);
  t.is(error?.requested, 16);
  t.regex(error?.message ?? '', /omit the option to adopt the stored one/);

  const fresh = new TimerService({ kv, appId: `pc-${nanoid(6)}` });
  await fresh.ready();
  t.is(fresh.partitionCount, 32);
});

test('job writes built before the count is known throw, naming ready()', async (t) => {
  const kv = await etcd.connect();
  const service = new TimerService({ kv, appId: `pc-${nanoid(6)}` });
  const error = t.throws(() => service.deleteJobOps('x'), { instanceOf: TimerServiceError });
  t.regex(error?.message ?? '', /await timers\.ready\(\)/);
  await service.ready();
  t.is(service.deleteJobOps('x').length, 2);
});

test('a WorkflowClient without partitions drives a runtime whose scope uses another count', async (t) => {
  function* greet(ctx: WorkflowContext, name: string): Generator<unknown, string, unknown> {
    const greeting = (yield ctx.callActivity(hello, name)) as string;
    return greeting;
  }
  const hello = (_ctx: unknown, name: string): string => `hello ${name}`;
  const { appId } = await startRuntime(t, etcd, (rt) => rt.registerWorkflow(greet).registerActivity(hello), {
    partitions: 3,
  });
  const client = new WorkflowClient({ etcd: { hosts: etcd.hosts }, appId });
  t.teardown(() => client.close());
  const id = await client.scheduleNewWorkflow(greet, 'ada');
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(state?.runtimeStatus, 'COMPLETED');
  t.is(state?.serializedOutput, JSON.stringify('hello ada'));
});
