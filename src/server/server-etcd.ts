import { join } from 'node:path';
import { credentialsFile } from '../etcd/embedded-auth.js';
import { EtcdDataDirInUseError } from '../etcd/embedded-etcd-errors.js';
import { startEmbeddedEtcd, type EmbeddedEtcd } from '../etcd/embedded-etcd.js';
import { startEmbeddedMember } from '../etcd/embedded-member.js';
import type { KvStore } from '../etcd/kv-store.js';
import { ServeError, type ServeOptions } from './serve-options.js';

const STORE_CHECK_TIMEOUT_MS = 2_000;

/** The embedded etcd in `{dataDir}/etcd`; a data dir another server runs on is refused at once. */
export async function startServerEtcd(
  dataDir: string,
  cluster: ServeOptions['etcdCluster'],
  log: (line: string) => void,
): Promise<EmbeddedEtcd> {
  try {
    if (cluster !== undefined) {
      return await startEmbeddedMember({ dataDir: join(dataDir, 'etcd'), ...cluster, log });
    }
    // On owner-only unix sockets (no TCP port) and with auth: only this user's processes can
    // reach it, and those need the password from the owner-only credentials file.
    return await startEmbeddedEtcd({ dataDir: join(dataDir, 'etcd'), auth: true });
  } catch (error) {
    if (!(error instanceof EtcdDataDirInUseError)) throw error;
    const etcd = error.hosts?.join(',');
    throw new ServeError(
      `data dir ${JSON.stringify(dataDir)} is in use by process ${error.holderPid} (${error.holderCommand})` +
        (etcd === undefined ? '' : `, its etcd on ${etcd}`) +
        `: pass another --data-dir, or --etcd ${etcd ?? '<its etcd URLs>'} --etcd-user root with ` +
        `TICKFLOW_ETCD_PASSWORD from ${credentialsFile(join(dataDir, 'etcd'))} to share its etcd` +
        ` (if process ${error.holderPid} is not tickflow, delete ${error.lockFile})`,
    );
  }
}

/** Resolves when etcd answers a read within 2 s (the health route's check); rejects otherwise. */
export async function checkStore(kv: KvStore): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${STORE_CHECK_TIMEOUT_MS} ms`)),
      STORE_CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([kv.get('/tickflow/healthz'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
