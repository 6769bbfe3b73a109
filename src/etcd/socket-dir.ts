import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdDataDirError } from './embedded-etcd-errors.js';
import { CLIENT_SOCKET, MAX_SOCKET_PATH, PEER_SOCKET, clientSocketPath } from './etcd-listen.js';
import { TickflowError } from '../common/tickflow-error.js';

/**
 * The owner-only directory that holds the embedded etcd's sockets: `{dataDir}.sock` beside the
 * data dir, or, when that path is too long for a unix socket (Linux allows 107 bytes), a
 * directory in the system temp dir named from a hash of the data dir. Either way it is created
 * with mode 0700 and checked to be a real directory owned by this user: a directory someone else
 * made (or a symlink planted in /tmp) would hand them the sockets. Leftover sockets of an etcd
 * that died are removed; the caller holds the data dir lock, so no live etcd owns them.
 */
export async function prepareSocketDir(dataDir: string): Promise<string> {
  const beside = `${dataDir}.sock`;
  const dir =
    clientSocketPath(beside).length <= MAX_SOCKET_PATH
      ? beside
      : join(tmpdir(), `tickflow-etcd-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stat = await lstat(dir);
    if (!stat.isDirectory()) throw new SocketDirProblem(`${dir} is not a directory`);
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new SocketDirProblem(`${dir} belongs to uid ${stat.uid}, not to this user (uid ${uid})`);
    }
    await chmod(dir, 0o700);
    await Promise.all([CLIENT_SOCKET, PEER_SOCKET].map((name) => rm(join(dir, name), { force: true })));
  } catch (error) {
    const problem =
      error instanceof SocketDirProblem
        ? error.message
        : `its socket directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    throw new EtcdDataDirError(dataDir, problem, error);
  }
  return dir;
}

class SocketDirProblem extends TickflowError {}
