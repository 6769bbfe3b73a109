/** Where the executor and workflows send log lines; the runtime injects a real one. */
export interface WorkflowLogger {
  /** Writes a debug line; `details` are extra values to log with it. */
  debug(message: string, ...details: unknown[]): void;
  /** Writes an informational line. */
  info(message: string, ...details: unknown[]): void;
  /** Writes a warning (the executor also reports each ignored event here). */
  warn(message: string, ...details: unknown[]): void;
  /** Writes an error line. */
  error(message: string, ...details: unknown[]): void;
}

const noop = (): void => {};

/** The default: the pure core writes nothing anywhere unless given a logger. */
export const silentLogger: WorkflowLogger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * A logger for workflow code that stays quiet while history is being replayed, so each line is
 * written once when the code first runs rather than again on every replay.
 */
export function replaySafeLogger(target: WorkflowLogger, isReplaying: () => boolean): WorkflowLogger {
  const wrap =
    (level: keyof WorkflowLogger) =>
    (message: string, ...details: unknown[]): void => {
      if (!isReplaying()) target[level](message, ...details);
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
