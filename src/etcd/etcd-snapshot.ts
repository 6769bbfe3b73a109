import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Metadata } from '@grpc/grpc-js';
import { Etcd3, type ISnapshotResponse } from 'etcd3';
import { nanoid } from 'nanoid';
import { etcd3Credentials, type EtcdCredentials } from './etcd-credentials.js';
import { StoreUnavailableError } from './errors.js';
import { SnapshotCorruptError, SnapshotPathError } from './snapshot-errors.js';

/**
 * etcd's snapshot format, as its Maintenance.Snapshot stream sends it and `etcdctl snapshot
 * restore` checks it: the member's bbolt database, followed by the SHA-256 of that database
 * (32 bytes). A file whose trailer does not match was cut short or damaged.
 */
export const SNAPSHOT_HASH_BYTES = 32;

/** bbolt's magic number, in the meta page at the start of every database (offset 16, little-endian). */
const BOLT_MAGIC = 0xed0cdaed;
const BOLT_MAGIC_OFFSET = 16;
/** The smallest bbolt file: two meta pages, a freelist page and a leaf page, of at least 512 bytes each. */
const MIN_DB_BYTES = 4 * 512;

/** Where a snapshot is taken from: an etcd's client URLs and how to prove who we are. */
export interface SnapshotSource extends EtcdCredentials {
  hosts: string[];
}

/** Options of `saveSnapshot`. */
export interface SaveSnapshotOptions {
  /** Replace `file` if it exists (default: refuse with `SnapshotPathError`). */
  force?: boolean;
  /** Called as bytes arrive, with the total so far. */
  onProgress?: (bytes: number) => void;
  /** How long to wait for etcd's first answer, in milliseconds. Default 10000. */
  dialTimeoutMs?: number;
}

/** A snapshot written and checked by `saveSnapshot`. */
export interface SnapshotInfo {
  /** The absolute path of the snapshot. */
  file: string;
  /** Its size in bytes, the trailing checksum included. */
  bytes: number;
  /** The store revision just before the snapshot was taken: it holds this revision, or a later one. */
  revision: number;
  /** The SHA-256 of the database (hex), as the file's trailer holds it. */
  sha256: string;
}

/**
 * Streams a snapshot of the etcd at `source` into `file` through etcd's maintenance API (what
 * `etcdctl snapshot save` does), and keeps it only if it checks out. The bytes go to a temporary
 * file in the same directory (owner-only: a snapshot holds every key, and etcd's users), which is
 * checked (size, bbolt header, trailing SHA-256), fsynced, and then moved to `file` in one step,
 * so `file` is never a partial snapshot. Throws `SnapshotPathError` before contacting etcd when
 * `file` exists (without `force`) or its directory does not, `SnapshotCorruptError` when what etcd
 * sent fails the check, and the store's errors when etcd cannot be read.
 */
export async function saveSnapshot(
  source: SnapshotSource,
  file: string,
  options: SaveSnapshotOptions = {},
): Promise<SnapshotInfo> {
  const target = resolve(file);
  await checkSnapshotTarget(target, options.force === true);
  const temp = join(dirname(target), `.${basename(target)}.${nanoid(8)}.partial`);
  const handle = await open(temp, 'wx', 0o600);
  let placed = false;
  try {
    const { bytes, revision, sha256 } = await streamInto(source, handle, temp, options);
    await handle.sync();
    await handle.close();
    if (options.force === true) {
      await rename(temp, target);
    } else {
      // link() fails if the name was taken meanwhile: never replace a file we were not allowed to.
      try {
        await link(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        throw new SnapshotPathError(
          'out',
          target,
          'a file that does not exist yet (or --force)',
          'it appeared while the snapshot was written',
        );
      }
      await unlink(temp);
    }
    placed = true;
    await syncDirectory(dirname(target));
    return { file: target, bytes, revision, sha256 };
  } finally {
    if (!placed) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
}

/**
 * Checks a snapshot file as a restore will: a bbolt database followed by its SHA-256. Resolves its
 * size and hash; throws `SnapshotCorruptError` naming what is wrong, `SnapshotPathError` when
 * there is no such file.
 */
export async function verifySnapshot(
  file: string,
  options: { onProgress?: (bytes: number, total: number) => void } = {},
): Promise<{ bytes: number; sha256: string }> {
  const path = resolve(file);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SnapshotPathError('snapshot', path, 'a snapshot file', 'it is not a file');
    size = info.size;
  } catch (error) {
    if (error instanceof SnapshotPathError) throw error;
    throw new SnapshotPathError('snapshot', path, 'a snapshot file', `cannot read it (${errnoCode(error)})`);
  }
  const check = new SnapshotCheck(path);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    check.add(chunk);
    options.onProgress?.(check.bytes, size);
  }
  const { sha256 } = check.finish();
  return { bytes: size, sha256 };
}

