import type { JobCallback } from './job-callback.js';

/**
 * What one attempt to hand a callback to one app instance came to. Only the transport knows
 * its protocol; the delivery policy (`AppDelivery`) decides from these kinds alone.
 * - `ok`: the app took it (2xx, gRPC OK).
 * - `not_found`: the app answered that it has no handler (404, gRPC UNIMPLEMENTED or NOT_FOUND);
 *   retrying cannot help, so it counts as delivered, as in Dapr.
 * - `app_error`: the app answered with an error (another status); the job's failure policy retries.
 * - `timeout`: the request reached the app but no answer came within the deadline: the app is
 *   slow or stuck on it, which the failure policy retries like an error answer.
 * - `unreachable`: the app was never reached, or went away before answering (refused, DNS,
 *   connect timeout, TLS handshake, reset before an answer, gRPC UNAVAILABLE): no retry is spent.
 */
export type TransportResult =
  | { kind: 'ok' | 'not_found' | 'app_error' | 'timeout'; detail: string }
  | {
      kind: 'unreachable';
      detail: string;
      /** The connection was refused: nothing listens. */ refused: boolean;
    };

/** Sends job callbacks to one app instance over one protocol. */
export interface DeliveryTransport {
  /** The instance, as logs and metrics name it (`http://127.0.0.1:3000`, `grpc://127.0.0.1:50051`). */
  readonly instance: string;
  /** Where a callback goes, for logs (`http://127.0.0.1:3000/job/...`). */
  readonly target: string;
  /** One attempt; never rejects. `timeoutMs` bounds the whole attempt, connecting included. */
  send(callback: JobCallback, timeoutMs: number): Promise<TransportResult>;
  /** Whether the instance answers at all now; undefined if it does, else why not. Never rejects. */
  probe(signal: AbortSignal): Promise<string | undefined>;
  /** Frees connections; later sends fail. */
  close(): void;
}
