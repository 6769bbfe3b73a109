/**
 * The process's zone as the timer service reads it for cronTimeZone 'local'. Node re-reads $TZ
 * when it changes, so each case sets it in this worker (ava runs each file in its own process)
 * and puts it back.
 */
import test from 'ava';
import { localTimeZone } from '../../../src/timers/local-time-zone.js';

function withTz<T>(tz: string | undefined, body: () => T): T {
  const before = process.env['TZ'];
  if (tz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = tz;
  try {
    return body();
  } finally {
    if (before === undefined) delete process.env['TZ'];
    else process.env['TZ'] = before;
  }
}

test.serial(
  'an IANA $TZ is the zone, as spelt (Intl would say Asia/Calcutta), with or without a colon',
  (t) => {
    t.is(
      withTz('Asia/Kolkata', () => localTimeZone()),
      'Asia/Kolkata',
    );
    t.is(
      withTz(':Europe/Paris', () => localTimeZone()),
      'Europe/Paris',
    );
  },
);

test.serial('a $TZ naming no zone leaves the process on UTC, and that is the answer', (t) => {
  t.is(
    withTz('', () => localTimeZone()),
    'UTC',
  );
  t.is(
    withTz('Nowhere/Bogus', () => localTimeZone()),
    'UTC',
  );
});

test.serial('a POSIX $TZ with an offset has no IANA name: undefined', (t) => {
  t.is(
    withTz('CET-1', () => localTimeZone()),
    undefined,
  );
});
