import test from 'ava';
import type { ExecutionContext } from 'ava';
import { JobValidationError } from '../../../src/timers/errors.js';
import { DEFAULT_TARGET } from '../../../src/timers/schedule/job.js';
import type { JobRecord, JobSpec } from '../../../src/timers/schedule/job.js';
import { normalizeJob } from '../../../src/timers/schedule/validate-job.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const S = 1_000;
const H = 3_600_000;

/** Lets tests pass what a JavaScript or HTTP caller could send. */
const loose = (spec: unknown): JobSpec => spec as JobSpec;

function rejects(t: ExecutionContext, name: string, spec: unknown, field: string, message?: RegExp) {
  const error = t.throws(() => normalizeJob(name, loose(spec), NOW), { instanceOf: JobValidationError });
  t.is(error?.field, field, error?.message);
  t.truthy(error?.allowed, 'every error says what is allowed');
  if (message) t.regex(error?.message ?? '', message);
  return error;
}

test('a dueTime-only one-shot gets every default', (t) => {
  const record = normalizeJob('reminder', { dueTime: '10s' }, NOW);
  t.deepEqual(record, {
    name: 'reminder',
    target: DEFAULT_TARGET,
    partitionKey: 'reminder',
    createdAt: NOW,
    dueAt: NOW + 10 * S,
    failurePolicy: { kind: 'constant', intervalMs: S, maxRetries: 3 },
    original: { dueTime: '10s', failurePolicy: { constant: { interval: '1s', maxRetries: 3 } } },
  } satisfies JobRecord);
});

test('a recurring job keeps its schedule, repeats and the caller strings', (t) => {
  const record = normalizeJob('tick', { schedule: '@every 1s', repeats: 2, data: { n: 1 } }, NOW);
  t.is(record.schedule, '@every 1s');
  t.is(record.repeats, 2);
  t.is(record.dueAt, undefined);
  t.is(record.expiresAt, undefined);
  t.deepEqual(record.data, { n: 1 });
  t.deepEqual(record.original, {
    schedule: '@every 1s',
    repeats: 2,
    failurePolicy: { constant: { interval: '1s', maxRetries: 3 } },
  });
});

test('ttl counts from now without a dueTime and from the dueTime with one', (t) => {
  t.is(normalizeJob('a', { schedule: '@every 1s', ttl: '3s' }, NOW).expiresAt, NOW + 3 * S);
  const later = normalizeJob('b', { schedule: '@every 1s', dueTime: '1h', ttl: '3s' }, NOW);
  t.is(later.dueAt, NOW + H);
  t.is(later.expiresAt, NOW + H + 3 * S);
  const absolute = normalizeJob('c', { schedule: '@daily', dueTime: '1h', ttl: '2026-02-01T00:00:00Z' }, NOW);
  t.is(absolute.expiresAt, Date.UTC(2026, 1, 1));
});

test('a Date dueTime is kept as its ISO string for get', (t) => {
  const due = new Date(Date.UTC(2026, 0, 2, 8, 0, 0));
  const record = normalizeJob('d', { dueTime: due }, NOW);
  t.is(record.dueAt, due.getTime());
  t.is(record.original.dueTime, '2026-01-02T08:00:00.000Z');
});

test('a past dueTime is accepted (it fires at once)', (t) => {
  t.is(normalizeJob('p', { dueTime: '2020-01-01T00:00:00Z' }, NOW).dueAt, Date.UTC(2020, 0, 1));
});

test('target and partitionKey are taken when given', (t) => {
  const record = normalizeJob('w', { dueTime: '1s', target: 'workflow', partitionKey: 'instance-7' }, NOW);
  t.is(record.target, 'workflow');
  t.is(record.partitionKey, 'instance-7');
});

test('null means absent for optional fields; data: null is a value', (t) => {
  const record = normalizeJob(
    'n',
    loose({ dueTime: '1s', schedule: null, ttl: null, repeats: null, failurePolicy: null, data: null }),
    NOW,
  );
  t.is(record.schedule, undefined);
  t.is(record.data, null);
  t.true('data' in record);
  t.false('data' in normalizeJob('m', { dueTime: '1s' }, NOW));
});

test('data is copied: mutating the caller object afterwards changes nothing', (t) => {
  const data = { items: [1, { sku: 'a' }], note: 'x' };
  const record = normalizeJob('c', { dueTime: '1s', data }, NOW);
  data.items.push(3);
  data.note = 'changed';
  t.deepEqual(record.data, { items: [1, { sku: 'a' }], note: 'x' });
});

test('a "__proto__" key in data stays a plain key', (t) => {
  const data: unknown = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
  const record = normalizeJob('p', loose({ dueTime: '1s', data }), NOW);
  t.is(JSON.stringify(record.data), '{"__proto__":{"polluted":true},"ok":1}');
  t.is(Object.getPrototypeOf(record.data), Object.prototype);
});

