import type { IOptions } from 'etcd3';
import { StoreRequestError } from './errors.js';

/**
 * How tickflow proves itself to a secured etcd: TLS (the CA that signed etcd's certificate, and a
 * client certificate when etcd runs with --client-cert-auth) and etcd's user/password auth. PEM
 * contents, not paths: the CLI reads the files.
 */
export interface EtcdCredentials {
  /** TLS to etcd (`https://` hosts). */
  tls?: {
    /** PEM of the CA that signed etcd's server certificate (default: the CAs Node trusts). */
    ca?: Buffer | string;
    /** PEM client certificate and key, for etcd's --client-cert-auth. */
    cert?: Buffer | string;
    key?: Buffer | string;
  };
  /** etcd user and password (etcd's `auth enable`). */
  auth?: { username: string; password: string };
}

/** Throws a StoreRequestError naming the first inconsistent setting. */
export function checkCredentials(hosts: readonly string[], credentials: EtcdCredentials): void {
  const { tls, auth } = credentials;
  if (tls !== undefined) {
    const plain = hosts.find((h) => !h.startsWith('https://'));
    if (plain !== undefined) {
      throw new StoreRequestError('hosts', plain, 'https:// client URLs when TLS options are given');
    }
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      throw new StoreRequestError(
        'tls',
        'a certificate without its key, or a key without its certificate',
        'both or neither',
      );
    }
  }
  if (auth !== undefined && (!auth.username || typeof auth.password !== 'string' || auth.password === '')) {
    throw new StoreRequestError('auth', auth.username || '(no user)', 'a user name and a non-empty password');
  }
}

/** The etcd3 client options for `credentials`. */
export function etcd3Credentials(credentials: EtcdCredentials): Pick<IOptions, 'credentials' | 'auth'> {
  const { tls, auth } = credentials;
  const buffer = (pem: Buffer | string): Buffer => (typeof pem === 'string' ? Buffer.from(pem) : pem);
  // Without a CA or a client certificate, etcd3 already speaks TLS to https:// hosts with Node's CAs.
  const ssl = tls !== undefined && (tls.ca !== undefined || tls.cert !== undefined);
  return {
    ...(ssl && {
      credentials: {
        // grpc-js reads a null root certificate as "Node's default CAs"; etcd3's type wants a Buffer.
        rootCertificate: tls.ca === undefined ? (null as unknown as Buffer) : buffer(tls.ca),
        ...(tls.cert !== undefined &&
          tls.key !== undefined && { certChain: buffer(tls.cert), privateKey: buffer(tls.key) }),
      },
    }),
    ...(auth !== undefined && { auth: { username: auth.username, password: auth.password } }),
  };
}
