/**
 * The dashboard with many instances stored (issue 20: "loads in under a second with 10,000
 * instances"): `tickflow serve` in this process on an embedded etcd, N waiting instances, then
 * Debian's Chromium (headless, playwright-core) opens /ui/ and the time until the first rows show
 * is taken, with the latency of the JSON routes the page calls.
 *
 *   npm run bench:dashboard          (env: N=10000 RUNS=5)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { WorkflowClient, startServer } from './lib/tickflow.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { median } from './lib/stats.js';

const N = Number(process.env['N'] ?? 10_000);
const RUNS = Number(process.env['RUNS'] ?? 5);
const CONCURRENCY = 64;

const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-dashboard-bench-'));
const server = await startServer({
  port: 0,
  grpcPort: false,
  dataDir,
  workflowsModule: fileURLToPath(new URL('./lib/waiting-workflows.ts', import.meta.url)),
});
try {
  const etcd = server.etcd!;
  const client = new WorkflowClient({
    etcd: { hosts: etcd.hosts, ...(etcd.auth !== undefined && { auth: etcd.auth }) },
  });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const n = next++;
        await client.scheduleNewWorkflow('waiting', { n }, `w-${String(n).padStart(6, '0')}`);
        if (n % 1000 === 999) process.stderr.write(`stored ${n + 1} of ${N} instances\n`);
      }
    }),
  );
  process.stderr.write(`${N} instances stored in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  await client.close();

  const url = `http://127.0.0.1:${server.port}`;
  const routes = ['/v1.0/ui/workflows?pageSize=50', '/v1.0/ui/workflows/counts', '/v1.0/ui/cluster'];
  const timings = new Map<string, number[]>(routes.map((r) => [r, []]));
  const firstRows: number[] = [];
  const browser = await launchChromium();
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const route of routes) {
        const t0 = performance.now();
        const res = await fetch(`${url}${route}`);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${route}: ${res.status}`);
        timings.get(route)!.push(performance.now() - t0);
      }
      const page = await browser.newPage();
      const t0 = performance.now();
      await page.goto(`${url}/ui/`);
      await page.locator('tr[data-instance]').first().waitFor({ timeout: 30_000 });
      firstRows.push(performance.now() - t0);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  console.log(`dashboard with ${N} instances stored, medians of ${RUNS} runs`);
  console.log(`/ui/ to the first rows of the workflows page  ${median(firstRows).toFixed(0)} ms`);
  for (const [route, values] of timings) console.log(`GET ${route}  ${median(values).toFixed(1)} ms`);
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