test('a record survives a JSON round trip unchanged (it is stored as JSON)', (t) => {
  const record = normalizeJob(
    'j',
    { schedule: 'CRON_TZ=Europe/Berlin 0 0 9 * * mon', dueTime: '1m', repeats: 3, ttl: '720h' },
    NOW,
  );
  t.deepEqual(JSON.parse(JSON.stringify(record)), record);
});

// --- the field rules of docs/jobs-api.md, each with its field and message ---

test('rule 1: neither schedule nor dueTime', (t) => {
  rejects(t, 'x', {}, 'schedule', /needs a schedule, a dueTime, or both/);
  rejects(t, 'x', { data: 1, repeats: 1 }, 'schedule', /neither/);
});

test('rule 2: repeats > 1 without a schedule', (t) => {
  rejects(t, 'x', { dueTime: '1s', repeats: 2 }, 'repeats', /repeats is 2 but the job has no schedule/);
  t.notThrows(() => normalizeJob('x', { dueTime: '1s', repeats: 1 }, NOW));
});

test('rule 3: repeats must be a positive integer', (t) => {
  for (const repeats of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    rejects(t, 'x', { schedule: '@every 1s', repeats }, 'repeats', /positive integer/);
  }
  rejects(t, 'x', { dueTime: '1s', repeats: 0 }, 'repeats', /positive integer/);
});

test('rule 4: ttl without a schedule', (t) => {
  rejects(t, 'x', { dueTime: '1s', ttl: '1h' }, 'ttl', /ttl needs a schedule/);
});

test('rule 5: dueTime after the ttl expiry', (t) => {
  const error = rejects(
    t,
    'x',
    { schedule: '@every 1s', dueTime: '2026-01-02T00:00:00Z', ttl: '2026-01-01T13:00:00Z' },
    'ttl',
    /expires at 2026-01-01T13:00:00.000Z, before the dueTime 2026-01-02T00:00:00.000Z/,
  );
  t.is(error?.value, '2026-01-01T13:00:00Z');
  t.notThrows(() =>
    normalizeJob(
      'x',
      { schedule: '@every 1s', dueTime: '2026-01-02T00:00:00Z', ttl: '2026-01-02T00:00:00Z' },
      NOW,
    ),
  );
});

test('the rules are checked in the documented order', (t) => {
  rejects(t, 'bad/name', {}, 'name');
  rejects(t, 'x', { repeats: 0, ttl: 'bogus' }, 'schedule', /neither/);
  rejects(t, 'x', { dueTime: 'bogus', repeats: 2, ttl: 'bogus' }, 'repeats', /no schedule/);
  rejects(t, 'x', { dueTime: 'bogus', repeats: 0, ttl: 'bogus' }, 'repeats', /positive integer/);
  rejects(t, 'x', { dueTime: 'bogus', ttl: 'bogus' }, 'ttl', /needs a schedule/);
  rejects(t, 'x', { schedule: 'bogus', dueTime: 'bogus' }, 'schedule');
  rejects(t, 'x', { schedule: '@every 1s', dueTime: 'bogus', ttl: 'bogus' }, 'dueTime');
  rejects(t, 'x', { schedule: '@every 1s', dueTime: '1s', ttl: 'bogus' }, 'ttl');
});

test('format errors of schedule, dueTime and ttl name their field', (t) => {
  rejects(t, 'x', { schedule: '* * * * *' }, 'schedule', /5-field/);
  rejects(t, 'x', { dueTime: 'tomorrow' }, 'dueTime', /neither an RFC3339/);
  rejects(t, 'x', { dueTime: '2026-01-01' }, 'dueTime', /not an RFC3339 date-time/);
  rejects(t, 'x', { dueTime: '-1s' }, 'dueTime', /negative/);
  rejects(t, 'x', { schedule: '@daily', ttl: '-1h' }, 'ttl', /negative/);
  rejects(t, 'x', { dueTime: new Date(Number.NaN) }, 'dueTime', /Invalid Date/);
});

// --- type checks ---

const wrongTypes: [string, unknown, string][] = [
  ['schedule', { schedule: 5 }, 'schedule'],
  ['schedule empty', { schedule: '' }, 'schedule'],
  ['dueTime', { dueTime: 5 }, 'dueTime'],
  ['dueTime object', { dueTime: { at: 1 } }, 'dueTime'],
  ['repeats', { schedule: '@daily', repeats: '2' }, 'repeats'],
  ['ttl', { schedule: '@daily', ttl: true }, 'ttl'],
  ['overwrite', { dueTime: '1s', overwrite: 'yes' }, 'overwrite'],
  ['target', { dueTime: '1s', target: 5 }, 'target'],
  ['target empty', { dueTime: '1s', target: '' }, 'target'],
  ['partitionKey', { dueTime: '1s', partitionKey: {} }, 'partitionKey'],
  ['unknown key', { dueTime: '1s', schedulee: '@daily' }, 'schedulee'],
  ['snake_case key', { dueTime: '1s', failure_policy: { drop: {} } }, 'failure_policy'],
];

