import { ApiError } from '../server/api-error.js';
import { jobResponse, type JobResponse } from '../server/job-body.js';
import { isApiJobTarget } from '../server/job-target-body.js';
import { MAX_LIST_PAGE, type JobPage, type ListPageOptions } from '../timers/job-listing.js';
import { GRPC_MAX_MESSAGE_BYTES } from './message-limits.js';

/** What the bulk job calls need of the timer service. */
export interface JobPages {
  listPage(options: ListPageOptions): Promise<JobPage>;
  delete(name: string): Promise<boolean>;
}

/** Jobs read per page while listing or deleting: the timer service's largest page. */
const PAGE = MAX_LIST_PAGE;
/** Room left in the answer for the message's own framing. */
const ANSWER_BYTES = GRPC_MAX_MESSAGE_BYTES - 64 * 1024;

/**
 * Every job of the Jobs API in the scope (`ListJobsAlpha1`, which has no paging): the app's jobs,
 * not the workflow runtime's reminder-jobs or actor reminders sharing the scope. Bounded: at most
 * 10,000 jobs and an answer under the 4 MiB message limit; past either, RESOURCE_EXHAUSTED naming
 * the HTTP API's paged listing, rather than an answer the client would refuse.
 */
export async function listAllApiJobs(pages: JobPages): Promise<JobResponse[]> {
  const jobs: JobResponse[] = [];
  let bytes = 0;
  let after: string | undefined;
  do {
    const page = await pages.listPage({ limit: PAGE, ...(after !== undefined && { after }) });
    for (const view of page.jobs) {
      if (!isApiJobTarget(view.target)) continue;
      const job = jobResponse(view);
      bytes += JSON.stringify(job).length;
      if (jobs.length >= MAX_LIST_PAGE || bytes > ANSWER_BYTES) throw tooMany();
      jobs.push(job);
    }
    after = page.next;
  } while (after !== undefined);
  return jobs;
}

/**
 * Deletes the Jobs API's jobs whose names start with `prefix` (all of them for an empty one:
 * `DeleteJobsByPrefixAlpha1`), page by page, leaving the workflow runtime's reminder-jobs and
 * actor reminders alone. Resolves how many were deleted.
 */
export async function deleteApiJobsByPrefix(pages: JobPages, prefix: string): Promise<number> {
  let deleted = 0;
  let after: string | undefined;
  do {
    const page = await pages.listPage({ prefix, limit: PAGE, ...(after !== undefined && { after }) });
    for (const view of page.jobs) {
      if (isApiJobTarget(view.target) && (await pages.delete(view.name))) deleted++;
    }
    after = page.next;
  } while (after !== undefined);
  return deleted;
}

function tooMany(): ApiError {
  return new ApiError(
    413,
    'ERR_LIST_JOBS',
    `more jobs than one ListJobsAlpha1 answer holds (at most ${MAX_LIST_PAGE} jobs and ` +
      `${GRPC_MAX_MESSAGE_BYTES} bytes): list them page by page with GET /v1.0-alpha1/jobs?prefix=...&limit=...&after=...`,
  );
}
