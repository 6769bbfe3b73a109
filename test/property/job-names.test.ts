/**
 * Job names from anywhere (HTTP paths, CLI arguments): validation agrees with an independent
 * statement of the rule (docs/jobs-api.md), refusals name the field and value, and every accepted
 * name survives the round trip through the store without colliding with another.
 */
import test from 'ava';
import fc from 'fast-check';
import { FakeClock } from '../../src/common/fake-clock.js';
import { MemoryKv } from '../../src/etcd/memory-kv.js';
import { JobNotFoundError, JobValidationError } from '../../src/timers/errors.js';
import { validateJobName } from '../../src/timers/schedule/job-name.js';
import { TimerService } from '../../src/timers/timer-service.js';

/** The rule as the docs state it, written separately from the implementation. */
function allowedByDesign(name: string): boolean {
  const chars = [...name];
  if (chars.length < 1 || chars.length > 256 || name === '.' || name === '..') return false;
  return chars.every((c) => {
    const code = c.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    // A lone surrogate cannot be encoded as UTF-8, so it could not be stored faithfully.
    const loneSurrogate = c.length === 1 && code >= 0xd800 && code <= 0xdfff;
    return !'/\\#?'.includes(c) && !control && !loneSurrogate;
  });
}

const names = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('a', '.', '/', '\\', '#', '?', '\u0000', '\u007f', '\ud800', '😀', ' '),
    maxLength: 6,
  }),
  fc.nat(300).map((n) => 'x'.repeat(n)),
  fc.nat(300).map((n) => '😀'.repeat(n)),
);

test('validateJobName accepts exactly the names the design allows; refusals name field and value', (t) => {
  fc.assert(
    fc.property(names, (name) => {
      let accepted: boolean;
      try {
        accepted = validateJobName(name) === name;
      } catch (error) {
        if (!(error instanceof JobValidationError)) throw error;
        if (error.field !== 'name' || error.value !== name) throw new Error(`error names ${error.field}`);
        accepted = false;
      }
      return accepted === allowedByDesign(name);
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

test('non-string names are refused with JobValidationError, never a TypeError', (t) => {
  fc.assert(
    fc.property(
      fc.anything().filter((v) => typeof v !== 'string'),
      (value) => {
        try {
          validateJobName(value);
        } catch (error) {
          return error instanceof JobValidationError && error.field === 'name';
        }
        return false;
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

test('accepted names round-trip through the store, distinct names stay distinct jobs', async (t) => {
  const clock = new FakeClock();
  const service = new TimerService({ kv: new MemoryKv({ clock }), clock, partitions: 4 });
  const accepted = names.filter(allowedByDesign);
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(accepted, { minLength: 1, maxLength: 4 }), async (batch) => {
      await service.deletePrefix('');
      for (const [i, name] of batch.entries()) await service.schedule(name, { dueTime: '1h', data: i });
      for (const [i, name] of batch.entries()) {
        const view = await service.get(name);
        if (view.name !== name || view.data !== i) throw new Error(`${JSON.stringify(name)} read back wrong`);
      }
      const listed = (await service.list()).map((v) => v.name).sort();
      if (JSON.stringify(listed) !== JSON.stringify([...batch].sort())) throw new Error('list differs');
      const [first] = batch;
      if (first !== undefined && !(await service.delete(first))) throw new Error('delete missed');
      if (first !== undefined) {
        await service.get(first).then(
          () => {
            throw new Error('deleted job still readable');
          },
          (error: unknown) => {
            if (!(error instanceof JobNotFoundError)) throw error;
          },
        );
      }
    }),
    { numRuns: 150 },
  );
  t.pass();
});
