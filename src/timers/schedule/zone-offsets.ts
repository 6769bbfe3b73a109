import { MS_PER_DAY, daysFromCivil } from './civil-time.js';

/** The last instant a Date can hold; Intl refuses anything beyond. */
export const MAX_INSTANT = 8.64e15;

/** A stretch of time with one UTC offset: instants [start, end), wall clock = instant + offset. */
export interface OffsetSpan {
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

/** Past this many cached day boundaries a zone's cache starts over (about 270 years' worth). */
const CACHE_LIMIT = 100_000;

/**
 * UTC offsets of one IANA zone, read from Intl and cached by UTC day. Intl answers in about 10 µs
 * per call, so each day boundary is asked once and a day whose two boundaries differ is bisected
 * once, to the second, for its transition.
 *
 * Assumes at most one offset change per UTC day, none that cancels itself out within a day, and
 * transitions on whole seconds — true of every zone in the tz database since offsets were
 * standardised (Pacific/Apia's skipped 2011-12-30 is a single 24-hour change).
 */
export class ZoneOffsets {
  readonly zone: string;
  readonly #format: Intl.DateTimeFormat;
  /** Offset at the start of UTC day k (instant k·MS_PER_DAY). */
  readonly #boundaries = new Map<number, number>();
  /** First instant with the new offset, for each UTC day that has a transition. */
  readonly #transitions = new Map<number, number>();

  constructor(zone: string) {
    this.zone = zone;
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Wall clock minus UTC at `instant`, in milliseconds. */
  offsetAt(instant: number): number {
    const day = Math.floor(instant / MS_PER_DAY);
    const before = this.#boundary(day);
    const after = this.#boundary(day + 1);
    if (before === after) return before;
    return instant < this.#transition(day, before) ? before : after;
  }

  /**
   * The offsets in force over [from, to], in order: one span per offset, the first starting at
   * `from` and the last ending at `to`.
   */
  spans(from: number, to: number): OffsetSpan[] {
    const first = Math.floor(from / MS_PER_DAY);
    const last = Math.floor(to / MS_PER_DAY);
    const spans: OffsetSpan[] = [];
    let start = from;
    let offset = this.offsetAt(from);
    for (let day = first; day <= last; day++) {
      const before = this.#boundary(day);
      const after = this.#boundary(day + 1);
      if (before === after) continue;
      const at = this.#transition(day, before);
      if (at <= from || at > to) continue;
      spans.push({ start, end: at, offset });
      start = at;
      offset = after;
    }
    spans.push({ start, end: to, offset });
    return spans;
  }

  #boundary(day: number): number {
    let offset = this.#boundaries.get(day);
    if (offset === undefined) {
      if (this.#boundaries.size >= CACHE_LIMIT) {
        this.#boundaries.clear();
        this.#transitions.clear();
      }
      offset = this.#read(day * MS_PER_DAY);
      this.#boundaries.set(day, offset);
    }
    return offset;
  }

  /** The first whole second of UTC day `day` whose offset is no longer `before`. */
  #transition(day: number, before: number): number {
    let at = this.#transitions.get(day);
    if (at === undefined) {
      let lo = (day * MS_PER_DAY) / 1000; // offset `before`
      let hi = lo + MS_PER_DAY / 1000; // offset differs
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.#read(mid * 1000) === before) lo = mid;
        else hi = mid;
      }
      at = hi * 1000;
      this.#transitions.set(day, at);
    }
    return at;
  }

  /** Asks Intl for the wall clock at `instant` (clamped to what a Date can hold). */
  #read(instant: number): number {
    const t = Math.min(MAX_INSTANT, Math.max(-MAX_INSTANT, instant));
    const whole = Math.floor(t / 1000) * 1000;
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of this.#format.formatToParts(whole)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        case 'era':
          bc = part.value === 'BC';
          break;
        default:
          break;
      }
    }
    if (bc) year = 1 - year;
    const wall = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
    return wall - whole;
  }
}

/** One cache per canonical zone name, so "europe/berlin" and "Europe/Berlin" share theirs. */
const zones = new Map<string, ZoneOffsets>();
/** The names asked for, so a name is canonicalised (an Intl.DateTimeFormat, ~30 µs) only once. */
const byName = new Map<string, ZoneOffsets>();
const NAME_LIMIT = 1_024;

/** The shared offset cache of `zone` (an IANA name Intl accepts; throws RangeError otherwise). */
export function zoneOffsets(zone: string): ZoneOffsets {
  let offsets = byName.get(zone);
  if (offsets !== undefined) return offsets;
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  offsets = zones.get(canonical);
  if (offsets === undefined) {
    offsets = new ZoneOffsets(canonical);
    zones.set(canonical, offsets);
  }
  // Case variants of a name are endless; the canonical map above is not.
  if (byName.size >= NAME_LIMIT) byName.clear();
  byName.set(zone, offsets);
  return offsets;
}
