import { TickflowError } from '../common/tickflow-error.js';
/** Base class for partition-ownership errors. */
export class ClusterError extends TickflowError {
  override name = 'ClusterError';
}

/** This member was configured with a partition count other than the one the cluster agreed on. */
export class PartitionCountMismatchError extends ClusterError {
  override name = 'PartitionCountMismatchError';
  readonly stored: number;
  readonly requested: number;

  constructor(key: string, stored: number, requested: number) {
    super(
      `partitions: this member was given ${requested} but the cluster under ${JSON.stringify(key)} uses ` +
        `${stored}; every member must use the same count (omit the option to adopt the stored one)`,
    );
    this.stored = stored;
    this.requested = requested;
  }
}
