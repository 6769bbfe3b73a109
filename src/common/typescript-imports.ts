import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/** tsx's loader is registered once per process. */
let tsxRegistered = false;

/** Whether `path` names a TypeScript file, which Node 20 cannot import by itself. */
export function isTypeScript(path: string): boolean {
  return TYPESCRIPT.has(extname(path));
}

/**
 * Makes .ts modules importable in this process, for the user's modules the `tickflow` command
 * loads (`serve --workflows`, `replay --workflows`): already so under tsx (tests, `tsx` itself),
 * else by registering the `tsx` loader found from `from` (the module, so the user's project) or
 * the current directory. False when there is no tsx to register.
 */
export async function enableTypeScriptImports(from: string): Promise<boolean> {
  if (tsxRegistered || process.execArgv.some((arg) => arg.includes('tsx'))) return true;
  let api: string | undefined;
  for (const base of [from, join(process.cwd(), 'package.json')]) {
    api = tsxEsmApi(base);
    if (api !== undefined) break;
  }
  if (api === undefined) return false;
  const { register } = (await import(pathToFileURL(api).href)) as { register: () => unknown };
  register();
  tsxRegistered = true;
  return true;
}

/** What to tell a user whose TypeScript module cannot be imported. */
export const NO_TSX_HINT =
  'is TypeScript, which Node cannot import by itself: install tsx in your project ' +
  '(npm install --save-dev tsx) or compile the module and pass the .js file';

/**
 * The file of tsx's ESM register API as seen from `base`, or undefined without tsx. `require.resolve`
 * would give its CommonJS build, so the ESM entry is read from tsx's own exports map.
 */
function tsxEsmApi(base: string): string | undefined {
  try {
    const manifest = createRequire(base).resolve('tsx/package.json');
    const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      exports?: Record<string, { import?: { default?: string } } | string>;
    };
    const entry = exports?.['./esm/api'];
    const file = typeof entry === 'object' ? entry.import?.default : undefined;
    return file === undefined ? undefined : join(dirname(manifest), file);
  } catch {
    return undefined; // not installed there
  }
}
