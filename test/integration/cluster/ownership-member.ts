/**
 * A partition-ownership member in its own process, so tests can SIGKILL it (a real crash: no
 * revoke, no goodbye). Usage: ownership-member.ts <hosts,...> <prefix> <memberId> <ttlSeconds> <partitions>
 * Prints one JSON line per event on stdout.
 */
import { PartitionOwnership } from '../../../src/cluster/partition-ownership.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';

const [hosts = '', prefix = '', memberId = '', ttl = '2', partitions = '8'] = process.argv.slice(2);
const say = (line: object): boolean => process.stdout.write(`${JSON.stringify(line)}\n`);
const kv = await connectEtcd({ hosts: hosts.split(',') });
const ownership = new PartitionOwnership({
  kv,
  prefix,
  memberId,
  leaseTtlSeconds: Number(ttl),
  partitions: Number(partitions),
  onAcquire: async (p) => void say({ event: 'acquired', p }),
  onRelease: async (p) => void say({ event: 'released', p }),
});
ownership.on('error', (error) => say({ event: 'error', message: error.message }));
await ownership.start();
say({ event: 'started' });
