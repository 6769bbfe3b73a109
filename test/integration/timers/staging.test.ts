/**
 * Staging: a trigger with no handler for its target, or one its handler calls undeliverable,
 * waits without spending retries and fires once a handler registers (or retryStaged is called).
 */
import test from 'ava';
import type { EtcdKv } from '../../../src/etcd/etcd-kv.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent } from '../../helpers/etcd-wait.js';
import { newService, Recorder } from './timer-fixture.js';

const etcd = await useEtcd(test);
let kv: EtcdKv;
test.before(async () => {
  kv = await etcd.connect();
});

test('a job due before any handler exists fires once one registers', async (t) => {
  const service = newService(kv);
  const rec = new Recorder().watch(service);
  t.teardown(() => service.stop());
  service.onTrigger('app', rec.handler('app'));
  await service.start();
  const staged = nextEvent(service, 'staged', { filter: (name) => name === 'early' });
  await service.schedule('early', { dueTime: '0s', target: 'late-consumer', failurePolicy: { drop: {} } });
  t.deepEqual(await staged, ['early', 'late-consumer']);
  t.is(service.stagedCount(), 1);
  t.deepEqual(rec.deliveries, [], 'nothing was delivered, not even to another target');
  t.is((await service.get('early')).count, 0, 'still stored');

  service.onTrigger('late-consumer', rec.handler('late'));
  await rec.untilEnded('early');
  t.deepEqual(
    rec.of('early').map((d) => [d.target, d.attempt]),
    [['late-consumer', 1]],
  );
  t.is(service.stagedCount(), 0);
});

test("'undeliverable' stages the trigger without spending a retry", async (t) => {
  const service = newService(kv);
  const rec = new Recorder().watch(service);
  t.teardown(() => service.stop());
  let appUp = false;
  service.onTrigger(
    'app',
    rec.handler('app', () => (appUp ? 'success' : 'undeliverable')),
  );
  await service.start();
  // With drop, a single failure would end the job: staging must not count as one.
  const staged = nextEvent(service, 'staged', { filter: (name) => name === 'offline' });
  await service.schedule('offline', { dueTime: '0s', failurePolicy: { drop: {} } });
  await staged;
  t.is(service.stagedCount(), 1);
  t.deepEqual(
    rec.triggered.filter((e) => e.name === 'offline').map((e) => e.result),
    ['undeliverable'],
  );
  appUp = true;
  service.retryStaged('app');
  await rec.untilEnded('offline');
  t.deepEqual(
    rec.of('offline').map((d) => d.attempt),
    [1, 1],
    'the redelivery is the same first attempt',
  );
  t.deepEqual(
    rec.triggered.filter((e) => e.name === 'offline').map((e) => e.result),
    ['undeliverable', 'success'],
  );
});

test('unregistering a handler stages later triggers for its target', async (t) => {
  const service = newService(kv);
  const rec = new Recorder().watch(service);
  t.teardown(() => service.stop());
  const off = service.onTrigger('app', rec.handler('first'));
  await service.start();
  await service.schedule('a', { dueTime: '0s' });
  await rec.untilEnded('a');
  off();
  const staged = nextEvent(service, 'staged', { filter: (name) => name === 'b' });
  await service.schedule('b', { dueTime: '0s' });
  await staged;
  service.onTrigger('app', rec.handler('second'));
  await rec.untilEnded('b');
  t.deepEqual(
    rec.deliveries.map((d) => [d.name, d.replica]),
    [
      ['a', 'first'],
      ['b', 'second'],
    ],
  );
});
