import { TickflowError } from '../common/tickflow-error.js';
/** Base class for failures to run the embedded etcd process; each message says what to do. */
export class EmbeddedEtcdError extends TickflowError {
  override name = 'EmbeddedEtcdError';
  /** The last lines etcd wrote to stderr, if it got that far. */
  readonly stderrTail: string;

  constructor(message: string, stderrTail = '', options: { cause?: unknown } = {}) {
    super(stderrTail ? `${message}\n--- last lines of etcd's output ---\n${stderrTail}` : message, options);
    this.stderrTail = stderrTail;
  }
}

/** No etcd binary: neither the `binary` option, `$TICKFLOW_ETCD_BIN` nor `etcd` on PATH could be run. */
export class EtcdNotFoundError extends EmbeddedEtcdError {
  override name = 'EtcdNotFoundError';
  readonly binary: string;

  constructor(binary: string) {
    super(
      `etcd binary ${JSON.stringify(binary)} not found; install it with \`apt-get install etcd-server\` ` +
        'or set TICKFLOW_ETCD_BIN to the path of an etcd 3.4+ binary',
    );
    this.binary = binary;
  }
}

/** The data dir cannot be created or written. */
export class EtcdDataDirError extends EmbeddedEtcdError {
  override name = 'EtcdDataDirError';
  readonly dataDir: string;

  constructor(dataDir: string, problem: string, cause?: unknown) {
    super(
      `etcd data dir ${JSON.stringify(dataDir)} is not usable (${problem}); ` +
        'pass a writable dataDir or fix its permissions',
      '',
      { cause },
    );
    this.dataDir = dataDir;
  }
}

/** etcd could not bind its client or peer port: another process holds it. */
export class EtcdPortInUseError extends EmbeddedEtcdError {
  override name = 'EtcdPortInUseError';
  readonly port: number;

  constructor(port: number, stderrTail: string) {
    super(
      `etcd could not listen on 127.0.0.1:${port}: address already in use; ` +
        'stop whatever holds that port or omit `port` to pick a free one',
      stderrTail,
    );
    this.port = port;
  }
}

/** etcd exited during startup or did not become healthy within the startup timeout. */
export class EtcdStartError extends EmbeddedEtcdError {
  override name = 'EtcdStartError';
}

/**
 * Another live process runs an etcd on this data dir (its lock file names it). A second etcd would
 * wait forever for etcd's own file lock, so this is reported at once instead.
 */
export class EtcdDataDirInUseError extends EmbeddedEtcdError {
  override name = 'EtcdDataDirInUseError';
  readonly dataDir: string;
  /** The lock file beside the data dir. */
  readonly lockFile: string;
  /** The process holding the data dir (the one that started its etcd). */
  readonly holderPid: number;
  readonly holderCommand: string;
  /** Client URLs of the holder's etcd, if it is up. */
  readonly hosts: string[] | undefined;

  constructor(
    dataDir: string,
    lockFile: string,
    holder: { pid: number; command: string; hosts?: string[] | undefined },
  ) {
    const hosts = holder.hosts !== undefined && holder.hosts.length > 0 ? holder.hosts : undefined;
    super(
      `etcd data dir ${JSON.stringify(dataDir)} is in use by process ${holder.pid} (${holder.command})` +
        (hosts ? `, its etcd on ${hosts.join(',')}` : '') +
        `; pass another dataDir, or connect to that etcd instead of starting one` +
        ` (if process ${holder.pid} is not using it, delete ${lockFile})`,
    );
    this.dataDir = dataDir;
    this.lockFile = lockFile;
    this.holderPid = holder.pid;
    this.holderCommand = holder.command;
    this.hosts = hosts;
  }
}
