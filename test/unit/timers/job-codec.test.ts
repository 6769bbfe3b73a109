/**
 * The stored job record: compact (defaults left out), exact on the round trip, and readable in
 * the full form older versions wrote.
 */
import test from 'ava';
import { decodeProgress, decodeRecord, encodeRecord } from '../../../src/timers/job-codec.js';
import type { JobSpec } from '../../../src/timers/schedule/job.js';
import { normalizeJob } from '../../../src/timers/schedule/validate-job.js';

const NOW = Date.UTC(2026, 0, 1);

const SPECS: Array<[string, JobSpec]> = [
  ['one-shot', { dueTime: '10s' }],
  ['date', { dueTime: new Date(NOW + 5000) }],
  ['cron', { schedule: 'CRON_TZ=Europe/Berlin 0 0 9 * * mon', dueTime: '1m', repeats: 3, ttl: '720h' }],
  ['every', { schedule: '@every 1s', ttl: '2026-02-01T00:00:00Z' }],
  ['data', { dueTime: '1s', data: { a: [1, 'two', null, { b: false }] } }],
  ['null-data', { dueTime: '1s', data: null }],
  ['drop', { dueTime: '1s', failurePolicy: { drop: {} } }],
  ['constant', { dueTime: '1s', failurePolicy: { constant: { interval: '5s' } } }],
  ['explicit-default', { dueTime: '1s', failurePolicy: { constant: { interval: '1s', maxRetries: 3 } } }],
  ['forever', { dueTime: '1s', failurePolicy: { constant: {} } }],
  ['routed', { dueTime: '1s', target: 'wf-timer', partitionKey: 'instance-7' }],
];

for (const [label, spec] of SPECS) {
  test(`round trip: ${label}`, (t) => {
    const record = normalizeJob(`job-${label}`, spec, NOW);
    t.deepEqual(decodeRecord(encodeRecord(record)), record);
  });
}

test('defaults are left out of the stored form', (t) => {
  const stored = JSON.parse(encodeRecord(normalizeJob('j1', { dueTime: '10s' }, NOW))) as Record<
    string,
    unknown
  >;
  t.deepEqual(stored, { name: 'j1', createdAt: NOW, dueAt: NOW + 10_000, original: { dueTime: '10s' } });
});

test('the full form older versions wrote decodes to the same record', (t) => {
  const record = normalizeJob(
    'legacy',
    { schedule: '@every 1m', repeats: 2, failurePolicy: { drop: {} } },
    NOW,
  );
  t.deepEqual(decodeRecord(JSON.stringify(record)), record);
  const plain = normalizeJob('legacy2', { dueTime: '1s', data: 'x' }, NOW);
  t.deepEqual(decodeRecord(JSON.stringify(plain)), plain);
});

test('corrupt values decode to undefined instead of throwing', (t) => {
  for (const value of [
    '',
    'not json',
    'null',
    '[]',
    '42',
    '{"createdAt":1}',
    '{"name":"x"}',
    '{"name":"x","createdAt":1,"target":7}',
    '{"name":"x","createdAt":1,"failurePolicy":{"kind":"drop"}}',
  ]) {
    t.is(decodeRecord(value), undefined, value);
  }
  t.is(decodeProgress('{"count":1}'), undefined);
  t.is(decodeProgress('nope'), undefined);
  t.deepEqual(decodeProgress('{"jobRevision":3,"count":1,"attempts":0,"lastTick":5}'), {
    jobRevision: 3,
    count: 1,
    attempts: 0,
    lastTick: 5,
  });
});
