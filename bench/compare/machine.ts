/** The machine and software a comparison ran on, recorded with every result file. */
import { execFile } from 'node:child_process';
import { freemem, loadavg, release } from 'node:os';
import { promisify } from 'node:util';
import { machineInfo } from '../lib/results.js';
import { peerVersion } from './peers.js';
import { redisVersion } from './redis-server.js';
import { restateVersion } from './restate-server.js';

export type MachineInfo = Record<string, string | number>;

export async function describeMachine(): Promise<MachineInfo> {
  const [etcd, redis, restate, bullmq, ioredis, sdk] = await Promise.all([
    etcdVersion(),
    redisVersion(),
    restateVersion(),
    peerVersion('bullmq'),
    peerVersion('ioredis'),
    peerVersion('@restatedev/restate-sdk'),
  ]);
  return {
    ...machineInfo(),
    kernel: release(),
    freeMemMiB: Math.round(freemem() / 2 ** 20),
    etcd: etcd ?? 'not found',
    redis: redis ?? 'not installed',
    bullmq: bullmq ?? 'not installed',
    ioredis: ioredis ?? 'not installed',
    restateServer: restate ?? 'not installed',
    restateSdk: sdk ?? 'not installed',
  };
}

/** The 1, 5 and 15-minute load averages, rounded. */
export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg();
  return [round2(a), round2(b), round2(c)];
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

async function etcdVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(process.env['TICKFLOW_ETCD_BIN'] ?? 'etcd', ['--version']);
    return /etcd Version: (\S+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}
