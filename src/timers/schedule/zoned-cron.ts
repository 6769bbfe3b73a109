import { MS_PER_DAY } from './civil-time.js';
import type { WallClockCron } from './wall-clock-cron.js';
import { MAX_INSTANT } from './zone-offsets.js';
import type { OffsetSpan, ZoneOffsets } from './zone-offsets.js';

/**
 * Cron ticks in a time zone: a wall-clock cron mapped to instants through the zone's UTC offsets.
 *
 * Between offset changes a wall-clock time is one instant. Across a change:
 * - spring-forward gap: a wall-clock time the clock skips fires once, at the instant it would have
 *   had under the offset before the jump (shifted by the gap), so a daily job never loses a day;
 * - fall-back repeat: a wall-clock time the clock shows twice fires at its first occurrence only,
 *   unless the hour field allows every hour — then it fires at both, and steps like "every 30
 *   minutes" keep their real-time spacing through the repeated stretch.
 *
 * The search works on a window of instants: the offset spans from a day before `afterMs` to two days
 * after, one wall-clock search per span. When the window holds no tick it jumps to a day before the
 * next wall-clock match and looks again, so a yearly tick costs a few windows, not a year of steps.
 * Offset changes are assumed to move the clock by less than a day (Pacific/Apia's 24 h jump in
 * 2011 is the largest on record, and is handled).
 */

/** How far back an offset change can still shift a skipped time, or repeat one, past `afterMs`. */
const LOOKBACK = MS_PER_DAY;
/** How far ahead one window looks. */
const WINDOW = 2 * MS_PER_DAY;

/** The first tick of `cron` in `zone` strictly after `afterMs`; undefined when none is left. */
export function nextZonedTick(cron: WallClockCron, zone: ZoneOffsets, afterMs: number): number | undefined {
  let from = afterMs;
  for (;;) {
    const until = Math.min(from + WINDOW, MAX_INSTANT);
    const spans = zone.spans(from - LOOKBACK, until);
    const found = earliestTick(cron, spans, from);
    if (found !== undefined) return found <= MAX_INSTANT ? found : undefined;
    if (until >= MAX_INSTANT) return undefined;
    // Nothing up to `until`: every wall-clock time up to the end of the window went by unmatched.
    const lastOffset = spans[spans.length - 1]?.offset ?? zone.offsetAt(until);
    const wall = cron.next(until + lastOffset - 1);
    if (wall === undefined) return undefined;
    const guess = wall - zone.offsetAt(wall - lastOffset);
    from = Math.max(until, guess - MS_PER_DAY);
  }
}

/**
 * The earliest tick after `from` that falls in one of `spans` or in a gap right after one. A gap's
 * skipped wall-clock times map to instants with the offset before it, so they come out of the
 * same search as the span before the gap, just past its end.
 */
function earliestTick(cron: WallClockCron, spans: readonly OffsetSpan[], from: number): number | undefined {
  let best: number | undefined;
  /** Wall-clock times below this already went by in an earlier span. */
  let passed = -Infinity;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    if (span === undefined || (best !== undefined && span.start >= best)) break;
    const offset = span.offset;
    let low = Math.max(from, span.start - 1) + offset;
    if (!cron.everyHour && passed - 1 > low) low = passed - 1;
    const following = spans[i + 1];
    const wallEnd =
      following !== undefined && following.offset > offset ? span.end + following.offset : span.end + offset;
    const wall = cron.next(low);
    if (wall !== undefined && wall < wallEnd) {
      const tick = wall - offset;
      if (best === undefined || tick < best) best = tick;
    }
    passed = Math.max(passed, wallEnd);
  }
  return best;
}
