import test from 'ava';
import fc from 'fast-check';
import {
  exportedJob,
  formatJobLine,
  MAX_JOB_LINE_BYTES,
  parseJobLine,
} from '../../../src/timers/job-export-format.js';
import { JobImportLineError } from '../../../src/timers/job-import-error.js';
import { completeTick, nextFire } from '../../../src/timers/schedule/next-fire.js';
import type { JobProgress, JobRecord } from '../../../src/timers/schedule/job.js';
import { normalizeJob } from '../../../src/timers/schedule/validate-job.js';

const SCOPE = { namespace: 'default', appId: 'tickflow' };
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

/** The ticks a job fires from `progress` on (at most `limit`), as the timer service derives them. */
function ticks(
  record: JobRecord,
  progress: Pick<JobProgress, 'count' | 'lastTick' | 'attempts'> | undefined,
  limit = 50,
): number[] {
  const out: number[] = [];
  let state = progress;
  for (
    let tick = nextFire(record, state);
    tick !== undefined && out.length < limit;
    tick = nextFire(record, state)
  ) {
    out.push(tick);
    state = completeTick(state, tick);
  }
  return out;
}

/** `record` after `fired` ticks, as a stored counter. */
function after(record: JobRecord, fired: number): JobProgress {
  let state: Pick<JobProgress, 'count' | 'lastTick' | 'attempts'> = { count: 0, attempts: 0 };
  for (let i = 0; i < fired; i++) {
    const tick = nextFire(record, state);
    if (tick === undefined) break;
    state = completeTick(state, tick);
  }
  return { jobRevision: 7, ...state };
}

test('an exported and imported job fires exactly the ticks the original had left', (t) => {
  fc.assert(
    fc.property(
      fc.record({
        schedule: fc.constantFrom('@every 7s', '@every 1h30m', '0 */5 * * * *', '15s', undefined),
        dueOffsetMs: fc.option(fc.integer({ min: -3_600_000, max: 3_600_000 }), { nil: undefined }),
        repeats: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
        ttlMs: fc.option(fc.integer({ min: 3_600_000, max: 7_200_000 }), { nil: undefined }),
        fired: fc.integer({ min: 0, max: 14 }),
        createdOffsetMs: fc.integer({ min: 0, max: 999 }),
      }),
      (c) => {
        const createdAt = T0 + c.createdOffsetMs;
        const schedule = c.schedule;
        const dueTime = c.dueOffsetMs === undefined ? undefined : new Date(T0 + c.dueOffsetMs);
        if (schedule === undefined && dueTime === undefined) return;
        const original = normalizeJob(
          'job-1',
          {
            ...(schedule !== undefined && { schedule }),
            ...(dueTime !== undefined && { dueTime }),
            ...(schedule !== undefined && c.repeats !== undefined && { repeats: c.repeats }),
            ...(schedule !== undefined && c.ttlMs !== undefined && { ttl: new Date(T0 + c.ttlMs) }),
            data: { n: 1 },
          },
          createdAt,
        );
        const progress = after(original, c.fired);
        const left = ticks(original, progress);
        const line = exportedJob(SCOPE, original, progress);
        if (left.length === 0) {
          t.is(line, undefined);
          return;
        }
        t.truthy(line);
        const imported = parseJobLine(formatJobLine(line!), 1);
        t.deepEqual(ticks(imported.record, undefined), left);
        t.is(imported.record.expiresAt, original.expiresAt);
        t.deepEqual(imported.record.data, { n: 1 });
        t.deepEqual(imported.record.failurePolicy, original.failurePolicy);
        t.is(line!.fired, progress.count);
      },
    ),
    { numRuns: 300 },
  );
});

test('a line round-trips its scope, target and partition key; overrides retarget it', (t) => {
  const record = normalizeJob(
    'r1',
    { schedule: '@every 1m', target: 'actor-reminder', partitionKey: 'actor-7', failurePolicy: { drop: {} } },
    T0,
  );
  const line = exportedJob({ namespace: 'prod', appId: 'orders' }, record, undefined)!;
  t.like(line, {
    v: 1,
    namespace: 'prod',
    appId: 'orders',
    target: 'actor-reminder',
    partitionKey: 'actor-7',
  });
  const same = parseJobLine(formatJobLine(line), 4);
  t.like(same, { namespace: 'prod', appId: 'orders' });
  t.like(same.record, { target: 'actor-reminder', partitionKey: 'actor-7', failurePolicy: { kind: 'drop' } });
  const moved = parseJobLine(formatJobLine(line), 4, { namespace: 'staging', appId: 'orders-2' });
  t.like(moved, { namespace: 'staging', appId: 'orders-2' });
});

test('bad lines name the line, the field, the value and what is allowed', (t) => {
  const good = {
    v: 1,
    namespace: 'default',
    appId: 'tickflow',
    name: 'j',
    target: 'app',
    dueTime: '2026-03-01T10:00:00.000Z',
    failurePolicy: { drop: {} },
    createdAt: '2026-03-01T09:00:00.000Z',
    fired: 0,
  };
  const refuse = (text: string, line = 9): JobImportLineError => {
    const error = t.throws(() => parseJobLine(text, line), { instanceOf: JobImportLineError });
    return error!;
  };
  t.like(refuse('not json'), { line: 9, field: 'line', allowed: 'one JSON object per line' });
  t.like(refuse('[1]'), { field: 'line' });
  t.like(refuse(JSON.stringify({ ...good, v: 2 })), { field: 'v', value: 2 });
  t.like(refuse(JSON.stringify({ ...good, namespace: 'a/b' })), { field: 'namespace', value: 'a/b' });
  t.like(refuse(JSON.stringify({ ...good, dueTime: '10m' })), { field: 'dueTime', value: '10m' });
  t.like(refuse(JSON.stringify({ ...good, dueTime: undefined })), { field: 'dueTime' });
  t.like(refuse(JSON.stringify({ ...good, createdAt: 'yesterday' })), { field: 'createdAt' });
  t.like(
    refuse(JSON.stringify({ ...good, ttl: '2026-03-01T11:00:00Z' })),
    { field: 'ttl' },
    'ttl without a schedule',
  );
  t.like(refuse(JSON.stringify({ ...good, schedule: 'every day' })), { field: 'schedule' });
  t.like(refuse(JSON.stringify({ ...good, fired: -1 })), { field: 'fired' });
  t.like(refuse(JSON.stringify({ ...good, extra: true })), { field: 'extra' });
  t.like(refuse(JSON.stringify({ ...good, name: 'bad name/' })), { field: 'name' });
  t.like(refuse(JSON.stringify({ ...good, data: 'x'.repeat(1024 * 1024 + 1) })), { field: 'data' });
  t.like(refuse('x'.repeat(MAX_JOB_LINE_BYTES + 1)), {
    field: 'line',
    value: `${MAX_JOB_LINE_BYTES + 1} bytes`,
  });
  t.regex(
    refuse(JSON.stringify({ ...good, dueTime: '10m' }), 3).message,
    /^line 3: invalid dueTime: "10m"; allowed: /,
  );
  t.notThrows(() => parseJobLine(JSON.stringify(good), 1));
});
