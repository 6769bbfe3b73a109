/**
 * Reminder ticks go only to the instances that announced the actor type, with AppDelivery's
 * policy (reachable instance, staging), against scripted transports that also serve `/dapr/config`.
 */
import test from 'ava';
import { AppDelivery } from '../../../../src/server/app-delivery.js';
import { ActorHosts, type ActorConfigSource } from '../../../../src/server/actors/actor-hosts.js';
import { ActorReminderDelivery } from '../../../../src/server/actors/actor-reminder-delivery.js';
import { reminderJob } from '../../../../src/server/actors/actor-reminder-spec.js';
import type { TransportResult } from '../../../../src/server/delivery/delivery-transport.js';
import type { JobCallback } from '../../../../src/server/delivery/job-callback.js';
import type { JobTrigger } from '../../../../src/timers/schedule/job.js';

const OK: TransportResult = { kind: 'ok', detail: 'the app answered 200' };
const DOWN: TransportResult = { kind: 'unreachable', refused: true, detail: 'connect ECONNREFUSED' };

class ScriptedHost implements ActorConfigSource {
  readonly target: string;
  readonly sent: JobCallback[] = [];
  answer: TransportResult = OK;
  constructor(
    readonly instance: string,
    public config: { status: number; body: unknown },
  ) {
    this.target = `${instance}/...`;
  }
  async send(callback: JobCallback): Promise<TransportResult> {
    this.sent.push(callback);
    return this.answer;
  }
  async probe(): Promise<string | undefined> {
    return 'still down';
  }
  async getJson(): Promise<{ status: number; body: unknown; detail: string }> {
    return { ...this.config, detail: `the app answered ${this.config.status}` };
  }
  close(): void {}
}

function tick(actorType: string, actorId: string, name: string): JobTrigger {
  const { name: jobName, reminder } = reminderJob(
    { actorType, actorId, name },
    { period: 'PT1S', data: { n: 1 } },
    0,
  );
  return {
    name: jobName,
    namespace: 'default',
    appId: 'tickflow',
    target: 'actor-reminder',
    data: reminder as never,
    scheduledAt: new Date('2026-12-03T10:00:00.000Z'),
    attempt: 1,
    count: 0,
    jobRevision: 7,
  };
}

async function setup(
  a: ScriptedHost,
  b: ScriptedHost,
): Promise<{ reminders: ActorReminderDelivery; stop: () => void }> {
  const delivery = new AppDelivery({ instances: [a, b], timeoutMs: 1_000, maxProbeIntervalMs: 100 });
  let read = 0;
  let allRead: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allRead = resolve));
  const hosts = new ActorHosts([a, b], {
    refreshMs: 60_000,
    onChange: () => undefined,
    // Both first reads are done (whether or not they changed anything).
    onFetch: () => {
      if (++read === 2) allRead();
    },
  });
  hosts.start();
  await done;
  const reminders = new ActorReminderDelivery({ delivery, hosts });
  return { reminders, stop: () => (hosts.stop(), delivery.close()) };
}

test('each type goes only to the instance that hosts it, as Dapr’s remind call', async (t) => {
  const a = new ScriptedHost('http://a', { status: 200, body: { entities: ['Lamp'] } });
  const b = new ScriptedHost('http://b', { status: 200, body: { entities: ['Thermostat', 'Door'] } });
  const { reminders, stop } = await setup(a, b);
  t.teardown(stop);
  for (let i = 0; i < 10; i++) {
    t.is(await reminders.deliver(tick('Lamp', `l/${i}`, 'blink')), 'success');
    t.is(await reminders.deliver(tick('Thermostat', `t-${i}`, 'warm')), 'success');
  }
  t.is(a.sent.length, 10);
  t.is(b.sent.length, 10);
  t.deepEqual(a.sent[0]?.request, { method: 'PUT', path: '/actors/Lamp/l%2F0/method/remind/blink' });
  t.deepEqual(a.sent[0]?.data, { data: { n: 1 }, dueTime: '', period: 'PT1S' });
  t.true(b.sent.every((c) => c.request?.path.startsWith('/actors/Thermostat/')));
});

test('a type nobody hosts, or whose only host is down, is staged; the other instance is never tried', async (t) => {
  const a = new ScriptedHost('http://a', { status: 200, body: { entities: ['Lamp'] } });
  const b = new ScriptedHost('http://b', { status: 404, body: undefined });
  const { reminders, stop } = await setup(a, b);
  t.teardown(stop);
  t.is(await reminders.deliver(tick('Ghost', 'g', 'r')), 'undeliverable');
  a.answer = DOWN;
  t.is(await reminders.deliver(tick('Lamp', 'l', 'r')), 'undeliverable');
  t.is(a.sent.length, 1);
  t.is(b.sent.length, 0);
});

test('a failed read keeps no types and is retried; an app answering 5xx hosts nothing until it answers', async (t) => {
  const a = new ScriptedHost('http://a', { status: 503, body: undefined });
  const b = new ScriptedHost('http://b', { status: 200, body: { entities: ['Lamp'] } });
  const log: string[] = [];
  const changed: string[] = [];
  let hostsLamp: () => void = () => undefined;
  const aHostsLamp = new Promise<void>((resolve) => (hostsLamp = resolve));
  const hosts = new ActorHosts([a, b], {
    refreshMs: 60_000,
    log: (line) => log.push(line),
    onChange: (source) => {
      changed.push(source.instance);
      if (source === a) hostsLamp();
    },
  });
  t.teardown(() => hosts.stop());
  hosts.start();
  // The first read of a fails; the retry (after 100 ms) finds its types.
  a.config = { status: 200, body: { entities: ['Lamp'] } };
  await aHostsLamp;
  t.deepEqual(new Set([...hosts.hostsOf('Lamp')].map((h) => h.instance)), new Set(['http://a', 'http://b']));
  t.true(log.some((l) => l.includes('cannot read its actor types')));
  t.true(log.some((l) => l.includes('read again after 1 failed reads')));
});
