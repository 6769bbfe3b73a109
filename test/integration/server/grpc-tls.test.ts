/**
 * The gRPC API uses the HTTP API's TLS (`--tls-cert`, `--tls-key`; `--tls-ca` for mutual TLS):
 * a client that trusts the CA and presents a certificate it signed is served; a plaintext client,
 * or one without a client certificate, is not.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { credentials, status } from '@grpc/grpc-js';
import test from 'ava';
import { GrpcTestClient } from '../../helpers/grpc-client.js';
import { startServerProcess } from '../../helpers/server-fixture.js';
import { makeTestCerts } from '../../helpers/test-certs.js';

const certs = await makeTestCerts();
const server = await startServerProcess({
  args: ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-ca', certs.ca],
});
test.after.always(async () => {
  await server.stop();
  await rm(certs.dir, { recursive: true, force: true });
});

const port = (): number => {
  if (server.grpcPort === undefined) throw new Error('no gRPC port in the startup line');
  return server.grpcPort;
};

test('mutual TLS: a client certificate signed by --tls-ca is served; plaintext or no certificate is not', async (t) => {
  const ca = readFileSync(certs.ca);
  const mutual = GrpcTestClient.health(
    port(),
    credentials.createSsl(ca, readFileSync(certs.clientKey), readFileSync(certs.clientCert)),
  );
  const served = await mutual.call<{ status: string }>('Check', { service: '' });
  mutual.close();
  t.true(served.ok, JSON.stringify(served));
  if (served.ok) t.is(served.value.status, 'SERVING');

  for (const [what, channel] of [
    ['plaintext', credentials.createInsecure()],
    ['TLS without a client certificate', credentials.createSsl(ca)],
  ] as const) {
    const client = GrpcTestClient.health(port(), channel);
    const refused = await client.call('Check', { service: '' });
    client.close();
    t.is(refused.code, status.UNAVAILABLE, what);
  }
});
