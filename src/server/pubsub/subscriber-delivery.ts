import type { CloudEvent } from './cloud-event.js';
import type { SubscriberOutcome } from './pubsub-metrics.js';
import { fetchErrorDetail } from './fetch-error.js';

/** Largest answer body read from a subscriber (only its `status` matters). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** What the delivery came to, and a line for the log. */
export interface SubscriberResult {
  outcome: SubscriberOutcome;
  detail: string;
}

/**
 * POSTs one CloudEvent to a subscriber app's route (`content-type: application/cloudevents+json`)
 * and reads its answer as Dapr does: 2xx with `{"status":"SUCCESS"}` (or no status, or no body)
 * took it, `RETRY` asks for it again later, `DROP` drops it; 404 drops it with a warning (no such
 * route); any other status, an unknown `status`, or no answer in time is retried.
 */
export async function deliverToSubscriber(
  url: string,
  event: CloudEvent,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<SubscriberResult> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return { outcome: 'unreachable', detail: fetchErrorDetail(error) };
  }
  if (response.status === 404) return { outcome: 'not_found', detail: 'the app answered 404' };
  if (response.status < 200 || response.status >= 300) {
    return { outcome: 'app_error', detail: `the app answered ${response.status}` };
  }
  const status = answerStatus(text.length > MAX_ANSWER_BYTES ? '' : text);
  if (status === undefined || status === 'SUCCESS') return { outcome: 'success', detail: 'SUCCESS' };
  if (status === 'RETRY') return { outcome: 'retry', detail: 'the app answered RETRY' };
  if (status === 'DROP') return { outcome: 'drop', detail: 'the app answered DROP' };
  return { outcome: 'app_error', detail: `the app answered an unknown status ${JSON.stringify(status)}` };
}

function answerStatus(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body !== 'object' || body === null) return undefined;
    const status = (body as Record<string, unknown>)['status'];
    return typeof status === 'string' ? status.toUpperCase() : undefined;
  } catch {
    return undefined;
  }
}
