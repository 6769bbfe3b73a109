import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ApiDeps } from '../server/api-deps.js';
import { jobResponse, jobSpecFromBody } from '../server/job-body.js';
import { JobValidationError } from '../timers/errors.js';
import { validateApiJobName } from '../server/api-job-name.js';
import type { GrpcService } from './grpc-server.js';
import { toGrpcError } from './grpc-errors.js';
import { deleteApiJobsByPrefix, listAllApiJobs } from './job-bulk.js';
import {
  jobBodyFromProto,
  protoJobFromResponse,
  type JobNameRequest,
  type ProtoJob,
  type ScheduleJobRequest,
} from './job-messages.js';
import { DAPR_SERVICE, type LoadedProtos } from './protos.js';
import { withUnimplemented } from './unimplemented.js';

type Empty = Record<string, never>;

/**
 * `dapr.proto.runtime.v1.Dapr` as tickflow serves it: the Jobs methods (`ScheduleJobAlpha1`,
 * `GetJobAlpha1`, `DeleteJobAlpha1`) with the HTTP Jobs routes' validation, limits and semantics
 * (job-routes.ts); every other method answers UNIMPLEMENTED naming itself. `onServerError` hears
 * of every INTERNAL answer, for the server log.
 */
export function daprService(
  protos: LoadedProtos,
  deps: ApiDeps,
  onServerError: (method: string, error: unknown) => void = () => undefined,
): GrpcService {
  const timers = deps.runtime.timers;
  const definition = protos.service(DAPR_SERVICE);

  const unary =
    <Req, Res>(method: string, fallbackCode: string, handle: (request: Req) => Promise<Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      handle(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => {
          const status = toGrpcError(error, fallbackCode);
          if (status.code === 13) onServerError(method, error);
          callback(status);
        },
      );
    };

  const implementation: UntypedServiceImplementation = {
    ScheduleJobAlpha1: unary<ScheduleJobRequest, Empty>(
      'ScheduleJobAlpha1',
      'ERR_SCHEDULE_JOB',
      async (request) => {
        const job = request.job;
        if (job == null) {
          throw new JobValidationError(
            'job',
            undefined,
            'a Job message',
            'ScheduleJobRequest.job is required',
          );
        }
        // The name first, as the HTTP route does (there it is the URL).
        const name = validateApiJobName(job.name ?? '');
        await timers.schedule(name, jobSpecFromBody(jobBodyFromProto(job, request.overwrite)));
        deps.metrics.jobsScheduled.inc();
        return {};
      },
    ),
    GetJobAlpha1: unary<JobNameRequest, { job: ProtoJob }>('GetJobAlpha1', 'ERR_GET_JOB', async (request) => {
      const name = validateApiJobName(request.name ?? '');
      return { job: protoJobFromResponse(jobResponse(await timers.get(name))) };
    }),
    DeleteJobAlpha1: unary<JobNameRequest, Empty>('DeleteJobAlpha1', 'ERR_DELETE_JOB', async (request) => {
      const name = validateApiJobName(request.name ?? '');
      // Deleting a missing job succeeds, as over HTTP: the caller's intent (no such job) holds.
      if (await timers.delete(name)) deps.metrics.jobsDeleted.inc();
      return {};
    }),
    ListJobsAlpha1: unary<Empty, { jobs: ProtoJob[] }>('ListJobsAlpha1', 'ERR_LIST_JOBS', async () => ({
      jobs: (await listAllApiJobs(timers)).map(protoJobFromResponse),
    })),
    DeleteJobsByPrefixAlpha1: unary<{ name_prefix?: string | null }, Empty>(
      'DeleteJobsByPrefixAlpha1',
      'ERR_DELETE_JOB',
      async (request) => {
        const deleted = await deleteApiJobsByPrefix(timers, request.name_prefix ?? '');
        deps.metrics.jobsDeleted.inc({}, deleted);
        return {};
      },
    ),
  };
  return {
    definition,
    implementation: withUnimplemented(definition, implementation),
    packageDefinition: protos.packageDefinition,
  };
}
