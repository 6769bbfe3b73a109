/**
 * ISO 8601 durations over HTTP, as Dapr takes them (go-etcd-cron's parsePointInTime): dueTime and
 * ttl accept a non-repeating ISO 8601 duration, counted from now (ttl from the dueTime when there
 * is one), years and months as calendar units in UTC; a repetition (`R5/PT10S`) is refused there,
 * and a job's schedule takes no ISO 8601 form at all (Dapr's cron parser has none), so `R5/PT10S`
 * is refused as a schedule too. Each form is one POST to a real server, checked by GET's
 * nextFireAt; each refusal is a 400 naming the field, with nothing stored.
 */
import test from 'ava';
import { useServer } from '../../helpers/server-fixture.js';

const server = await useServer(test, { env: { TZ: 'UTC' }, args: ['--no-grpc'] });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Adds calendar months in UTC, as Go's AddDate does on a UTC time. */
function addUtcMonths(ms: number, months: number): number {
  const date = new Date(ms);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.getTime();
}

async function firstTick(name: string, body: Record<string, unknown>) {
  const before = Date.now();
  const posted = await server.request('POST', `/v1.0-alpha1/jobs/${name}`, { body });
  const after = Date.now();
  const got = await server.request('GET', `/v1.0-alpha1/jobs/${name}`);
  const job = got.json as Record<string, unknown>;
  return { status: posted.status, job, next: Date.parse(String(job['nextFireAt'])), before, after };
}

const dueTimes: Array<[string, (from: number) => number]> = [
  ['PT10S', (from) => from + 10_000],
  ['PT1H30M', (from) => from + 90 * 60_000],
  ['P1DT2H', (from) => from + DAY + 2 * HOUR],
  ['P2W', (from) => from + 14 * DAY],
  ['P1M', (from) => addUtcMonths(from, 1)],
  ['P1Y2M3DT4H5M6S', (from) => addUtcMonths(from, 14) + 3 * DAY + 4 * HOUR + 5 * 60_000 + 6_000],
];

for (const [form, expected] of dueTimes) {
  test(`dueTime ${form} is accepted and counted from now`, async (t) => {
    const name = `due-${form}`;
    const at = await firstTick(name, { dueTime: form });
    t.is(at.status, 204);
    t.is(at.job['dueTime'], form, 'GET shows it as sent');
    t.true(
      at.next >= expected(at.before) && at.next <= expected(at.after),
      `${new Date(at.next).toISOString()} outside [${new Date(expected(at.before)).toISOString()}, ${new Date(expected(at.after)).toISOString()}]`,
    );
  });
}

test('ttl PT... and P... are accepted, counted from the dueTime when there is one', async (t) => {
  const fromNow = await firstTick('ttl-from-now', { schedule: '@every 1h', ttl: 'P1DT1H' });
  t.is(fromNow.status, 204);
  t.like(fromNow.job, { ttl: 'P1DT1H' });
  t.true(fromNow.next >= fromNow.before + HOUR && fromNow.next <= fromNow.after + HOUR);
  // Counted from now, PT30M would expire before a dueTime a day ahead, which is refused.
  const fromDue = await firstTick('ttl-from-due', { schedule: '@every 1h', dueTime: 'P1D', ttl: 'PT30M' });
  t.is(fromDue.status, 204);
  t.like(fromDue.job, { dueTime: 'P1D', ttl: 'PT30M' });
});

test('a repetition (R5/PT10S) is refused for dueTime, ttl and schedule, naming the field; nothing is stored', async (t) => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['rep-due', { dueTime: 'R5/PT10S' }, 'dueTime', /is a repetition/],
    ['rep-ttl', { schedule: '@every 1h', ttl: 'R5/PT10S' }, 'ttl', /is a repetition/],
    ['rep-schedule', { schedule: 'R5/PT10S' }, 'schedule', /invalid schedule "R5\/PT10S"/],
    ['iso-schedule', { schedule: 'PT10S' }, 'schedule', /invalid schedule "PT10S"/],
  ];
  for (const [name, body, field, message] of cases) {
    const res = await server.request('POST', `/v1.0-alpha1/jobs/${name}`, { body });
    t.is(res.status, 400, name);
    const error = res.json as { errorCode: string; field?: string; message: string };
    t.is(error.errorCode, 'ERR_JOB_INVALID', name);
    t.is(error.field, field, name);
    t.regex(error.message, message, name);
    t.is((await server.request('GET', `/v1.0-alpha1/jobs/${name}`)).status, 404, name);
  }
});
