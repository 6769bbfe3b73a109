import { access, link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { nanoid } from 'nanoid';
import { checkSnapshotTarget, saveSnapshot } from '../../etcd/etcd-snapshot.js';
import { SnapshotPathError } from '../../etcd/snapshot-errors.js';
import {
  addEtcdAccessOptions,
  explainRefusal,
  openEtcdAccess,
  readEmbeddedCredentials,
  type EtcdAccessFlags,
} from '../etcd-access.js';
import { Output, Progress, type CliIo } from '../output.js';
import { formatBytes, progressThrottle } from '../progress-throttle.js';

interface BackupFlags extends EtcdAccessFlags {
  out: string;
  force?: boolean;
}

/** The suffix of the credentials file a backup of an embedded etcd writes beside the snapshot. */
export const BACKUP_CREDENTIALS_SUFFIX = '.credentials.json';

/** `tickflow backup --out FILE`: an etcd snapshot of the server's store, checked and written atomically. */
export function registerBackupCommand(program: Command, io: CliIo): void {
  const command = program
    .command('backup')
    .description(
      "save a snapshot of the server's etcd (every job, reminder and workflow) to a file; " +
        '`tickflow restore` makes a data dir from it',
    )
    .requiredOption('-o, --out <file>', 'the snapshot file to write (refused if it exists, unless --force)')
    .option('--force', 'replace --out (and its .credentials.json) if it exists');
  addEtcdAccessOptions(command).action(async (flags: BackupFlags, cmd: Command) => {
    const out = new Output(io, cmd.optsWithGlobals<{ json?: boolean }>().json === true);
    const credentialsOut = `${flags.out}${BACKUP_CREDENTIALS_SUFFIX}`;
    await checkSnapshotTarget(flags.out, flags.force === true);
    const etcd = await openEtcdAccess(flags, io);
    const progress = new Progress(io);
    try {
      if (etcd.credentialsFile !== undefined && flags.force !== true && (await exists(credentialsOut))) {
        throw new SnapshotPathError(
          'out',
          credentialsOut,
          'a file that does not exist yet (or --force)',
          'it exists',
        );
      }
      const tick = progressThrottle();
      const info = await saveSnapshot({ hosts: etcd.hosts, ...etcd.credentials }, flags.out, {
        ...(flags.force === true && { force: true }),
        onProgress: (bytes) => {
          if (tick()) progress.update(`snapshot: ${formatBytes(bytes)} written`);
        },
      }).catch((error: unknown) => {
        throw explainRefusal(error, "a snapshot needs a user with etcd's root role");
      });
      progress.done();
      // The snapshot has etcd auth on with the embedded root user's password hash: a restore of
      // it is only usable with that password, so it travels with the snapshot (owner-only).
      let credentials: string | undefined;
      if (etcd.credentialsFile !== undefined) {
        const auth = await readEmbeddedCredentials(etcd.credentialsFile);
        if (auth !== undefined) {
          await writeSecretFile(credentialsOut, `${JSON.stringify(auth)}\n`, flags.force === true);
          credentials = credentialsOut;
        }
      }
      if (out.json) {
        out.printJson({ ...info, ...(credentials !== undefined && { credentials }) });
        return;
      }
      out.line(
        `backup ${info.file}: ${info.bytes} bytes (${formatBytes(info.bytes)}), revision ${info.revision}, ` +
          `sha256 ${info.sha256}`,
      );
      if (credentials !== undefined) {
        out.line(
          `etcd credentials of the embedded store: ${credentials} (keep it with the backup, and as secret)`,
        );
      }
    } finally {
      progress.done();
      await etcd.close();
    }
  });
}

/** Writes `text` to `file` (mode 0600) through a temp file and a rename; refuses an existing file unless `force`. */
async function writeSecretFile(file: string, text: string, force: boolean): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${nanoid(8)}.partial`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (force) {
      await rename(temp, file);
      return;
    }
    try {
      await link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      throw new SnapshotPathError('out', file, 'a file that does not exist yet (or --force)', 'it exists');
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
