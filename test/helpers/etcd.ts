import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFn } from 'ava';
import { nanoid } from 'nanoid';
import {
  startEmbeddedEtcd,
  type EmbeddedEtcd,
  type EmbeddedEtcdOptions,
} from '../../src/etcd/embedded-etcd.js';
import { connectEtcd, type EtcdKv } from '../../src/etcd/etcd-kv.js';

export interface EtcdFixture {
  /** Client URLs of this file's etcd. */
  readonly hosts: string[];
  readonly dataDir: string;
  readonly etcd: EmbeddedEtcd;
  /** A connected client, closed after the file's tests. */
  connect(): Promise<EtcdKv>;
  /** A fresh key prefix, so tests sharing this etcd never see each other's keys. */
  prefix(): string;
}

/**
 * Gives the calling test file its own etcd: a free loopback port, a temp data dir, stopped and
 * removed after the file's tests (`test.after.always`). Use at module top level:
 *
 *   const etcd = await useEtcd(test);
 *   test('x', async (t) => { const kv = await etcd.connect(); const p = etcd.prefix(); ... });
 */
export async function useEtcd<Context>(
  test: TestFn<Context>,
  options: Omit<EmbeddedEtcdOptions, 'dataDir'> = {},
): Promise<EtcdFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-etcd-'));
  const clients: EtcdKv[] = [];
  let etcd: EmbeddedEtcd;
  try {
    // On a TCP port, as the tests' etcds are (the socket default has its own tests).
    etcd = await startEmbeddedEtcd({ listen: 'loopback', ...options, dataDir });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  test.after.always(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await etcd.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    hosts: etcd.hosts,
    dataDir,
    etcd,
    async connect() {
      const client = await connectEtcd({ hosts: etcd.hosts });
      clients.push(client);
      return client;
    },
    prefix: () => `/t-${nanoid(10)}/`,
  };
}
