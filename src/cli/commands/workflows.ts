import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { DaprWorkflowResponse, WorkflowListItem } from '../../server/workflow-view.js';
import { CliError } from '../cli-error.js';
import { commandContext, segment, type CommandContext } from '../context.js';
import { timelineRows, type HistoryEventJson } from '../history-timeline.js';
import { Progress, type CliIo, type Output } from '../output.js';
import { listPaged } from '../paged-listing.js';
import { parseJsonOption, parsePositiveInt, parsePositiveNumber } from '../parse.js';

const WORKFLOWS = '/v1.0/workflows/dapr';
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'TERMINATED', 'CONTINUED_AS_NEW']);

interface ListOptions {
  status?: string;
  name?: string;
  stalled?: boolean;
  limit: number;
}

interface StartOptions {
  input?: unknown;
  id?: string;
  startTime?: string;
  wait?: boolean;
  timeout: number;
}

/** `tickflow workflows ...`, over the server's Dapr workflow API. */
export function registerWorkflowsCommand(program: Command, io: CliIo): void {
  const workflows = program.command('workflows').description('start, inspect and control workflow instances');

  workflows
    .command('start <workflow>')
    .description('start an instance of a registered workflow and print its id')
    .option('-i, --input <json>', 'JSON input of the workflow', parseJsonOption)
    .option('--id <instanceId>', 'instance id (default: a random UUID)')
    .option(
      '--start-time <time>',
      'start it later: an RFC 3339 time (e.g. 2026-12-03T09:00:00Z); PENDING until then',
    )
    .option('-w, --wait', 'wait until the instance finishes, showing its progress')
    .option('--timeout <seconds>', 'with --wait: give up after this long', parsePositiveNumber, 60)
    .action(async (name: string, options: StartOptions, command: Command) => {
      const ctx = commandContext(command, io);
      const { body } = await ctx.api.call('POST', `${WORKFLOWS}/${segment(name)}/start`, {
        query: { instanceID: options.id, startTime: options.startTime },
        body: options.input,
      });
      const { instanceID } = body as { instanceID: string };
      if (!options.wait) {
        if (ctx.out.json) ctx.out.printJson({ instanceID });
        else ctx.out.line(instanceID);
        return;
      }
      const state = await waitForEnd(ctx, instanceID, options.timeout);
      printState(ctx.out, state);
      if (state.runtimeStatus !== 'COMPLETED') {
        const why = state.properties['dapr.workflow.failure.error_message'];
        throw new CliError(`workflow ${instanceID} ended ${state.runtimeStatus}${why ? `: ${why}` : ''}`);
      }
    });

  workflows
    .command('status <instanceId>')
    .description("show an instance's status, input, output, failure, and a stalled step's error and retries")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api, out } = commandContext(command, io);
      printState(out, (await api.call('GET', `${WORKFLOWS}/${segment(id)}`)).body as DaprWorkflowResponse);
    });

  workflows
    .command('list')
    .description('list instances (in instance-id order)')
    .option('-s, --status <statuses>', 'only these statuses, comma-separated (e.g. RUNNING,FAILED)')
    .option('-n, --name <prefix>', 'only workflows whose name starts with this')
    .option('--stalled', 'only instances whose step stalls (the code throws; retried with backoff)')
    .option('-l, --limit <n>', 'list at most this many', parsePositiveInt, 100)
    .action(async (options: ListOptions, command: Command) => {
      const ctx = commandContext(command, io);
      const instances = await listPaged(io, 'instance', options.limit, async (size, token) => {
        const query = {
          status: options.status,
          name: options.name,
          stalled: options.stalled ? 'true' : undefined,
          pageSize: String(size),
          continuationToken: token,
        };
        const page = (await ctx.api.call('GET', WORKFLOWS, { query })).body as {
          instances: WorkflowListItem[];
          continuationToken?: string;
        };
        return {
          items: page.instances,
          ...(page.continuationToken !== undefined && { cursor: page.continuationToken }),
        };
      });
      if (ctx.out.json) return ctx.out.printJson(instances);
      if (options.stalled) {
        return ctx.out.table(
          ['INSTANCE ID', 'WORKFLOW', 'ATTEMPTS', 'STALLED SINCE', 'NEXT RETRY', 'ERROR'],
          instances.map((i) => [
            i.instanceID,
            i.workflowName,
            String(i.stalled?.attempts ?? ''),
            i.stalled?.since ?? '',
            i.stalled?.nextRetryAt ?? '',
            i.stalled ? `${i.stalled.errorType}: ${i.stalled.errorMessage}` : '',
          ]),
        );
      }
      ctx.out.table(
        ['INSTANCE ID', 'WORKFLOW', 'STATUS', 'CREATED', 'UPDATED'],
        instances.map((i) => [
          i.instanceID,
          i.workflowName,
          // RUNNING is all Dapr can say of a stalled instance; the list says more.
          i.stalled ? `${i.runtimeStatus} (stalled)` : i.runtimeStatus,
          i.createdAt,
          i.lastUpdatedAt,
        ]),
      );
    });

  workflows
    .command('history <instanceId>')
    .description("print an instance's event timeline (time, event, id, detail)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api, out } = commandContext(command, io);
      const { events } = (await api.call('GET', `${WORKFLOWS}/${segment(id)}/history`)).body as {
        events: HistoryEventJson[];
      };
      if (out.json) return out.printJson(events);
      out.table(['TIME', 'EVENT', 'ID', 'DETAIL'], timelineRows(events));
    });

  workflows
    .command('raise <instanceId> <eventName>')
    .description('raise an external event on an instance')
    .option('-d, --data <json>', 'JSON payload of the event', parseJsonOption)
    .action(async (id: string, eventName: string, options: { data?: unknown }, command: Command) => {
      const { api, out } = commandContext(command, io);
      await api.call('POST', `${WORKFLOWS}/${segment(id)}/raiseEvent/${segment(eventName)}`, {
        body: options.data,
      });
      report(out, id, 'raiseEvent', `raised ${JSON.stringify(eventName)} on ${id}`);
    });

  const control = [
    ['terminate', 'terminate', 'terminate an instance and its running child workflows', 'terminated'],
    ['suspend', 'pause', 'suspend (pause) an instance; events wait until it resumes', 'suspended'],
    ['resume', 'resume', 'resume a suspended instance', 'resumed'],
    ['purge', 'purge', 'delete a finished instance and everything stored for it', 'purged'],
  ] as const;
  for (const [name, route, description, done] of control) {
    const cmd = workflows.command(`${name} <instanceId>`).description(description);
    if (route === 'pause' || route === 'resume') cmd.option('--reason <text>', 'recorded in the history');
    cmd.action(async (id: string, options: { reason?: string }, command: Command) => {
      const { api, out } = commandContext(command, io);
      await api.call('POST', `${WORKFLOWS}/${segment(id)}/${route}`, { query: { reason: options.reason } });
      report(out, id, name, `${done} ${id}`);
    });
  }
}

