/**
 * A job changed while its trigger is in flight, and before the replica has seen the change (its
 * watch is held back): the stale trigger's outcome must not touch the new state. Every counter
 * write and delete is guarded by the job's mod revision; these tests fail without that guard.
 */
import test from 'ava';
import { JobNotFoundError } from '../../../src/timers/errors.js';
import type { TriggerResult } from '../../../src/timers/schedule/job.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent, waitFor } from '../../helpers/etcd-wait.js';
import { ControlledKv } from './controlled-kv.js';
import { gate, newService, Recorder, uniqueAppId } from './timer-fixture.js';

const etcd = await useEtcd(test);

async function setup(t: { teardown(fn: () => Promise<void>): void }, holdData: string | undefined) {
  const appId = uniqueAppId();
  const raw = await etcd.connect();
  const kv = new ControlledKv(raw, newService(raw, { appId }).keys.jobsRoot);
  const service = newService(kv, { appId });
  const rec = new Recorder().watch(service);
  t.teardown(() => service.stop());
  const hold = gate();
  service.onTrigger(
    'app',
    rec.handler('a', async (trigger): Promise<TriggerResult> => {
      if (trigger.data === holdData) await hold.promise;
      return 'success';
    }),
  );
  await service.start();
  await waitFor(() => service.ownedPartitions().length === 8, { what: 'owning every partition' });
  return { raw, kv, service, rec, hold };
}

test('a job overwritten while its trigger is in flight keeps the new incarnation', async (t) => {
  const { kv, service, rec, hold } = await setup(t, 'v1');
  await service.schedule('flight', { dueTime: '0s', data: 'v1' });
  await rec.untilDelivered('flight', 1);
  kv.hold(); // the replica will not see the overwrite until the stale trigger has settled
  await service.schedule('flight', { dueTime: '1s', data: 'v2', overwrite: true });
  const v2 = await service.get('flight');
  const v1Reported = nextEvent(service, 'triggered', { filter: (e) => e.name === 'flight' });
  hold.open();
  await v1Reported;
  await waitFor(() => service.inFlight === 0, { what: 'the stale trigger to settle' });
  t.deepEqual(rec.ended, [], "the stale trigger's delete did not commit");
  t.is((await service.get('flight')).data, 'v2');
  kv.release();
  await waitFor(() => rec.of('flight').length === 2, { what: 'the new incarnation to fire' });
  await rec.untilEnded('flight');
  t.deepEqual(
    rec.of('flight').map((d) => [d.data, d.count]),
    [
      ['v1', 0],
      ['v2', 0],
    ],
  );
  t.is(rec.of('flight')[1]?.scheduledAt, v2.nextFireAt?.getTime());
  t.deepEqual(rec.ended, ['flight']);
  await t.throwsAsync(service.get('flight'), { instanceOf: JobNotFoundError });
});

test('a job deleted while its trigger is in flight is not revived and does not fire again', async (t) => {
  const { raw, kv, service, rec, hold } = await setup(t, undefined);
  await service.schedule('doomed', { schedule: '@every 500ms' });
  const created = (await service.get('doomed')).createdAt.getTime();
  // Due after the deleted job's next two ticks: once it has fired, they would have too.
  await service.schedule('sentinel', { dueTime: new Date(created + 2_000) });
  await rec.untilDelivered('doomed', 1);
  kv.hold();
  t.true(await service.delete('doomed'));
  hold.open();
  await rec.untilEnded('sentinel');
  t.is(rec.of('doomed').length, 1, 'no tick after the delete');
  kv.release();
  t.deepEqual((await raw.range(service.keys.jobsRoot)).entries, []);
  t.deepEqual((await raw.range(`${service.keys.root}progress/`)).entries, [], 'no counter written for it');
});
