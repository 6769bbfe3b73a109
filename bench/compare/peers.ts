/**
 * Loads the peer engines' npm packages from bench/peers/node_modules (installed by
 * bench/peers/install.sh, not by the main install). They are imported by absolute path and typed
 * by the small interfaces in peer-types.ts, so type-checking tickflow never needs them installed.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PEERS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'peers');
const requireFromPeers = createRequire(join(PEERS_DIR, 'package.json'));

export class PeerMissingError extends Error {
  constructor(what: string) {
    super(`${what} is not installed: run bench/peers/install.sh`);
    this.name = 'PeerMissingError';
  }
}

/** The ESM entry of a package installed in bench/peers, imported and cast to `T`. */
export async function importPeer<T>(specifier: string): Promise<T> {
  let resolved: string;
  try {
    resolved = requireFromPeers.resolve(specifier);
  } catch {
    throw new PeerMissingError(specifier);
  }
  // Prefer the package's ESM build when its CommonJS entry was resolved.
  const esm = resolved.replace(/\/dist\/cjs\//, '/dist/esm/').replace(/\.cjs$/, '.js');
  const target = esm !== resolved && existsSync(esm) ? esm : resolved;
  return (await import(pathToFileURL(target).href)) as T;
}

/** Version of a package installed in bench/peers, or undefined. */
export async function peerVersion(name: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(await readFile(join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version;
  } catch {
    return undefined;
  }
}

/** The restate-server binary shipped in @restatedev/restate-server-<platform>-<arch>. */
export function restateServerBinary(): string {
  const path = join(
    PEERS_DIR,
    'node_modules',
    '@restatedev',
    `restate-server-${process.platform}-${process.arch}`,
    'bin',
    'restate-server',
  );
  if (!existsSync(path)) throw new PeerMissingError(`@restatedev/restate-server (${path})`);
  return path;
}
