import { readFileSync } from 'node:fs';
import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { CliError, ExitCode, oneLine } from './cli-error.js';
import { DEFAULT_SERVER } from './context.js';
import { registerBackupCommand } from './commands/backup.js';
import { registerClusterCommand } from './commands/cluster.js';
import { registerJobsCommand } from './commands/jobs.js';
import { replayCommand } from './commands/replay.js';
import { registerRestoreCommand } from './commands/restore.js';
import { registerServeCommand } from './commands/serve.js';
import { registerWorkflowsCommand } from './commands/workflows.js';
import { processIo, type CliIo } from './output.js';

/** Builds the `tickflow` program; commands write through `io`. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('tickflow')
    .description('Durable timers and workflows on etcd, with a Dapr-compatible HTTP API')
    .version(version(), '-V, --version')
    .option(
      '--server <url>',
      'the tickflow server client commands talk to',
      process.env['TICKFLOW_SERVER'] ?? DEFAULT_SERVER,
    )
    .option('--json', 'print JSON instead of tables')
    .option(
      '--api-token <token>',
      "the server's API token, sent as dapr-api-token (default: $TICKFLOW_API_TOKEN, else $DAPR_API_TOKEN)",
    )
    .showSuggestionAfterError(true)
    .configureOutput(outputTo(io))
    // Commander must not exit the process itself: `main` turns its errors into exit code 2.
    .exitOverride();

  registerServeCommand(program, io, setExitCode);
  registerJobsCommand(program, io);
  registerWorkflowsCommand(program, io);
  registerClusterCommand(program, io);
  registerBackupCommand(program, io);
  registerRestoreCommand(program, io);
  // --- `tickflow replay`: written by another engineer in ./commands/replay.ts; only wired in here. ---
  program.addCommand(
    replayCommand({
      out: (line) => io.out(`${line}\n`),
      err: (line) => io.err(`${line}\n`),
      setExitCode,
    }),
  );

  // Every subcommand inherits the program's output handling and exit override.
  for (const command of program.commands) applySettings(command, io);
  return program;
}

/** Runs the CLI on `argv` (as in process.argv) and resolves the exit code; never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version "fail" with code 0; every other parser error is a usage error (already printed).
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    io.err(`error: ${oneLine(error)}\n`);
    return error instanceof CliError ? error.exitCode : ExitCode.failure;
  }
}

function applySettings(command: Command, io: CliIo): void {
  command.configureOutput(outputTo(io)).showSuggestionAfterError(true).exitOverride();
  for (const sub of command.commands) applySettings(sub, io);
}

/**
 * Commander's output through `io`. Its "did you mean" suggestion comes on a second line; it joins
 * the first, so every error stays one line: `error: unknown command 'serv' (Did you mean serve?)`.
 */
function outputTo(io: CliIo): OutputConfiguration {
  return {
    writeOut: (s) => io.out(s),
    writeErr: (s) => io.err(s),
    outputError: (s, write) => write(s.replace(/\n(\(Did you mean [^\n]*\))/, ' $1')),
  };
}

function version(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}
