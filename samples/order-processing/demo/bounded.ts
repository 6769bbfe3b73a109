/**
 * Shutdown steps that talk to etcd cannot finish while etcd is unreachable (after Ctrl-C, which
 * reaches an embedded etcd too, or once the main demo has stopped the etcd a replica joined).
 */

/** Waits for `promise` at most `ms`, keeping the process alive meanwhile; reports a timeout. */
export async function bounded(promise: Promise<void>, what: string, ms = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const result = await Promise.race([promise.catch(() => undefined), timeout]);
  clearTimeout(timer);
  if (result === 'timeout') console.error(`${what} took over ${ms / 1000} s; going on without it`);
}
