import test, { type ExecutionContext } from 'ava';
import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { cronFieldProblem } from '../../../src/timers/schedule/cron-fields.js';
import { JobValidationError } from '../../../src/timers/errors.js';
import { parseSchedule } from '../../../src/timers/schedule/schedule.js';

/** The message of the error parseSchedule throws for `text`, checked for the InvalidInput shape. */
function refusal(t: ExecutionContext, text: string): string {
  const error = t.throws(() => parseSchedule(text), { instanceOf: JobValidationError });
  t.is(error?.field, 'schedule');
  t.is(error?.value, text);
  // The whole grammar stays available in `allowed`, out of the message.
  t.regex(error?.allowed ?? '', /6-field cron.*@every.*bare duration/);
  t.notRegex(error?.message ?? '', /allowed:/);
  return error?.message ?? '';
}

const outOfRange: Array<[string, string]> = [
  ['60 * * * * *', 'second 60 out of range 0-59'],
  ['0 60 * * * *', 'minute 60 out of range 0-59'],
  ['0 0 25 * * *', 'hour 25 out of range 0-23'],
  ['0 0 0 32 * *', 'day of month 32 out of range 1-31'],
  ['0 0 0 0 * *', 'day of month 0 out of range 1-31'],
  ['0 0 0 1 13 *', 'month 13 out of range 1-12 or jan-dec'],
  ['0 0 0 1 0 *', 'month 0 out of range 1-12 or jan-dec'],
  ['0 0 0 * * 8', 'day of week 8 out of range 0-7 or sun-sat'],
];

for (const [text, reason] of outOfRange) {
  test(`cron ${JSON.stringify(text)}: "${reason}"`, (t) => {
    t.is(refusal(t, text), `invalid schedule ${JSON.stringify(text)}: ${reason}`);
  });
}

test('the bad value is found inside ranges, lists and steps, and in the first failing field', (t) => {
  t.regex(refusal(t, '0 0 9-25 * * *'), /: hour 25 out of range 0-23$/);
  t.regex(refusal(t, '0 0 3,99 * * *'), /: hour 99 out of range 0-23$/);
  t.regex(refusal(t, '0 70/5 * * * *'), /: minute 70 out of range 0-59$/);
  t.regex(refusal(t, '0 0 25 32 * *'), /: hour 25 out of range 0-23$/);
  t.regex(refusal(t, 'CRON_TZ=Europe/Berlin 0 0 0 1 13 *'), /: month 13 out of range 1-12 or jan-dec$/);
});

test('other field errors name the field too', (t) => {
  t.regex(refusal(t, '0 0 5-2 * * *'), /: hour range 5-2 runs backwards; range 0-23$/);
  t.regex(
    refusal(t, '0 0 0 * * mon-sun'),
    /: day of week range mon-sun runs backwards \(Sunday ends a range as 7\)/,
  );
  t.regex(refusal(t, '*/0 * * * * *'), /: second step \/0 must be at least 1$/);
  t.regex(refusal(t, '0 0 0 * foo *'), /: month "foo" is not a month: use 1-12 or jan-dec$/);
  t.regex(refusal(t, '0 0 0 * * funday'), /: day of week "funday" is not a day of week: use 0-7 or sun-sat$/);
  t.regex(refusal(t, '0 x * * * *'), /: minute "x" is not a number: use 0-59$/);
  t.regex(refusal(t, '0 0 1-30/x * * *'), /: hour "1-30\/x" is not valid: use 0-23, ranges/);
  t.regex(refusal(t, '0 0 0 1 1 1,,2'), /: day of week "1,,2" has an empty list item$/);
  t.regex(refusal(t, '0 0 0 * * 1#6'), /: day of week occurrence #6 out of range 1-5$/);
  t.regex(refusal(t, '0 0 0 15W * *'), /: day of month "15W" is not valid: use 1-31, ranges/);
  t.regex(refusal(t, '0 0 0 30 2 *'), /: day of month 30 never occurs in month 2$/);
  t.regex(refusal(t, '0 0 0 31 apr,jun *'), /: day of month 31 never occurs in month apr,jun$/);
  t.regex(refusal(t, '* * * * *'), /: 5-field cron is not accepted/);
});

test('what cron-parser accepts passes the field check (special characters included)', (t) => {
  t.is(cronFieldProblem(['0', '0', '0', 'L', '*', '*']), undefined);
  t.is(cronFieldProblem(['0', '0', '0', '?', '*', '5L']), undefined);
  t.is(cronFieldProblem(['0', '0', '0', '*', 'JAN-mar/2', 'sun#2']), undefined);
  t.is(cronFieldProblem(['5/15', '*/100', '0-23/4', '1,15', '*', 'mon-7']), undefined);
  const token = fc.oneof(
    fc.integer({ min: 0, max: 62 }).map(String),
    fc.constantFrom('*', '?', 'L', 'W', 'jan', 'dec', 'sun', 'SAT', 'foo', 'x'),
  );
  const item = fc
    .tuple(token, fc.option(token, { freq: 3 }), fc.option(fc.integer({ min: 0, max: 70 }), { freq: 3 }))
    .chain(([a, b, step]) =>
      fc
        .constantFrom('', 'L', '#2', '#9')
        .map((suffix) => `${a}${b === null ? '' : `-${b}`}${step === null ? '' : `/${step}`}${suffix}`),
    );
  const field = fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
  let refused = 0;
  fc.assert(
    fc.property(fc.array(field, { minLength: 6, maxLength: 6 }), (fields) => {
      const problem = cronFieldProblem(fields);
      if (problem === undefined) return true;
      refused++;
      try {
        CronExpressionParser.parse(fields.join(' '), { tz: 'UTC', currentDate: 0 });
      } catch {
        return true;
      }
      throw new Error(`cron-parser accepts ${fields.join(' ')} but the field check says: ${problem}`);
    }),
    { numRuns: 2_000 },
  );
  t.true(refused > 0);
});
