// An etcd with client TLS and --client-cert-auth (certificates from makeTestCerts), on free
// loopback ports with its own data dir, for the tests of tickflow against a secured etcd. The
// caller turns auth on with `admin` (users and roles are the test's own) and stops it with `stop`.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Etcd3 } from 'etcd3';
import { findFreePort } from '../../src/etcd/free-port.js';
import { waitFor } from './etcd-wait.js';
import type { TestCerts } from './test-certs.js';

export interface SecuredEtcd {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** The client certificate's PEM files, read. */
  readonly tls: { ca: Buffer; cert: Buffer; key: Buffer };
  /** A client with the client certificate and no user (before auth is on: may do anything). */
  readonly admin: Etcd3;
  /** Closes `admin`, SIGTERMs etcd and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts the etcd and resolves once it answers over TLS. */
export async function startSecuredEtcd(certs: TestCerts, dataDir: string): Promise<SecuredEtcd> {
  const [clientPort, peerPort] = [await findFreePort(), await findFreePort()];
  const url = `https://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcd = spawn(
    process.env['TICKFLOW_ETCD_BIN'] ?? 'etcd',
    [
      '--name=secure',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=secure=${peer}`,
      `--cert-file=${certs.serverCert}`,
      `--key-file=${certs.serverKey}`,
      `--trusted-ca-file=${certs.ca}`,
      '--client-cert-auth',
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => etcd.once('exit', resolve));
  const tls = {
    ca: await readFile(certs.ca),
    cert: await readFile(certs.clientCert),
    key: await readFile(certs.clientKey),
  };
  const admin = new Etcd3({
    hosts: [url],
    credentials: { rootCertificate: tls.ca, certChain: tls.cert, privateKey: tls.key },
  });
  const stop = async (): Promise<void> => {
    admin.close();
    if (etcd.exitCode === null && etcd.signalCode === null) etcd.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      async () => {
        try {
          await admin.maintenance.status();
          return true;
        } catch {
          return false;
        }
      },
      { what: 'the TLS etcd to answer', timeoutMs: 30_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, tls, admin, stop };
}
