import type { InvalidInput } from '../common/invalid-input.js';
import { TickflowError } from '../common/tickflow-error.js';

/** Base class of the errors of etcd snapshots: saving one, checking one, restoring one. */
export class SnapshotError extends TickflowError {
  override name = 'SnapshotError';
}

/**
 * A path given for a snapshot or a restore cannot be used as it is: the output file exists
 * (without `force`), its directory is missing, the data dir to restore into is not empty.
 * Nothing was written.
 */
export class SnapshotPathError extends SnapshotError implements InvalidInput {
  override name = 'SnapshotPathError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;

  constructor(field: string, path: string, allowed: string, problem: string) {
    super(`${field} ${JSON.stringify(path)}: ${problem}; allowed: ${allowed}`, {
      invalid: { field, value: path, allowed },
    });
  }
}

/**
 * A snapshot file fails its check: too short, not an etcd (bbolt) database, or its trailing
 * SHA-256 does not match its contents (damaged or truncated). A snapshot being saved that fails
 * the check is not kept.
 */
export class SnapshotCorruptError extends SnapshotError {
  override name = 'SnapshotCorruptError';
  /** The file checked. */
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`snapshot ${JSON.stringify(file)} is not usable: ${problem}`);
    this.file = file;
  }
}

/** Neither `etcdutl` nor `etcdctl` (nor `$TICKFLOW_ETCDCTL_BIN`) could be run to restore a snapshot. */
export class SnapshotToolNotFoundError extends SnapshotError {
  override name = 'SnapshotToolNotFoundError';

  constructor(tried: readonly string[]) {
    super(
      `no snapshot restore tool found (tried ${tried.join(', ')}); install etcd's client tools ` +
        '(Debian/Ubuntu: `apt-get install etcd-client`) or set TICKFLOW_ETCDCTL_BIN to an etcdctl ' +
        '3.4+ or etcdutl 3.5+ binary',
    );
  }
}

/** The restore tool ran and failed; `output` holds the end of what it printed. */
export class SnapshotRestoreError extends SnapshotError {
  override name = 'SnapshotRestoreError';
  readonly output: string;

  constructor(message: string, output = '') {
    super(output === '' ? message : `${message}: ${output}`);
    this.output = output;
  }
}
