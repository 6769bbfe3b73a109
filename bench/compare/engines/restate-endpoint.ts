/**
 * A restate-server plus this process's service endpoint (HTTP/2 on a loopback port), registered
 * with the server: the Restate side of every workload.
 */
import { createServer, type Http2Server } from 'node:http2';
import { importPeer } from '../peers.js';
import type { RestateHandler, RestateModule } from '../peer-types.js';
import { startRestate, type RestateServer } from '../restate-server.js';
import { diskUsage, freePort } from '../server-process.js';

/**
 * The Restate SDK calls Promise.withResolvers, which Node 22 has and Node 20 (this project's
 * floor) lacks; the same few lines as the standard method.
 */
function ensureWithResolvers(): void {
  const ctor = Promise as unknown as { withResolvers?: unknown };
  if (typeof ctor.withResolvers === 'function') return;
  ctor.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export class RestateEndpoint {
  readonly server: RestateServer;
  readonly sdk: RestateModule;
  readonly #http: Http2Server;

  private constructor(server: RestateServer, sdk: RestateModule, http: Http2Server) {
    this.server = server;
    this.sdk = sdk;
    this.#http = http;
  }

  /** Starts the server and serves `services` (name → handlers) to it. */
  static async start(services: Record<string, Record<string, RestateHandler>>): Promise<RestateEndpoint> {
    ensureWithResolvers();
    // The SDK logs two INFO lines per invocation by default; a benchmark would measure console I/O.
    process.env['RESTATE_LOGGING'] ??= 'WARN';
    const sdk = await importPeer<RestateModule>('@restatedev/restate-sdk');
    const definitions = Object.entries(services).map(([name, handlers]) => sdk.service({ name, handlers }));
    const http = createServer(sdk.createEndpointHandler({ services: definitions }));
    const port = await freePort();
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    let server: RestateServer;
    try {
      server = await startRestate();
      await server.register(`http://127.0.0.1:${port}`);
    } catch (error) {
      http.close();
      throw error;
    }
    return new RestateEndpoint(server, sdk, http);
  }

  get pid(): number {
    return this.server.pid;
  }

  /** Calls a handler through the ingress and waits for its result (request-response). */
  async call<T>(service: string, handler: string, input: unknown): Promise<T> {
    const response = await fetch(`${this.server.ingressUrl}/${service}/${handler}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`restate ${service}/${handler}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Bytes under the server's base dir (its log and partition stores). */
  async storeBytes(): Promise<number> {
    return diskUsage(this.server.dir);
  }

  async close(): Promise<void> {
    await this.server.stop();
    this.#http.close();
  }
}

export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
