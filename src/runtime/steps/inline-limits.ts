/** How far one step may go on with inline activities before it commits what it has. */
export interface InlineActivityLimits {
  /** Rounds of inline activities (one executor step each) per committed step; default 100. */
  maxRounds: number;
  /** JSON bytes of the inputs and outcomes of one committed step's inline activities; default 256 KiB. */
  maxBytes: number;
  /** Milliseconds from the step's start after which no further round starts; default 1,000. */
  maxMs: number;
}

/**
 * The defaults: a step commits at the latest after 100 rounds, 256 KiB of payloads (so that with
 * its other writes it stays well inside etcd's 1.5 MiB request) or a second, so that a crash
 * repeats at most that much work and other deliveries to the instance are not held up for long.
 */
export const DEFAULT_INLINE_LIMITS: InlineActivityLimits = {
  maxRounds: 100,
  maxBytes: 256 * 1024,
  maxMs: 1000,
};

const ALLOWED: Record<keyof InlineActivityLimits, [min: number, max: number]> = {
  maxRounds: [1, 10_000],
  maxBytes: [1, 1024 * 1024],
  maxMs: [1, 60_000],
};

/**
 * The `inlineActivities` option checked field by field against the defaults; `invalid` makes the
 * error for a field, its value and what is allowed.
 */
export function resolveInlineLimits(
  option: Partial<InlineActivityLimits> | undefined,
  invalid: (field: string, value: unknown, allowed: string) => Error,
): InlineActivityLimits {
  const limits = { ...DEFAULT_INLINE_LIMITS };
  if (option === undefined) return limits;
  if (typeof option !== 'object' || option === null) {
    throw invalid('inlineActivities', option, 'an object with maxRounds, maxBytes and/or maxMs');
  }
  for (const [field, value] of Object.entries(option)) {
    const range = ALLOWED[field as keyof InlineActivityLimits] as [number, number] | undefined;
    if (!range) throw invalid(`inlineActivities.${field}`, value, 'one of maxRounds, maxBytes, maxMs');
    if (value === undefined) continue;
    const [min, max] = range;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw invalid(`inlineActivities.${field}`, value, `an integer from ${min} to ${max}`);
    }
    limits[field as keyof InlineActivityLimits] = value;
  }
  return limits;
}