for (const [what, spec, field] of wrongTypes) {
  test(`wrong type: ${what}`, (t) => {
    const error = rejects(t, 'x', spec, field);
    t.deepEqual(error?.value, (spec as Record<string, unknown>)[field]);
  });
}

test('the spec itself must be an object', (t) => {
  for (const spec of [null, undefined, 'x', 5, []]) rejects(t, 'x', spec, 'spec');
});

const holey: unknown[] = [1];
holey[2] = 3;

const badData: [string, unknown, string][] = [
  ['undefined inside an object', { a: undefined }, 'data.a'],
  ['a function', () => 1, 'data'],
  ['a symbol', Symbol('s'), 'data'],
  ['a bigint', { big: 1n }, 'data.big'],
  ['NaN', { n: Number.NaN }, 'data.n'],
  ['Infinity', [1, Number.POSITIVE_INFINITY], 'data[1]'],
  ['a Date', { when: new Date(0) }, 'data.when'],
  ['a Map', new Map(), 'data'],
  ['a class instance', new (class Point {})(), 'data'],
  ['a hole in an array', holey, 'data[1]'],
];

for (const [what, data, field] of badData) {
  test(`data must be JSON: ${what}`, (t) => {
    rejects(t, 'x', { dueTime: '1s', data }, field);
  });
}

test('data with a cycle or absurd nesting is rejected, not a stack overflow', (t) => {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle['self'] = cycle;
  rejects(t, 'x', { dueTime: '1s', data: cycle }, 'data.self', /cycle/);
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const error = t.throws(() => normalizeJob('x', loose({ dueTime: '1s', data: deep }), NOW), {
    instanceOf: JobValidationError,
  });
  t.true(error?.field.startsWith('data[0][0]'));
  t.regex(error?.message ?? '', /nested more than/);
  const shared = { s: 1 };
  t.notThrows(
    () => normalizeJob('x', { dueTime: '1s', data: { a: shared, b: shared } }, NOW),
    'shared is not a cycle',
  );
});

// --- failure policies ---

const policies: [string, unknown, JobRecord['failurePolicy'], unknown][] = [
  ['drop', { drop: {} }, { kind: 'drop' }, { drop: {} }],
  [
    'constant with nothing',
    { constant: {} },
    { kind: 'constant', intervalMs: S, maxRetries: undefined },
    { constant: {} },
  ],
  [
    'constant with maxRetries only',
    { constant: { maxRetries: 4 } },
    { kind: 'constant', intervalMs: S, maxRetries: 4 },
    { constant: { maxRetries: 4 } },
  ],
  [
    'constant with interval only',
    { constant: { interval: '5s' } },
    { kind: 'constant', intervalMs: 5 * S, maxRetries: undefined },
    { constant: { interval: '5s' } },
  ],
  [
    'constant, zero retries, immediate',
    { constant: { interval: '0s', maxRetries: 0 } },
    { kind: 'constant', intervalMs: 0, maxRetries: 0 },
    { constant: { interval: '0s', maxRetries: 0 } },
  ],
];

for (const [what, spec, policy, original] of policies) {
  test(`failure policy: ${what}`, (t) => {
    const record = normalizeJob('x', loose({ dueTime: '1s', failurePolicy: spec }), NOW);
    t.deepEqual(record.failurePolicy, policy);
    t.deepEqual(record.original.failurePolicy, original);
    t.not(record.original.failurePolicy, spec, 'original is a copy');
  });
}

const badPolicies: [string, unknown, string][] = [
  ['a string', 'drop', 'failurePolicy'],
  ['an array', [], 'failurePolicy'],
  ['an unknown kind', { exponential: {} }, 'failurePolicy'],
  ['two kinds', { drop: {}, constant: {} }, 'failurePolicy'],
  ['no kind', {}, 'failurePolicy'],
  ['drop with options', { drop: { x: 1 } }, 'failurePolicy.drop'],
  ['drop: true', { drop: true }, 'failurePolicy.drop'],
  ['constant: true', { constant: true }, 'failurePolicy.constant'],
  ['constant with an unknown key', { constant: { retries: 3 } }, 'failurePolicy.constant'],
  ['interval as a number', { constant: { interval: 5 } }, 'failurePolicy.constant.interval'],
  ['a negative interval', { constant: { interval: '-1s' } }, 'failurePolicy.constant.interval'],
  ['an interval without unit', { constant: { interval: '5' } }, 'failurePolicy.constant.interval'],
  ['negative maxRetries', { constant: { maxRetries: -1 } }, 'failurePolicy.constant.maxRetries'],
  ['fractional maxRetries', { constant: { maxRetries: 1.5 } }, 'failurePolicy.constant.maxRetries'],
  ['maxRetries as a string', { constant: { maxRetries: '3' } }, 'failurePolicy.constant.maxRetries'],
];

for (const [what, spec, field] of badPolicies) {
  test(`bad failure policy: ${what}`, (t) => {
    rejects(t, 'x', { dueTime: '1s', failurePolicy: spec }, field);
  });
}
