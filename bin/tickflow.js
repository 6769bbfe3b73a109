#!/usr/bin/env node
// The `tickflow` command. tickflow ships TypeScript sources, so this launcher registers tsx's ESM
// loader first; that also lets `tickflow serve --workflows` import .ts modules.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv);
// Exit explicitly once output is flushed: a pooled socket or timer must not keep a finished CLI alive.
process.stdout.write('', () => process.exit(code));
