import test from 'ava';
import { callbackHeaders, deliveryId, jobCallback } from '../../../../src/server/delivery/job-callback.js';
import type { JobTrigger } from '../../../../src/timers/schedule/job.js';

const tick: JobTrigger = {
  name: 'rapport été/2026',
  namespace: 'default',
  appId: 'tickflow',
  target: 'app',
  data: null,
  scheduledAt: new Date('2026-12-03T10:00:00.000Z'),
  attempt: 1,
  count: 3,
  jobRevision: 7,
};

test('the delivery id is the same for every attempt of a tick, and new for the next tick or incarnation', (t) => {
  const id = deliveryId(tick);
  t.regex(id, /^[0-9a-f]{32}$/);
  t.is(deliveryId({ ...tick }), id);
  t.is(jobCallback({ ...tick, attempt: 4 }).deliveryId, id);
  t.not(deliveryId({ ...tick, scheduledAt: new Date('2026-12-03T10:00:01.000Z') }), id);
  t.not(deliveryId({ ...tick, jobRevision: 8 }), id);
  t.not(deliveryId({ ...tick, appId: 'other' }), id);
  t.not(deliveryId({ ...tick, name: 'other' }), id);
});

test('headers carry the name percent-encoded, the RFC3339 tick, the attempt and the id, ASCII only', (t) => {
  const headers = callbackHeaders(jobCallback({ ...tick, attempt: 2 }));
  t.deepEqual(headers, {
    'tickflow-job-name': 'rapport%20%C3%A9t%C3%A9%2F2026',
    'tickflow-job-scheduled-time': '2026-12-03T10:00:00.000Z',
    'tickflow-job-attempt': '2',
    'tickflow-delivery-id': deliveryId(tick),
  });
  for (const value of Object.values(headers)) t.regex(value, /^[\x21-\x7e]+$/);
});
