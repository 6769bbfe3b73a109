import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { API_TOKEN_HEADER } from '../server/api-token.js';
import { CliError, ExitCode, usageError } from './cli-error.js';

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The CLI's client for a running `tickflow serve`. Uses node:http without a keep-alive agent, so
 * a finished command leaves no pooled socket holding the process open.
 */
export class ServerApi {
  readonly baseUrl: string;
  readonly #apiToken: string | undefined;

  constructor(baseUrl: string, apiToken?: string) {
    this.#apiToken = apiToken;
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw usageError(
        `--server ${JSON.stringify(baseUrl)} is not a URL; expected e.g. http://127.0.0.1:3500`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw usageError(`--server ${JSON.stringify(baseUrl)} must be an http:// or https:// URL`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Sends a request; resolves for 2xx, throws a one-line CliError for anything else. */
  async call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options: { body?: unknown; query?: Record<string, string | undefined> } = {},
  ): Promise<ApiResponse> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const { status, text } = await this.#send(method, url, payload);
    const body = parseBody(text);
    if (status >= 200 && status < 300) return { status, body };
    throw errorFromResponse(status, body, text);
  }

  #send(method: string, url: URL, payload: string | undefined): Promise<{ status: number; text: string }> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          agent: false,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            ...(payload !== undefined && { 'content-type': 'application/json' }),
            ...(this.#apiToken !== undefined && { [API_TOKEN_HEADER]: this.#apiToken }),
          },
        },
        (res: IncomingMessage) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', (error) => reject(this.#networkError(error)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', (error) => reject(this.#networkError(error)));
      req.end(payload);
    });
  }

  #networkError(error: Error): CliError {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') {
      return new CliError(
        `cannot reach the tickflow server at ${this.baseUrl} (connection refused); start it with \`tickflow serve\` or pass --server`,
      );
    }
    return new CliError(`request to ${this.baseUrl} failed: ${code ?? error.message}`);
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The server's `{ errorCode, message }` as one line; 400s are the caller's input, hence a usage error. */
function errorFromResponse(status: number, body: unknown, text: string): CliError {
  const exitCode = status === 400 ? ExitCode.usage : ExitCode.failure;
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const { message, errorCode } = body as { message: unknown; errorCode?: unknown };
    const code = typeof errorCode === 'string' ? ` (${errorCode})` : '';
    const hint = status === 401 ? '; pass --api-token or set TICKFLOW_API_TOKEN' : '';
    return new CliError(`${String(message)}${code}${hint}`, exitCode);
  }
  return new CliError(`server answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, exitCode);
}
