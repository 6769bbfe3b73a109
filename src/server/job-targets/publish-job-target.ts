import { checkPayload, DEFAULT_MAX_PAYLOAD_BYTES } from '../../engine/payload-limit.js';
import { JobValidationError } from '../../timers/errors.js';
import type { JsonValue } from '../../timers/schedule/job.js';
import { targetFields, targetString } from './target-fields.js';

/** The timer-service target of jobs that publish a message at their time. */
export const PUBLISH_TARGET = 'publish';

/** At the job's time, publish `data` to `topic` of pub/sub component `pubsubName`. */
export interface PublishJobTarget {
  /** A component given with `--pubsub`. */
  pubsubName: string;
  topic: string;
  /** The message (any JSON), the envelope's `data`; absent for none. */
  data?: JsonValue;
  /** String pairs kept with the job (shown by GET); `cloudevent.id` etc. are not applied. */
  metadata?: Record<string, string>;
}

const MAX_METADATA_ENTRIES = 32;
const MAX_METADATA_CHARS = 256;

/**
 * Checks `target.publish` and gives the job data to store (the target itself). The message is
 * bounded by `maxPayloadBytes` (413 naming `target.publish.data`), as a published message is.
 */
export function publishJobTarget(
  value: unknown,
  maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
): PublishJobTarget {
  const body = targetFields(
    'target.publish',
    value,
    ['pubsubName', 'topic', 'data', 'metadata'],
    ['pubsubName', 'topic'],
  );
  const pubsubName = targetString('target.publish.pubsubName', body['pubsubName'], 64);
  const topic = targetString('target.publish.topic', body['topic'], 256);
  checkPayload('target.publish.data', body['data'], maxPayloadBytes);
  const metadata = checkMetadata(body['metadata']);
  return {
    pubsubName,
    topic,
    ...(body['data'] !== undefined && { data: body['data'] as JsonValue }),
    ...(metadata !== undefined && { metadata }),
  };
}

function checkMetadata(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const allowed = `an object of at most ${MAX_METADATA_ENTRIES} string values of at most ${MAX_METADATA_CHARS} characters`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JobValidationError('target.publish.metadata', value, allowed);
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_ENTRIES)
    throw new JobValidationError('target.publish.metadata', value, allowed);
  for (const [key, v] of entries) {
    if (typeof v !== 'string' || v.length > MAX_METADATA_CHARS || key.length > MAX_METADATA_CHARS) {
      throw new JobValidationError(`target.publish.metadata.${key}`, v, allowed);
    }
  }
  return value as Record<string, string>;
}
