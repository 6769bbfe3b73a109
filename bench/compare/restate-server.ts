/**
 * The restate-server binary from @restatedev/restate-server, single node, on loopback ports with
 * its own temp dir and its shipped defaults (fsync of its log on), telemetry off. The benchmark's
 * service endpoint is registered with its admin API once it listens.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { restateServerBinary } from './peers.js';
import { freePort, startServer, tempDir, type ServerProcess } from './server-process.js';

export interface RestateServer extends ServerProcess {
  ingressUrl: string;
  adminUrl: string;
  /** Registers a service endpoint (HTTP/2) at `uri` with this server. */
  register(uri: string): Promise<void>;
}

export async function startRestate(): Promise<RestateServer> {
  const binary = restateServerBinary();
  const [admin, ingress, node] = [await freePort(), await freePort(), await freePort()];
  const dir = await tempDir('restate');
  const adminUrl = `http://127.0.0.1:${admin}`;
  const ingressUrl = `http://127.0.0.1:${ingress}`;
  const env = {
    RESTATE_DISABLE_TELEMETRY: 'true',
    RESTATE_LOG_FILTER: 'warn',
    RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${admin}`,
    RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingress}`,
    RESTATE_BIND_ADDRESS: `127.0.0.1:${node}`,
    RESTATE_ADVERTISED_ADDRESS: `http://127.0.0.1:${node}/`,
  };
  const args = ['--no-logo', '--listen-mode', 'tcp', '--base-dir', dir, '--node-name', 'bench'];
  const ready = async (): Promise<boolean> => {
    const [a, i] = await Promise.all([fetch(`${adminUrl}/health`), fetch(`${ingressUrl}/restate/health`)]);
    return a.ok && i.ok;
  };
  const server = await startServer(binary, args, { dir, env, ready, timeoutMs: 120_000 });
  return {
    ...server,
    adminUrl,
    ingressUrl,
    async register(uri: string) {
      const response = await fetch(`${adminUrl}/deployments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uri, force: true }),
      });
      if (!response.ok) throw new Error(`restate: registering ${uri} failed: ${await response.text()}`);
    },
  };
}

export async function restateVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(restateServerBinary(), ['--version']);
    return stdout.trim().split(/\s+/)[1];
  } catch {
    return undefined;
  }
}
