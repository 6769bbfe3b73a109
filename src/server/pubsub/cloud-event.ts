import { randomBytes, randomUUID } from 'node:crypto';
import type { JsonValue } from '../../timers/schedule/job.js';

/**
 * The CloudEvents 1.0 envelope Dapr wraps around a published message, with Dapr's extensions
 * (`topic`, `pubsubname`, `traceid`, `traceparent`, `tracestate`): what a subscriber app receives
 * as the JSON body (`content-type: application/cloudevents+json`).
 */
export interface CloudEvent {
  id: string;
  /** The publishing app's id, as Dapr sets it. */
  source: string;
  /** `com.dapr.event.sent`, Dapr's type for published events. */
  type: string;
  specversion: '1.0';
  datacontenttype: string;
  data?: JsonValue;
  topic: string;
  pubsubname: string;
  /** A W3C traceparent, as Dapr fills `traceid` (the same value as `traceparent`). */
  traceid: string;
  traceparent: string;
  tracestate: string;
  /** When it was published, RFC3339. */
  time: string;
  [extension: string]: JsonValue | undefined;
}

/** Dapr's CloudEvent type for messages published through it. */
export const DAPR_EVENT_TYPE = 'com.dapr.event.sent';

/** What a new envelope is made of. */
export interface CloudEventInput {
  pubsubName: string;
  topic: string;
  /** The publisher: this server's app id. */
  source: string;
  data: JsonValue | undefined;
  /** Default `application/json`. */
  dataContentType?: string;
  /**
   * The envelope's id. A job's tick passes its delivery id, so every publish of one tick carries
   * the same id and subscribers can de-duplicate; otherwise a random UUID, as Dapr makes.
   */
  id?: string;
  time?: Date;
}

/** A new envelope, with a fresh W3C trace context as Dapr starts one for an untraced publish. */
export function cloudEvent(input: CloudEventInput): CloudEvent {
  const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
  return {
    id: input.id ?? randomUUID(),
    source: input.source,
    type: DAPR_EVENT_TYPE,
    specversion: '1.0',
    datacontenttype: input.dataContentType ?? 'application/json',
    ...(input.data !== undefined && { data: input.data }),
    topic: input.topic,
    pubsubname: input.pubsubName,
    traceid: traceparent,
    traceparent,
    tracestate: '',
    time: (input.time ?? new Date()).toISOString(),
  };
}

/** The envelope as read back from a broker, or undefined when the text is not one. */
export function parseCloudEvent(text: string): CloudEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const event = value as Partial<CloudEvent>;
  if (typeof event.id !== 'string' || event.specversion !== '1.0' || typeof event.topic !== 'string') {
    return undefined;
  }
  return event as CloudEvent;
}
