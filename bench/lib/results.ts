import { mkdir, writeFile } from 'node:fs/promises';
import { arch, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results/, next to this lib folder. Its *.json files are git-ignored. */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Where and on what a benchmark ran, so stored figures can be compared fairly. */
export function machineInfo(): Record<string, string | number> {
  return {
    node: process.version,
    arch: arch(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemMiB: Math.round(totalmem() / 2 ** 20),
  };
}

/**
 * Writes `data` as `bench/results/<name>-<timestamp>.json` and `<name>-latest.json`; returns the
 * timestamped path.
 */
export async function writeResults(name: string, data: unknown): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const body = `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), machine: machineInfo(), ...asObject(data) }, null, 2)}\n`;
  const path = join(RESULTS_DIR, `${name}-${stamp}.json`);
  await writeFile(path, body);
  await writeFile(join(RESULTS_DIR, `${name}-latest.json`), body);
  return path;
}

function asObject(data: unknown): Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : { data };
}
