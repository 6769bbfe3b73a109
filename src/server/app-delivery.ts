import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import type { JobTrigger, TriggerResult } from '../timers/schedule/job.js';
import { API_TOKEN_HEADER } from './api-token.js';
import type { TimerService } from '../timers/timer-service.js';

/** The timer-service target of jobs scheduled through the HTTP API. */
export const APP_TARGET = 'app';

export type DeliveryOutcome = 'ok' | 'not_found' | 'http_error' | 'refused' | 'network_error' | 'timeout';

export interface AppDeliveryOptions {
  /** Base URL of the app, e.g. `http://127.0.0.1:3000`; triggers go to `{appUrl}/job/{name}`. */
  appUrl: string;
  /** Per-request deadline of a callback. */
  timeoutMs: number;
  onOutcome?: (outcome: DeliveryOutcome, trigger: JobTrigger) => void;
  /** Longest pause between two probes of an app that does not answer. */
  maxProbeIntervalMs?: number;
  /** Where the first failed delivery of each job is reported, with its cause. */
  log?: (line: string) => void;
  /** Sent in the `dapr-api-token` header of every callback, so the app can tell it is us. */
  appApiToken?: string;
  /**
   * PEM of the CA that signed an https app's certificate, when it is not one Node trusts. The
   * callbacks then verify the app against this CA only.
   */
  appCa?: Buffer;
}

/** Jobs whose first failure was logged are remembered up to this many, then forgotten together. */
const LOGGED_JOBS_LIMIT = 10_000;

const FIRST_PROBE_INTERVAL_MS = 100;

/**
 * Delivers job triggers to an HTTP app as `POST {appUrl}/job/{name}` with the job's data as the
 * JSON body. 2xx and 404 count as delivered (404: the app has no handler, so retrying cannot
 * help, as in Dapr); any other status, a reset or a timeout is a failure the job's failure
 * policy retries. A refused connection means the app is not running: the trigger is staged,
 * not failed, and a background probe re-offers staged triggers once the app answers.
 */
export class AppDelivery {
  readonly #base: string;
  readonly #o: AppDeliveryOptions;
  readonly #abort = new AbortController();
  #probing = false;
  #timers: TimerService | undefined;
  #unsubscribe: Array<() => void> = [];
  /** Jobs whose first failed delivery was logged (so a retrying job logs once, not per attempt). */
  readonly #logged = new Set<string>();

  /** The fetch callbacks use: Node's own, or undici's with an agent that trusts `appCa`. */
  readonly #fetch: typeof fetch;

  constructor(options: AppDeliveryOptions) {
    this.#o = options;
    this.#fetch = options.appCa === undefined ? fetch : fetchTrusting(options.appCa);
    this.#base = options.appUrl.replace(/\/+$/, '');
  }

  /** Takes over the `app` target of `timers` and watches its staging queue. */
  attach(timers: TimerService): void {
    this.#timers = timers;
    // A staged trigger waits for a probe; starting it from the event (and not from the handler's
    // result) means the probe can never finish before the trigger is actually in the queue.
    const onStaged = (_name: string, target: string): void => {
      if (target === APP_TARGET) this.#probe();
    };
    timers.on('staged', onStaged);
    this.#unsubscribe.push(() => timers.off('staged', onStaged));
    this.#unsubscribe.push(timers.onTrigger(APP_TARGET, (trigger) => this.deliver(trigger)));
  }

