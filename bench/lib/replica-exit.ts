/**
 * How a benchmark's replica process ends (soak-replica.ts, failover-replica.ts): SIGTERM stops it
 * cleanly once, and a parent that went away (its stdin pipe closed) ends it at once, so no
 * replica outlives the benchmark that started it.
 */
export function exitOnSigterm(
  report: NodeJS.Timeout,
  stop: () => Promise<void>,
  sayStopped: () => void,
): void {
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    clearInterval(report);
    void (async () => {
      await stop();
      sayStopped();
      process.exit(0);
    })();
  });
  process.stdin.on('close', () => process.exit(1));
  process.stdin.resume();
}
