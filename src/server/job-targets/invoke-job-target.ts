import { checkPayload, DEFAULT_MAX_PAYLOAD_BYTES } from '../../engine/payload-limit.js';
import { JobValidationError } from '../../timers/errors.js';
import type { JsonValue } from '../../timers/schedule/job.js';
import { targetFields, targetString } from './target-fields.js';

/** Prefix of the timer-service targets of invocation jobs: `invoke:{appId}`, one per registered app. */
export const INVOKE_TARGET_PREFIX = 'invoke:';

/** The HTTP verbs an invocation may use (Dapr's `httpExtension.verb`). */
export const INVOKE_VERBS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] as const;

/** At the job's time, call `{url of appId}/{method}` with `httpVerb` (default POST) and `data`. */
export interface InvokeJobTarget {
  /** An app registered with `--app id=url`. */
  appId: string;
  /** The method: the path after the app's URL (`orders/cancel`, no leading slash needed). */
  method: string;
  httpVerb?: (typeof INVOKE_VERBS)[number];
  /** The JSON body; absent for none. */
  data?: JsonValue;
}

/** Checks `target.invoke` and gives the job data to store (the target itself). */
export function invokeJobTarget(
  value: unknown,
  maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
): InvokeJobTarget {
  const body = targetFields(
    'target.invoke',
    value,
    ['appId', 'method', 'httpVerb', 'data'],
    ['appId', 'method'],
  );
  const appId = targetString('target.invoke.appId', body['appId'], 64);
  const method = targetString('target.invoke.method', body['method'], 1024).replace(/^\/+/, '');
  // The method is a path below the app's URL: no `..` escaping it, no query or fragment surprises.
  if (
    method === '' ||
    method.split('/').some((part) => part === '..' || part === '.') ||
    /[?#\s]/.test(method)
  ) {
    throw new JobValidationError(
      'target.invoke.method',
      body['method'],
      'a path below the app URL (letters, digits and "/"-separated segments; no "..", "?", "#" or spaces)',
    );
  }
  const verb = body['httpVerb'];
  if (
    verb !== undefined &&
    !(typeof verb === 'string' && (INVOKE_VERBS as readonly string[]).includes(verb.toUpperCase()))
  ) {
    throw new JobValidationError('target.invoke.httpVerb', verb, INVOKE_VERBS.join(', '));
  }
  checkPayload('target.invoke.data', body['data'], maxPayloadBytes);
  return {
    appId,
    method,
    ...(typeof verb === 'string' && { httpVerb: verb.toUpperCase() as InvokeJobTarget['httpVerb'] }),
    ...(body['data'] !== undefined && { data: body['data'] as JsonValue }),
  };
}

/** The timer target of invocations of `appId`. */
export function invokeTarget(appId: string): string {
  return `${INVOKE_TARGET_PREFIX}${appId}`;
}
