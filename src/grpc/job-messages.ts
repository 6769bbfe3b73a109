import { parseGoDuration } from '../common/duration.js';
import type { JobRequestBody, JobResponse } from '../server/job-body.js';
import type { FailurePolicySpec } from '../timers/schedule/job.js';
import { anyFromJobData, jobDataFromAny, type ProtoAny } from './job-data.js';

/** `google.protobuf.Duration` as loaded (64-bit seconds as a decimal string). */
export interface ProtoDuration {
  seconds?: string;
  nanos?: number;
}

/** `dapr.proto.common.v1.JobFailurePolicy`; `policy` names the oneof member that is set. */
export interface ProtoFailurePolicy {
  policy?: 'drop' | 'constant';
  drop?: Record<string, never>;
  constant?: { interval?: ProtoDuration; max_retries?: number };
}

/** `dapr.proto.runtime.v1.Job`: the fields tickflow reads and answers. */
export interface ProtoJob {
  name?: string;
  schedule?: string;
  repeats?: number;
  due_time?: string;
  ttl?: string;
  data?: ProtoAny | null;
  failure_policy?: ProtoFailurePolicy | null;
}

export interface ScheduleJobRequest {
  job?: ProtoJob | null;
  overwrite?: boolean;
}

/** `GetJobRequest` and `DeleteJobRequest`. */
export interface JobNameRequest {
  name?: string;
}

/**
 * A gRPC `Job` as the body of `POST /v1.0-alpha1/jobs/{name}`, so both APIs go through one
 * mapping and one validator (job-body.ts, the timer service): the same fields mean the same,
 * the same mistakes get the same messages.
 */
export function jobBodyFromProto(job: ProtoJob, overwrite: boolean | undefined): JobRequestBody {
  const data = jobDataFromAny(job.data);
  return {
    ...(job.schedule !== undefined && { schedule: job.schedule }),
    ...(job.due_time !== undefined && { dueTime: job.due_time }),
    ...(job.repeats !== undefined && { repeats: job.repeats }),
    ...(job.ttl !== undefined && { ttl: job.ttl }),
    ...(data !== undefined && { data }),
    ...(overwrite === true && { overwrite }),
    ...(job.failure_policy != null && { failurePolicy: failurePolicyBody(job.failure_policy) }),
  };
}

/** What `GET` answers, as a gRPC `Job` (progress fields have no place in it and are left out). */
export function protoJobFromResponse(job: JobResponse): ProtoJob {
  const data = anyFromJobData(job.data);
  return {
    name: job.name,
    ...(job.schedule !== undefined && { schedule: job.schedule }),
    ...(job.dueTime !== undefined && { due_time: job.dueTime }),
    ...(job.repeats !== undefined && { repeats: job.repeats }),
    ...(job.ttl !== undefined && { ttl: job.ttl }),
    ...(data !== undefined && { data }),
    failure_policy: protoFailurePolicy(job.failurePolicy),
  };
}

function failurePolicyBody(policy: ProtoFailurePolicy): Record<string, unknown> {
  if (policy.policy === 'drop') return { drop: {} };
  if (policy.policy === 'constant') {
    const { interval, max_retries } = policy.constant ?? {};
    return {
      constant: {
        ...(interval != null && { interval: goDuration(interval) }),
        ...(max_retries !== undefined && { maxRetries: max_retries }),
      },
    };
  }
  // Neither member set: the validator names the field and the allowed forms.
  return {};
}

function protoFailurePolicy(spec: FailurePolicySpec): ProtoFailurePolicy {
  if ('drop' in spec) return { drop: {} };
  const { interval, maxRetries } = spec.constant;
  return {
    constant: {
      ...(interval !== undefined && protoDuration(interval)),
      ...(maxRetries !== undefined && { max_retries: maxRetries }),
    },
  };
}

/** A Duration as a Go duration (`90s`, `1s500000000ns`), which the validator parses exactly. */
function goDuration(duration: ProtoDuration): string {
  const ns = BigInt(duration.seconds ?? '0') * 1_000_000_000n + BigInt(duration.nanos ?? 0);
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  const seconds = abs / 1_000_000_000n;
  const nanos = abs % 1_000_000_000n;
  return `${sign}${seconds}s${nanos === 0n ? '' : `${nanos}ns`}`;
}

/** A stored (validated, so Go syntax) interval as a Duration; nothing if it somehow is not. */
function protoDuration(text: string): { interval: ProtoDuration } | undefined {
  let ns: bigint;
  try {
    ns = parseGoDuration(text);
  } catch {
    return undefined;
  }
  return { interval: { seconds: String(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) } };
}
