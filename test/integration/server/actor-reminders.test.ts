/**
 * Actor reminders over Dapr's HTTP API (`/v1.0/actors/{type}/{id}/reminders/{name}`), each a job
 * of tickflow's timer service, delivered as Dapr delivers them: `PUT
 * {app}/actors/{type}/{id}/method/remind/{name}` to an app instance that announced the type in
 * `GET /dapr/config`, and to no other. The client side is the official @dapr/dapr ActorClient
 * (what an actor's own registerActorReminder uses); one app instance is the official DaprServer
 * actor host, the other a plain HTTP app hosting another type.
 */
import { createServer, type AddressInfo } from 'node:net';
import {
  AbstractActor,
  ActorId,
  CommunicationProtocolEnum,
  DaprServer,
  LogLevel,
  Temporal,
} from '@dapr/dapr';
import ActorClientModule from '@dapr/dapr/actors/client/ActorClient/ActorClient.js';
import test from 'ava';
import { startServerProcess } from '../../helpers/server-fixture.js';
import { ActorHostApp } from './actor-host-app.js';

/** What the DaprServer's actors received, in order. */
const received: Array<{ actorId: string; data: unknown; at: number }> = [];
let wakeReceived: Array<() => void> = [];

async function receivedWith(data: unknown, count = 1): Promise<typeof received> {
  const matching = (): typeof received => received.filter((r) => r.data === data);
  while (matching().length < count) await new Promise<void>((resolve) => wakeReceived.push(resolve));
  return matching();
}

/** An actor of the official SDK; the type name is the class name. */
class Thermostat extends AbstractActor {
  override async receiveReminder(data: unknown): Promise<void> {
    const at = Date.now();
    // Through the SDK's own actor API, i.e. tickflow's DELETE route (before the call is recorded).
    if (data === 'stop-after-first') await this.unregisterActorReminder('self-stopping');
    received.push({ actorId: this.getActorId().getId(), data, at });
    const wake = wakeReceived;
    wakeReceived = [];
    for (const w of wake) w();
  }
}

const quiet = { level: LogLevel.Error };
const sdkPort = await freePort();
const [lamps, doors] = await Promise.all([ActorHostApp.start(['Lamp']), ActorHostApp.start(['Door'])]);
// The DaprServer starts after tickflow (it needs tickflow's port as its sidecar): until it
// answers, its config reads fail and are retried with backoff.
const server = await startServerProcess({ appUrl: `http://127.0.0.1:${sdkPort},${lamps.url},${doors.url}` });
const dapr = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: String(sdkPort),
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  clientOptions: { daprHost: '127.0.0.1', daprPort: String(server.port), logger: quiet },
  logger: quiet,
});
await dapr.actor.init();
await dapr.actor.registerActor(Thermostat);
await dapr.daprServer.start('127.0.0.1', String(sdkPort));
const ActorClient = ActorClientModule.default;
const actors = new ActorClient('127.0.0.1', String(server.port), CommunicationProtocolEnum.HTTP, {
  daprHost: '127.0.0.1',
  daprPort: String(server.port),
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  logger: quiet,
}).actor;

test.after.always(async () => {
  await server.stop();
  await Promise.all([dapr.daprServer.stop(), lamps.close(), doors.close()]);
});

const seconds = (n: number): Temporal.Duration => Temporal.Duration.from({ seconds: n });

test('the SDK registers, reads and unregisters a reminder; GET answers Dapr’s fields as sent', async (t) => {
  await actors.registerActorReminder('Thermostat', new ActorId('t-get'), 'later', {
    dueTime: Temporal.Duration.from({ hours: 1 }),
    period: Temporal.Duration.from({ minutes: 5 }),
    data: 'x',
  });
  // 3.18's IClientActor does not declare reminderGet; its HTTP implementation has it.
  const sdkHttp = actors as unknown as {
    reminderGet(type: string, id: ActorId, name: string): Promise<unknown>;
  };
  const got = (await sdkHttp.reminderGet('Thermostat', new ActorId('t-get'), 'later')) as Record<
    string,
    unknown
  >;
  t.like(got, {
    actorType: 'Thermostat',
    actorId: 't-get',
    name: 'later',
    dueTime: '1h',
    period: '5m',
    data: 'x',
  });
  const listed = await server.request('GET', '/v1.0/actors/Thermostat/reminders');
  t.true(
    (listed.json as { reminders: Array<{ name: string }> }).reminders.some((r) => r.name === 'later'),
    listed.text,
  );
  await actors.unregisterActorReminder('Thermostat', new ActorId('t-get'), 'later');
  const gone = await server.request('GET', '/v1.0/actors/Thermostat/t-get/reminders/later');
  t.is(gone.status, 404, gone.text);
  t.like(gone.json, { errorCode: 'ERR_ACTOR_REMINDER_NOT_FOUND' });
  // Unknown to the Jobs API: reminders are listed by actor type, not among the app's jobs.
  const jobs = await server.request('GET', '/v1.0-alpha1/jobs?prefix=actor~');
  t.deepEqual((jobs.json as { jobs: unknown[] }).jobs, []);
});

