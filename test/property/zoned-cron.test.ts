/**
 * Cron ticks checked against independent references: in UTC against cron-parser's own stepping
 * (which is reliable without DST), and in zones with DST against a brute-force scan that asks Intl
 * for the wall clock of every minute and applies the documented DST rules (skipped times fire
 * shifted by the gap, repeated times once unless the hour field allows every hour).
 */
import test from 'ava';
import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { JobValidationError } from '../../src/timers/errors.js';
import { parseSchedule } from '../../src/timers/schedule/schedule.js';
import { cronText, nowMs } from './arbitraries.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// --- UTC: our stepping against cron-parser's -------------------------------------------------

/** Day fields in the L / # / ? forms cronText does not produce. */
const specialDayOfMonth = fc.constantFrom('L', '15,L', 'L,1', '?', '*/1', '29-31');
const specialDayOfWeek = fc.constantFrom('5L', '1#2', '0#5', '6#1', '?', '7', '0-7', '2L,4', 'sat');

/** UTC cron text: cronText without its zone, sometimes with special day fields. */
const utcCron = fc
  .tuple(cronText, fc.option(specialDayOfMonth, { freq: 3 }), fc.option(specialDayOfWeek, { freq: 3 }))
  .map(([text, dom, dow]) => {
    const fields = text.replace(/^CRON_TZ=\S+\s+/, '').split(/\s+/);
    if (dom !== null) fields[3] = dom;
    if (dow !== null) fields[5] = dow;
    return fields.join(' ');
  });

test('UTC cron: the next three ticks equal cron-parser stepping', (t) => {
  let compared = 0;
  fc.assert(
    fc.property(utcCron, nowMs, (text, now) => {
      try {
        parseSchedule(text);
      } catch (error) {
        if (error instanceof JobValidationError) return true;
        throw error;
      }
      const schedule = parseSchedule(text);
      const theirs = CronExpressionParser.parse(text, { tz: 'UTC', currentDate: now });
      let cursor = now;
      for (let i = 0; i < 3; i++) {
        let expected: number;
        try {
          expected = theirs.next().getTime();
        } catch {
          return true; // cron-parser's loop limit on a sparse expression: nothing to compare
        }
        const ours = schedule.next(cursor, 0);
        if (ours !== expected) {
          throw new Error(
            `${text} after ${new Date(cursor).toISOString()}: ours ${ours === undefined ? 'none' : new Date(ours).toISOString()}, cron-parser ${new Date(expected).toISOString()}`,
          );
        }
        cursor = ours;
      }
      compared++;
      return true;
    }),
    { numRuns: 400 },
  );
  t.true(compared > 150, `only ${compared} expressions were compared`);
});

// --- Zones: our ticks against a minute-by-minute Intl scan ----------------------------------

/** Zones with 1 h, 30 min (Lord_Howe), 45 min offsets (Chatham, Kathmandu), 2 h (Troll), midnight
 * transitions (Santiago), negative DST (Dublin), Ramadan changes (Casablanca) and a skipped day (Apia). */
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'Asia/Tehran',
  'America/St_Johns',
  'America/Santiago',
  'Antarctica/Troll',
  'Europe/Dublin',
  'Africa/Casablanca',
  'Pacific/Apia',
];

interface Field {
  star: boolean;
  values: number[];
}

interface Expression {
  second: Field;
  minute: Field;
  hour: Field;
  dayOfMonth: Field;
  month: Field;
  dayOfWeek: Field;
}

const star = (min: number, max: number): Field => ({
  star: true,
  values: Array.from({ length: max - min + 1 }, (_, i) => min + i),
});
const some = (min: number, max: number, maxLength: number): fc.Arbitrary<Field> =>
  fc
    .uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength })
    .map((values) => ({ star: false, values: values.sort((a, b) => a - b) }));
const stepped = (max: number): fc.Arbitrary<Field> =>
  fc.constantFrom(5, 10, 15, 20, 30).map((step) => ({
    star: false,
    values: Array.from({ length: Math.ceil((max + 1) / step) }, (_, i) => i * step),
  }));

