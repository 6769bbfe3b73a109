#!/usr/bin/env node
// The `tickflow` command: the compiled CLI in dist/ (built by `npm run build`, and before packing).
import process from 'node:process';

let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist')) throw error;
  process.stderr.write(
    'tickflow: the CLI is not built (no dist/); run `npm run build` in the tickflow checkout\n',
  );
  process.exit(1);
}
const code = await main(process.argv);
// Exit explicitly once output is flushed: a pooled socket or timer must not keep a finished CLI alive.
process.stdout.write('', () => process.exit(code));
