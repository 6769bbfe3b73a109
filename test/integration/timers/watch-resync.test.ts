/**
 * The jobs watch loses its place: its stream breaks, and by the time it reconnects etcd has
 * compacted the revisions it missed, so etcd cancels it. The service must re-read its partitions
 * and carry on: jobs created meanwhile fire, jobs deleted meanwhile do not, running ones go on.
 */
import test from 'ava';
import { WatchCompactedError } from '../../../src/etcd/errors.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent, waitFor } from '../../helpers/etcd-wait.js';
import { ControlledKv } from './controlled-kv.js';
import { newService, Recorder } from './timer-fixture.js';

const etcd = await useEtcd(test);

test('after a compacted watch, the service re-reads its partitions and keeps firing', async (t) => {
  const raw = await etcd.connect();
  const probe = newService(raw); // only for its appId and key layout
  const kv = new ControlledKv(raw, probe.keys.jobsRoot);
  const service = newService(kv, { appId: probe.appId });
  const rec = new Recorder().watch(service);
  t.teardown(() => service.stop());
  service.onTrigger('app', rec.handler('a'));
  await service.start();
  await waitFor(() => service.ownedPartitions().length === 8, { what: 'owning every partition' });

  await service.schedule('steady', { schedule: '@every 300ms' });
  const created = (await service.get('steady')).createdAt.getTime();
  await service.scheduleMany([
    { name: 'replaced', spec: { dueTime: '1500ms', data: 'v1' } },
    { name: 'deleted', spec: { dueTime: '1500ms' } },
  ]);
  await rec.untilDelivered('steady', 1);

  await kv.sever();
  // Changes the service cannot see while its watch is down...
  await service.schedule('created', { dueTime: '500ms' });
  await service.schedule('replaced', { dueTime: '1500ms', data: 'v2', overwrite: true });
  t.true(await service.delete('deleted'));
  // ...and then etcd forgets them: only a re-read can find them now.
  const { revision } = await raw.range(probe.keys.root, { limit: 1 });
  await raw.compact(revision);
  const reset = nextEvent(service, 'warning', { filter: (e) => e instanceof WatchCompactedError });
  await kv.resume();
  await reset;

  const ticksBefore = rec.of('steady').length;
  await rec.untilEnded(['created', 'replaced']);
  await rec.untilDelivered('steady', ticksBefore + 2);
  // 'deleted' was due with 'replaced'; had it survived in memory it would have fired by now.
  t.deepEqual(rec.of('deleted'), []);
  t.deepEqual(
    rec.of('replaced').map((d) => d.data),
    ['v2'],
  );
  t.is(rec.of('created').length, 1);
  const ticks = rec.of('steady').map((d) => d.scheduledAt - created);
  t.deepEqual(
    ticks,
    ticks.map((_, i) => (i + 1) * 300),
    'the running job neither skipped nor repeated a tick',
  );
  await service.delete('steady');
});