/** Mostly dense expressions, with hours near the night-time hours DST changes happen in. */
const expression: fc.Arbitrary<Expression> = fc.record({
  second: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Field>({ star: false, values: [0] }) },
    some(0, 59, 3),
  ),
  minute: fc.oneof(fc.constant(star(0, 59)), stepped(59), some(0, 59, 4)),
  hour: fc.oneof(some(0, 4, 3), some(0, 23, 4)),
  dayOfMonth: fc.oneof({ weight: 4, arbitrary: fc.constant(star(1, 31)) }, some(1, 31, 8)),
  month: fc.oneof({ weight: 4, arbitrary: fc.constant(star(1, 12)) }, some(1, 12, 6)),
  dayOfWeek: fc.oneof({ weight: 4, arbitrary: fc.constant(star(0, 6)) }, some(0, 6, 4)),
});

function render(e: Expression): string {
  const f = (field: Field): string => (field.star ? '*' : field.values.join(','));
  return [e.second, e.minute, e.hour, e.dayOfMonth, e.month, e.dayOfWeek].map(f).join(' ');
}

interface Wall {
  /** The wall clock as milliseconds on a zone-less calendar (Date.UTC of its fields). */
  ms: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function wallFormat(zone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
  });
}

function wallAt(format: Intl.DateTimeFormat, instant: number): Wall {
  const parts = new Map<string, string>(format.formatToParts(instant).map((p) => [p.type, p.value]));
  const n = (type: string): number => Number(parts.get(type));
  const month = n('month');
  const day = n('day');
  const hour = n('hour');
  const minute = n('minute');
  return {
    ms: Date.UTC(n('year'), month - 1, day, hour, minute),
    month,
    day,
    weekday: WEEKDAYS.indexOf(parts.get('weekday') ?? ''),
    hour,
    minute,
  };
}

