/**
 * tickflow as the benchmarks run it: the build in dist/ (tsc's output, what `npm install tickflow`
 * runs), not the sources through tsx. tsx compiles with esbuild's keepNames, which wraps every
 * function created at run time in a `__name` call that defines its name property; on the timer
 * fire path that was about a quarter of the process's CPU (54 against 39 µs per timer), a cost no
 * installed copy pays. Every benchmark imports tickflow from here, so all measure the same code.
 *
 * A build older than the sources would measure stale code, so loading this module checks that
 * dist/ was built after the last change under src/ and says what to run when it was not.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export * from '../../dist/index.js';
export { startServer } from '../../dist/server/tickflow-server.js';
export { parseSchedule } from '../../dist/timers/schedule/schedule.js';
export { describeDefrag, describeRecovery } from '../../dist/etcd/etcd-maintenance.js';
export { serializeEvent, deserializeEvent } from '../../dist/history/serialize.js';
export { execute, WorkflowExecutor } from '../../dist/engine/executor.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The most recently modified file under `dir`, recursively. */
function newest(dir: string): { path: string; mtimeMs: number } {
  let best = { path: dir, mtimeMs: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const found = entry.isDirectory() ? newest(path) : { path, mtimeMs: statSync(path).mtimeMs };
    if (found.mtimeMs > best.mtimeMs) best = found;
  }
  return best;
}

const source = newest(join(root, 'src'));
let built: number;
try {
  built = statSync(join(root, 'dist', 'index.js')).mtimeMs;
} catch {
  throw new Error(
    'dist/ has no build: run `npm run build` first (the benchmarks measure the build, as installed)',
  );
}
if (source.mtimeMs > built) {
  throw new Error(
    `dist/ is older than ${source.path.slice(root.length)}: run \`npm run build\` first ` +
      '(the benchmarks measure the build, as installed)',
  );
}
