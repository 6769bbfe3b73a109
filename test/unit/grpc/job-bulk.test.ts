import test from 'ava';
import { deleteApiJobsByPrefix, listAllApiJobs, type JobPages } from '../../../src/grpc/job-bulk.js';
import { ApiError } from '../../../src/server/api-error.js';
import type { JobPage, ListPageOptions } from '../../../src/timers/job-listing.js';
import type { JobView } from '../../../src/timers/job-view.js';

/** An in-memory scope of jobs, paged by name as the timer service pages them. */
class Scope implements JobPages {
  readonly jobs = new Map<string, JobView>();
  pagesRead = 0;

  constructor(views: Array<Pick<JobView, 'name' | 'target'>>) {
    for (const v of views) {
      this.jobs.set(v.name, { ...v, dueTime: '1h', failurePolicy: { drop: {} }, createdAt: new Date(0) });
    }
  }

  async listPage(o: ListPageOptions): Promise<JobPage> {
    this.pagesRead++;
    const limit = o.limit ?? 100;
    const names = [...this.jobs.keys()]
      .filter((n) => n.startsWith(o.prefix ?? '') && (o.after === undefined || n > o.after))
      .sort();
    const page = names.slice(0, limit);
    return {
      jobs: page.map((n) => this.jobs.get(n)!),
      ...(names.length > limit && { next: page.at(-1)! }),
    };
  }

  async delete(name: string): Promise<boolean> {
    return this.jobs.delete(name);
  }
}

const mixed = (): Scope =>
  new Scope([
    { name: 'nightly', target: 'app' },
    { name: 'report-1', target: 'publish' },
    { name: 'report-2', target: 'app' },
    { name: 'wf~o-1~wake', target: 'wf-wake' },
    { name: 'actor~Lamp~k~blink', target: 'actor-reminder' },
  ]);

test("the listing has the app's jobs and none of the runtime's reminder-jobs or actor reminders", async (t) => {
  const names = (await listAllApiJobs(mixed())).map((j) => j.name);
  t.deepEqual(names, ['nightly', 'report-1', 'report-2']);
});

test('an empty prefix deletes every job of the app and leaves reminders alone', async (t) => {
  const scope = mixed();
  t.is(await deleteApiJobsByPrefix(scope, ''), 3);
  t.deepEqual([...scope.jobs.keys()].sort(), ['actor~Lamp~k~blink', 'wf~o-1~wake']);
});

test('a prefix deletes only the jobs that have it', async (t) => {
  const scope = mixed();
  t.is(await deleteApiJobsByPrefix(scope, 'report-'), 2);
  t.true(scope.jobs.has('nightly'));
});

test('more than one answer holds is refused, naming the paged HTTP listing', async (t) => {
  const scope = new Scope(Array.from({ length: 10_001 }, (_, i) => ({ name: `j-${i}`, target: 'app' })));
  const error = await t.throwsAsync(listAllApiJobs(scope), { instanceOf: ApiError });
  t.is(error?.status, 413);
  t.regex(error?.message ?? '', /at most 10000 jobs.*GET \/v1\.0-alpha1\/jobs/);
});
