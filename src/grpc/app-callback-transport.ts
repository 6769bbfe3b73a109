import {
  connectivityState,
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import { API_TOKEN_HEADER } from '../server/api-token.js';
import type { DeliveryTransport, TransportResult } from '../server/delivery/delivery-transport.js';
import { callbackHeaders, type JobCallback } from '../server/delivery/job-callback.js';
import { anyFromJobData } from './job-data.js';
import { GRPC_MAX_MESSAGE_BYTES } from './message-limits.js';
import { APP_CALLBACK_ALPHA_SERVICE, loadDaprRuntimeProtos } from './protos.js';

/** Options of `AppCallbackTransport`. */
export interface AppCallbackTransportOptions {
  /** The app's gRPC address, `host:port` (a grpc-js target). */
  address: string;
  /** Sent as `dapr-api-token` metadata with every callback. */
  appApiToken?: string;
  /** TLS to the app: trusted CA (undefined: Node's roots). Absent: plaintext, as Dapr's `grpc`. */
  tls?: { ca?: Buffer };
}

/** How long a probe waits for the connection to become ready. */
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Reconnection backoff bounds. grpc-js backs off up to 120 s by default between attempts to
 * reach an app that was down; the delivery probe must see an app that came back within its own
 * probe interval (at most 2 s by default), so the channel may not wait longer.
 */
const CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.max_send_message_length': GRPC_MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': GRPC_MAX_MESSAGE_BYTES,
};

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null) => void,
) => void;

let constructorOnce: ReturnType<typeof makeGenericClientConstructor> | undefined;

/** The client class, built once: loading the protos costs ~100 ms, and every instance shares it. */
function clientConstructor(): ReturnType<typeof makeGenericClientConstructor> {
  constructorOnce ??= makeGenericClientConstructor(
    loadDaprRuntimeProtos().service(APP_CALLBACK_ALPHA_SERVICE),
    'AppCallbackAlpha',
  );
  return constructorOnce;
}

/**
 * Job callbacks to an app's gRPC `AppCallbackAlpha.OnJobEventAlpha1` (Dapr's `--app-protocol
 * grpc`), with the message Dapr sends: `name`, the data as an Any holding a
 * `google.protobuf.Value`, `method` `job/{name}`, `content_type` `application/json` and an HTTP
 * extension of verb POST. The callback's facts go as metadata, beside the token.
 */
export class AppCallbackTransport implements DeliveryTransport {
  readonly instance: string;
  readonly target: string;
  readonly #client: Client;
  readonly #token: string | undefined;

  constructor(options: AppCallbackTransportOptions) {
    const scheme = options.tls === undefined ? 'grpc' : 'grpcs';
    this.instance = `${scheme}://${options.address}`;
    this.target = `${this.instance} (AppCallbackAlpha/OnJobEventAlpha1)`;
    const Constructor = clientConstructor();
    const channelCredentials =
      options.tls === undefined
        ? credentials.createInsecure()
        : credentials.createSsl(options.tls.ca ?? null);
    this.#client = new Constructor(options.address, channelCredentials, CHANNEL_OPTIONS);
    this.#token = options.appApiToken;
  }

  send(callback: JobCallback, timeoutMs: number): Promise<TransportResult> {
    const metadata = new Metadata();
    if (this.#token !== undefined) metadata.set(API_TOKEN_HEADER, this.#token);
    for (const [key, value] of Object.entries(callbackHeaders(callback))) metadata.set(key, value);
    const data = anyFromJobData(callback.data);
    const request = {
      name: callback.name,
      ...(data !== undefined && { data }),
      method: `job/${callback.name}`,
      content_type: 'application/json',
      http_extension: { verb: 'POST' },
    };
    const call = (this.#client as unknown as Record<string, UnaryMethod>)['OnJobEventAlpha1'];
    return new Promise((resolve) => {
      call!.call(this.#client, request, metadata, { deadline: Date.now() + timeoutMs }, (error) => {
        resolve(
          error === null ? { kind: 'ok', detail: 'the app answered OK' } : this.#classify(error, timeoutMs),
        );
      });
    });
  }

  probe(signal: AbortSignal): Promise<string | undefined> {
    if (signal.aborted) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      this.#client.waitForReady(Date.now() + PROBE_TIMEOUT_MS, (error) =>
        resolve(error === undefined ? undefined : `no connection within ${PROBE_TIMEOUT_MS} ms`),
      );
    });
  }

  close(): void {
    this.#client.close();
  }

  #classify(error: ServiceError, timeoutMs: number): TransportResult {
    const detail = `the app answered ${status[error.code] ?? error.code}: ${error.details}`;
    switch (error.code) {
      case status.UNIMPLEMENTED:
      case status.NOT_FOUND:
        return { kind: 'not_found', detail };
      case status.UNAVAILABLE:
        // grpc-js's own UNAVAILABLE (no connection, or it dropped before the answer) as well as an
        // app saying it is unavailable: either way the tick waits for an instance that answers.
        return {
          kind: 'unreachable',
          refused: /ECONNREFUSED/.test(error.details),
          detail: `unavailable: ${error.details}`,
        };
      case status.DEADLINE_EXCEEDED:
        // A call waits for a connection that is being made; if the deadline passed before there
        // was one, the request never left.
        return this.#client.getChannel().getConnectivityState(false) === connectivityState.READY
          ? { kind: 'timeout', detail: `no answer within ${timeoutMs} ms` }
          : { kind: 'unreachable', refused: false, detail: `could not connect within ${timeoutMs} ms` };
      default:
        return { kind: 'app_error', detail };
    }
  }
}