/** The fields of a zone-less wall-clock time, from Date's UTC getters. */
function wallOf(ms: number): Wall {
  const d = new Date(ms);
  return {
    ms,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

/** Classic cron day rule: with both day fields restricted, either one may match. */
function matches(e: Expression, w: Wall): boolean {
  const dom = e.dayOfMonth.values.includes(w.day);
  const dow = e.dayOfWeek.values.includes(w.weekday);
  const dayOk =
    e.dayOfMonth.star && e.dayOfWeek.star
      ? true
      : e.dayOfMonth.star
        ? dow
        : e.dayOfWeek.star
          ? dom
          : dom || dow;
  return (
    dayOk &&
    e.month.values.includes(w.month) &&
    e.hour.values.includes(w.hour) &&
    e.minute.values.includes(w.minute)
  );
}

const LOOKBACK = 26 * HOUR;
const HORIZON = 30 * HOUR;

/**
 * Every tick in (start, start + HORIZON], by walking the zone's wall clock minute by minute from
 * LOOKBACK before `start` (offsets change on whole minutes in the years generated).
 */
function referenceTicks(zone: string, e: Expression, start: number): number[] {
  const format = wallFormat(zone);
  const everyHour = e.hour.values.length === 24;
  const end = start + HORIZON;
  const ticks = new Set<number>();
  const fire = (minuteInstant: number): void => {
    for (const s of e.second.values) ticks.add(minuteInstant + s * 1000);
  };
  let previous: Wall | undefined;
  let latestWall = -Infinity;
  for (let m = Math.floor((start - LOOKBACK) / MIN) * MIN; m <= end; m += MIN) {
    const wall = wallAt(format, m);
    if (previous !== undefined && wall.ms > previous.ms + MIN) {
      // Skipped wall-clock minutes fire as if the clock had kept the offset before the jump.
      for (let skipped = previous.ms + MIN; skipped < wall.ms; skipped += MIN) {
        if (matches(e, wallOf(skipped))) fire(m - MIN + (skipped - previous.ms));
      }
    }
    const repeated = wall.ms <= latestWall;
    if (matches(e, wall) && (!repeated || everyHour)) fire(m);
    latestWall = Math.max(latestWall, wall.ms);
    previous = wall;
  }
  return [...ticks].filter((tick) => tick > start && tick <= end).sort((a, b) => a - b);
}

/** Instants (to the minute) at which `zone`'s offset changes in `year`, cached. */
const changes = new Map<string, number[]>();
function offsetChanges(zone: string, year: number): number[] {
  const key = `${zone} ${year}`;
  let found = changes.get(key);
  if (found === undefined) {
    found = [];
    const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    const offset = (instant: number): string =>
      format.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? '';
    let before = offset(Date.UTC(year, 0, 1));
    for (let day = Date.UTC(year, 0, 1) + DAY; day <= Date.UTC(year + 1, 0, 1); day += DAY) {
      const now = offset(day);
      if (now !== before) {
        let lo = day - DAY;
        let hi = day;
        while (hi - lo > MIN) {
          const mid = lo + Math.floor((hi - lo) / 2 / MIN) * MIN;
          if (offset(mid) === before) lo = mid;
          else hi = mid;
        }
        found.push(hi);
      }
      before = now;
    }
    changes.set(key, found);
  }
  return found;
}

/**
 * Start instants within a day or so of an offset change of the zone (or anywhere in the year when
 * it has none); half the time the hour field names the local hours around the change, so skipped
 * and repeated times are hit often.
 */
const zonedCase = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    year: fc.integer({ min: 2008, max: 2027 }),
    pick: fc.nat(),
    // Mostly starts before the change, so the window crosses it; some after, within the lookback.
    within: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: -28 * HOUR, max: 0 }) },
      fc.integer({ min: 0, max: 26 * HOUR }),
    ),
    roundToMinute: fc.boolean(),
    hours: fc.constantFrom('as generated', 'every hour', 'near the change'),
    expression,
  })
  .map(({ zone, year, pick, within, roundToMinute, hours, expression: e }) => {
    const found = offsetChanges(zone, year);
    const change = found.length > 0 ? found[pick % found.length] : undefined;
    const base = change ?? Date.UTC(year, 0, 1) + (pick % 365) * DAY;
    const start = base + within;
    if (hours === 'every hour') e = { ...e, hour: star(0, 23) };
    if (hours === 'near the change' && change !== undefined) {
      const format = wallFormat(zone);
      const near = new Set([-HOUR, -1, 0, HOUR].map((d) => wallAt(format, change + d).hour));
      e = { ...e, hour: { star: false, values: [...near].sort((a, b) => a - b) } };
    }
    return { zone, start: roundToMinute ? Math.floor(start / MIN) * MIN : start, expression: e };
  });

test('CRON_TZ cron near offset changes: every tick in a 30 h window equals a brute-force Intl scan', (t) => {
  let withTicks = 0;
  fc.assert(
    fc.property(zonedCase, ({ zone, start, expression: e }) => {
      const text = `CRON_TZ=${zone} ${render(e)}`;
      const expected = referenceTicks(zone, e, start);
      const schedule = parseSchedule(text);
      const ours: number[] = [];
      for (let cursor = start; ;) {
        const tick = schedule.next(cursor, 0);
        if (tick === undefined) throw new Error(`${text}: no tick after ${new Date(cursor).toISOString()}`);
        if (tick <= cursor) throw new Error(`${text}: tick ${tick} is not after ${cursor}`);
        if (tick > start + HORIZON) break;
        ours.push(tick);
        cursor = tick;
      }
      const iso = (xs: number[]): string[] => xs.map((x) => new Date(x).toISOString());
      if (ours.length !== expected.length || ours.some((tick, i) => tick !== expected[i])) {
        const firstDiff = ours.findIndex((tick, i) => tick !== expected[i]);
        const at = firstDiff === -1 ? Math.min(ours.length, expected.length) : firstDiff;
        throw new Error(
          `${text} from ${new Date(start).toISOString()}: tick #${at} differs; ours ${JSON.stringify(iso(ours.slice(at, at + 3)))}, reference ${JSON.stringify(iso(expected.slice(at, at + 3)))}`,
        );
      }
      if (expected.length > 0) withTicks++;
      return true;
    }),
    { numRuns: Number(process.env['ZONED_RUNS'] ?? 120) },
  );
  t.true(withTicks > 60, `only ${withTicks} of 120 cases had a tick in the window`);
});