function report(out: Output, instanceID: string, action: string, text: string): void {
  if (out.json) out.printJson({ instanceID, action, accepted: true });
  else out.line(text);
}

function printState(out: Output, state: DaprWorkflowResponse): void {
  if (out.json) return out.printJson(state);
  const p = state.properties;
  const errorType = p['dapr.workflow.failure.error_type'];
  out.fields([
    ['instance', state.instanceID],
    ['workflow', state.workflowName],
    ['status', state.runtimeStatus],
    ['created', state.createdAt],
    ['updated', state.lastUpdatedAt],
    ['input', p['dapr.workflow.input']],
    ['output', p['dapr.workflow.output']],
    ['custom status', p['dapr.workflow.custom_status']],
    [
      'error',
      errorType === undefined ? undefined : `${errorType}: ${p['dapr.workflow.failure.error_message'] ?? ''}`,
    ],
    ['stalled', stallLine(p)],
    ['stalled since', p['tickflow.stalled.since']],
    ['next retry', p['tickflow.stalled.next_retry_at']],
  ]);
}

/** `TypeError: boom (attempt 3)` for a stalled instance, else undefined (the row is left out). */
function stallLine(p: Record<string, string>): string | undefined {
  const errorType = p['tickflow.stalled.error_type'];
  if (errorType === undefined) return undefined;
  const message = p['tickflow.stalled.error_message'] ?? '';
  return `${errorType}: ${message} (attempt ${p['tickflow.stalled.attempts'] ?? '?'})`;
}

/** Polls the status (the HTTP API has no push) and shows it until the instance ends. */
async function waitForEnd(
  ctx: CommandContext,
  id: string,
  timeoutSeconds: number,
): Promise<DaprWorkflowResponse> {
  const progress = new Progress(ctx.io);
  const started = Date.now();
  let interval = 100;
  try {
    for (;;) {
      const state = (await ctx.api.call('GET', `${WORKFLOWS}/${segment(id)}`)).body as DaprWorkflowResponse;
      const elapsed = ((Date.now() - started) / 1000).toFixed(1);
      const stalled = stallLine(state.properties);
      progress.update(
        `waiting for ${id}: ${state.runtimeStatus}${stalled ? `, stalled on ${stalled}` : ''} (${elapsed} s)`,
      );
      if (TERMINAL.has(state.runtimeStatus)) return state;
      if (Date.now() - started > timeoutSeconds * 1000) {
        throw new CliError(`workflow ${id} is still ${state.runtimeStatus} after ${timeoutSeconds} s`);
      }
      await sleep(interval);
      interval = Math.min(interval * 2, 1_000);
    }
  } finally {
    progress.done();
  }
}
