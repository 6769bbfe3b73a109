import test from 'ava';
import { Etcd3 } from 'etcd3';
import { nanoid } from 'nanoid';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { useEtcd } from '../../helpers/etcd.js';
import { registerKvContract } from './kv-contract-suite.js';

const etcd = await useEtcd(test);
// A second, raw client plays "someone else" revoking a lease behind our back.
const outsider = new Etcd3({ hosts: etcd.hosts });
test.after.always(() => outsider.close());

registerKvContract(test, 'EtcdKv', async () => ({
  kv: await etcd.connect(),
  prefix: etcd.prefix(),
  loseLease: async (lease) => {
    await outsider.leaseClient.leaseRevoke({ ID: lease.id });
  },
}));

registerKvContract(test, 'MemoryKv', async () => {
  const kv = new MemoryKv();
  return {
    kv,
    prefix: `/t-${nanoid(10)}/`,
    loseLease: async (lease) => kv.expireLease(lease.id),
  };
});
