/**
 * Progress lines of long CLI work (backup bytes, jobs exported and imported): at most one per
 * `intervalMs`, so a fast stream of chunks does not turn into a flood of lines on a non-terminal.
 */

/**
 * A gate that opens at most once per `intervalMs`, the first time `intervalMs` after it was made:
 * work that is over within a second prints no progress at all.
 */
export function progressThrottle(intervalMs = 1_000, now: () => number = Date.now): () => boolean {
  let last = now();
  return () => {
    const at = now();
    if (at - last < intervalMs) return false;
    last = at;
    return true;
  };
}

/** Bytes for people: `512 B`, `1.5 KiB`, `12.3 MiB`, `4.0 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
}
