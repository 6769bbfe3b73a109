/** Shared shapes of the comparative benchmark (bench/compare): engines, workloads, results. */

export const ENGINES = ['tickflow', 'bullmq-everysec', 'bullmq-always', 'restate'] as const;
export type EngineName = (typeof ENGINES)[number];

export const WORKLOADS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'W8'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/** One run's figures: metric key → value (NaN when not measured). */
export type Metrics = Record<string, number>;

/** What a child process sends back to the runner over IPC. */
export type ChildMessage =
  | { kind: 'progress'; text: string }
  | { kind: 'spawned'; pid: number }
  | { kind: 'result'; metrics: Metrics; notes: string[]; profile?: ProfileSummary }
  | { kind: 'unsupported'; reason: string }
  | { kind: 'error'; message: string };

/** The sizes a workload runs at; `--quick` picks a smaller set (sizes.ts). */
export interface Sizes {
  w1Timers: number;
  w2Rates: number[];
  w2Seconds: number;
  w2LeadMs: number;
  w3Jobs: number;
  w3Seconds: number;
  w4Workflows: number;
  w5Single: number;
  w5Many: { workflows: number; activities: number };
  w6Steps: number;
  w6StepsCacheOff: number;
  w7Timers: number;
  /** W7 for Restate creates timers through HTTP invocations, much slower: a smaller count. */
  w7TimersRestate: number;
  /** W8 failover (tickflow only); absent in results saved before W8 existed. */
  w8: W8Sizes;
}

/** W8: cron jobs and running workflows on replicas, one of them killed mid-run (workloads/w8-failover.ts). */
export interface W8Sizes {
  replicas: number;
  /** Cron jobs on `@every <cronPeriodSeconds>s`: jobs ÷ period triggers per second. */
  jobs: number;
  cronPeriodSeconds: number;
  /** Workflows kept running, each a durable timer every `timerSeconds`, then an activity. */
  workflows: number;
  timerSeconds: number;
  /** After setup and before the measured span. */
  warmupSeconds: number;
  /** Measured span before the kill, and after it (the takeover window included). */
  beforeSeconds: number;
  afterSeconds: number;
  /** The replicas' lease TTL: a killed replica's partitions move after about this long. */
  leaseTtlSeconds: number;
}

/** Everything a child needs to run one (engine, workload, run). */
export interface ChildTask {
  engine: EngineName;
  workload: WorkloadName;
  run: number;
  sizes: Sizes;
  /** Take a CPU profile of the benchmark process (top functions land in the results). */
  profile: boolean;
}

/** Self time per function (or file) in a CPU profile, the largest first. */
export interface ProfileSummary {
  totalMs: number;
  top: Array<{ name: string; selfMs: number; share: number }>;
  byFile: Array<{ file: string; selfMs: number; share: number }>;
}

/** Reports progress of a workload to the runner (a live line), throttled by the caller. */
export type Progress = (text: string) => void;
