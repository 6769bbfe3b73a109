import test from 'ava';
import { parseClusterLayout } from '../../src/etcd/cluster-layout.js';
import { StoreRequestError } from '../../src/etcd/errors.js';

const three = 's0=http://10.0.0.1:2380,s1=http://10.0.0.2:2380,s2=http://10.0.0.3:2380';

test('members on their own hosts take the default client port 2379', (t) => {
  const layout = parseClusterLayout({ id: 's1', initialCluster: three, replicaCount: 3 });
  t.is(layout.self.name, 's1');
  t.is(layout.self.clientUrl, 'http://10.0.0.2:2379');
  t.deepEqual(
    layout.members.map((m) => m.peerUrl),
    ['http://10.0.0.1:2380', 'http://10.0.0.2:2380', 'http://10.0.0.3:2380'],
  );
  t.is(layout.initialCluster, three);
});

test('members on one host need their own client ports', (t) => {
  const local = 'a=http://127.0.0.1:2380,b=http://127.0.0.1:2390';
  const error = t.throws(() => parseClusterLayout({ id: 'a', initialCluster: local }), {
    instanceOf: StoreRequestError,
  });
  t.is(error.field, '--etcd-client-ports');
  const layout = parseClusterLayout({ id: 'b', initialCluster: local, clientPorts: 'a=2379,b=2389' });
  t.is(layout.self.clientUrl, 'http://127.0.0.1:2389');
});

test('bad flags name the flag, the value and what is allowed', (t) => {
  const cases: Array<[Parameters<typeof parseClusterLayout>[0], string, RegExp]> = [
    [{ id: 's9', initialCluster: three }, '--id', /one of the --initial-cluster names: s0, s1, s2/],
    [{ id: 's0', initialCluster: three, replicaCount: 5 }, '--replica-count', /\(3\)/],
    [{ id: 's0', initialCluster: 's0=https://h:2380' }, '--initial-cluster', /peer TLS is not supported/],
    [{ id: 's0', initialCluster: 's0=http://h' }, '--initial-cluster', /explicit port/],
    [{ id: 's0', initialCluster: 's0=http://h:1,s0=http://g:1' }, '--initial-cluster', /each name once/],
    [{ id: 's0', initialCluster: 's0 http://h:1' }, '--initial-cluster', /name=http:\/\/host:port/],
    [
      { id: 's0', initialCluster: three, clientPorts: 'x=1' },
      '--etcd-client-ports',
      /names of --initial-cluster/,
    ],
    [{ id: 's0', initialCluster: three, clientPorts: 's0=99999' }, '--etcd-client-ports', /a port 1-65535/],
    [{ id: 's0', initialCluster: '' }, '--initial-cluster', /1 or more/],
  ];
  for (const [flags, field, allowed] of cases) {
    const error = t.throws(() => parseClusterLayout(flags), { instanceOf: StoreRequestError });
    t.is(error.field, field, JSON.stringify(flags));
    t.regex(error.allowed, allowed, JSON.stringify(flags));
  }
  const eight = Array.from({ length: 8 }, (_, i) => `m${i}=http://h${i}:2380`).join(',');
  t.throws(() => parseClusterLayout({ id: 'm0', initialCluster: eight }), { message: /at most 7 members/ });
});
