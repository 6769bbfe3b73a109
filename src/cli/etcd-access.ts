import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { credentialsFile } from '../etcd/embedded-auth.js';
import { EtcdDataDirInUseError } from '../etcd/embedded-etcd-errors.js';
import { startEmbeddedEtcd } from '../etcd/embedded-etcd.js';
import type { EtcdCredentials } from '../etcd/etcd-credentials.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './output.js';
import { parseEtcdOption } from './parse.js';
import {
  addEtcdCredentialOptions,
  readEtcdCredentials,
  type EtcdCredentialFlags,
} from './etcd-credential-flags.js';

/**
 * How the commands that work on etcd itself (backup, jobs export/import) reach it, with the same
 * flags as `tickflow serve`: `--etcd URLs` with the `--etcd-*` TLS and auth flags, or the
 * embedded etcd of a serve `--data-dir`.
 */

/** The flags `addEtcdAccessOptions` adds. */
export interface EtcdAccessFlags extends EtcdCredentialFlags {
  etcd: 'embedded' | string[];
  dataDir: string;
}

/** An etcd to work on, and how to let go of it. */
export interface EtcdAccess {
  hosts: string[];
  credentials: EtcdCredentials;
  /** The embedded etcd's credentials file, when the etcd is a serve data dir's with auth on. */
  credentialsFile: string | undefined;
  /** Stops the embedded etcd if this command started it; otherwise does nothing. */
  close(): Promise<void>;
}

/** Adds `--etcd`, `--data-dir` and the `--etcd-*` security flags, as `tickflow serve` has them. */
export function addEtcdAccessOptions(command: Command): Command {
  return addEtcdCredentialOptions(
    command
      .option(
        '--etcd <where>',
        '"embedded" (the etcd of --data-dir), or etcd client URLs, comma-separated',
        parseEtcdOption,
        'embedded',
      )
      .option(
        '--data-dir <dir>',
        'the data dir of tickflow serve: its running etcd is used, or started for this command if it is stopped',
        '.tickflow',
      ),
  );
}

/**
 * Reaches the etcd the flags name. For a serve data dir: the etcd of the server running on it
 * (from its lock file), with the password from the dir's credentials file; when no server runs
 * there, its etcd is started for this command (on owner-only sockets) and stopped by `close`.
 */
export async function openEtcdAccess(flags: EtcdAccessFlags, io: CliIo): Promise<EtcdAccess> {
  if (flags.etcd !== 'embedded') {
    return {
      hosts: flags.etcd,
      credentials: readEtcdCredentials(flags) ?? {},
      credentialsFile: undefined,
      close: async () => undefined,
    };
  }
  const etcdDir = resolve(join(flags.dataDir, 'etcd'));
  if (!(await exists(join(etcdDir, 'member')))) {
    throw new CliError(
      `no etcd data in --data-dir ${JSON.stringify(flags.dataDir)} (expected ${join(etcdDir, 'member')}): ` +
        'pass the --data-dir tickflow serve runs with, or --etcd with the URLs of its etcd',
    );
  }
  const file = credentialsFile(etcdDir);
  const auth = await readEmbeddedCredentials(file);
  const credentials: EtcdCredentials = auth === undefined ? {} : { auth };
  try {
    const etcd = await startEmbeddedEtcd({ dataDir: etcdDir, auth: auth !== undefined, maintenance: false });
    io.err(`started the stopped etcd of ${flags.dataDir} for this command (pid ${etcd.pid})\n`);
    return {
      hosts: etcd.hosts,
      credentials: etcd.auth === undefined ? {} : { auth: etcd.auth },
      credentialsFile: auth === undefined ? undefined : file,
      close: () => etcd.stop(),
    };
  } catch (error) {
    if (!(error instanceof EtcdDataDirInUseError) || error.hosts === undefined) throw error;
    // A server runs on the data dir: work on its etcd, as a second serve would with --etcd.
    return {
      hosts: error.hosts,
      credentials,
      credentialsFile: auth === undefined ? undefined : file,
      close: async () => undefined,
    };
  }
}

/** etcd's answers when it does not know who we are, or we may not do what we asked. */
const REFUSED =
  /permission denied|user not found|user name is empty|authentication failed|invalid auth token/i;

/**
 * `error` as one line that says what to do when etcd refused the request for want of a user or a
 * role (`needs` says which: a backup needs the root role, an export read access to the scopes);
 * any other error as it is.
 */
export function explainRefusal(error: unknown, needs: string): unknown {
  // etcd's own words, under whatever wrapped them on the way.
  let inner: unknown = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const text = (inner instanceof Error ? inner.message : String(inner)).split('\n')[0] ?? '';
  if (!REFUSED.test(text)) return error;
  return new CliError(
    `etcd refused the request (${text.replace(/^\d+ [A-Z_]+: /, '')}): ${needs}; pass --etcd-user with its ` +
      'password in TICKFLOW_ETCD_PASSWORD (or --data-dir for the embedded etcd of tickflow serve)',
  );
}

/** The user and password kept in an embedded etcd's credentials file, if it has one. */
export async function readEmbeddedCredentials(
  file: string,
): Promise<{ username: string; password: string } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new CliError(
      `${file} is not an etcd credentials file: expected {"username": ..., "password": ...}`,
    );
  }
  return { username, password };
}

/**
 * The --etcd-* flags as credentials (files read now). The same rules as `tickflow serve`'s flags;
 * kept apart from serve's so either can change its own set.
 */
async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
