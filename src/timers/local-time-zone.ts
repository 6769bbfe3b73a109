/**
 * The IANA name of this process's time zone ($TZ, else the system zone), or undefined when it has
 * none: a POSIX `TZ` string such as `CET-1` has no IANA name. A `TZ` that names no zone at all
 * (empty, misspelt) makes Node's own clock run in UTC, as the C library falls back to it, so that
 * is what the process's local time is then, and the answer is 'UTC'.
 *
 * Read here, in the timer service, and handed to the pure schedule code (cron-time-zone.ts), so
 * the schedule grammar stays a function of its arguments and its tests inject any zone.
 */
export function localTimeZone(): string | undefined {
  // $TZ first: Intl would answer ICU's name for it (Asia/Calcutta for TZ=Asia/Kolkata).
  const tz = process.env['TZ']?.replace(/^:/, '');
  if (tz !== undefined && tz !== '' && acceptedByIntl(tz)) return tz;
  const name = new Intl.DateTimeFormat().resolvedOptions().timeZone as string | undefined;
  if (name !== undefined && name !== '' && name !== 'Etc/Unknown') return name;
  const year = new Date().getUTCFullYear();
  const january = new Date(Date.UTC(year, 0, 1)).getTimezoneOffset();
  const july = new Date(Date.UTC(year, 6, 1)).getTimezoneOffset();
  return january === 0 && july === 0 ? 'UTC' : undefined;
}

function acceptedByIntl(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
