/**
 * A daprd sidecar as the Scheduler sees it, built from the official scheduler.proto that
 * `@dapr/dapr` ships (loaded here with @grpc/proto-loader, independently of the server's loading):
 * unary calls, a `WatchJobs` stream that records the triggers and answers them, `WatchHosts`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type Client,
  type ClientDuplexStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
const protoRoot = join(dirname(require.resolve('@dapr/dapr/package.json')), 'proto');
const definition = loadSync('dapr/proto/scheduler/v1/scheduler.proto', {
  includeDirs: [protoRoot],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
const grpcRoot = loadPackageDefinition(definition) as unknown as {
  dapr: { proto: { scheduler: { v1: { Scheduler: ServiceClientConstructor } } } };
};
const Scheduler = grpcRoot.dapr.proto.scheduler.v1.Scheduler;

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  callback: (error: ServiceError | null, value?: unknown) => void,
) => void;
type ServerStreamMethod = (request: unknown, metadata: Metadata) => NodeJS.EventEmitter & { cancel(): void };

/** The outcome of one unary call. */
export type CallResult<T> =
  | { ok: true; value: T; code: 0 }
  | { ok: false; code: number; details: string; metadata: Record<string, string> };

/** `JobMetadata` as the sidecar sends it. */
export interface Meta {
  namespace?: string;
  app_id?: string;
  target?: { job: Record<string, never> } | { actor: { type: string; id: string } };
}

/** One trigger as received on `WatchJobs`. */
export interface Trigger {
  name: string;
  id: string;
  data?: { type_url: string; value: Buffer };
  metadata: {
    namespace: string;
    app_id: string;
    target: { type: 'job' | 'actor'; actor?: { type: string; id: string } };
  };
}

/** What the simulator answers a trigger with; `hold` answers nothing (the test answers later). */
export type Answer = 'SUCCESS' | 'FAILED' | 'hold';

/** A sidecar's `WatchJobs` stream. */
export class SidecarStream {
  readonly triggers: Trigger[] = [];
  /** Resolves with the stream's final status code (0 for a clean end). */
  readonly ended: Promise<{ code: number; details: string; metadata: Record<string, string> }>;
  readonly #call: ClientDuplexStream<unknown, Trigger>;
  readonly #waiters: Array<{ count: number; resolve: () => void }> = [];
  #answer: (trigger: Trigger) => Answer;

