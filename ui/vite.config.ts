import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard is built into dist/ui (shipped in the npm package with the compiled server) and
 * served by `tickflow serve` at /ui/. Everything is bundled: no CDN, no external fonts.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One small bundle: the whole app is a few tens of KiB.
    modulePreload: false,
    reportCompressedSize: false,
  },
});