test('the official DaprServer actor host receives the reminder, never before its time, then it is gone', async (t) => {
  const before = Date.now();
  await actors.registerActorReminder('Thermostat', new ActorId('t-1'), 'warm-up', {
    dueTime: seconds(1),
    data: 'warm',
  });
  const view = await server.request('GET', '/v1.0/actors/Thermostat/t-1/reminders/warm-up');
  const due = Date.parse((view.json as { nextFireAt: string }).nextFireAt);
  t.true(due >= before + 1000);
  const [call] = await receivedWith('warm');
  t.is(call?.actorId, 't-1');
  t.true((call?.at ?? 0) >= due, `fired ${(call?.at ?? 0) - due} ms after its time`);
  // A one-shot reminder ends after its tick.
  for (;;) {
    const res = await server.request('GET', '/v1.0/actors/Thermostat/t-1/reminders/warm-up');
    if (res.status === 404) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.pass();
});

test('an actor unregisters its own periodic reminder through the SDK at its first tick', async (t) => {
  await actors.registerActorReminder('Thermostat', new ActorId('t-self'), 'self-stopping', {
    dueTime: seconds(0),
    period: Temporal.Duration.from({ milliseconds: 300 }),
    data: 'stop-after-first',
  });
  await receivedWith('stop-after-first');
  const res = await server.request('GET', '/v1.0/actors/Thermostat/t-self/reminders/self-stopping');
  t.is(res.status, 404, res.text);
});

test('perfect locality: each type’s reminders go only to the instance hosting it; an unhosted type is staged', async (t) => {
  const ids = ['1', '2', '3', '4'];
  for (const id of ids) {
    await actors.registerActorReminder('Thermostat', new ActorId(`loc-${id}`), 'loc', { data: `loc-${id}` });
    const res = await server.request('POST', `/v1.0/actors/Lamp/lamp-${id}/reminders/loc`, {
      body: { dueTime: '0s', data: { lamp: id } },
    });
    t.is(res.status, 204, res.text);
  }
  const unhosted = await server.request('PUT', '/v1.0/actors/Ghost/g-1/reminders/loc', { body: { data: 1 } });
  t.is(unhosted.status, 204, unhosted.text);
  const lampCalls = await lamps.waitFor('loc', ids.length);
  for (const id of ids) await receivedWith(`loc-${id}`);
  t.deepEqual(
    lampCalls.map((c) => c.actorType),
    ['Lamp', 'Lamp', 'Lamp', 'Lamp'],
  );
  t.deepEqual(
    lampCalls.map((c) => c.actorId).sort(),
    ids.map((id) => `lamp-${id}`),
  );
  const first = lampCalls.find((c) => c.actorId === 'lamp-1');
  t.is(first?.method, 'PUT');
  t.deepEqual(first?.body, { data: { lamp: '1' }, dueTime: '0s', period: '' });
  t.regex(String(first?.headers['tickflow-delivery-id']), /^[0-9a-f]{32}$/);
  t.is(received.filter((r) => r.actorId.startsWith('lamp-')).length, 0);
  // The Ghost reminder waits: no instance hosts its type.
  const ghost = await server.request('GET', '/v1.0/actors/Ghost/g-1/reminders/loc');
  t.like(ghost.json, { count: 0 });
  t.regex(
    (await server.request('GET', '/metrics')).text,
    /tickflow_jobs_staged_total\{target="actor-reminder"\} [1-9]/,
  );
  const metrics = (await server.request('GET', '/metrics')).text;
  t.true(metrics.includes(`tickflow_actor_types_hosted{instance="${lamps.url}"} 1`), metrics);
  t.regex(metrics, /tickflow_actor_config_reads_total\{outcome="ok"\} [1-9]/);
  const deleted = await server.request('DELETE', '/v1.0/actors/Ghost/reminders');
  t.like(deleted.json, { deleted: 1 });
});

test('R3/PT1S fires three times, a second apart on schedule, then ends', async (t) => {
  const res = await server.request('POST', '/v1.0/actors/Lamp/blink/reminders/r3', {
    body: { period: 'R3/PT1S', data: 'blink' },
  });
  t.is(res.status, 204, res.text);
  const calls = await lamps.waitFor('r3', 3);
  const ticks = calls.map((c) => Date.parse(String(c.headers['tickflow-job-scheduled-time'])));
  t.is(ticks[1]! - ticks[0]!, 1000);
  t.is(ticks[2]! - ticks[1]!, 1000);
  calls.forEach((c, i) => t.true(c.at >= ticks[i]!, 'never early'));
  t.like(calls[0]?.body, { data: 'blink', period: 'R3/PT1S' });
  for (;;) {
    const got = await server.request('GET', '/v1.0/actors/Lamp/blink/reminders/r3');
    if (got.status === 404) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.is(lamps.callsFor('r3').length, 3);
});

test('a reminder whose only host is down is staged, no retry spent, and delivered once the host answers again', async (t) => {
  await doors.close();
  const res = await server.request('POST', '/v1.0/actors/Door/front/reminders/lock', {
    body: { data: 'lock' },
  });
  t.is(res.status, 204, res.text);
  // Staged: the only Door host cannot be reached (counted, not retried).
  for (;;) {
    const metrics = (await server.request('GET', '/metrics')).text;
    if (metrics.includes(`tickflow_app_instance_reachable{instance="${doors.url}"} 0`)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.is(doors.callsFor('lock').length, 0);
  await doors.listen();
  const [call] = await doors.waitFor('lock', 1);
  t.is(call?.headers['tickflow-job-attempt'], '1');
  t.is(lamps.callsFor('lock').length, 0);
  t.regex(server.stderr(), /app instance http:\/\/127\.0\.0\.1:\d+ answers again/);
});

test('bad requests are 400s naming the field, the value and what is allowed', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ period: 'P1M' }, 'period'],
    [{ period: 'R0/PT1S' }, 'period'],
    [{ period: '10ms' }, 'period'],
    [{ period: '-5s' }, 'period'],
    [{ dueTime: 'tomorrow' }, 'dueTime'],
    [{ dueTime: 'R2/PT1S' }, 'dueTime'],
    [{ dueTime: '10s', ttl: '5s' }, 'ttl'],
    [{ dueTme: '1s' }, 'dueTme'],
    [{ period: 5 }, 'period'],
  ];
  for (const [body, field] of cases) {
    const res = await server.request('POST', '/v1.0/actors/Lamp/bad/reminders/r', { body });
    t.is(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    t.like(res.json, { errorCode: 'ERR_MALFORMED_REQUEST', field }, JSON.stringify(body));
    t.truthy((res.json as { allowed?: string }).allowed);
  }
  const floor = await server.request('POST', '/v1.0/actors/Lamp/bad/reminders/r', {
    body: { period: '10ms' },
  });
  t.regex((floor.json as { message: string }).message, /^invalid period: "10ms"; allowed: .*100ms/);
  t.is((await server.request('GET', '/v1.0/actors/Lamp/bad/reminders/r')).status, 404);
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

test('the Jobs API cannot reach actor reminders: names under "actor~" are refused, naming the field', async (t) => {
  const made = await server.request('POST', '/v1.0/actors/Thermostat/t-reserved/reminders/r', {
    body: { dueTime: '1h' },
  });
  t.true(made.status === 200 || made.status === 204, made.text);
  t.teardown(async () => {
    await server.request('DELETE', '/v1.0/actors/Thermostat/t-reserved/reminders/r');
  });
  for (const method of ['POST', 'GET', 'DELETE'] as const) {
    const res = await server.request(method, '/v1.0-alpha1/jobs/actor~Thermostat~t-reserved~r', {
      ...(method === 'POST' && { body: { dueTime: '1s' } }),
    });
    t.is(res.status, 400, `${method}: ${res.text}`);
    t.like(res.json, { field: 'name' });
    t.regex((res.json as { message: string }).message, /reserved for actor reminders/);
  }
  // The reminder is untouched.
  const still = await server.request('GET', '/v1.0/actors/Thermostat/t-reserved/reminders/r');
  t.is(still.status, 200, still.text);
});
