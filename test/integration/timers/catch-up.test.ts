/**
 * Catch-up: a recurring job stores its last *scheduled* tick, so ticks missed while no replica
 * ran all fire after a restart, in order, on the original lattice (docs/jobs-api.md: missed ticks catch up).
 */
import test from 'ava';
import type { EtcdKv } from '../../../src/etcd/etcd-kv.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { newService, Recorder } from './timer-fixture.js';

const etcd = await useEtcd(test);
let kv: EtcdKv;
test.before(async () => {
  kv = await etcd.connect();
});

test('ticks missed while the service was stopped all fire after restart, in order, 1 s apart', async (t) => {
  const service = newService(kv);
  const rec = new Recorder().watch(service);
  t.teardown(() => service.stop());
  service.onTrigger('app', rec.handler('a'));
  await service.start();
  await service.schedule('tick', { schedule: '@every 1s' });
  const created = (await service.get('tick')).createdAt.getTime();
  await rec.untilDelivered('tick', 1);
  // stop() lets the in-flight trigger settle, so its counter is durable before we go.
  await service.stop();
  const stoppedWith = rec.of('tick').length;
  const lastTick = rec.of('tick').at(-1)?.scheduledAt ?? 0;
  t.is((await service.get('tick')).count, stoppedWith);
  // Stay down across three more ticks (the only wait here is the downtime itself).
  await waitFor(() => Date.now() >= lastTick + 3_000 + 150, { what: 'three missed ticks' });
  t.is(rec.of('tick').length, stoppedWith, 'nothing fired while stopped');

  await service.start();
  await rec.untilDelivered('tick', stoppedWith + 4);
  const ticks = rec.of('tick').map((d) => d.scheduledAt);
  t.deepEqual(
    ticks.map((at) => at - created),
    ticks.map((_, i) => (i + 1) * 1000),
    'every tick once, in order, exactly on the 1 s lattice',
  );
  for (const d of rec.of('tick')) t.true(d.handlerNow >= d.scheduledAt);
  await service.delete('tick');
});
