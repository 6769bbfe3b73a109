import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file of the built dashboard, ready to send. */
export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** `Cache-Control`: hashed assets forever, the shell never (it names the current assets). */
  cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Relative paths the dashboard's build writes: plain names in plain folders, never `..`. */
const SAFE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/**
 * Where `vite build` writes the dashboard: `dist/ui`, next to the compiled server
 * (dist/server/ui/static-files.js). Run from the sources (tsx), the same folder of the checkout.
 */
export function defaultUiDir(): string {
  const besideDist = fileURLToPath(new URL('../../ui/', import.meta.url));
  if (existsSync(join(besideDist, 'index.html'))) return besideDist;
  return fileURLToPath(new URL('../../../dist/ui/', import.meta.url));
}

/**
 * The files of the built dashboard, read on first request and kept (a few hundred KiB): the
 * build does not change while the server runs. Unknown or unsafe paths are undefined.
 */
export class StaticFiles {
  readonly #dir: string;
  readonly #cache = new Map<string, StaticFile>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Whether the dashboard has been built (`npm run build`). */
  get built(): boolean {
    return existsSync(join(this.#dir, 'index.html'));
  }

  /** The file at `path` (relative to the build folder), or undefined when unsafe, unknown or absent. */
  async get(path: string): Promise<StaticFile | undefined> {
    if (!SAFE_PATH.test(path)) return undefined;
    const type = TYPES[extname(path)];
    if (type === undefined) return undefined;
    const cached = this.#cache.get(path);
    if (cached) return cached;
    let body: Buffer;
    try {
      body = await readFile(join(this.#dir, path));
    } catch {
      return undefined;
    }
    const file = {
      body,
      contentType: type,
      cacheControl: path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    this.#cache.set(path, file);
    return file;
  }
}
