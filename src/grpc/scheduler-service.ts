import {
  Metadata,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { TickflowError } from '../common/tickflow-error.js';
import { JobAlreadyExistsError, JobNotFoundError, JobValidationError } from '../timers/errors.js';
import type { TimerService } from '../timers/timer-service.js';
import { decodeJobData } from '../scheduler/scheduler-job-data.js';
import {
  escapePart,
  namespacePrefixes,
  ownerPrefix,
  storedJobName,
  userJobName,
} from '../scheduler/scheduler-keys.js';
import { SidecarLimitError, type SidecarHub } from '../scheduler/sidecar-hub.js';
import type { GrpcService } from './grpc-server.js';
import { toGrpcError, type GrpcError } from './grpc-errors.js';
import { GRPC_MAX_MESSAGE_BYTES } from './message-limits.js';
import { SCHEDULER_SERVICE, type LoadedProtos } from './protos.js';
import {
  announcementFromInitial,
  metadataOfOwner,
  ownerFromMetadata,
  schedulerJobFromView,
  specFromSchedulerJob,
  type NamedRequest,
  type ProtoJobMetadata,
  type ProtoSchedulerJob,
  type ProtoWatchRequest,
  type ProtoWatchResponse,
  type ScheduleRequest,
} from './scheduler-messages.js';
import type { SchedulerHosts } from './scheduler-hosts.js';
import { WatchJobsConnection } from './scheduler-stream.js';
import { withUnimplemented } from './unimplemented.js';

type Empty = Record<string, never>;

/** A `ListJobs` answer would not fit one gRPC message (the protocol has no paging). */
export class SchedulerListTooLargeError extends TickflowError {
  override name = 'SchedulerListTooLargeError';
}

/** Options of `schedulerService`. */
export interface SchedulerServiceOptions {
  protos: LoadedProtos;
  /** The scheduler's own timer-service scope (its jobs are stored there). */
  timers: TimerService;
  hub: SidecarHub;
  /** The addresses `WatchHosts` answers: the live replicas', and when they change. */
  hosts: SchedulerHosts;
  /** How long a trigger sent on a `WatchJobs` stream waits for its answer. */
  answerTimeoutMs: number;
  /** An answer matched no trigger in flight on its stream (late, duplicate or unknown id). */
  onUnmatchedAnswer?: (label: string, id: string) => void;
  /** A `WatchJobs` stream was refused (bad first message, too many streams). */
  onRefusedStream?: (error: unknown) => void;
  /** Every INTERNAL answer, and every stream that ended with an error. */
  onServerError?: (method: string, error: unknown) => void;
}

/** The running service: its definition for the server, and `close` to end its streams. */
export interface SchedulerService extends GrpcService {
  /** Ends every `WatchJobs` and `WatchHosts` stream (their unanswered triggers are staged). */
  close(): void;
}

/** Bytes per listed job beside its data: name, metadata, schedule strings, framing. */
const LISTED_JOB_OVERHEAD = 1_024;

/**
 * `dapr.proto.scheduler.v1.Scheduler` as tickflow serves it: daprd sidecars schedule, read, list
 * and delete their jobs and actor reminders, and receive the triggers on `WatchJobs`. Jobs are
 * stored in the scheduler's timer-service scope under names keyed by namespace, app id (or
 * actor type and id) and name (scheduler-keys.ts), with the Jobs API's validation and semantics.
 */
export function schedulerService(o: SchedulerServiceOptions): SchedulerService {
  const definition = o.protos.service(SCHEDULER_SERVICE);
  const timers = o.timers;
  const streams = new Set<{ end(): void }>();

  const fail = (method: string, error: unknown): GrpcError => {
    if (error instanceof SidecarLimitError || error instanceof SchedulerListTooLargeError) {
      return { code: status.RESOURCE_EXHAUSTED, details: error.message, metadata: new Metadata() };
    }
    const grpcError = toGrpcError(error, 'ERR_SCHEDULER');
    if (grpcError.code === status.INTERNAL) o.onServerError?.(method, error);
    return grpcError;
  };

  const unary =
    <Req, Res>(method: string, handle: (request: Req) => Promise<Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      handle(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(fail(method, error)),
      );
    };

  const implementation: UntypedServiceImplementation = {
    ScheduleJob: unary<ScheduleRequest, Empty>('ScheduleJob', async (request) => {
      const owner = ownerFromMetadata(request.metadata);
      const name = storedJobName(owner, request.name ?? '');
      try {
        await timers.schedule(name, specFromSchedulerJob(request.job, owner, request.overwrite));
      } catch (error) {
        if (error instanceof JobAlreadyExistsError) throw new JobAlreadyExistsError(request.name ?? '');
        throw error;
      }
      return {};
    }),
    GetJob: unary<NamedRequest, { job: ProtoSchedulerJob }>('GetJob', async (request) => {
      const owner = ownerFromMetadata(request.metadata);
      const name = storedJobName(owner, request.name ?? '');
      try {
        return { job: schedulerJobFromView(await timers.get(name)) };
      } catch (error) {
        // Named as the sidecar named it, not as it is stored.
        if (error instanceof JobNotFoundError) throw new JobNotFoundError(request.name ?? '');
        throw error;
      }
    }),
    DeleteJob: unary<NamedRequest, Empty>('DeleteJob', async (request) => {
      const owner = ownerFromMetadata(request.metadata);
      // Deleting a missing job succeeds, as in Dapr: the caller's intent (no such job) holds.
      await timers.delete(storedJobName(owner, request.name ?? ''));
      return {};
    }),
    ListJobs: unary<{ metadata?: ProtoJobMetadata | null }, { jobs: unknown[] }>(
      'ListJobs',
      async (request) => {
        const owner = ownerFromMetadata(request.metadata, { actorIdOptional: true });
        return { jobs: await listJobs(timers, ownerPrefix(owner, false)) };
      },
    ),
    DeleteByMetadata: unary<{ metadata?: ProtoJobMetadata | null; id_prefix_match?: boolean }, Empty>(
      'DeleteByMetadata',
      async (request) => {
        const metadata = request.metadata;
        // tickflow's namespace deletion: no target and no app id is every job and reminder of
        // the namespace (what Dapr's scheduler does when a Kubernetes namespace is deleted).
        if (metadata != null && metadata.target == null && (metadata.app_id ?? '') === '') {
          for (const prefix of namespacePrefixes(metadata.namespace ?? '')) await timers.deletePrefix(prefix);
          return {};
        }
        if (metadata != null && metadata.target == null) {
          throw new JobValidationError(
            'metadata.target',
            undefined,
            'a JobMetadata target (job or actor); or no target and an empty app_id, to delete the whole namespace',
          );
        }
        const prefixMatch = request.id_prefix_match === true;
        const owner = ownerFromMetadata(metadata, { actorIdOptional: true, appIdOptional: prefixMatch });
        await timers.deletePrefix(ownerPrefix(owner, prefixMatch));
        return {};
      },
    ),
    DeleteByNamePrefix: unary<{ name_prefix?: string; metadata?: ProtoJobMetadata | null }, Empty>(
      'DeleteByNamePrefix',
      async (request) => {
        const owner = ownerFromMetadata(request.metadata, { actorIdOptional: true });
        const prefix = ownerPrefix(owner, false) + escapePart(request.name_prefix ?? '', 'name_prefix');
        await timers.deletePrefix(prefix);
        return {};
      },
    ),
    WatchHosts: (call: ServerWritableStream<Empty, { hosts: Array<{ address: string }> }>): void => {
      // The live replicas now, and again each time they change, until the stream ends.
      const send = (hosts: string[]): void =>
        void call.write({ hosts: hosts.map((address) => ({ address })) });
      let open = true;
      const done = (): void => {
        if (!open) return;
        open = false;
        o.hosts.off('changed', send);
        streams.delete(stream);
      };
      const stream = {
        end: () => {
          done();
          call.end();
        },
      };
      streams.add(stream);
      o.hosts.on('changed', send);
      call.on('cancelled', done);
      call.on('close', done);
      send(o.hosts.hosts());
    },
    WatchJobs: (call: ServerDuplexStream<ProtoWatchRequest, ProtoWatchResponse>): void => {
      let connection: WatchJobsConnection | undefined;
      let ended = false;
      const end = (error?: GrpcError): void => {
        if (ended) return;
        ended = true;
        streams.delete(stream);
        if (connection) {
          o.hub.remove(connection);
          connection.close();
        }
        if (error) call.emit('error', { ...error, metadata: error.metadata ?? new Metadata() });
        else call.end();
      };
      const stream = { end: () => end() };
      streams.add(stream);
      call.on('data', (request: ProtoWatchRequest) => {
        if (ended) return;
        try {
          if (connection === undefined) {
            const announcement = announcementFromInitial(
              request.watch_job_request_type === 'initial' ? request.initial : undefined,
            );
            const c = new WatchJobsConnection({
              announcement,
              peer: call.getPeer(),
              write: (message) => call.write(message),
              answerTimeoutMs: o.answerTimeoutMs,
            });
            o.hub.add(c);
            connection = c;
            return;
          }
          if (request.watch_job_request_type !== 'result' || request.result == null) {
            throw new JobValidationError(
              'result',
              request.watch_job_request_type ?? undefined,
              'after the initial request, only results (id and status) of the triggers sent on this stream',
            );
          }
          const id = request.result.id ?? '0';
          const answer =
            request.result.status === 'FAILED' || request.result.status === 1 ? 'FAILED' : 'SUCCESS';
          if (!connection.answer(id, answer)) o.onUnmatchedAnswer?.(connection.label, id);
        } catch (error) {
          if (connection === undefined) o.onRefusedStream?.(error);
          end(fail('WatchJobs', error));
        }
      });
      call.on('end', () => end());
      call.on('cancelled', () => end());
      call.on('error', (error) => {
        // Our own emit('error') (a refused stream) comes back here after `end` set `ended`.
        if (ended) return;
        o.onServerError?.('WatchJobs', error);
        end();
      });
    },
  };

  return {
    definition,
    implementation: withUnimplemented(definition, implementation),
    packageDefinition: o.protos.packageDefinition,
    close: () => {
      o.hub.close();
      for (const stream of [...streams]) stream.end();
    },
  };
}

/** Every job under `prefix`, as `NamedJob`s; refused when the answer would pass the message bound. */
async function listJobs(timers: TimerService, prefix: string): Promise<unknown[]> {
  const jobs: unknown[] = [];
  let bytes = 0;
  let after: string | undefined;
  for (;;) {
    const page = await timers.listPage({ prefix, limit: 1_000, ...(after !== undefined && { after }) });
    for (const view of page.jobs) {
      const decoded = decodeJobData(view.data);
      const name = userJobName(view.name);
      if (decoded === undefined || name === undefined) continue;
      bytes += LISTED_JOB_OVERHEAD + (decoded.packed?.value.length ?? 0);
      if (bytes > GRPC_MAX_MESSAGE_BYTES) {
        throw new SchedulerListTooLargeError(
          `the jobs to list hold more than ${GRPC_MAX_MESSAGE_BYTES} bytes, more than one gRPC message ` +
            'may carry (ListJobs has no paging): list one actor id, or delete jobs',
        );
      }
      jobs.push({ name, metadata: metadataOfOwner(decoded.owner), job: schedulerJobFromView(view) });
    }
    if (page.next === undefined) return jobs;
    after = page.next;
  }
}
