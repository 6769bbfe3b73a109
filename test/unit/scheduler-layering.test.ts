/**
 * The layering zones of src/scheduler (eslint.config.js): it imports common and timers only, and
 * only the composition layers (grpc, server, cli) import it. Each forbidden arrow, written into a
 * real file, is reported; the allowed ones are not.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function restricted(file: string, importLine: string): Promise<string[]> {
  const text = `${importLine}\n${readFileSync(file, 'utf8')}`;
  const [result] = await eslint.lintText(text, { filePath: file });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'import-x/no-restricted-paths')
    .map((m) => m.message);
}

const forbidden: Array<[string, string, string]> = [
  [
    'scheduler -> grpc',
    'src/scheduler/sidecar-hub.ts',
    "import type { GrpcService } from '../grpc/grpc-server.js';",
  ],
  [
    'timers -> scheduler',
    'src/timers/job-view.ts',
    "import type { SidecarHub } from '../scheduler/sidecar-hub.js';",
  ],
];

for (const [arrow, file, line] of forbidden) {
  test(`${arrow} is reported`, async (t) => {
    t.true((await restricted(file, line)).length > 0);
  });
}

test('grpc -> scheduler and scheduler -> timers are allowed', async (t) => {
  t.deepEqual(
    await restricted(
      'src/grpc/scheduler-stream.ts',
      "import type { SidecarHub } from '../scheduler/sidecar-hub.js';",
    ),
    [],
  );
  t.deepEqual(
    await restricted('src/scheduler/sidecar-hub.ts', "import type { JobView } from '../timers/job-view.js';"),
    [],
  );
});
