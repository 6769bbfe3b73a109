/**
 * A job changed while its trigger is in flight: the stale trigger's outcome must not touch the
 * new incarnation (every counter write and delete is guarded by the job's mod revision).
 */
import test from 'ava';
import type { EtcdKv } from '../../../src/etcd/etcd-kv.js';
import { JobNotFoundError } from '../../../src/timers/errors.js';
import type { TriggerResult } from '../../../src/timers/job.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent } from '../../helpers/etcd-wait.js';
import { gate, newService, Recorder } from './timer-fixture.js';

const etcd = await useEtcd(test);
let kv: EtcdKv;
test.before(async () => {
  kv = await etcd.connect();
});

test('a job overwritten while its trigger is in flight keeps the new incarnation', async (t) => {
  const service = newService(kv);
  const rec = new Recorder().watch(service);
  t.teardown(() => service.stop());
  const hold = gate();
  service.onTrigger(
    'app',
    rec.handler('a', async (trigger): Promise<TriggerResult> => {
      if (trigger.data === 'v1') await hold.promise;
      return 'success';
    }),
  );
  await service.start();
  await service.schedule('flight', { dueTime: '0s', data: 'v1' });
  await rec.untilDelivered('flight', 1);
  await service.schedule('flight', { dueTime: '1s', data: 'v2', overwrite: true });
  const v2 = await service.get('flight');
  // The stale trigger now finishes: its "last tick, delete the job" must fail its guard.
  const v1Done = nextEvent(service, 'triggered', { filter: (e) => e.name === 'flight' });
  hold.open();
  await v1Done;
  await rec.untilEnded('flight');
  t.deepEqual(
    rec.of('flight').map((d) => [d.data, d.count, d.scheduledAt]),
    [
      ['v1', 0, rec.of('flight')[0]?.scheduledAt],
      ['v2', 0, v2.nextFireAt?.getTime()],
    ],
  );
  t.deepEqual(rec.ended, ['flight'], 'only the new incarnation ended the job');
  await t.throwsAsync(service.get('flight'), { instanceOf: JobNotFoundError });
});

test('a job deleted while its trigger is in flight is not revived and does not fire again', async (t) => {
  const service = newService(kv);
  const rec = new Recorder().watch(service);
  t.teardown(() => service.stop());
  const hold = gate();
  service.onTrigger(
    'app',
    rec.handler('a', async (trigger): Promise<TriggerResult> => {
      if (trigger.name === 'doomed') await hold.promise;
      return 'success';
    }),
  );
  await service.start();
  await service.schedule('doomed', { schedule: '@every 500ms' });
  await rec.untilDelivered('doomed', 1);
  t.true(await service.delete('doomed'));
  hold.open();
  // A sentinel due after the deleted job's next two ticks: once it has fired, they would have too.
  await service.schedule('sentinel', { dueTime: '1200ms' });
  await rec.untilEnded('sentinel');
  t.is(rec.of('doomed').length, 1);
  t.deepEqual((await kv.range(service.keys.jobsRoot)).entries, []);
  t.deepEqual((await kv.range(`${service.keys.root}progress/`)).entries, [], 'no counter written for it');
});
