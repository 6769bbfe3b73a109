import type { RequestOptions } from 'node:http';
import { join } from 'node:path';

/**
 * Where an etcd we start listens: TCP ports on 127.0.0.1, or unix sockets in a directory only
 * this user can open. Sockets are the embedded default because a port on loopback is open to
 * every local user and process, while a socket in a mode-0700 directory is refused by the kernel
 * to anyone but the owner (and root) before etcd sees a byte. No certificates to make or rotate.
 */
export type EtcdListen =
  | {
      kind: 'loopback';
      clientPort: number;
      peerPort: number;
      /**
       * The address both ports are on: 127.0.0.1 unless given. A member of an embedded cluster
       * listens on the host of its peer URL, where the other members reach it.
       */
      host?: string;
    }
  | { kind: 'socket'; dir: string };

const tcpHost = (listen: { host?: string }): string => listen.host ?? '127.0.0.1';

/**
 * etcd wants listen URLs of the form `unix://host:port` and binds the socket at `host:port`
 * relative to its working directory, so it runs with `dir` as cwd and these names.
 */
export const CLIENT_SOCKET = 'client.sock:0';
export const PEER_SOCKET = 'peer.sock:0';

/** The longest socket path Linux accepts (sun_path is 108 bytes with the terminating NUL). */
export const MAX_SOCKET_PATH = 107;

/** The URL etcd listens on for clients, as given to etcd (relative to its cwd for sockets). */
export function listenClientUrl(listen: EtcdListen): string {
  return listen.kind === 'loopback'
    ? `http://${tcpHost(listen)}:${listen.clientPort}`
    : `unix://${CLIENT_SOCKET}`;
}

/** The URL etcd listens on for peers, as given to etcd. */
export function listenPeerUrl(listen: EtcdListen): string {
  return listen.kind === 'loopback'
    ? `http://${tcpHost(listen)}:${listen.peerPort}`
    : `unix://${PEER_SOCKET}`;
}

/** The client URL another process connects to (`connectEtcd({ hosts })`): absolute for sockets. */
export function clientHost(listen: EtcdListen): string {
  return listen.kind === 'loopback'
    ? `http://${tcpHost(listen)}:${listen.clientPort}`
    : `unix://${clientSocketPath(listen.dir)}`;
}

/** The client socket's absolute path in a socket directory. */
export function clientSocketPath(dir: string): string {
  return join(dir, CLIENT_SOCKET);
}

/** Where an HTTP request to etcd's client endpoint (health, metrics) goes. */
export function httpTarget(listen: EtcdListen): Pick<RequestOptions, 'host' | 'port' | 'socketPath'> {
  return listen.kind === 'loopback'
    ? { host: tcpHost(listen), port: listen.clientPort }
    : { socketPath: clientSocketPath(listen.dir) };
}

/** For messages: `127.0.0.1:2379` or the socket path. */
export function describeListen(listen: EtcdListen): string {
  return listen.kind === 'loopback'
    ? `${tcpHost(listen)}:${listen.clientPort}`
    : clientSocketPath(listen.dir);
}

/**
 * A member's advertised client URL as this process can reach it. etcd advertises a socket by the
 * relative name it was given (`unix://client.sock:0`, relative to etcd's cwd, see above), which
 * only means something next to the absolute host it was configured with: the configured
 * `unix:///dir/client.sock:0` stands for it. Other URLs are returned unchanged.
 */
export function reachableClientUrl(advertised: string, configuredHosts: readonly string[]): string {
  if (!advertised.startsWith('unix://') || advertised.startsWith('unix:///')) return advertised;
  const name = advertised.slice('unix://'.length);
  return (
    configuredHosts.find((host) => host.startsWith('unix:///') && host.endsWith(`/${name}`)) ?? advertised
  );
}
