import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { API_TOKEN_HEADER } from '../api-token.js';
import type { DeliveryTransport, TransportResult } from './delivery-transport.js';
import { callbackHeaders, type JobCallback } from './job-callback.js';

/** Options of `HttpTransport`. */
export interface HttpTransportOptions {
  /** Base URL of the instance (`http://127.0.0.1:3000`); callbacks go to `{appUrl}/job/{name}`. */
  appUrl: string;
  /** Sent in `dapr-api-token` with every callback and probe. */
  appApiToken?: string;
  /** PEM CA that signed an https app's certificate; when given, the only CA trusted. */
  appCa?: Buffer;
  /** How host names are resolved (default: `dns.lookup`); tests pass one that fails. */
  lookup?: LookupFunction;
}

/** How long a probe waits for any answer. */
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Job callbacks over HTTP: `POST {appUrl}/job/{name}` with the data as the JSON body and the
 * callback's facts as headers. Built on node:http rather than fetch because the delivery policy
 * needs to know whether the request was written before a deadline or an error struck (a
 * connect timeout stages, a slow answer fails), which fetch does not tell.
 */
export class HttpTransport implements DeliveryTransport {
  readonly instance: string;
  readonly target: string;
  readonly #url: URL;
  readonly #basePath: string;
  readonly #agent: http.Agent;
  readonly #token: Record<string, string>;
  readonly #lookup: LookupFunction | undefined;

  constructor(options: HttpTransportOptions) {
    this.instance = options.appUrl.replace(/\/+$/, '');
    this.target = `${this.instance}/job/...`;
    this.#url = new URL(this.instance);
    this.#basePath = this.#url.pathname.replace(/\/+$/, '');
    // Keep-alive: one connection serves many callbacks. Its socket count is bounded by the timer
    // service's in-flight cap, which bounds concurrent callbacks.
    this.#agent =
      this.#url.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ...(options.appCa !== undefined && { ca: options.appCa }) })
        : new http.Agent({ keepAlive: true });
    this.#lookup = options.lookup;
    this.#token = options.appApiToken === undefined ? {} : { [API_TOKEN_HEADER]: options.appApiToken };
  }

  send(callback: JobCallback, timeoutMs: number): Promise<TransportResult> {
    const body = callback.data === undefined ? undefined : Buffer.from(JSON.stringify(callback.data));
    const path = `${this.#basePath}${callback.request?.path ?? `/job/${encodeURIComponent(callback.name)}`}`;
    const method = callback.request?.method ?? 'POST';
    const headers = {
      ...callbackHeaders(callback),
      ...(body !== undefined && {
        'content-type': 'application/json',
        'content-length': String(body.length),
      }),
      ...(body === undefined && { 'content-length': '0' }),
    };
    return new Promise((resolve) => {
      let written = false;
      let settled = false;
      let request: http.ClientRequest;
      const finish = (result: TransportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      // One deadline for the whole attempt; what it means depends on how far the request got.
      const timer = setTimeout(() => {
        finish(
          written
            ? { kind: 'timeout', detail: `no answer within ${timeoutMs} ms` }
            : { kind: 'unreachable', refused: false, detail: `could not connect within ${timeoutMs} ms` },
        );
        request.destroy();
      }, timeoutMs);
      const send = (retryOnStaleSocket: boolean): void => {
        written = false;
        request = this.#request(method, path, headers);
        request.on('error', (error) => {
          // A kept-alive connection the app closed while idle fails on reuse before any answer.
          // That says nothing about the app, so the request goes once more on a new connection.
          if (retryOnStaleSocket && request.reusedSocket && !settled) send(false);
          else finish(unreachable(error));
        });
        request.on('response', (response) => {
          // Drained, not kept: the body is not used, and reading it frees the connection for reuse.
          response.resume();
          const status = response.statusCode ?? 0;
          const detail = `the app answered ${status}`;
          if (status >= 200 && status < 300) finish({ kind: 'ok', detail });
          else if (status === 404) finish({ kind: 'not_found', detail });
          // A redirect is an error too: following it would send the job (and the token) elsewhere.
          else finish({ kind: 'app_error', detail });
        });
        request.end(body, () => (written = true));
      };
      send(true);
    });
  }

  probe(signal: AbortSignal): Promise<string | undefined> {
    return new Promise((resolve) => {
      const request = this.#request('GET', `${this.#basePath}/`, {});
      const timer = setTimeout(() => {
        resolve(`no answer within ${PROBE_TIMEOUT_MS} ms`);
        request.destroy();
      }, PROBE_TIMEOUT_MS);
      const onAbort = (): void => void request.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (why: string | undefined): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(why);
      };
      request.on('error', (error) => done(describe(error)));
      request.on('response', (response) => {
        response.resume();
        done(undefined);
      });
      request.end();
    });
  }

  /**
   * `GET {appUrl}{path}` and its JSON answer (for `/dapr/config`): `status` 0 when the app was
   * not reached or answered no JSON in time, else the status and the body parsed (undefined when
   * it is not JSON). A body over `maxBytes` is cut off and counts as no answer. Never rejects.
   */
  getJson(
    path: string,
    options: { timeoutMs: number; maxBytes: number; signal: AbortSignal },
  ): Promise<{ status: number; body: unknown; detail: string }> {
    return new Promise((resolve) => {
      const request = this.#request('GET', `${this.#basePath}${path}`, { accept: 'application/json' });
      let settled = false;
      // Destroyed only when cut short: a fully read answer frees its connection for reuse.
      const done = (status: number, body: unknown, detail: string, complete = false): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        if (!complete) request.destroy();
        resolve({ status, body, detail });
      };
      const timer = setTimeout(
        () => done(0, undefined, `no answer within ${options.timeoutMs} ms`),
        options.timeoutMs,
      );
      const onAbort = (): void => done(0, undefined, 'stopped');
      options.signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => done(0, undefined, describe(error)));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) done(0, undefined, `answer larger than ${options.maxBytes} bytes`);
          else chunks.push(chunk);
        });
        response.on('error', (error) => done(0, undefined, describe(error)));
        response.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            body = undefined;
          }
          done(status, body, `the app answered ${status}`, true);
        });
      });
      request.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }

  #request(method: string, path: string, headers: Record<string, string>): http.ClientRequest {
    const options: http.RequestOptions = {
      method,
      agent: this.#agent,
      hostname: this.#url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.#url.port === '' ? undefined : Number(this.#url.port),
      path,
      headers: { ...this.#token, ...headers },
      ...(this.#lookup !== undefined && { lookup: this.#lookup }),
    };
    return this.#url.protocol === 'https:' ? https.request(options) : http.request(options);
  }
}

/**
 * An error before any answer: the app was not reached, or went away before it answered (a reset
 * after the request was written counts too: the app may have crashed, and its next instance
 * should get the tick without a retry spent).
 */
function unreachable(error: Error): TransportResult {
  return {
    kind: 'unreachable',
    refused: codes(error).every((c) => c === 'ECONNREFUSED'),
    detail: describe(error),
  };
}

/** The error codes of an error, or of each address tried (`localhost` may resolve to several). */
function codes(error: Error): string[] {
  const nested = (error as { errors?: unknown }).errors;
  const all: unknown[] = Array.isArray(nested) && nested.length > 0 ? nested : [error];
  return all.map((e) => String((e as { code?: unknown }).code ?? ''));
}

function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const nested = (error as { errors?: unknown }).errors;
  const message =
    error.message === '' && Array.isArray(nested)
      ? nested.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')
      : error.message;
  return code === undefined || message.includes(String(code)) ? message : `${message} (${String(code)})`;
}
