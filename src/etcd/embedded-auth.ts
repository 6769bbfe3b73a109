import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { Etcd3 } from 'etcd3';

/** The etcd user tickflow creates in an embedded etcd it protects. */
const USER = 'root';

export interface EmbeddedCredentials {
  username: string;
  password: string;
  /** The owner-only file they are kept in, beside the data dir. */
  file: string;
}

/** Where the credentials of the embedded etcd in `dataDir` live: beside it, not in it (etcd warns). */
export function credentialsFile(dataDir: string): string {
  return `${dataDir}.credentials.json`;
}

/**
 * Turns on etcd's auth in an embedded etcd, once, with a root user whose random password is kept
 * in an owner-only file beside the data dir; later starts read it back. Without it, any local
 * process could connect to the loopback port and change jobs and histories past every check.
 *
 * Idempotent: the file is written before auth is enabled, and every step tolerates having been
 * done already, so a crash between them is repaired by the next start.
 */
export async function ensureEmbeddedAuth(hosts: string[], dataDir: string): Promise<EmbeddedCredentials> {
  const file = credentialsFile(dataDir);
  let password = await readPassword(file);
  if (password === undefined) {
    password = randomBytes(24).toString('base64url');
    // 'wx': never overwrite a file another start wrote meanwhile; 0600: the owner alone reads it.
    await writeFile(file, `${JSON.stringify({ username: USER, password })}\n`, { mode: 0o600, flag: 'wx' });
  }
  await enableRootAuth(hosts, password);
  return { username: USER, password, file };
}

/**
 * Turns on etcd's auth with the root user and `password`, unless it is on already. Every step
 * tolerates having been done, and auth turned on meanwhile (by another member of the same cluster
 * doing the same at the same time, or an earlier start) ends it. Then checks that `password` is
 * the root password the cluster has, so a replica given another one fails at start with a clear
 * `EmbeddedAuthError` instead of at its first write.
 */
export async function enableRootAuth(hosts: string[], password: string): Promise<void> {
  const client = new Etcd3({ hosts });
  try {
    await step(() => client.auth.roleAdd({ name: USER }), /role name already exists/);
    const added = await step(() => client.auth.userAdd({ name: USER, password }), /user name already exists/);
    if (!added) await client.auth.userChangePassword({ name: USER, password });
    await step(() => client.auth.userGrantRole({ user: USER, role: USER }), /already/);
    await step(() => client.auth.authEnable(), /already/);
  } catch (error) {
    // Refused without a user: auth is on already.
    if (!authEnabled(error)) throw error;
  } finally {
    client.close();
  }
  const check = new Etcd3({ hosts, auth: { username: USER, password } });
  try {
    await check.get('/tickflow-auth-check').string();
  } catch (error) {
    if (error instanceof Error && /authentication failed|invalid user ID or password/i.test(error.message)) {
      throw new EmbeddedAuthError(
        `etcd on ${hosts.join(',')} refuses the root password tickflow was given: its auth was turned on ` +
          'with another one (every member of a cluster must be started with the same TICKFLOW_ETCD_PASSWORD)',
      );
    }
    throw error;
  } finally {
    check.close();
  }
}

/** The root password given to an embedded etcd is not the one its auth was turned on with. */
export class EmbeddedAuthError extends Error {
  override name = 'EmbeddedAuthError';
}

async function readPassword(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as { password?: unknown };
  if (typeof parsed.password !== 'string' || parsed.password === '') {
    throw new Error(`${file} holds no password; remove it only together with the data dir`);
  }
  return parsed.password;
}

/** Runs `call`; true when it did something, false when `done` says it had been done before. */
async function step(call: () => Promise<unknown>, done: RegExp): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    if (error instanceof Error && done.test(error.message)) return false;
    throw error;
  }
}

function authEnabled(error: unknown): boolean {
  return (
    error instanceof Error && /user name is empty|permission denied|invalid auth token/i.test(error.message)
  );
}
