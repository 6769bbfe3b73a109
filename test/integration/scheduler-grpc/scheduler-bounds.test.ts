/**
 * The Scheduler API's bounds, on `startSchedulerApi` with small limits: a sidecar that does not
 * answer in time (a failed delivery, retried by the failure policy, and a coalesced warning), the
 * in-flight bound per stream (the next trigger waits and goes out once a slot frees), the bound on
 * streams (RESOURCE_EXHAUSTED), and a shutdown that stages what is unanswered.
 */
import test from 'ava';
import { status } from '@grpc/grpc-js';
import { startSchedulerApi, type SchedulerApi } from '../../../src/grpc/scheduler-api.js';
import { MetricsRegistry } from '../../../src/server/prometheus.js';
import { useEtcd } from '../../helpers/etcd.js';
import { SidecarSimulator, type Meta } from './sidecar-simulator.js';

const etcd = await useEtcd(test);
const warnings: Error[] = [];
const registry = new MetricsRegistry();
let api: SchedulerApi;
const sidecars: SidecarSimulator[] = [];

test.before(async () => {
  api = await startSchedulerApi({
    host: '127.0.0.1',
    port: 0,
    kv: await etcd.connect(),
    registry,
    warn: (error) => warnings.push(error),
    log: () => undefined,
    answerTimeoutMs: 1_000,
    maxStreams: 4,
    maxInflightPerStream: 1,
    leaseTtlSeconds: 5,
  });
});

test.after.always(async () => {
  for (const s of sidecars) s.close();
  await api?.stop();
});

function sidecar(): SidecarSimulator {
  const s = new SidecarSimulator(api.port);
  sidecars.push(s);
  return s;
}

const meta = (namespace: string, appId: string): Meta => ({ namespace, app_id: appId, target: { job: {} } });
const retry = { constant: { interval: { nanos: 100_000_000 }, max_retries: 1 } };

test.serial(
  'no answer in time is a failed delivery: the failure policy retries it, and a warning says why',
  async (t) => {
    const s = sidecar();
    const silent = s.watch({ namespace: 'bounds', app_id: 'silent' }, () => 'hold');
    t.teardown(() => silent.cancel());
    await s.call('ScheduleJob', {
      name: 'slow',
      job: { due_time: '0s', failure_policy: retry },
      metadata: meta('bounds', 'silent'),
    });
    const triggers = await silent.received(2);
    t.deepEqual(
      triggers.map((x) => x.name),
      ['slow', 'slow'],
    );
    t.true(warnings.some((w) => /bounds\/silent did not answer a trigger within 1000 ms/.test(w.message)));
    t.regex(registry.render(), /tickflow_scheduler_triggers_total\{outcome="timeout"\} [1-9]/);
    // The retry answered: the job is done, and nothing is left staged for the next test.
    silent.answer(triggers[1]?.id ?? '', 'SUCCESS');
    await waitFor(
      async () =>
        (await s.call('GetJob', { name: 'slow', metadata: meta('bounds', 'silent') })).code ===
        status.NOT_FOUND,
    );
  },
);

test.serial(
  'past the in-flight bound of its only stream, a trigger waits and goes out once a slot frees',
  async (t) => {
    const s = sidecar();
    const stream = s.watch({ namespace: 'bounds', app_id: 'busy' }, () => 'hold');
    t.teardown(() => stream.cancel());
    for (const name of ['one', 'two']) {
      await s.call('ScheduleJob', { name, job: { due_time: '0s' }, metadata: meta('bounds', 'busy') });
    }
    const [first] = await stream.received(1);
    // The other one waits for a slot: the stream is at its bound.
    await waitFor(() => gauge('tickflow_scheduler_triggers_waiting') === 1);
    t.is(stream.triggers.length, 1, 'one in flight at a time');
    stream.answer(first?.id ?? '', 'SUCCESS');
    const [, second] = await stream.received(2);
    t.not(second?.name, first?.name);
    stream.answer(second?.id ?? '', 'SUCCESS');
  },
);

test.serial('streams past the bound are refused with RESOURCE_EXHAUSTED', async (t) => {
  const s = sidecar();
  const open = [0, 1, 2, 3].map((i) => s.watch({ namespace: 'bounds', app_id: `app-${i}` }));
  t.teardown(() => open.forEach((x) => x.cancel()));
  // The fifth, once the four are in (each announcement is a message the server reads in turn).
  await waitFor(() => /tickflow_scheduler_sidecars_connected 4/.test(registry.render()));
  const fifth = s.watch({ namespace: 'bounds', app_id: 'app-4' });
  const ended = await fifth.ended;
  t.is(ended.code, status.RESOURCE_EXHAUSTED);
  t.regex(registry.render(), /tickflow_scheduler_streams_total\{result="refused"\} 1/);
});

function gauge(name: string): number {
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(registry.render())?.[1]);
}

async function waitFor(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
