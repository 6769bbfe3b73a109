import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { nanoid } from 'nanoid';
import { EtcdDataDirInUseError } from './embedded-etcd-errors.js';

/** What the lock file of an embedded etcd's data dir says about the process that holds it. */
export interface DataDirHolder {
  /** The process that started the etcd (not the etcd itself). */
  pid: number;
  /** Its command line, shortened. */
  command: string;
  /** The etcd it runs on that data dir, once that etcd answers. */
  etcdPid?: number;
  hosts?: string[];
  /** Linux: boot id and start time of `pid`, so that a pid reused after a reboot or crash is not taken for the holder. */
  boot?: string;
  startTicks?: string;
  /** Tells this holder's lock apart from a later one of the same process. */
  token: string;
}

/** Locks held by this process, released on exit if nobody stopped their etcd. */
const held = new Map<string, string>();
process.on('exit', () => {
  for (const [path, token] of held) {
    try {
      if (parseHolder(readFileSync(path, 'utf8'))?.token === token) unlinkSync(path);
    } catch {
      // Gone already.
    }
  }
});

const TAKEOVER_ATTEMPTS = 3;

/**
 * An exclusive claim on an embedded etcd's data dir: the file `{dataDir}.lock` beside it (etcd
 * warns about foreign files inside its data dir), created atomically and naming the holder. A
 * second etcd on the same data dir would wait forever for etcd's own file lock; this lets the
 * second caller fail at once and say who holds the dir. A lock whose process is gone is taken over.
 */
export class DataDirLock {
  readonly path: string;
  readonly #dataDir: string;
  #holder: DataDirHolder;

  private constructor(dataDir: string, holder: DataDirHolder) {
    this.#dataDir = dataDir;
    this.path = lockPath(dataDir);
    this.#holder = holder;
  }

  /** Claims `dataDir` (absolute) for this process; throws EtcdDataDirInUseError if a live process holds it. */
  static async acquire(dataDir: string): Promise<DataDirLock> {
    const lock = new DataDirLock(dataDir, {
      pid: process.pid,
      command: commandLine(),
      ...processStart(process.pid),
      token: nanoid(12),
    });
    const text = JSON.stringify(lock.#holder);
    for (let attempt = 1; ; attempt++) {
      if (await createExclusive(lock.path, text)) break;
      const found = await readText(lock.path);
      if (found === undefined) continue; // released in between
      const holder = parseHolder(found);
      if (holder !== undefined && holds(holder)) throw new EtcdDataDirInUseError(dataDir, lock.path, holder);
      // Its process is gone but the etcd it started is not (its watchdog died with it).
      if (holder?.etcdPid !== undefined && isEtcd(holder.etcdPid)) {
        const orphan = { pid: holder.etcdPid, command: `etcd left running by process ${holder.pid}` };
        throw new EtcdDataDirInUseError(dataDir, lock.path, { ...orphan, hosts: holder.hosts });
      }
      if (attempt >= TAKEOVER_ATTEMPTS) {
        throw new EtcdDataDirInUseError(
          dataDir,
          lock.path,
          holder ?? { pid: -1, command: 'unknown', token: '' },
        );
      }
      // Stale: its process is gone. Remove it only if nobody replaced it since we read it.
      if ((await readText(lock.path)) === found) await unlink(lock.path).catch(() => undefined);
    }
    held.set(lock.path, lock.#holder.token);
    return lock;
  }

  /** The data dir this lock claims. */
  get dataDir(): string {
    return this.#dataDir;
  }

  /** Records the etcd now running on the data dir, for the message a second caller gets. */
  async update(etcd: { etcdPid: number; hosts: string[] }): Promise<void> {
    this.#holder = { ...this.#holder, ...etcd };
    const tmp = `${this.path}.${process.pid}.${nanoid(6)}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(this.#holder), { mode: 0o644 });
      if (!(await this.#stillOurs())) return;
      await rename(tmp, this.path);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Removes the lock file if it is still this lock's; idempotent. */
  async release(): Promise<void> {
    if (held.get(this.path) !== this.#holder.token) return;
    held.delete(this.path);
    if (await this.#stillOurs()) await unlink(this.path).catch(() => undefined);
  }

  async #stillOurs(): Promise<boolean> {
    const text = await readText(this.path);
    return text !== undefined && parseHolder(text)?.token === this.#holder.token;
  }
}

/** `{dataDir}.lock`, beside the data dir. */
export function lockPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}.lock`;
}

/**
 * Writes `text` to `path` only if no such file exists, with its whole content at once (a reader
 * never sees half a lock): written to a temp file, then hard-linked. False if `path` exists.
 */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${nanoid(6)}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  try {
    await link(tmp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links: an exclusive create, briefly empty.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') {
      try {
        await writeFile(path, text, { flag: 'wx', mode: 0o644 });
        return true;
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw inner;
      }
    }
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseHolder(text: string): DataDirHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<DataDirHolder> | null;
    if (typeof value !== 'object' || value === null || !Number.isSafeInteger(value.pid)) return undefined;
    return {
      pid: value.pid as number,
      command: typeof value.command === 'string' ? value.command : 'unknown',
      token: typeof value.token === 'string' ? value.token : '',
      ...(Number.isSafeInteger(value.etcdPid) && { etcdPid: value.etcdPid as number }),
      ...(Array.isArray(value.hosts) && {
        hosts: value.hosts.filter((h): h is string => typeof h === 'string'),
      }),
      ...(typeof value.boot === 'string' && { boot: value.boot }),
      ...(typeof value.startTicks === 'string' && { startTicks: value.startTicks }),
    };
  } catch {
    return undefined;
  }
}

/** Whether the holder's process still runs (a lock of this very process counts only while held). */
function holds(holder: DataDirHolder): boolean {
  if (holder.pid === process.pid) return [...held.values()].includes(holder.token);
  if (holder.pid <= 0 || !isAlive(holder.pid)) return false;
  // Same pid, but another process since a reboot or a pid reuse?
  const now = processStart(holder.pid);
  if (holder.boot !== undefined && now.boot !== undefined && holder.boot !== now.boot) return false;
  if (
    holder.startTicks !== undefined &&
    now.startTicks !== undefined &&
    holder.startTicks !== now.startTicks
  ) {
    return false;
  }
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A live process that is an etcd, as far as /proc tells (elsewhere, every live process counts). */
function isEtcd(pid: number): boolean {
  if (pid <= 0 || !isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('etcd');
  } catch {
    return true;
  }
}

/** Linux only (empty elsewhere): the boot id and the start time of `pid` in clock ticks since boot. */
function processStart(pid: number): { boot?: string; startTicks?: string } {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command (field 2) is in parentheses and may contain spaces.
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return startTicks === undefined ? { boot } : { boot, startTicks };
  } catch {
    return {};
  }
}

/** `tickflow.js serve --port 0 ...`: the script and its arguments, at most 120 characters. */
function commandLine(): string {
  const [script = process.argv0, ...args] = process.argv.slice(1);
  const text = [basename(script), ...args].join(' ');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