  constructor(call: ClientDuplexStream<unknown, Trigger>, answer: (trigger: Trigger) => Answer) {
    this.#call = call;
    this.#answer = answer;
    this.ended = new Promise((resolve) => {
      call.on('error', (e: ServiceError) => {
        const md: Record<string, string> = {};
        for (const [k, v] of Object.entries(e.metadata?.getMap() ?? {})) md[k] = String(v);
        resolve({ code: e.code, details: e.details, metadata: md });
      });
      call.on('end', () => resolve({ code: 0, details: '', metadata: {} }));
    });
    call.on('data', (trigger: Trigger) => {
      this.triggers.push(trigger);
      const answer = this.#answer(trigger);
      if (answer !== 'hold') this.answer(trigger.id, answer);
      for (const w of [...this.#waiters]) {
        if (this.triggers.length >= w.count) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  }

  /** Changes how later triggers are answered. */
  answerWith(answer: (trigger: Trigger) => Answer): void {
    this.#answer = answer;
  }

  /** Resolves once `count` triggers have arrived in all. */
  async received(count: number): Promise<Trigger[]> {
    if (this.triggers.length < count) {
      await new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
    }
    return this.triggers.slice(0, count);
  }

  answer(id: string, status: 'SUCCESS' | 'FAILED'): void {
    this.#call.write({ result: { id, status } });
  }

  /** Sends a raw request (for protocol errors). */
  send(request: unknown): void {
    this.#call.write(request);
  }

  /** Breaks the stream, as a sidecar that dies does. */
  cancel(): void {
    this.#call.cancel();
  }
}

/** A client of the Scheduler service. */
export class SidecarSimulator {
  readonly #client: Client;
  readonly #token: string | undefined;

  constructor(port: number, token?: string) {
    this.#client = new Scheduler(`127.0.0.1:${port}`, credentials.createInsecure());
    this.#token = token;
  }

  #metadata(token?: string | null): Metadata {
    const metadata = new Metadata();
    const sent = token === undefined ? this.#token : (token ?? undefined);
    if (sent !== undefined) metadata.set('dapr-api-token', sent);
    return metadata;
  }

  /** A unary call; `token` overrides the simulator's (null: send none). */
  call<T>(method: string, request: unknown, token?: string | null): Promise<CallResult<T>> {
    const fn = (this.#client as unknown as Record<string, UnaryMethod>)[method];
    if (fn === undefined) throw new Error(`no method ${method}`);
    return new Promise((resolve) => {
      fn.call(this.#client, request, this.#metadata(token), (error, value) => {
        if (error) {
          const md: Record<string, string> = {};
          for (const [k, v] of Object.entries(error.metadata?.getMap() ?? {})) md[k] = String(v);
          resolve({ ok: false, code: error.code, details: error.details, metadata: md });
        } else resolve({ ok: true, value: value as T, code: 0 });
      });
    });
  }

  /** Opens `WatchJobs` and sends `initial` (unless null: the test sends the first message). */
  watch(
    initial: {
      namespace: string;
      app_id: string;
      actor_types?: string[];
      accept_job_types?: string[];
    } | null,
    answer: (trigger: Trigger) => Answer = () => 'SUCCESS',
  ): SidecarStream {
    const open = (
      this.#client as unknown as Record<string, (m: Metadata) => ClientDuplexStream<unknown, Trigger>>
    )['WatchJobs'];
    if (open === undefined) throw new Error('no WatchJobs');
    const call = open.call(this.#client, this.#metadata());
    const stream = new SidecarStream(call, answer);
    if (initial !== null) call.write({ initial });
    return stream;
  }

  /** The first `WatchHosts` answer. */
  firstHosts(): Promise<string[]> {
    const open = (this.#client as unknown as Record<string, ServerStreamMethod>)['WatchHosts'];
    if (open === undefined) throw new Error('no WatchHosts');
    const call = open.call(this.#client, {}, this.#metadata());
    return new Promise((resolve, reject) => {
      call.on('data', (response: { hosts?: Array<{ address: string }> }) => {
        resolve((response.hosts ?? []).map((h) => h.address));
        call.cancel();
      });
      call.on('error', (e: ServiceError) => {
        if (e.code !== 1) reject(e);
      });
    });
  }

  /** Follows `WatchHosts`: resolves once an answer satisfies `check`, with it. */
  watchHosts(): { until(check: (hosts: string[]) => boolean): Promise<string[]>; cancel(): void } {
    const open = (this.#client as unknown as Record<string, ServerStreamMethod>)['WatchHosts'];
    if (open === undefined) throw new Error('no WatchHosts');
    const call = open.call(this.#client, {}, this.#metadata());
    const answers: string[][] = [];
    const waiters: Array<{ check: (hosts: string[]) => boolean; resolve: (hosts: string[]) => void }> = [];
    call.on('data', (response: { hosts?: Array<{ address: string }> }) => {
      const hosts = (response.hosts ?? []).map((h) => h.address).sort();
      answers.push(hosts);
      for (const w of [...waiters]) {
        if (w.check(hosts)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(hosts);
        }
      }
    });
    call.on('error', () => undefined);
    return {
      until: (check) => {
        const last = answers[answers.length - 1];
        if (last !== undefined && check(last)) return Promise.resolve(last);
        return new Promise((resolve) => waiters.push({ check, resolve }));
      },
      cancel: () => call.cancel(),
    };
  }

  close(): void {
    this.#client.close();
  }
}
