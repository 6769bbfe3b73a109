import { Etcd3 } from 'etcd3';
import { whileSettling } from './embedded-member.js';
import { StoreRequestError } from './errors.js';

/** One member of the etcd cluster, as `GET /v1.0/cluster/members` shows it. */
export interface EtcdMemberInfo {
  /** The member's name; empty for a member added but not started yet. */
  name: string;
  /** etcd's member id (hex). */
  id: string;
  peerUrls: string[];
  clientUrls: string[];
  /** Whether it has started (an added member that never ran has no name and no client URLs). */
  started: boolean;
  /** Whether it is the raft leader now; undefined when its status could not be read. */
  leader: boolean | undefined;
}

/**
 * The membership of the etcd cluster a server runs on (embedded HA): listing, and removing a
 * member for scaling down. Each call opens a short-lived client: these are rare operator calls.
 */
export class EtcdMembers {
  readonly #hosts: string[];
  readonly #auth: { username: string; password: string } | undefined;

  constructor(hosts: string[], auth?: { username: string; password: string }) {
    this.#hosts = hosts;
    this.#auth = auth;
  }

  /** Every member, with who leads (each started member's status, at most 2 s each). */
  async list(): Promise<EtcdMemberInfo[]> {
    return this.#with(async (client) => {
      const { members } = await client.cluster.memberList({ linearizable: true });
      const status = await client.maintenance.status().catch(() => undefined);
      const leader = status?.leader;
      return members.map((m) => ({
        name: m.name,
        id: BigInt(m.ID).toString(16),
        peerUrls: m.peerURLs,
        clientUrls: m.clientURLs,
        started: m.name !== '',
        leader: leader === undefined ? undefined : String(leader) === String(m.ID),
      }));
    });
  }

  /**
   * Removes the member named `name` (or with that hex id, for one that never started). etcd
   * refuses a removal that would leave the started members without a quorum. Throws a
   * `StoreRequestError` for an unknown name or the last member.
   */
  async remove(name: string): Promise<EtcdMemberInfo> {
    const { members } = await this.#with((client) => client.cluster.memberList({ linearizable: true }));
    const member = members.find((m) => m.name === name || BigInt(m.ID).toString(16) === name);
    if (member === undefined) {
      const names = members.map((m) => m.name || BigInt(m.ID).toString(16));
      throw new StoreRequestError('name', name, `a member of the cluster: ${names.join(', ')}`);
    }
    if (members.length === 1) {
      throw new StoreRequestError('name', name, 'a member other than the last one (a cluster keeps one)');
    }
    // A client per attempt: etcd3's circuit breaker stays open after a refusal.
    await whileSettling(() => this.#with((client) => client.cluster.memberRemove({ ID: member.ID })));
    return {
      name: member.name,
      id: BigInt(member.ID).toString(16),
      peerUrls: member.peerURLs,
      clientUrls: member.clientURLs,
      started: member.name !== '',
      leader: undefined,
    };
  }

  async #with<T>(call: (client: Etcd3) => Promise<T>): Promise<T> {
    const client = new Etcd3({
      hosts: this.#hosts,
      ...(this.#auth !== undefined && { auth: this.#auth }),
      dialTimeout: 2_000,
    });
    try {
      return await call(client);
    } finally {
      client.close();
    }
  }
}