  /** Stops probing and gives the `app` target back; in-flight callbacks finish on their own. */
  stop(): void {
    this.#abort.abort();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  async deliver(trigger: JobTrigger): Promise<TriggerResult> {
    const hasData = trigger.data !== undefined;
    let outcome: DeliveryOutcome;
    let cause = '';
    try {
      const res = await this.#fetch(`${this.#base}/job/${encodeURIComponent(trigger.name)}`, {
        method: 'POST',
        headers: {
          ...(hasData && { 'content-type': 'application/json' }),
          ...this.#tokenHeader(),
        },
        // A redirect would send the job (and the app token) to wherever the answer points.
        redirect: 'manual',
        ...(hasData && { body: JSON.stringify(trigger.data) }),
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
      // Read the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      outcome = res.ok ? 'ok' : res.status === 404 ? 'not_found' : 'http_error';
      cause = `the app answered ${res.status}`;
    } catch (error) {
      outcome = isRefused(error) ? 'refused' : isTimeout(error) ? 'timeout' : 'network_error';
      cause = outcome === 'timeout' ? `no answer within ${this.#o.timeoutMs} ms` : describeFailure(error);
    }
    this.#o.onOutcome?.(outcome, trigger);
    if (outcome === 'http_error' || outcome === 'timeout' || outcome === 'network_error') {
      this.#logFirstFailure(trigger, cause);
    }
    if (outcome === 'ok' || outcome === 'not_found') return 'success';
    return outcome === 'refused' ? 'undeliverable' : 'failed';
  }

  #tokenHeader(): Record<string, string> {
    return this.#o.appApiToken === undefined ? {} : { [API_TOKEN_HEADER]: this.#o.appApiToken };
  }

  #logFirstFailure(trigger: JobTrigger, cause: string): void {
    if (!this.#o.log || this.#logged.has(trigger.name)) return;
    if (this.#logged.size >= LOGGED_JOBS_LIMIT) this.#logged.clear();
    this.#logged.add(trigger.name);
    this.#o.log(
      `warning: job ${JSON.stringify(trigger.name)}: delivery to ${this.#base}/job/... failed ` +
        `(attempt ${trigger.attempt}): ${cause}; its failure policy decides what next ` +
        `(later failures of this job are counted in tickflow_app_deliveries_total, not logged)`,
    );
  }

  /** Polls the app until it answers anything at all, then re-offers the staged triggers. */
  #probe(): void {
    if (this.#probing || this.#abort.signal.aborted) return;
    this.#probing = true;
    void (async () => {
      let interval = FIRST_PROBE_INTERVAL_MS;
      try {
        while (!this.#abort.signal.aborted) {
          if (await this.#answers()) {
            this.#probing = false;
            this.#timers?.retryStaged(APP_TARGET);
            return;
          }
          await sleep(interval, undefined, { signal: this.#abort.signal });
          interval = Math.min(interval * 2, this.#o.maxProbeIntervalMs ?? 2_000);
        }
      } catch {
        // Aborted by stop().
      }
      this.#probing = false;
    })();
  }

  async #answers(): Promise<boolean> {
    try {
      const res = await this.#fetch(`${this.#base}/`, {
        method: 'GET',
        headers: this.#tokenHeader(),
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(1_000), this.#abort.signal]),
      });
      await res.arrayBuffer().catch(() => undefined);
      return true;
    } catch {
      return false;
    }
  }
}

function causeCodes(error: unknown): string[] {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (!cause || typeof cause !== 'object') return [];
  // `localhost` may resolve to several addresses; undici then reports one error per address.
  const nested = (cause as { errors?: unknown }).errors;
  const all = Array.isArray(nested) ? nested : [cause];
  return all.map((e) => String((e as { code?: unknown }).code ?? ''));
}

/**
 * A fetch whose TLS trusts `ca` (Node's global fetch takes no CA; its agent class is not public, so
 * undici's own fetch and Agent are used together).
 */
function fetchTrusting(ca: Buffer): typeof fetch {
  const dispatcher = new Agent({ connect: { ca } });
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    })) as unknown as typeof fetch;
}

/** The error and its cause, in one line: fetch's own message ("fetch failed") says little. */
function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const detail =
    cause instanceof Error ? `${cause.message}${'code' in cause ? ` (${String(cause.code)})` : ''}` : '';
  return detail ? `${message}: ${detail}` : message;
}

function isRefused(error: unknown): boolean {
  const codes = causeCodes(error);
  return codes.length > 0 && codes.every((c) => c === 'ECONNREFUSED');
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
