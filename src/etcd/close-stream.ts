/**
 * Closes a gRPC stream we opened ourselves. Half-closes before cancelling: etcd3 treats an error on
 * a still-writable stream as a failed host and resets every connection to it, which would break
 * the other watches and lease keepalives sharing that host.
 */
export function closeStream(stream: { end(): void; cancel(): void }): void {
  try {
    stream.end();
    stream.cancel();
  } catch {
    // Already closed.
  }
}
