import { StoreRequestError } from './errors.js';

/** One member of an embedded etcd cluster, as the replicas' flags describe it. */
export interface LayoutMember {
  /** The member's name: the replica's `--id`. */
  readonly name: string;
  /** Where the other members reach it (`http://host:port`), as given in `--initial-cluster`. */
  readonly peerUrl: string;
  /** The host of `peerUrl`: the member listens for clients on the same address. */
  readonly host: string;
  readonly peerPort: number;
  readonly clientPort: number;
  /** `http://host:clientPort`. */
  readonly clientUrl: string;
}

/** Every member of the cluster, and which one this replica runs. */
export interface ClusterLayout {
  readonly members: readonly LayoutMember[];
  readonly self: LayoutMember;
  /** `name=peerUrl,...` as etcd's `--initial-cluster` takes it. */
  readonly initialCluster: string;
}

/** What `parseClusterLayout` reads: the values of the serve flags. */
export interface ClusterLayoutFlags {
  /** `--id`: this replica's member name. */
  id: string;
  /** `--initial-cluster`: `name=http://host:port,...` (peer URLs). */
  initialCluster: string;
  /** `--etcd-client-ports`: `name=port,...`; a member not listed takes `defaultClientPort`. */
  clientPorts?: string;
  /** `--replica-count`: when given, `initialCluster` must list exactly this many members. */
  replicaCount?: number;
  /** Client port of members `clientPorts` leaves out. Default 2379, as etcd's and Dapr's. */
  defaultClientPort?: number;
}

/** The most members a layout may have: etcd advises against more than 7 voting members. */
export const MAX_CLUSTER_MEMBERS = 7;
const NAME = /^[A-Za-z0-9._-]{1,63}$/;

/**
 * Reads the cluster flags of `tickflow serve` (the same on every replica but `--id`) into a layout,
 * or throws a `StoreRequestError` naming the flag, the value and what is allowed. Pure.
 */
export function parseClusterLayout(flags: ClusterLayoutFlags): ClusterLayout {
  const ports = parsePairs('--etcd-client-ports', flags.clientPorts ?? '', 'name=port');
  const peers = parsePairs('--initial-cluster', flags.initialCluster, 'name=http://host:port');
  if (peers.size === 0) {
    throw new StoreRequestError(
      '--initial-cluster',
      flags.initialCluster,
      'name=http://host:port,... (1 or more)',
    );
  }
  if (peers.size > MAX_CLUSTER_MEMBERS) {
    throw new StoreRequestError(
      '--initial-cluster',
      `${peers.size} members`,
      `at most ${MAX_CLUSTER_MEMBERS} members (etcd's quorum writes slow down with every member)`,
    );
  }
  if (flags.replicaCount !== undefined && flags.replicaCount !== peers.size) {
    throw new StoreRequestError(
      '--replica-count',
      flags.replicaCount,
      `the number of members --initial-cluster lists (${peers.size})`,
    );
  }
  for (const name of ports.keys()) {
    if (!peers.has(name)) {
      throw new StoreRequestError(
        '--etcd-client-ports',
        name,
        `names of --initial-cluster members (${[...peers.keys()].join(', ')})`,
      );
    }
  }
  const members: LayoutMember[] = [];
  const addresses = new Set<string>();
  for (const [name, text] of peers) {
    const peer = parsePeerUrl(name, text);
    const clientPort = ports.has(name)
      ? parsePort('--etcd-client-ports', ports.get(name) ?? '')
      : (flags.defaultClientPort ?? 2379);
    for (const port of [peer.port, clientPort]) {
      const address = `${peer.host}:${port}`;
      if (addresses.has(address)) {
        throw new StoreRequestError(
          '--etcd-client-ports',
          address,
          'a distinct host:port for every peer and client port (members on one host need their own --etcd-client-ports)',
        );
      }
      addresses.add(address);
    }
    members.push({
      name,
      peerUrl: `http://${peer.host}:${peer.port}`,
      host: peer.host,
      peerPort: peer.port,
      clientPort,
      clientUrl: `http://${peer.host}:${clientPort}`,
    });
  }
  const self = members.find((m) => m.name === flags.id);
  if (self === undefined) {
    throw new StoreRequestError(
      '--id',
      flags.id,
      `one of the --initial-cluster names: ${[...peers.keys()].join(', ')}`,
    );
  }
  return { members, self, initialCluster: members.map((m) => `${m.name}=${m.peerUrl}`).join(',') };
}

function parsePairs(flag: string, text: string, shape: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || !NAME.test(name)) {
      throw new StoreRequestError(flag, part, `${shape}, names of 1-63 letters, digits, '.', '_' or '-'`);
    }
    if (pairs.has(name)) throw new StoreRequestError(flag, name, 'each name once');
    pairs.set(name, part.slice(eq + 1));
  }
  return pairs;
}

function parsePeerUrl(name: string, text: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StoreRequestError('--initial-cluster', `${name}=${text}`, 'a peer URL http://host:port');
  }
  if (
    url.protocol !== 'http:' ||
    url.port === '' ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search !== ''
  ) {
    throw new StoreRequestError(
      '--initial-cluster',
      `${name}=${text}`,
      'a peer URL http://host:port with an explicit port and no path (peer TLS is not supported yet)',
    );
  }
  return { host: url.hostname, port: Number(url.port) };
}

function parsePort(flag: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65_535)
    throw new StoreRequestError(flag, text, 'a port 1-65535');
  return port;
}
