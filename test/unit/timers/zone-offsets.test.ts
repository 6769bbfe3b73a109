import test from 'ava';
import { MAX_INSTANT, ZoneOffsets, zoneOffsets } from '../../../src/timers/schedule/zone-offsets.js';

const at = (iso: string): number => Date.parse(iso);
const H = 3_600_000;
const M = 60_000;

test('offsets on either side of a transition, to the millisecond', (t) => {
  const berlin = new ZoneOffsets('Europe/Berlin');
  t.is(berlin.offsetAt(at('2026-01-15T12:00:00Z')), H);
  t.is(berlin.offsetAt(at('2026-07-15T12:00:00Z')), 2 * H);
  t.is(berlin.offsetAt(at('2026-03-29T01:00:00Z') - 1), H);
  t.is(berlin.offsetAt(at('2026-03-29T01:00:00Z')), 2 * H);
});

test('30- and 45-minute offsets, and a transition at an odd second (Monrovia 1972)', (t) => {
  t.is(new ZoneOffsets('Australia/Lord_Howe').offsetAt(at('2026-04-04T15:00:00Z')), 10.5 * H);
  t.is(new ZoneOffsets('Australia/Lord_Howe').offsetAt(at('2026-04-04T14:59:59Z')), 11 * H);
  t.is(new ZoneOffsets('Pacific/Chatham').offsetAt(at('2026-06-01T00:00:00Z')), 12 * H + 45 * M);
  const monrovia = new ZoneOffsets('Africa/Monrovia');
  t.is(monrovia.offsetAt(at('1972-01-07T00:44:29Z')), -(44 * M + 30_000));
  t.is(monrovia.offsetAt(at('1972-01-07T00:44:30Z')), 0);
});

test('spans: one per offset over the range, cut at the transitions', (t) => {
  const spans = new ZoneOffsets('Pacific/Apia').spans(at('2011-12-29T00:00:00Z'), at('2011-12-31T00:00:00Z'));
  t.deepEqual(spans, [
    { start: at('2011-12-29T00:00:00Z'), end: at('2011-12-30T10:00:00Z'), offset: -10 * H },
    { start: at('2011-12-30T10:00:00Z'), end: at('2011-12-31T00:00:00Z'), offset: 14 * H },
  ]);
  const quiet = new ZoneOffsets('Europe/Berlin').spans(
    at('2026-06-01T00:00:00Z'),
    at('2026-06-04T00:00:00Z'),
  );
  t.deepEqual(quiet, [{ start: at('2026-06-01T00:00:00Z'), end: at('2026-06-04T00:00:00Z'), offset: 2 * H }]);
  const kathmandu = new ZoneOffsets('Asia/Kathmandu').spans(
    at('1985-12-31T00:00:00Z'),
    at('1986-01-01T00:00:00Z'),
  );
  t.deepEqual(
    kathmandu.map((s) => s.offset),
    [5.5 * H, 5.75 * H],
  );
  t.is(kathmandu[1]?.start, at('1985-12-31T18:30:00Z'));
});

test('instants Intl cannot format are read at the edge of representable time', (t) => {
  const tokyo = new ZoneOffsets('Asia/Tokyo');
  t.is(tokyo.offsetAt(MAX_INSTANT + 5 * 24 * H), 9 * H);
  t.is(tokyo.offsetAt(-MAX_INSTANT - 5 * 24 * H), tokyo.offsetAt(-MAX_INSTANT));
});

test('BC years: local mean time before zones existed', (t) => {
  // Berlin's LMT is +00:53:28.
  t.is(new ZoneOffsets('Europe/Berlin').offsetAt(Date.UTC(-500, 5, 1)), 53 * M + 28_000);
  t.is(new ZoneOffsets('UTC').offsetAt(Date.UTC(-500, 5, 1)), 0);
});

test('one shared cache per canonical zone name', (t) => {
  t.is(zoneOffsets('europe/berlin'), zoneOffsets('Europe/Berlin'));
  t.is(zoneOffsets('Etc/UTC').zone, 'UTC');
  t.throws(() => zoneOffsets('Mars/Olympus'), { instanceOf: RangeError });
});
