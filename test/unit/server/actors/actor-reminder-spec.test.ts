import test from 'ava';
import { ActorReminderValidationError } from '../../../../src/server/actors/actor-reminder-errors.js';
import {
  ACTOR_REMINDER_TARGET,
  parseReminderJobName,
  reminderJobName,
  reminderPrefix,
} from '../../../../src/server/actors/actor-reminder-names.js';
import { parsePeriod, reminderJob, remindBody } from '../../../../src/server/actors/actor-reminder-spec.js';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const key = { actorType: 'Lamp', actorId: 'l-1', name: 'blink' };

test('period: Go durations, ISO 8601 durations and repetitions, as Dapr takes them', (t) => {
  t.deepEqual(parsePeriod('10s'), { ms: 10_000, repeats: undefined });
  t.deepEqual(parsePeriod('1h30m'), { ms: 5_400_000, repeats: undefined });
  t.deepEqual(parsePeriod('PT1M30S'), { ms: 90_000, repeats: undefined });
  t.deepEqual(parsePeriod('P1D'), { ms: 86_400_000, repeats: undefined });
  t.deepEqual(parsePeriod('R5/PT10S'), { ms: 10_000, repeats: 5 });
  t.deepEqual(parsePeriod('R/PT10S'), { ms: 10_000, repeats: undefined });
  for (const bad of ['P1M', 'R0/PT1S', 'R2/10s', '0s', '-5s', '5', 'soon', 'PT']) {
    const error = t.throws(() => parsePeriod(bad), { instanceOf: ActorReminderValidationError }, bad);
    t.is(error?.field, 'period');
    t.is(error?.value, bad);
  }
});

test('job names: type and id first (listed by prefix), every part escaped so the name maps back', (t) => {
  const odd = { actorType: 'a~b', actorId: 'x/y%z?#', name: 'n\\m~' };
  const name = reminderJobName(odd);
  t.false(/[/\\#?]/.test(name));
  t.true(name.startsWith(reminderPrefix('a~b', 'x/y%z?#')));
  t.true(name.startsWith(reminderPrefix('a~b')));
  t.deepEqual(parseReminderJobName(name), odd);
  t.is(parseReminderJobName('invoice-42'), undefined);
  // Two types whose names share a prefix do not share a listing prefix.
  t.false(reminderJobName({ ...key, actorType: 'Lamp2' }).startsWith(reminderPrefix('Lamp')));
  const long = t.throws(() => reminderJobName({ ...key, name: 'n'.repeat(300) }), {
    instanceOf: ActorReminderValidationError,
  });
  t.is(long?.field, 'name');
});

test('a reminder is a job of the actor-reminder target: due at once by default, replaced by a new one', (t) => {
  const { name, spec } = reminderJob(key, { data: { on: true } }, NOW);
  t.is(name, 'actor~Lamp~l-1~blink');
  t.like(spec, { target: ACTOR_REMINDER_TARGET, overwrite: true, dueTime: new Date(NOW) });
  t.is(spec.schedule, undefined);
  const periodic = reminderJob(key, { dueTime: '2026-12-03T11:00:00Z', period: 'R3/PT1S', ttl: '1h' }, NOW);
  t.like(periodic.spec, { schedule: '@every 1000ms', repeats: 3, ttl: new Date(NOW + 3_600_000) });
});

test('dueTime: RFC3339, Go or ISO 8601 durations from now, as Dapr takes them', (t) => {
  t.deepEqual(reminderJob(key, { dueTime: 'PT2S' }, NOW).spec.dueTime, new Date(NOW + 2000));
  t.deepEqual(reminderJob(key, { dueTime: '1m30s' }, NOW).spec.dueTime, new Date(NOW + 90_000));
  t.deepEqual(
    reminderJob(key, { dueTime: '2026-12-03T11:00:00+01:00' }, NOW).spec.dueTime,
    new Date('2026-12-03T10:00:00Z'),
  );
  // Kept as sent, for GET and the remind body.
  t.is(reminderJob(key, { dueTime: 'PT2S' }, NOW).reminder.dueTime, 'PT2S');
});

test('ttl: from now, never before dueTime; a one-shot keeps only the check', (t) => {
  const error = t.throws(() => reminderJob(key, { dueTime: '10s', ttl: '5s' }, NOW), {
    instanceOf: ActorReminderValidationError,
  });
  t.is(error?.field, 'ttl');
  t.is(reminderJob(key, { dueTime: '10s', ttl: '1m' }, NOW).spec.ttl, undefined);
  const badDue = t.throws(() => reminderJob(key, { dueTime: 'tomorrow' }, NOW), {
    instanceOf: ActorReminderValidationError,
  });
  t.is(badDue?.field, 'dueTime');
});

test('the remind body is Dapr’s: data, dueTime and period as sent ("" when absent)', (t) => {
  const { reminder } = reminderJob(key, { period: 'PT5S', data: 'x' }, NOW);
  t.deepEqual(remindBody(reminder), { data: 'x', dueTime: '', period: 'PT5S' });
});
