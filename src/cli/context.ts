import type { Command } from 'commander';
import type { CliIo } from './output.js';
import { Output } from './output.js';
import { ServerApi } from './server-api.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:3500';

interface GlobalOptions {
  server?: string;
  json?: boolean;
  apiToken?: string;
}

/**
 * The API token from `--api-token` or the environment (read here, not as the option's default,
 * so `--help` never prints it).
 */
export function apiTokenFrom(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const token = flag ?? env['TICKFLOW_API_TOKEN'] ?? env['DAPR_API_TOKEN'];
  return token === '' ? undefined : token;
}

/** What every client command needs: the server it talks to and how to print. */
export interface CommandContext {
  api: ServerApi;
  out: Output;
  io: CliIo;
}

/** Reads the program-wide `--server` and `--json`, wherever they were given on the command line. */
export function commandContext(command: Command, io: CliIo): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return {
    api: new ServerApi(options.server ?? DEFAULT_SERVER, apiTokenFrom(options.apiToken)),
    out: new Output(io, options.json === true),
    io,
  };
}

/** A path segment for a job name or instance id. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
