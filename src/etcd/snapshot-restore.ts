import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { nanoid } from 'nanoid';
import { SnapshotPathError, SnapshotRestoreError, SnapshotToolNotFoundError } from './snapshot-errors.js';

/** Options of `restoreSnapshot`. */
export interface RestoreSnapshotOptions {
  /** The snapshot file (`saveSnapshot`'s, or `etcdctl snapshot save`'s). */
  snapshot: string;
  /** The etcd data dir to create; it must not exist, or be empty. */
  dataDir: string;
  /** The member's name. Default `tickflow`, the embedded etcd's. */
  name?: string;
  /** `name=peer-url,...` of every member of the restored cluster. Default `{name}=http://localhost:2380`. */
  initialCluster?: string;
  /** This member's peer URLs. Default `http://localhost:2380`. */
  initialAdvertisePeerUrls?: string;
  /** The restored cluster's token. Default `tickflow-restored`. */
  initialClusterToken?: string;
  /** The restore tool: an etcdutl or etcdctl binary. Default `$TICKFLOW_ETCDCTL_BIN`, else etcdutl, else etcdctl on PATH. */
  tool?: string;
}

const DEFAULT_PEER_URL = 'http://localhost:2380';
/** How much of the tool's output an error carries. */
const OUTPUT_TAIL_CHARS = 2_000;

/**
 * Restores an etcd snapshot into a new data dir with etcd's own tool (`etcdutl snapshot restore`,
 * or `etcdctl snapshot restore` on etcd 3.4, which has no etcdutl): it checks the snapshot's
 * SHA-256 and writes a member of a new cluster, with the keys and revisions of the snapshot. The
 * tool writes into a temporary sibling that is renamed to `dataDir` only once it succeeded, so a
 * failed restore leaves nothing behind. Throws `SnapshotPathError` when `dataDir` holds anything,
 * `SnapshotToolNotFoundError` when no tool can be run, `SnapshotRestoreError` when it fails.
 *
 * The restored member starts with the snapshot's etcd users and roles, and with its auth on if it
 * was: clients need the credentials of the cluster the snapshot was taken from.
 */
export async function restoreSnapshot(options: RestoreSnapshotOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  await checkEmptyDir(dataDir);
  await mkdir(dirname(dataDir), { recursive: true, mode: 0o700 });
  const name = options.name ?? 'tickflow';
  const peerUrls = options.initialAdvertisePeerUrls ?? DEFAULT_PEER_URL;
  const temp = resolve(dirname(dataDir), `.${basename(dataDir)}.${nanoid(8)}.restoring`);
  const args = [
    'snapshot',
    'restore',
    resolve(options.snapshot),
    `--data-dir=${temp}`,
    `--name=${name}`,
    `--initial-cluster=${options.initialCluster ?? `${name}=${peerUrls}`}`,
    `--initial-advertise-peer-urls=${peerUrls}`,
    `--initial-cluster-token=${options.initialClusterToken ?? 'tickflow-restored'}`,
  ];
  try {
    await runTool(toolCandidates(options.tool), args);
    // An empty dataDir was allowed; rename needs it gone.
    await rmdir(dataDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(temp, dataDir);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Throws `SnapshotPathError` unless `dir` is missing or an empty directory. */
export async function checkEmptyDir(dir: string, field = 'data-dir'): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new SnapshotPathError(
      field,
      dir,
      'a new or empty directory',
      `it cannot be read as a directory (${code ?? String(error)})`,
    );
  }
  if (entries.length > 0) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
    throw new SnapshotPathError(
      field,
      dir,
      'a new or empty directory',
      `it is not empty (${shown}); a restore never writes over existing data`,
    );
  }
}

/** The binaries to try, in order. */
function toolCandidates(explicit: string | undefined): string[] {
  const configured = explicit ?? (process.env['TICKFLOW_ETCDCTL_BIN'] || undefined);
  return configured !== undefined ? [configured] : ['etcdutl', 'etcdctl'];
}

async function runTool(candidates: readonly string[], args: readonly string[]): Promise<void> {
  for (const tool of candidates) {
    const result = await run(tool, args);
    if (result === 'not found') continue;
    if (result.code !== 0) {
      const output = result.output
        .trim()
        .slice(-OUTPUT_TAIL_CHARS)
        .replace(/\s*\n\s*/g, ' | ');
      throw new SnapshotRestoreError(
        `${basename(tool)} snapshot restore failed (exit ${result.code})`,
        output,
      );
    }
    return;
  }
  throw new SnapshotToolNotFoundError(candidates);
}

function run(tool: string, args: readonly string[]): Promise<'not found' | { code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    // ETCDCTL_API=3: etcdctl 3.4 speaks v3 by default, but an environment may say otherwise.
    const child = spawn(tool, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ETCDCTL_API: '3' },
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4 * OUTPUT_TAIL_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') resolvePromise('not found');
      else reject(error);
    });
    child.once('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), output }));
  });
}
