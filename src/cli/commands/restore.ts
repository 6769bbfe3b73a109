import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Etcd3 } from 'etcd3';
import { credentialsFile } from '../../etcd/embedded-auth.js';
import { startEmbeddedEtcd } from '../../etcd/embedded-etcd.js';
import { verifySnapshot } from '../../etcd/etcd-snapshot.js';
import { checkEmptyDir, restoreSnapshot } from '../../etcd/snapshot-restore.js';
import { CliError } from '../cli-error.js';
import { readEmbeddedCredentials } from '../etcd-access.js';
import { Output, Progress, type CliIo } from '../output.js';
import { formatBytes, progressThrottle } from '../progress-throttle.js';
import { BACKUP_CREDENTIALS_SUFFIX } from './backup.js';

interface RestoreFlags {
  dataDir: string;
  credentials?: string;
  name?: string;
  initialCluster?: string;
  initialAdvertisePeerUrls?: string;
  initialClusterToken?: string;
}

/**
 * `tickflow restore FILE --data-dir DIR`: a new serve data dir from a snapshot. `tickflow serve
 * --data-dir DIR` then starts on it with every key and revision of the snapshot, so each job goes
 * on from the progress it had at the snapshot.
 */
export function registerRestoreCommand(program: Command, io: CliIo): void {
  program
    .command('restore <file>')
    .description(
      'make a new data dir for `tickflow serve --data-dir` from a snapshot of `tickflow backup` ' +
        '(or `etcdctl snapshot save`)',
    )
    .requiredOption('--data-dir <dir>', 'the data dir to create (refused unless new or empty)')
    .option(
      '--credentials <file>',
      'the etcd credentials of the store the snapshot was taken from (default: FILE.credentials.json if it exists)',
    )
    .option('--name <name>', "this member's name (default tickflow, the embedded etcd's)")
    .option(
      '--initial-cluster <members>',
      'name=peer-url,... of every member, to restore a cluster of several members (one restore per member)',
    )
    .option('--initial-advertise-peer-urls <urls>', "this member's peer URLs (default http://localhost:2380)")
    .option('--initial-cluster-token <token>', 'the restored cluster token (default tickflow-restored)')
    .action(async (file: string, flags: RestoreFlags, cmd: Command) => {
      const out = new Output(io, cmd.optsWithGlobals<{ json?: boolean }>().json === true);
      await restore(file, flags, io, out);
    });
}

