/**
 * Hostile input for the schedule grammar: any string either parses or is refused
 * with a JobValidationError naming the field and the value; an accepted schedule's first fire is
 * strictly after "now" and each later tick strictly after the one before.
 */
import test from 'ava';
import fc from 'fast-check';
import { JobValidationError } from '../../src/timers/errors.js';
import { nextFire } from '../../src/timers/next-fire.js';
import { parseSchedule } from '../../src/timers/schedule.js';
import { normalizeJob } from '../../src/timers/validate-job.js';
import { cronText, durationText, nowMs, scheduleSoup } from './arbitraries.js';

/** Runs per property: enough to hit edge cases, small enough for a loaded 2-core machine. */
const RUNS = 400;

type Outcome =
  { accepted: true; first: number | undefined; second: number | undefined } | { accepted: false };

/** Parses `text` as a job schedule at `now`; anything but a JobValidationError on `schedule` fails. */
function outcome(text: string, now: number): Outcome {
  try {
    parseSchedule(text);
  } catch (error) {
    if (!(error instanceof JobValidationError)) throw error;
    if (error.field !== 'schedule' || error.value !== text) {
      throw new Error(`error names ${error.field}=${String(error.value)}, not the schedule ${text}`);
    }
    return { accepted: false };
  }
  // The grammar's tick arithmetic holds for any period, so the floor on periods (a separate rule,
  // tested in interval-floor.test.ts) is off here.
  const record = normalizeJob('prop', { schedule: text }, now, { minIntervalMs: 0 });
  const first = nextFire(record, undefined);
  const second = first === undefined ? undefined : nextFire(record, { count: 1, lastTick: first });
  return { accepted: true, first, second };
}

function assertTicks(text: string, now: number): boolean {
  const result = outcome(text, now);
  if (!result.accepted) return true;
  const { first, second } = result;
  // cron-parser rejects impossible dates (Feb 30), so an accepted schedule always has a tick.
  if (first === undefined) throw new Error(`accepted ${JSON.stringify(text)} but it never fires`);
  if (!(first > now)) throw new Error(`first fire ${first} is not after now ${now}`);
  if (second !== undefined && !(second > first)) throw new Error(`tick ${second} does not follow ${first}`);
  if (!Number.isSafeInteger(first)) throw new Error(`first fire ${first} is not an integer instant`);
  return true;
}

test('random strings: parsed or refused with JobValidationError(schedule, text), never another error', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), scheduleSoup), nowMs, assertTicks),
    { numRuns: RUNS },
  );
  t.pass();
});

test('generated 6-field cron: accepted ones first fire strictly after now, then move forward', (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(cronText, nowMs, (text, now) => {
      if (outcome(text, now).accepted) accepted++;
      return assertTicks(text, now);
    }),
    { numRuns: RUNS },
  );
  // The generator is meant to produce mostly valid cron; if it stops doing so the test is hollow.
  t.true(accepted > RUNS / 2, `${accepted} of ${RUNS} generated cron expressions were accepted`);
});

test('bare durations and @every: accepted ones fire strictly after now and advance (so no zero period)', (t) => {
  fc.assert(
    fc.property(durationText, fc.boolean(), nowMs, (duration, every, now) =>
      assertTicks(every ? `@every ${duration}` : duration, now),
    ),
    { numRuns: RUNS },
  );
  t.pass();
});

test('any job spec shape is either a valid record or a JobValidationError naming a spec field', (t) => {
  const fields = ['name', 'schedule', 'dueTime', 'repeats', 'ttl', 'data', 'overwrite', 'failurePolicy'];
  const spec = fc.dictionary(
    fc.constantFrom(...fields, 'target', 'partitionKey', 'bogus', '__proto__'),
    fc.oneof(
      fc.anything(),
      scheduleSoup,
      durationText,
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
    { maxKeys: 5 },
  );
  fc.assert(
    fc.property(fc.string(), spec, nowMs, (name, raw, now) => {
      try {
        normalizeJob(name, raw as never, now);
      } catch (error) {
        if (!(error instanceof JobValidationError)) throw error;
        // Unknown keys are reported under their own name; nested data under a path like data.a[0].
        const root = error.field.split(/[.[]/)[0] ?? '';
        if (![...fields, 'target', 'partitionKey', 'spec', ...Object.keys(raw)].includes(root)) {
          throw new Error(`error names unknown field ${error.field}`);
        }
      }
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

// Found by the properties above with CRON_TZ=Australia/Lord_Howe: around that zone's 30-minute DST
// fall-back, cron-parser ran into its loop limit and next() returned undefined, which nextFire() read
// as "no tick left", so the timer service deleted the job. Zoned cron is computed by zoned-cron.ts now.
test('CRON_TZ=Australia/Lord_Howe: a daily April schedule still has a next fire on the fall-back day', (t) => {
  const text = 'CRON_TZ=Australia/Lord_Howe 0 0 15 * 4 *';
  const now = Date.parse('2026-04-04T06:00:00Z');
  const record = normalizeJob('lord-howe', { schedule: text }, now);
  t.is(nextFire(record, undefined), Date.parse('2026-04-05T04:30:00Z'));
});
