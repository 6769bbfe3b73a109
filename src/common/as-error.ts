/** An `Error` for whatever was thrown: warnings, events and logs take errors, code can throw anything. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
