import type { Sizes } from './types.js';

/** The sizes (issue 8): what `npm run bench` measures. */
export const FULL: Sizes = {
  w1Timers: 100_000,
  w2Rates: [1_000, 5_000, 10_000],
  w2Seconds: 60,
  w2LeadMs: 1_000,
  w3Jobs: 10_000,
  w3Seconds: 30,
  w4Workflows: 1_000,
  w5Single: 1_000,
  w5Many: { workflows: 100, activities: 100 },
  w6Steps: 10_000,
  w6StepsCacheOff: 1_000,
  w7Timers: 1_000_000,
  w7TimersRestate: 100_000,
  // 2,000 cron triggers/s and 200 workflow timers/s (each then an activity): what this 2-core
  // machine sustains beside etcd and three replicas. The shipped lease TTL.
  w8: {
    replicas: 3,
    jobs: 10_000,
    cronPeriodSeconds: 5,
    workflows: 1_000,
    timerSeconds: 5,
    warmupSeconds: 10,
    beforeSeconds: 20,
    afterSeconds: 40,
    leaseTtlSeconds: 10,
  },
};

/** `--quick`: every workload and engine once at small sizes, ~5 minutes in all. */
export const QUICK: Sizes = {
  w1Timers: 10_000,
  w2Rates: [1_000, 5_000],
  w2Seconds: 5,
  w2LeadMs: 1_000,
  w3Jobs: 2_000,
  w3Seconds: 10,
  w4Workflows: 100,
  w5Single: 200,
  w5Many: { workflows: 20, activities: 20 },
  w6Steps: 500,
  w6StepsCacheOff: 200,
  w7Timers: 50_000,
  w7TimersRestate: 10_000,
  w8: {
    replicas: 3,
    jobs: 2_000,
    cronPeriodSeconds: 5,
    workflows: 200,
    timerSeconds: 5,
    warmupSeconds: 5,
    beforeSeconds: 10,
    afterSeconds: 25,
    leaseTtlSeconds: 10,
  },
};

/** Tiny sizes for debugging the harness itself (`--tiny`). */
export const TINY: Sizes = {
  w1Timers: 500,
  w2Rates: [200],
  w2Seconds: 3,
  w2LeadMs: 1_000,
  w3Jobs: 50,
  w3Seconds: 6,
  w4Workflows: 10,
  w5Single: 20,
  w5Many: { workflows: 3, activities: 5 },
  w6Steps: 120,
  w6StepsCacheOff: 120,
  w7Timers: 1_000,
  w7TimersRestate: 500,
  w8: {
    replicas: 3,
    jobs: 200,
    cronPeriodSeconds: 2,
    workflows: 20,
    timerSeconds: 2,
    warmupSeconds: 3,
    beforeSeconds: 5,
    afterSeconds: 12,
    leaseTtlSeconds: 3,
  },
};
