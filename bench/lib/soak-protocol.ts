/** What a soak replica (soak-replica.ts) and the soak bench (soak.bench.ts) say to each other. */
import type { HistogramCounts } from './latency-histogram.js';

export interface SoakReplicaConfig {
  hosts: string[];
  memberId: string;
  partitions: number;
  reportMs: number;
}

/** One JSON line on the replica's stdout; a report holds what happened since the previous one. */
export type SoakReport =
  | { event: 'started' }
  | {
      event: 'report';
      rss: number;
      heapUsed: number;
      owned: number;
      /** Cron deliveries by the second (epoch s) they were due in. */
      firedBySecond: Record<number, number>;
      /** First attempts only: retries include their interval, which is not lateness. */
      lateness: { counts: HistogramCounts; max: number };
      early: number;
      completed: number;
      purged: number;
      purgeFailed: number;
      warnings: string[];
    }
  | { event: 'stopped' };

/** The workflow the bench starts and the replicas run. */
export const SOAK_WORKFLOW = 'soakWorkflow';
