import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validateApiJobName } from '../api-job-name.js';
import { ErrorCode } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { checkJobTarget } from '../job-target-checks.js';
import { isApiJobTarget } from '../job-target-body.js';
import {
  JOB_BODY_SCHEMA,
  jobResponse,
  jobSpecFromBody,
  type JobRequestBody,
  type JobResponse,
} from '../job-body.js';
import type { JobView } from '../../timers/job-view.js';
import { MAX_LIST_PAGE } from '../../timers/job-listing.js';

/** Dapr serves the Jobs API under both; clients of either version work unchanged. */
const PREFIXES = ['/v1.0-alpha1/jobs', '/v1.0/jobs'] as const;

interface NameParams {
  name: string;
}

/** A bad name is reported before anything else about the request (it decides the URL's meaning). */
async function checkName(request: FastifyRequest<{ Params: NameParams }>): Promise<void> {
  validateApiJobName(request.params.name);
}

/**
 * `POST|GET|DELETE {prefix}/{name}` (Dapr Jobs API) and `GET {prefix}?prefix=` (a tickflow
 * extension listing the jobs scheduled through this API, used by `tickflow jobs list`).
 */
export function registerJobRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const timers = deps.runtime.timers;
  for (const prefix of PREFIXES) {
    app.post<{ Params: NameParams; Body: JobRequestBody }>(
      `${prefix}/:name`,
      {
        schema: { body: JOB_BODY_SCHEMA },
        config: { errorCode: 'ERR_SCHEDULE_JOB', validationErrorCode: ErrorCode.jobInvalid },
        preValidation: async (request) => {
          await checkName(request);
          // No body at all is an empty job; the validator then says what is missing.
          request.body ??= {};
        },
      },
      async (request, reply) => {
        const spec = jobSpecFromBody(request.body);
        await checkJobTarget(request.params.name, spec, deps);
        await timers.schedule(request.params.name, spec);
        deps.metrics.jobsScheduled.inc();
        return reply.code(204).send();
      },
    );

    app.get<{ Params: NameParams }>(
      `${prefix}/:name`,
      { preValidation: checkName, config: { errorCode: 'ERR_GET_JOB' } },
      async (request) => jobResponse(await timers.get(request.params.name)),
    );

    app.delete<{ Params: NameParams }>(
      `${prefix}/:name`,
      { preValidation: checkName, config: { errorCode: 'ERR_DELETE_JOB' } },
      async (request, reply) => {
        // Deleting a missing job succeeds: the caller's intent (no such job) holds.
        if (await timers.delete(request.params.name)) deps.metrics.jobsDeleted.inc();
        return reply.code(204).send();
      },
    );

    app.get<{ Querystring: { prefix?: string; limit?: string; after?: string } }>(
      prefix,
      {
        schema: {
          querystring: {
            type: 'object',
            properties: {
              prefix: { type: 'string' },
              // Query values are strings (no coercion); listPage checks the range and names the field.
              limit: { type: 'string', pattern: '^[0-9]{1,6}$' },
              after: { type: 'string' },
            },
          },
        },
        config: { errorCode: 'ERR_LIST_JOBS' },
      },
      async (request) => {
        const { prefix: namePrefix = '', limit, after } = request.query;
        // The workflow runtime's reminder-jobs live in the same scope; they are not the API's.
        const appJobs = (views: JobView[]): JobResponse[] =>
          views.filter((v) => isApiJobTarget(v.target)).map(jobResponse);
        // Without `limit`, the largest page: every answer stays bounded (10,000 jobs, 4 MiB of
        // stored records), and `next` says more follow. A page may hold fewer app jobs than
        // `limit` (reminder-jobs are left out).
        const page = await timers.listPage({
          prefix: namePrefix,
          limit: limit !== undefined ? Number(limit) : MAX_LIST_PAGE,
          ...(after !== undefined && { after }),
        });
        return { jobs: appJobs(page.jobs), ...(page.next !== undefined && { next: page.next }) };
      },
    );
  }
}
