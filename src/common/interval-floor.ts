/**
 * The floor on how often one job or one retry loop may come back: the shortest fixed period
 * (`@every`, bare durations) and retry interval (a job's constant failure policy, a workflow
 * RetryPolicy) accepted. Shorter ones are refused, naming the field, rather than clamped: a
 * clamped `@every 1ns` would quietly run at a pace its caller never asked for.
 *
 * Why 100 ms: without a floor, `@every 1ns` or a `1ns` retry interval fires as fast as etcd
 * commits each tick (about 40 callbacks/s per job seen) and such a job never catches up with its
 * own schedule. 100 ms bounds one job to 10 callbacks/s, well above a tick's commit time, while
 * keeping the sub-second durations Dapr documents for its Jobs API (`500ms`). Cron cannot go below
 * its 1 s seconds field, so the floor is never above 1 s: that also keeps the default retry
 * interval (1 s) and every workflow reminder valid whatever floor is configured.
 */
export const DEFAULT_MIN_INTERVAL_MS = 100;

/** The highest floor that may be configured (see above). */
export const MAX_MIN_INTERVAL_MS = 1_000;

/** "100ms", "1s": how a floor reads in an error message. */
export function formatFloor(ms: number): string {
  return ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}
