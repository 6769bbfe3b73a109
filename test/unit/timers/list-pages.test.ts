/**
 * listPage merges the partitions' key ranges into one name order (etcd's: by code point) and pages
 * through it; list() is every page. Checked on MemoryKv against a plain sort of the names.
 */
import fc from 'fast-check';
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { compareKeys } from '../../../src/etcd/key-order.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { JobValidationError } from '../../../src/timers/errors.js';
import { TimerService } from '../../../src/timers/timer-service.js';

// Letters, a digit, a character above the surrogates (U+E000) and an astral one (a surrogate
// pair): JS's `<` puts the astral one first, etcd's byte order last.
const NAME_CHARS = ['a', 'b', 'B', '0', '-', '\uE000', '😀'];
const name = fc
  .array(fc.constantFrom(...NAME_CHARS), { minLength: 1, maxLength: 6 })
  .map((chars) => chars.join(''));

test('pages of any size, with any prefix, concatenate to the names in code-point order', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      // Most jobs share one partition key, so one partition holds most of a page and its cursor
      // must be refilled during the merge.
      fc.uniqueArray(fc.tuple(name, fc.constantFrom('hot', 'hot', 'hot', undefined)), {
        minLength: 20,
        maxLength: 150,
        size: 'large',
        selector: ([n]) => n,
      }),
      fc.integer({ min: 1, max: 25 }),
      fc.constantFrom('', 'a', 'b', '😀'),
      async (jobs, limit, prefix) => {
        const names = jobs.map(([n]) => n);
        const clock = new FakeClock(Date.UTC(2026, 0, 1));
        const service = new TimerService({ kv: new MemoryKv({ clock }), clock, partitions: 3 });
        for (const [n, partitionKey] of jobs) {
          await service.schedule(n, { dueTime: '1h', ...(partitionKey !== undefined && { partitionKey }) });
        }
        const expected = names.filter((n) => n.startsWith(prefix)).sort(compareKeys);
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 0; ; pages++) {
          const page = await service.listPage({ prefix, limit, ...(after !== undefined && { after }) });
          if (page.jobs.length > limit) throw new Error(`page of ${page.jobs.length} > ${limit}`);
          seen.push(...page.jobs.map((j) => j.name));
          if (page.next === undefined) break;
          if (page.next !== seen[seen.length - 1]) throw new Error('next is not the last name of the page');
          after = page.next;
          if (pages > names.length) throw new Error('paging does not end');
        }
        t.deepEqual(seen, expected);
        t.deepEqual(
          (await service.list({ prefix })).map((j) => j.name),
          expected,
        );
      },
    ),
    { numRuns: 60 },
  );
});

test('a page shows each job with its count and next fire time; bad paging input is refused', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const service = new TimerService({ kv: new MemoryKv({ clock }), clock, partitions: 3 });
  await service.schedule('j1', { dueTime: '1h' });
  const { jobs, next } = await service.listPage({ limit: 5 });
  t.is(next, undefined);
  t.is(jobs[0]?.count, 0);
  t.is(jobs[0]?.nextFireAt?.getTime(), clock.now() + 3_600_000);
  for (const limit of [0, 10_001, 1.5, Number.NaN]) {
    const error = await t.throwsAsync(service.listPage({ limit }), { instanceOf: JobValidationError });
    t.is(error?.field, 'limit');
  }
  const error = await t.throwsAsync(service.listPage({ after: 7 as unknown as string }), {
    instanceOf: JobValidationError,
  });
  t.is(error?.field, 'after');
});
