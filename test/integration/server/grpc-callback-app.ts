import {
  Server,
  ServerCredentials,
  status,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { jobDataFromAny, type ProtoAny } from '../../../src/grpc/job-data.js';
import { APP_CALLBACK_ALPHA_SERVICE, loadDaprRuntimeProtos } from '../../../src/grpc/protos.js';
import type { JsonValue } from '../../../src/timers/schedule/job.js';

/** One `OnJobEventAlpha1` call as the app received it. */
export interface JobEvent {
  name: string;
  data: JsonValue | undefined;
  /** The Any's type URL, as sent. */
  typeUrl: string | undefined;
  method: string;
  contentType: string;
  verb: string | undefined;
  /** Metadata, first value of each key. */
  metadata: Record<string, string>;
  /** Epoch ms when the call arrived. */
  at: number;
}

interface JobEventRequest {
  name: string;
  data?: ProtoAny;
  method?: string;
  content_type?: string;
  http_extension?: { verb?: string };
}

/**
 * A gRPC app that implements Dapr's `AppCallbackAlpha` from the protos @dapr/dapr publishes (the
 * ones tickflow loads), and records `OnJobEventAlpha1` calls. Its answer depends on the job
 * name: `fail-*` → INTERNAL, `nohandler-*` → UNIMPLEMENTED, `missing-*` → NOT_FOUND, `slow-*`
 * never answers, else OK. With `tls` it serves over TLS with that key and certificate.
 */
export class GrpcCallbackApp {
  readonly events: JobEvent[] = [];
  #server: Server | undefined;
  #port: number;
  readonly #tls: { key: Buffer; cert: Buffer } | undefined;
  #waiters: Array<() => void> = [];

  private constructor(port: number, tls: { key: Buffer; cert: Buffer } | undefined) {
    this.#port = port;
    this.#tls = tls;
  }

  /** Listens on 127.0.0.1:`port` (0: a free port). */
  static async start(port = 0, tls?: { key: Buffer; cert: Buffer }): Promise<GrpcCallbackApp> {
    const app = new GrpcCallbackApp(port, tls);
    await app.listen();
    return app;
  }

  /** `host:port`, as `--app-url` takes it with `--app-protocol grpc`. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** (Re)opens the same port, e.g. after `close()` to simulate an app coming back. */
  async listen(): Promise<void> {
    const server = new Server();
    server.addService(loadDaprRuntimeProtos().service(APP_CALLBACK_ALPHA_SERVICE), {
      OnJobEventAlpha1: (call: ServerUnaryCall<JobEventRequest, unknown>, done: sendUnaryData<unknown>) => {
        const request = call.request;
        this.events.push({
          name: request.name,
          data: jobDataFromAny(request.data),
          typeUrl: request.data?.type_url,
          method: request.method ?? '',
          contentType: request.content_type ?? '',
          verb: request.http_extension?.verb,
          metadata: firstValues(call.metadata),
          at: Date.now(),
        });
        const code = request.name.startsWith('fail-')
          ? status.INTERNAL
          : request.name.startsWith('nohandler-')
            ? status.UNIMPLEMENTED
            : request.name.startsWith('missing-')
              ? status.NOT_FOUND
              : status.OK;
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
        if (request.name.startsWith('slow-')) return;
        if (code === status.OK) done(null, {});
        else done({ code, details: `answered ${status[code]} on purpose` });
      },
      OnBulkTopicEventAlpha1: (_call: unknown, done: sendUnaryData<unknown>) =>
        done({ code: status.UNIMPLEMENTED, details: 'not in this app' }),
    });
    this.#port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.#port}`, this.#credentials(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    this.#server = server;
  }

  #credentials(): ServerCredentials {
    if (this.#tls === undefined) return ServerCredentials.createInsecure();
    return ServerCredentials.createSsl(null, [{ private_key: this.#tls.key, cert_chain: this.#tls.cert }]);
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    server?.forceShutdown();
  }

  eventsFor(name: string): JobEvent[] {
    return this.events.filter((e) => e.name === name);
  }

  /** Resolves once `count` calls for `name` arrived (rejects after `timeoutMs`). */
  async waitForEvents(name: string, count: number, timeoutMs = 20_000): Promise<JobEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.eventsFor(name).length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} OnJobEventAlpha1 calls for ${name}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.eventsFor(name);
  }
}

function firstValues(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(metadata.getMap())) out[key] = String(values);
  return out;
}
