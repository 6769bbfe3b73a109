import { TickflowError } from '../common/tickflow-error.js';
/** Exit codes of the `tickflow` command. */
export const ExitCode = {
  ok: 0,
  /** The operation failed (server error, not found, unreachable server, failed workflow). */
  failure: 1,
  /** The command line or the input it carried was wrong (bad option, invalid JSON, rejected job spec). */
  usage: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line on stderr before exiting with `exitCode`. */
export class CliError extends TickflowError {
  override name = 'CliError';
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}

/** The first line of any error's message (stack traces and multi-line details stay out of the terminal). */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n').find((line) => line.trim() !== '') ?? text).trim();
}
