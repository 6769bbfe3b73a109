/**
 * The zone of a cron without CRON_TZ through `tickflow serve` (docs/jobs-api.md, "Time zones"):
 * the server's own zone by default, `--cron-time-zone` to pin another, and a job keeps the zone it
 * was scheduled under when a server in another zone takes over. Every server gets an explicit TZ,
 * so nothing depends on the machine's zone; the zones have no DST, so the expected instants are
 * plain UTC times. Firing on the zone's wall clock is tested on the real trigger loop with an
 * injected clock (test/unit/timers/cron-time-zone.test.ts); here GET's nextFireAt shows it.
 */
import test from 'ava';
import { useEtcd } from '../../helpers/etcd.js';
import { runCli, startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';

const etcd = await useEtcd(test);
const DAY = 86_400_000;
let scopes = 0;

/** A server on this file's etcd, in its own namespace unless one is given, with TZ set. */
async function serve(
  t: { teardown(fn: () => Promise<unknown>): void },
  tz: string,
  options: { namespace?: string; args?: string[] } = {},
): Promise<ServerProcess> {
  const namespace = options.namespace ?? `tz-${++scopes}`;
  const server = await startServerProcess({
    args: ['--etcd', etcd.hosts.join(','), '--namespace', namespace, '--no-grpc', ...(options.args ?? [])],
    env: { TZ: tz },
  });
  t.teardown(() => server.stop());
  return server;
}

/** The first instant after `ms` whose UTC time of day is hh:mm. */
function nextUtc(ms: number, hour: number, minute: number): number {
  const day = Math.floor(ms / DAY) * DAY;
  const at = day + (hour * 60 + minute) * 60_000;
  return at > ms ? at : at + DAY;
}

/** POSTs a job and answers GET's `schedule` and `nextFireAt`, and the instants the POST spans. */
async function scheduleAndGet(server: ServerProcess, name: string, schedule: string) {
  const before = Date.now();
  const posted = await server.request('POST', `/v1.0-alpha1/jobs/${name}`, { body: { schedule } });
  const after = Date.now();
  if (posted.status !== 204) throw new Error(`POST ${name}: ${posted.status} ${posted.text}`);
  const job = (await server.request('GET', `/v1.0-alpha1/jobs/${name}`)).json as Record<string, unknown>;
  return { schedule: job['schedule'], next: Date.parse(String(job['nextFireAt'])), before, after };
}

/** Whether `next` is the first hh:mm UTC after the job was created (some instant of the POST). */
function isNextUtc(
  at: { next: number; before: number; after: number },
  hour: number,
  minute: number,
): boolean {
  return at.next === nextUtc(at.before, hour, minute) || at.next === nextUtc(at.after, hour, minute);
}

test("by default a cron without CRON_TZ runs in the server's TZ; GET shows the schedule as sent", async (t) => {
  const server = await serve(t, 'Asia/Kolkata');
  t.regex(server.stdout(), /; cron without CRON_TZ in Asia\/Kolkata$/m);
  // 09:00 in Kolkata (UTC+05:30, no DST) is 03:30Z.
  const daily = await scheduleAndGet(server, 'daily-nine', '0 0 9 * * *');
  t.is(daily.schedule, '0 0 9 * * *');
  t.true(isNextUtc(daily, 3, 30), new Date(daily.next).toISOString());
  const descriptor = await scheduleAndGet(server, 'midnight', '@daily');
  t.is(descriptor.schedule, '@daily');
  t.true(isNextUtc(descriptor, 18, 30), new Date(descriptor.next).toISOString());
  // A zone of its own is kept: 09:00 in Tokyo (UTC+09:00) is 00:00Z.
  const own = await scheduleAndGet(server, 'tokyo-nine', 'CRON_TZ=Asia/Tokyo 0 0 9 * * *');
  t.is(own.schedule, 'CRON_TZ=Asia/Tokyo 0 0 9 * * *');
  t.true(isNextUtc(own, 0, 0), new Date(own.next).toISOString());
});

test('--cron-time-zone pins UTC or another zone whatever TZ says', async (t) => {
  const [utc, tokyo] = await Promise.all([
    serve(t, 'Asia/Kolkata', { args: ['--cron-time-zone', 'UTC'] }),
    serve(t, 'Asia/Kolkata', { args: ['--cron-time-zone', 'Asia/Tokyo'] }),
  ]);
  t.regex(utc.stdout(), /; cron without CRON_TZ in UTC$/m);
  t.regex(tokyo.stdout(), /; cron without CRON_TZ in Asia\/Tokyo$/m);
  const inUtc = await scheduleAndGet(utc, 'nine', '0 0 9 * * *');
  t.true(isNextUtc(inUtc, 9, 0), new Date(inUtc.next).toISOString());
  const inTokyo = await scheduleAndGet(tokyo, 'nine', '0 0 9 * * *');
  t.true(isNextUtc(inTokyo, 0, 0), new Date(inTokyo.next).toISOString());
});

test('a job keeps the zone it was scheduled under when the server restarts in another zone', async (t) => {
  const namespace = 'tz-restart';
  const first = await serve(t, 'Asia/Tokyo', { namespace });
  const scheduled = await scheduleAndGet(first, 'standup', '0 0 9 * * *');
  t.true(isNextUtc(scheduled, 0, 0), new Date(scheduled.next).toISOString());
  t.deepEqual(await first.stop(), { code: 0, signal: null });

  const second = await serve(t, 'Asia/Kolkata', { namespace });
  const job = (await second.request('GET', '/v1.0-alpha1/jobs/standup')).json as Record<string, unknown>;
  t.is(job['schedule'], '0 0 9 * * *');
  t.is(Date.parse(String(job['nextFireAt'])), scheduled.next, 'still 09:00 in Tokyo');
  // A job scheduled now takes the new server's zone.
  const fresh = await scheduleAndGet(second, 'standup-2', '0 0 9 * * *');
  t.true(isNextUtc(fresh, 3, 30), new Date(fresh.next).toISOString());
});

test('an unknown --cron-time-zone exits 2 naming the flag and what is allowed, before starting anything', async (t) => {
  const result = await runCli(['serve', '--cron-time-zone', 'Mars/Olympus_Mons', '--port', '0', '--no-grpc']);
  t.is(result.code, 2);
  t.regex(result.stderr, /option '--cron-time-zone <zone>' argument 'Mars\/Olympus_Mons' is invalid/);
  t.regex(result.stderr, /"local" .*"UTC".*IANA time zone name/);
  t.is(result.stdout, '');
});

test('a TZ without an IANA name: the server runs, and only a cron without CRON_TZ is refused, saying why', async (t) => {
  const server = await serve(t, 'CET-1');
  t.regex(server.stdout(), /; cron without CRON_TZ refused: TZ has no IANA name/);
  const cron = await server.request('POST', '/v1.0-alpha1/jobs/no-zone', {
    body: { schedule: '0 0 9 * * *' },
  });
  t.is(cron.status, 400);
  t.like(cron.json, { errorCode: 'ERR_JOB_INVALID', field: 'schedule' });
  t.regex(
    (cron.json as { message: string }).message,
    /has no IANA name .*Add CRON_TZ=<zone> to the schedule/,
  );
  const own = await scheduleAndGet(server, 'own-zone', 'CRON_TZ=Asia/Tokyo 0 0 9 * * *');
  t.true(isNextUtc(own, 0, 0), new Date(own.next).toISOString());
  const every = await server.request('POST', '/v1.0-alpha1/jobs/every', { body: { schedule: '@every 1h' } });
  t.is(every.status, 204);
});
