import { readFileSync } from 'node:fs';
import { ServeError, type ServeOptions } from './serve-options.js';

/** Reads a PEM file up front, so a wrong path is one clear line, not a failed listen or callback. */
export function readPem(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ServeError(
      `${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

/** The `--tls-*` PEM files, read now. */
export function readTls(files: { certFile: string; keyFile: string; caFile?: string }): {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
} {
  return {
    cert: readPem('--tls-cert', files.certFile),
    key: readPem('--tls-key', files.keyFile),
    ...(files.caFile !== undefined && { ca: readPem('--tls-ca', files.caFile) }),
  };
}

/**
 * Anyone who can reach the API can schedule, read and delete jobs and start or end workflows, so
 * it listens beyond loopback only behind a token, unless the operator says otherwise.
 */
export function checkExposure(host: string, options: ServeOptions): void {
  if (options.apiToken !== undefined && options.apiToken.length < 16) {
    throw new ServeError('--api-token must be at least 16 characters (e.g. openssl rand -hex 32)');
  }
  if (options.appApiToken !== undefined && options.appApiToken === '') {
    throw new ServeError('--app-api-token must not be empty');
  }
  if (isLoopback(host) || options.apiToken !== undefined || options.insecure === true) return;
  throw new ServeError(
    `--host ${host} accepts requests from other machines, and without an API token anyone who can ` +
      'reach it may schedule, read and delete jobs and workflows: set --api-token (or TICKFLOW_API_TOKEN), ' +
      'or pass --insecure to run open on purpose',
  );
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
