/** fast-check generators shared by the property tests: schedules, durations, instants. */
import fc from 'fast-check';

/** Instants from 1971 to 2200, the range jobs are realistically created in. */
export const nowMs = fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2200, 0, 1) });

const int = (min: number, max: number): fc.Arbitrary<string> => fc.integer({ min, max }).map(String);

/**
 * One cron field over [min, max]: mostly well-formed (values, ascending ranges, steps, lists,
 * names), with a small share of out-of-range values and reversed ranges that must be refused.
 */
function cronField(min: number, max: number, names: readonly string[] = []): fc.Arbitrary<string> {
  const value = fc.oneof(
    { weight: 20, arbitrary: int(min, max) },
    { weight: 1, arbitrary: int(max + 1, max + 3) },
    { weight: names.length > 0 ? 6 : 0, arbitrary: fc.constantFrom(...(names.length > 0 ? names : ['x'])) },
  );
  const range = fc
    .tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.nat(19))
    .map(([a, b, flip]) =>
      flip === 0 ? `${Math.max(a, b)}-${Math.min(a, b)}` : `${Math.min(a, b)}-${Math.max(a, b)}`,
    );
  const step = fc
    .tuple(fc.constantFrom('*', String(min)), fc.integer({ min: 1, max: max + 1 }))
    .map(([base, n]) => `${base}/${n}`);
  const list = fc
    .uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 3 })
    .map((xs) => xs.join(','));
  return fc.oneof({ weight: 6, arbitrary: fc.constant('*') }, value, range, step, list);
}

const MONTHS = ['jan', 'FEB', 'mar', 'apr', 'May', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'MON', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** Zones with DST, 30- and 45-minute offsets and shifts, a skipped day (Apia 2011), and one that is not. */
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'Pacific/Apia',
  'Nowhere/Land',
];

/** 6-field cron text (seconds first), sometimes with a CRON_TZ= prefix or odd spacing. */
export const cronText: fc.Arbitrary<string> = fc
  .tuple(
    fc.option(fc.constantFrom(...ZONES), { freq: 4 }),
    cronField(0, 59),
    cronField(0, 59),
    cronField(0, 23),
    cronField(1, 31),
    cronField(1, 12, MONTHS),
    cronField(0, 7, DAYS),
    fc.constantFrom(' ', '  ', '\t'),
  )
  .map(([zone, ...rest]) => {
    const sep = rest.pop() ?? ' ';
    return `${zone === null ? '' : `CRON_TZ=${zone} `}${rest.join(sep)}`;
  });

const UNITS = ['ns', 'us', 'µs', 'ms', 's', 'm', 'h', 'd', 'H', ''];

/** Go-style durations: valid sequences, plus zero, negative, huge, fractional and unit-less ones. */
export const durationText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('', '', '', '-', '+'),
    fc.array(
      fc.tuple(
        fc.oneof(
          int(0, 90),
          fc.constantFrom('0', '0.5', '1.5', '.5', '5.', '1e3', '99999999999999999999', '9007199254740993'),
        ),
        fc.constantFrom(...UNITS),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([sign, parts]) => sign + parts.map(([n, u]) => n + u).join(''));

const TOKENS = [
  '*',
  '/',
  ',',
  '-',
  ' ',
  '?',
  'L',
  'W',
  '#',
  'H',
  '0',
  '1',
  '5',
  '7',
  '12',
  '31',
  '59',
  '60',
  '99',
  'jan',
  'MON',
  '@every',
  '@daily',
  '@hourly',
  '@yearly',
  '@reboot',
  '@',
  'CRON_TZ=',
  'TZ=',
  'Europe/Berlin',
  'h',
  'm',
  's',
  'ms',
  'µs',
  '.',
  '\t',
  '\n',
  '\u0000',
  '1e3',
  '-1',
  '💥',
];

/** Strings assembled from grammar tokens: close enough to valid to reach the deeper checks. */
export const scheduleSoup: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...TOKENS),
  maxLength: 14,
});
