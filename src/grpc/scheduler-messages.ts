import type { JobView } from '../timers/job-view.js';
import type { JobSpec } from '../timers/schedule/job.js';
import { JobValidationError } from '../timers/errors.js';
import { jobResponse, jobSpecFromBody } from '../server/job-body.js';
import { decodeJobData, encodeJobData, type SchedulerAny } from '../scheduler/scheduler-job-data.js';
import { requirePart, triggerTarget, type SchedulerOwner } from '../scheduler/scheduler-keys.js';
import type { SidecarAnnouncement } from '../scheduler/sidecar-hub.js';
import type { ProtoAny } from './job-data.js';
import { jobBodyFromProto, protoJobFromResponse, type ProtoFailurePolicy } from './job-messages.js';

/** `dapr.proto.scheduler.v1.JobTargetMetadata`; `type` names the oneof member that is set. */
export interface ProtoJobTarget {
  type?: 'job' | 'actor';
  job?: Record<string, never> | null;
  actor?: { id?: string; type?: string } | null;
}

/** `dapr.proto.scheduler.v1.JobMetadata`. */
export interface ProtoJobMetadata {
  app_id?: string;
  namespace?: string;
  target?: ProtoJobTarget | null;
}

/** `dapr.proto.scheduler.v1.Job`. */
export interface ProtoSchedulerJob {
  schedule?: string;
  repeats?: number;
  due_time?: string;
  ttl?: string;
  data?: ProtoAny | null;
  failure_policy?: ProtoFailurePolicy | null;
}

/** `ScheduleJobRequest`. */
export interface ScheduleRequest {
  name?: string;
  job?: ProtoSchedulerJob | null;
  metadata?: ProtoJobMetadata | null;
  overwrite?: boolean;
}

/** `GetJobRequest`, `DeleteJobRequest`. */
export interface NamedRequest {
  name?: string;
  metadata?: ProtoJobMetadata | null;
}

/** `WatchJobsRequestInitial`; enums by name, an unknown number as the number. */
export interface ProtoWatchInitial {
  app_id?: string;
  namespace?: string;
  actor_types?: string[];
  accept_job_types?: Array<string | number>;
}

/** `WatchJobsRequest`. */
export interface ProtoWatchRequest {
  watch_job_request_type?: 'initial' | 'result';
  initial?: ProtoWatchInitial | null;
  result?: { id?: string; status?: string | number } | null;
}

/** `WatchJobsResponse`. */
export interface ProtoWatchResponse {
  name: string;
  id: string;
  data?: ProtoAny;
  metadata: ProtoJobMetadata;
}

/** Actor types one `WatchJobs` stream may announce (each is a timer-service handler while it is connected). */
export const MAX_ACTOR_TYPES_PER_STREAM = 1_000;

const TARGET_ALLOWED = 'a JobTargetMetadata with `job` or `actor` set';

/**
 * The owner of a request's job from its metadata. Namespace and app id are required; an actor
 * target needs its type, and its id unless `actorIdOptional` (a listing or delete of a whole
 * actor type). Throws `JobValidationError` naming the field (`metadata.namespace`, ...).
 */
export function ownerFromMetadata(
  metadata: ProtoJobMetadata | null | undefined,
  options: { actorIdOptional?: boolean; appIdOptional?: boolean } = {},
): SchedulerOwner {
  if (metadata == null) {
    throw new JobValidationError('metadata', undefined, 'a JobMetadata with namespace, app_id and target');
  }
  const namespace = requirePart(metadata.namespace, 'metadata.namespace');
  const appId =
    options.appIdOptional === true
      ? (metadata.app_id ?? '')
      : requirePart(metadata.app_id, 'metadata.app_id');
  const target = metadata.target;
  if (target?.type === 'job') return { namespace, appId, target: { kind: 'job' } };
  if (target?.type === 'actor') {
    const type = requirePart(target.actor?.type, 'metadata.target.actor.type');
    const id =
      options.actorIdOptional === true
        ? (target.actor?.id ?? '')
        : requirePart(target.actor?.id, 'metadata.target.actor.id');
    return { namespace, appId, target: { kind: 'actor', type, id } };
  }
  throw new JobValidationError('metadata.target', undefined, TARGET_ALLOWED);
}