async function streamInto(
  source: SnapshotSource,
  handle: FileHandle,
  temp: string,
  options: SaveSnapshotOptions,
): Promise<{ bytes: number; revision: number; sha256: string }> {
  const client = new SnapshotClient({
    hosts: source.hosts,
    ...etcd3Credentials(source),
    dialTimeout: options.dialTimeoutMs ?? 10_000,
  });
  try {
    // etcd 3.4 sends no header with the snapshot: the revision just before it is what we can say.
    const status = await client.maintenance.status();
    const revision = Number(status.header.revision);
    const stream = await client.snapshotStream();
    const check = new SnapshotCheck(temp);
    // for-await reads one message at a time: etcd's stream waits while the disk catches up.
    for await (const message of stream as AsyncIterable<ISnapshotResponse>) {
      const blob = message.blob;
      if (blob.length === 0) continue;
      await writeAll(handle, blob);
      check.add(blob);
      options.onProgress?.(check.bytes);
    }
    const { sha256 } = check.finish();
    return { bytes: check.bytes, revision, sha256 };
  } catch (error) {
    // The check's verdict and the disk's own errors (ENOSPC, EIO) are not etcd's.
    if (error instanceof SnapshotCorruptError || typeof (error as NodeJS.ErrnoException).code === 'string') {
      throw error;
    }
    // One line naming the call and the hosts: grpc's own messages run on over several lines.
    const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() ?? '';
    throw new StoreUnavailableError('snapshot', `${detail} (${source.hosts.join(',')})`, { cause: error });
  } finally {
    client.close();
  }
}

/**
 * etcd3's `maintenance.snapshot()` (1.1.2) passes the call's metadata where grpc-js expects the
 * request, so the auth token never reaches etcd ("user name is empty" on a secured etcd). This
 * makes the same server-streaming call on the client's own connection pool, with its metadata in
 * the right place.
 */
class SnapshotClient extends Etcd3 {
  snapshotStream(): Promise<Readable> {
    return this.pool.withConnection('Maintenance', ({ client, metadata }) =>
      (client as unknown as StreamingMaintenance).snapshot({}, metadata, {}),
    );
  }
}

interface StreamingMaintenance {
  snapshot(request: object, metadata: Metadata, options: object): Readable;
}

/**
 * The check of a snapshot's bytes as they stream by: the bbolt header at the start, and the
 * SHA-256 of everything but the last 32 bytes against those 32 bytes. The last 32 bytes seen are
 * held back from the hash until the stream ends, so the file is read once.
 */
class SnapshotCheck {
  readonly #file: string;
  readonly #hash: Hash = createHash('sha256');
  #tail: Buffer = Buffer.alloc(0);
  #head: Buffer = Buffer.alloc(0);
  bytes = 0;

  constructor(file: string) {
    this.#file = file;
  }

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.#head.length < BOLT_MAGIC_OFFSET + 4) {
      this.#head = Buffer.concat([this.#head, chunk.subarray(0, BOLT_MAGIC_OFFSET + 4 - this.#head.length)]);
    }
    const all = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk]);
    const keep = Math.min(SNAPSHOT_HASH_BYTES, all.length);
    this.#hash.update(all.subarray(0, all.length - keep));
    this.#tail = Buffer.from(all.subarray(all.length - keep));
  }

  finish(): { sha256: string } {
    if (this.bytes < MIN_DB_BYTES + SNAPSHOT_HASH_BYTES) {
      throw new SnapshotCorruptError(
        this.#file,
        `${this.bytes} bytes is too short for an etcd snapshot (at least ${MIN_DB_BYTES + SNAPSHOT_HASH_BYTES})`,
      );
    }
    if (this.#head.readUInt32LE(BOLT_MAGIC_OFFSET) !== BOLT_MAGIC) {
      throw new SnapshotCorruptError(this.#file, 'it does not start with an etcd (bbolt) database header');
    }
    const digest = this.#hash.digest();
    if (!digest.equals(this.#tail)) {
      throw new SnapshotCorruptError(
        this.#file,
        'its SHA-256 trailer does not match its contents (the file is damaged or was cut short)',
      );
    }
    return { sha256: digest.toString('hex') };
  }
}

/**
 * Throws `SnapshotPathError` when a snapshot cannot be written to `file`: its directory is missing
 * (or not a directory), or the file exists and `force` is not set. `saveSnapshot` checks this
 * itself; callers that do slow work first (starting an etcd) check it earlier.
 */
export async function checkSnapshotTarget(file: string, force: boolean): Promise<void> {
  const target = resolve(file);
  const dir = dirname(target);
  try {
    if (!(await stat(dir)).isDirectory()) {
      throw new SnapshotPathError(
        'out',
        target,
        'a path in an existing directory',
        `${dir} is not a directory`,
      );
    }
  } catch (error) {
    if (error instanceof SnapshotPathError) throw error;
    throw new SnapshotPathError(
      'out',
      target,
      'a path in an existing directory',
      `its directory ${dir} cannot be used (${errnoCode(error)})`,
    );
  }
  let exists = true;
  try {
    await stat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    exists = false;
  }
  if (exists && !force) {
    throw new SnapshotPathError('out', target, 'a file that does not exist yet (or --force)', 'it exists');
  }
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** Makes the rename itself durable: without it a crash may forget the new directory entry. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
