/**
 * How a failed gRPC call is told: its status code and message, worded as grpc-js words them, for
 * tickflow's own etcd channel (`GrpcChannel`).
 */

/**
 * gRPC status codes (grpc's doc/statuscodes.md) this channel reports itself; etcd's own answers
 * carry whatever code etcd chose.
 */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** A failed call: its gRPC status code and the server's (or this channel's) message. */
export type GrpcCallError = Error & { code: number; details: string };

/**
 * A failed call, worded as grpc-js words its errors (`14 UNAVAILABLE: …`) and a plain `Error` as
 * grpc-js's are, so etcd3's `castGrpcError` types it and tickflow's checks read it the same
 * whichever client made the call. "No connection established" means the request never left
 * this process.
 */
export function grpcCallError(code: number, details: string): GrpcCallError {
  return Object.assign(new Error(`${code} ${STATUS_NAMES[code] ?? 'UNKNOWN'}: ${details}`), {
    code,
    details,
  });
}

/** grpc-message is percent-encoded (gRPC over HTTP/2). */
export function decodeGrpcMessage(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** gRPC's mapping of HTTP statuses from a server (or proxy) that did not answer in gRPC. */
export function httpToGrpc(http: number | undefined): number {
  switch (http) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}