/** The metadata a trigger or a listing carries back: what the job was scheduled with. */
export function metadataOfOwner(owner: SchedulerOwner): ProtoJobMetadata {
  return {
    app_id: owner.appId,
    namespace: owner.namespace,
    target:
      owner.target.kind === 'job' ? { job: {} } : { actor: { id: owner.target.id, type: owner.target.type } },
  };
}

/**
 * A Scheduler `Job` as a timer-service spec: the schedule fields go through the Jobs API's
 * mapping and validator (the same grammar, defaults and messages as `POST /v1.0-alpha1/jobs`);
 * the data is the owner and the Any unchanged (`encodeJobData`); the target routes its triggers.
 */
export function specFromSchedulerJob(
  job: ProtoSchedulerJob | null | undefined,
  owner: SchedulerOwner,
  overwrite: boolean | undefined,
): JobSpec {
  if (job == null)
    throw new JobValidationError('job', undefined, 'a Job message with a schedule or a due_time');
  const { data, ...timing } = job;
  const spec = jobSpecFromBody(jobBodyFromProto(timing, overwrite));
  return { ...spec, data: encodeJobData(owner, anyOf(data)), target: triggerTarget(owner) };
}

/** A stored job as a Scheduler `Job`: its original strings, and its data as it was sent. */
export function schedulerJobFromView(view: JobView): ProtoSchedulerJob {
  const decoded = decodeJobData(view.data);
  const {
    data: _value,
    name: _name,
    ...timing
  } = protoJobFromResponse(jobResponse({ ...view, data: undefined }));
  const packed = decoded?.packed;
  return { ...timing, ...(packed !== undefined && { data: protoAny(packed) }) };
}

/** What the first message of a `WatchJobs` stream announces; throws `JobValidationError` naming the field. */
export function announcementFromInitial(initial: ProtoWatchInitial | null | undefined): SidecarAnnouncement {
  if (initial == null) {
    throw new JobValidationError(
      'initial',
      undefined,
      'a WatchJobsRequest with `initial` (app_id, namespace, actor_types) as the first message of the stream',
    );
  }
  const namespace = requirePart(initial.namespace, 'initial.namespace');
  const appId = requirePart(initial.app_id, 'initial.app_id');
  const actorTypes = initial.actor_types ?? [];
  if (actorTypes.length > MAX_ACTOR_TYPES_PER_STREAM) {
    throw new JobValidationError(
      'initial.actor_types',
      `${actorTypes.length} actor types`,
      `at most ${MAX_ACTOR_TYPES_PER_STREAM} actor types`,
    );
  }
  actorTypes.forEach((type, i) => requirePart(type, `initial.actor_types[${i}]`));
  const types = initial.accept_job_types ?? [];
  const seen = new Set<string | number>();
  // Types this proto does not know (a newer sidecar's, as numbers) are not refused: the stream
  // takes the kinds it names that tickflow serves, as an older Dapr scheduler would.
  for (const type of types) {
    if (seen.has(type)) {
      throw new JobValidationError('initial.accept_job_types', type, 'each job type at most once');
    }
    seen.add(type);
  }
  // As in Dapr: an empty list (older sidecars) takes both kinds.
  return {
    namespace,
    appId,
    actorTypes,
    acceptsJobs: types.length === 0 || seen.has('JOB_TARGET_TYPE_JOB'),
    acceptsReminders: types.length === 0 || seen.has('JOB_TARGET_TYPE_ACTOR_REMINDER'),
  };
}

/** The Any a request carried; none when absent or empty (no type URL, no bytes). */
export function anyOf(packed: ProtoAny | null | undefined): SchedulerAny | undefined {
  if (packed == null) return undefined;
  const typeUrl = packed.type_url ?? '';
  const value = packed.value ?? new Uint8Array();
  if (typeUrl === '' && value.length === 0) return undefined;
  return { typeUrl, value };
}

/** An Any for the wire. */
export function protoAny(packed: SchedulerAny): ProtoAny {
  return { type_url: packed.typeUrl, value: Buffer.from(packed.value) };
}
