/**
 * What a failed `fetch` says about why: undici's own message is only "fetch failed", the reason
 * (ECONNREFUSED, a DNS error, a timeout) is in its `cause`.
 */
export function fetchErrorDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer in time';
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return code === undefined || cause.message.includes(String(code))
      ? cause.message
      : `${cause.message} (${String(code)})`;
  }
  return error.message;
}