async function restore(file: string, flags: RestoreFlags, io: CliIo, out: Output): Promise<void> {
  const dataDir = resolve(flags.dataDir);
  await checkEmptyDir(dataDir);
  const progress = new Progress(io);
  const tick = progressThrottle();
  const snapshot = await verifySnapshot(file, {
    onProgress: (bytes, total) => {
      if (tick()) progress.update(`checking the snapshot: ${formatBytes(bytes)} of ${formatBytes(total)}`);
    },
  }).finally(() => progress.done());
  io.err(`snapshot ${file}: ${formatBytes(snapshot.bytes)}, sha256 ${snapshot.sha256} checks out\n`);
  const credentialsSource = flags.credentials ?? (await defaultCredentials(file));
  const auth = credentialsSource === undefined ? undefined : await readEmbeddedCredentials(credentialsSource);
  // Replicas of an embedded HA cluster share the root password through the environment instead.
  const envPassword = process.env['TICKFLOW_ETCD_PASSWORD'] || undefined;
  const checkAuth =
    auth ?? (envPassword === undefined ? undefined : { username: 'root', password: envPassword });
  const members = flags.initialCluster?.split(',').filter((m) => m.trim() !== '').length ?? 1;

  const createdDir = !(await exists(dataDir));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const etcdDir = join(dataDir, 'etcd');
  try {
    await restoreSnapshot({
      snapshot: file,
      dataDir: etcdDir,
      ...(flags.name !== undefined && { name: flags.name }),
      ...(flags.initialCluster !== undefined && { initialCluster: flags.initialCluster }),
      ...(flags.initialAdvertisePeerUrls !== undefined && {
        initialAdvertisePeerUrls: flags.initialAdvertisePeerUrls,
      }),
      ...(flags.initialClusterToken !== undefined && { initialClusterToken: flags.initialClusterToken }),
    });
    if (auth !== undefined) {
      await writeFile(credentialsFile(etcdDir), `${JSON.stringify(auth)}\n`, { mode: 0o600, flag: 'wx' });
    }
    // One member alone can start and be asked: prove that serve will be able to use it.
    const checked =
      members === 1
        ? await checkRestored(etcdDir, flags.name, checkAuth, credentialsSource ?? 'TICKFLOW_ETCD_PASSWORD')
        : undefined;
    const keys = checked?.keys;
    const summary = {
      snapshot: resolve(file),
      dataDir,
      etcdDataDir: etcdDir,
      bytes: snapshot.bytes,
      sha256: snapshot.sha256,
      ...(checked !== undefined && { keys: checked.keys, revokedLeases: checked.revokedLeases }),
      ...(auth !== undefined && { credentials: credentialsFile(etcdDir) }),
    };
    if (out.json) {
      out.printJson(summary);
      return;
    }
    out.line(
      `restored ${file} into ${dataDir}` +
        (keys === undefined ? '' : `: ${keys} keys`) +
        (checked === undefined || checked.revokedLeases === 0
          ? ''
          : `, ${checked.revokedLeases} lease${checked.revokedLeases === 1 ? '' : 's'} of the source's processes revoked`) +
        (auth === undefined ? '' : `, etcd credentials in ${credentialsFile(etcdDir)}`),
    );
    out.line(
      members === 1
        ? `start it with: tickflow serve --data-dir ${flags.dataDir}`
        : 'restore the same snapshot for every member named in --initial-cluster, then start them',
    );
  } catch (error) {
    // Leave nothing half made: a new attempt must find the dir as it was.
    if (createdDir) await rm(dataDir, { recursive: true, force: true });
    else {
      for (const entry of ['etcd', 'etcd.credentials.json', 'etcd.lock', 'etcd.sock']) {
        await rm(join(dataDir, entry), { recursive: true, force: true });
      }
    }
    throw error;
  }
}

/**
 * Starts the restored member once, alone, and counts its keys with the credentials serve will
 * use. Its users and auth come from the snapshot: a snapshot of a store with auth on is usable
 * only with that store's password, which is what this finds out before serve would.
 *
 * It also revokes every lease of the snapshot. They belong to the processes of the source
 * cluster (replica memberships, partition ownerships), none of which can reach the restored one;
 * etcd would keep them for their full TTL after the restored member starts, and the replicas of
 * the restored cluster would wait that long to take the partitions and fire what is due.
 */
async function checkRestored(
  etcdDir: string,
  name: string | undefined,
  auth: { username: string; password: string } | undefined,
  credentialsSource: string,
): Promise<{ keys: number; revokedLeases: number }> {
  // Auth is not turned on here: a snapshot without it stays so, for serve to decide.
  const etcd = await startEmbeddedEtcd({
    dataDir: etcdDir,
    maintenance: false,
    ...(name !== undefined && { name }),
  });
  const client = new Etcd3({ hosts: etcd.hosts, ...(auth !== undefined && { auth }) });
  try {
    const { leases } = await client.leaseClient.leaseLeases();
    for (const lease of leases) {
      await client.leaseClient.leaseRevoke({ ID: lease.ID }).catch((error: unknown) => {
        // Gone already (expired meanwhile) is what we wanted.
        if (!(error instanceof Error && /requested lease not found/i.test(error.message))) throw error;
      });
    }
    return { keys: await client.getAll().count(), revokedLeases: leases.length };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (/user name is empty|permission denied|invalid auth token|authentication failed/i.test(text)) {
      throw new CliError(
        auth === undefined
          ? 'the snapshot has etcd auth on: pass --credentials with the etcd.credentials.json of the data dir ' +
              `it was taken from (tickflow backup writes it beside the snapshot as FILE${BACKUP_CREDENTIALS_SUFFIX}), ` +
              'or set TICKFLOW_ETCD_PASSWORD to its root password'
          : `the credentials in ${credentialsSource} are not those of the snapshot's etcd (${text})`,
      );
    }
    throw error;
  } finally {
    client.close();
    await etcd.stop();
  }
}

async function defaultCredentials(snapshot: string): Promise<string | undefined> {
  const candidate = `${snapshot}${BACKUP_CREDENTIALS_SUFFIX}`;
  return (await exists(candidate)) ? candidate : undefined;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
