import test from 'ava';
import {
  MAX_SOCKET_PATH,
  clientHost,
  describeListen,
  httpTarget,
  listenClientUrl,
  listenPeerUrl,
  reachableClientUrl,
} from '../../../src/etcd/etcd-listen.js';

test('loopback: TCP URLs on 127.0.0.1, the same for etcd and for clients', (t) => {
  const listen = { kind: 'loopback', clientPort: 2379, peerPort: 2380 } as const;
  t.is(listenClientUrl(listen), 'http://127.0.0.1:2379');
  t.is(listenPeerUrl(listen), 'http://127.0.0.1:2380');
  t.is(clientHost(listen), 'http://127.0.0.1:2379');
  t.deepEqual(httpTarget(listen), { host: '127.0.0.1', port: 2379 });
  t.is(describeListen(listen), '127.0.0.1:2379');
});

test('socket: etcd gets names relative to its cwd, clients the absolute path', (t) => {
  const listen = { kind: 'socket', dir: '/srv/data/etcd.sock' } as const;
  t.is(listenClientUrl(listen), 'unix://client.sock:0');
  t.is(listenPeerUrl(listen), 'unix://peer.sock:0');
  t.is(clientHost(listen), 'unix:///srv/data/etcd.sock/client.sock:0');
  t.deepEqual(httpTarget(listen), { socketPath: '/srv/data/etcd.sock/client.sock:0' });
  t.is(MAX_SOCKET_PATH, 107);
});

test('an advertised relative socket resolves to the configured absolute host', (t) => {
  const hosts = ['unix:///srv/data/etcd.sock/client.sock:0'];
  t.is(reachableClientUrl('unix://client.sock:0', hosts), 'unix:///srv/data/etcd.sock/client.sock:0');
  t.is(reachableClientUrl('unix://other.sock:0', hosts), 'unix://other.sock:0', 'no match: unchanged');
  t.is(reachableClientUrl('http://10.0.0.1:2379', hosts), 'http://10.0.0.1:2379');
  t.is(reachableClientUrl('unix:///abs/client.sock:0', hosts), 'unix:///abs/client.sock:0');
});
