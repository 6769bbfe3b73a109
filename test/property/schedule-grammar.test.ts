/**
 * Hostile input for the schedule grammar: any string either parses or is refused
 * with a JobValidationError naming the field and the value; an accepted schedule's first fire is
 * strictly after "now" and each later tick strictly after the one before.
 */
import test from 'ava';
import fc from 'fast-check';
import {
  addDuration,
  DurationSyntaxError,
  nanosToMs,
  parseDuration as parseAnyDuration,
  parseGoDuration,
} from '../../src/common/duration.js';
import { durationToMs } from '../../src/engine/duration.js';
import { WorkflowArgumentError } from '../../src/engine/errors.js';
import { parseDuration as parseJobDuration } from '../../src/timers/schedule/duration.js';
import { JobValidationError } from '../../src/timers/errors.js';
import { nextFire } from '../../src/timers/schedule/next-fire.js';
import { parseSchedule } from '../../src/timers/schedule/schedule.js';
import { normalizeJob } from '../../src/timers/schedule/validate-job.js';
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

/** Any text: a duration, or a DurationSyntaxError for that text; never another error or a wrong type. */
function parsesOrRefuses(text: string): boolean {
  try {
    const parsed = parseAnyDuration(text);
    return (
      typeof parsed.nanos === 'bigint' && Number.isInteger(parsed.years) && Number.isInteger(parsed.months)
    );
  } catch (error) {
    if (!(error instanceof DurationSyntaxError) || error.text !== text) throw error;
    return true;
  }
}

const isoText = fc
  .tuple(
    fc.constantFrom('P', 'P', 'P', 'R5/P', 'p', ''),
    fc.array(
      fc.tuple(fc.oneof(int32Text(), fc.constantFrom('1.5', '-1', '')), fc.constantFrom(...'YMWDTHMSX')),
      {
        maxLength: 5,
      },
    ),
  )
  .map(([head, parts]) => head + parts.map(([n, u]) => (u === 'T' ? 'T' : n + u)).join(''));

function int32Text(): fc.Arbitrary<string> {
  return fc.integer({ min: 0, max: 2 ** 31 }).map(String);
}

test('duration grammar: any text parses or is refused with a DurationSyntaxError for it', (t) => {
  fc.assert(fc.property(fc.oneof(fc.string(), durationText, isoText), parsesOrRefuses), { numRuns: RUNS });
  t.pass();
});

test('duration grammar: the Jobs API and the workflow API agree with it on every Go duration', (t) => {
  fc.assert(
    fc.property(durationText, (text) => {
      let nanos: bigint | undefined;
      try {
        nanos = parseGoDuration(text);
      } catch (error) {
        if (!(error instanceof DurationSyntaxError)) throw error;
      }
      const job = attempt(() => parseJobDuration(text, 'ttl', { allowNegative: true }), JobValidationError);
      const workflow = attempt(() => durationToMs(text, 'timeout'), WorkflowArgumentError);
      if (nanos === undefined) return job === 'refused' && workflow === 'refused';
      if (job !== nanosToMs(nanos)) return false;
      return nanos < 0n ? workflow === 'refused' : workflow === nanosToMs(nanos);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

function attempt(run: () => number, refusal: new (...args: never[]) => Error): number | 'refused' {
  try {
    return run();
  } catch (error) {
    if (error instanceof refusal) return 'refused';
    throw error;
  }
}

test('duration grammar: PT<h>H<m>M<s>S is <h>h<m>m<s>s, and adding it never lands before the base', (t) => {
  const part = fc.integer({ min: 0, max: 100_000 });
  fc.assert(
    fc.property(part, part, part, nowMs, (h, m, s, now) => {
      const iso = parseAnyDuration(`PT${h}H${m}M${s}S`);
      const go = parseAnyDuration(`${h}h${m}m${s}s`);
      if (iso.nanos !== go.nanos) return false;
      return (
        addDuration(now, iso, 'iso') === now + nanosToMs(go.nanos) && addDuration(now, iso, 'iso') >= now
      );
    }),
    { numRuns: RUNS },
  );
  t.pass();
});
