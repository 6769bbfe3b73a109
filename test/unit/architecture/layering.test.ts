/**
 * The layering of docs/architecture.md is enforced by ESLint's import-x/no-restricted-paths zones
 * (eslint.config.js). Each forbidden arrow, written into a real file of the layer, is reported;
 * the allowed arrows are not.
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

const forbidden: Array<[layer: string, file: string, importLine: string]> = [
  ['engine -> etcd', 'src/engine/task.ts', "import type { KvStore } from '../etcd/kv-store.js';"],
  [
    'engine -> runtime',
    'src/engine/task.ts',
    "import type { RuntimeCore } from '../runtime/runtime-core.js';",
  ],
  [
    'engine -> timers',
    'src/engine/task.ts',
    "import type { TimerService } from '../timers/timer-service.js';",
  ],
  ['timers -> engine', 'src/timers/job-view.ts', "import type { WorkflowError } from '../engine/errors.js';"],
  [
    'timers -> runtime',
    'src/timers/job-view.ts',
    "import type { ReminderPort } from '../runtime/reminders/reminder-port.js';",
  ],
  [
    'timers -> history',
    'src/timers/job-view.ts',
    "import type { HistoryEvent } from '../history/events.js';",
  ],
  [
    'schedule -> etcd',
    'src/timers/schedule/next-fire.ts',
    "import type { KvStore } from '../../etcd/kv-store.js';",
  ],
  [
    'schedule -> timer service',
    'src/timers/schedule/next-fire.ts',
    "import type { JobTable } from '../job-table.js';",
  ],
  [
    'runtime -> timers',
    'src/runtime/record-wait.ts',
    "import type { TimerService } from '../timers/timer-service.js';",
  ],
  ['history -> engine', 'src/history/fold.ts', "import type { Task } from '../engine/task.js';"],
  ['etcd -> timers', 'src/etcd/key-order.ts', "import type { JobSpec } from '../timers/schedule/job.js';"],
  [
    'cluster -> timers',
    'src/cluster/partition.ts',
    "import type { JobSpec } from '../timers/schedule/job.js';",
  ],
  ['common -> etcd', 'src/common/clock.ts', "import type { KvStore } from '../etcd/kv-store.js';"],
  ['timers -> grpc', 'src/timers/job-view.ts', "import type { GrpcService } from '../grpc/grpc-server.js';"],
  [
    'runtime -> grpc',
    'src/runtime/record-wait.ts',
    "import type { GrpcService } from '../grpc/grpc-server.js';",
  ],
  [
    'library root -> grpc',
    'src/workflow-client.ts',
    "import type { GrpcService } from './grpc/grpc-server.js';",
  ],
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

for (const [arrow, file, importLine] of forbidden) {
  test(`${arrow} is reported`, async (t) => {
    const messages = await restricted(file, importLine);
    t.is(messages.length, 1, `${file}: ${importLine}`);
  });
}

const allowed: Array<[layer: string, file: string, importLine: string]> = [
  ['runtime -> engine', 'src/runtime/record-wait.ts', "import type { Task } from '../engine/task.js';"],
  ['timers -> schedule', 'src/timers/job-view.ts', "import type { JobSpec } from './schedule/job.js';"],
  [
    'schedule -> timers/errors',
    'src/timers/schedule/next-fire.ts',
    "import type { TimerServiceError } from '../errors.js';",
  ],
  [
    'server -> anything',
    'src/server/job-body.ts',
    "import type { RuntimeCore } from '../runtime/runtime-core.js';",
  ],
  [
    'server -> grpc',
    'src/server/tickflow-server.ts',
    "import type { GrpcService } from '../grpc/grpc-server.js';",
  ],
  [
    'grpc -> anything',
    'src/grpc/grpc-api.ts',
    "import type { RuntimeCore } from '../runtime/runtime-core.js';",
  ],
  [
    'grpc -> scheduler',
    'src/grpc/scheduler-stream.ts',
    "import type { SidecarHub } from '../scheduler/sidecar-hub.js';",
  ],
  [
    'scheduler -> timers',
    'src/scheduler/sidecar-hub.ts',
    "import type { JobView } from '../timers/job-view.js';",
  ],
];

for (const [arrow, file, importLine] of allowed) {
  test(`${arrow} is allowed`, async (t) => {
    t.deepEqual(await restricted(file, importLine), []);
  });
}
