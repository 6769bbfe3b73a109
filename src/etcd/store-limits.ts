/**
 * The byte bounds of tickflow's traffic with etcd, in one place. Every other size limit (job data,
 * workflow payloads, history chunks, a step's transaction) is derived from or checked against
 * these, so a record that was accepted can always be written and read back.
 */

/**
 * etcd's default `--max-request-bytes`: a put or transaction larger than this is refused with
 * "request is too large". A cluster started with a different value should pass it as the store's
 * `maxRequestBytes`.
 */
export const ETCD_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

/**
 * The gRPC receive limit tickflow sets on its etcd client (grpc-js defaults to 4 MiB). Reads are
 * paged to stay far below it ({@link READ_PAGE_BYTES}); it must exceed the largest single value
 * etcd can hold (one request), so one record always fits in an answer of its own.
 */
export const CLIENT_MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

/**
 * What one range answer aims to stay under: a page stops once its keys and values reach this many
 * bytes (it always holds at least one entry). Keeps the memory of a partition load, a dormant
 * read-back or a listing proportional to bytes, not only to keys.
 */
export const READ_PAGE_BYTES = 2 * 1024 * 1024;

/** Keys asked for in the first request of a page, before the size of its entries is known. */
export const FIRST_PAGE_KEYS = 32;

/** The larger of the bytes of a string as UTF-8, cheaply over-estimated for non-ASCII text. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
