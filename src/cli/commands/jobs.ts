import type { Command } from 'commander';
import type { JobResponse } from '../../server/job-body.js';
import type { FailurePolicySpec } from '../../timers/schedule/job.js';
import { usageError } from '../cli-error.js';
import { commandContext, segment } from '../context.js';
import { compactJson, type CliIo } from '../output.js';
import { listPaged } from '../paged-listing.js';
import { parseJsonOption, parseNonNegativeInt, parsePositiveInt } from '../parse.js';
import { registerJobsExportCommand } from './jobs-export.js';
import { registerJobsImportCommand } from './jobs-import.js';

interface ScheduleOptions {
  schedule?: string;
  dueTime?: string;
  repeats?: number;
  ttl?: string;
  data?: unknown;
  target?: unknown;
  overwrite?: boolean;
  retryInterval?: string;
  maxRetries?: number;
  drop?: boolean;
}

const JOBS = '/v1.0-alpha1/jobs';

/** `tickflow jobs schedule|get|list|delete`, over the server's Jobs API; `export|import` on etcd. */
export function registerJobsCommand(program: Command, io: CliIo): void {
  const jobs = program
    .command('jobs')
    .description(
      'schedule, inspect and delete jobs (Dapr Jobs API); export and import them between clusters',
    );

  jobs
    .command('schedule <name>')
    .description('schedule a job; when due it is POSTed to the app at {app-url}/job/{name}')
    .option(
      '-s, --schedule <expr>',
      'cron (6 fields, seconds first), @every <duration>, @daily, ... or a duration',
    )
    .option('-d, --due-time <time>', 'first (or only) fire: an RFC3339 time or a duration from now')
    .option('-r, --repeats <n>', 'fire at most this many times', parsePositiveInt)
    .option('--ttl <time>', 'expiry: an RFC3339 time or a duration')
    .option('--data <json>', 'JSON payload the app receives', parseJsonOption)
    .option(
      '--target <json>',
      'act on a workflow instead of calling the app: {"workflow":{"name":...,"input":...}} or ' +
        '{"raiseEvent":{"instanceId":...,"name":...,"data":...}}',
      parseJsonOption,
    )
    .option('--overwrite', 'replace an existing job of the same name')
    .option(
      '--retry-interval <duration>',
      'failure policy: wait between retries of a failed tick (default 1s)',
    )
    .option('--max-retries <n>', 'failure policy: retries of a failed tick (default 3)', parseNonNegativeInt)
    .option('--drop', 'failure policy: never retry a failed tick')
    .action(async (name: string, options: ScheduleOptions, command: Command) => {
      const { api, out } = commandContext(command, io);
      await api.call('POST', `${JOBS}/${segment(name)}`, { body: scheduleBody(options) });
      if (out.json) out.printJson({ name, scheduled: true });
      else out.line(`job ${JSON.stringify(name)} scheduled`);
    });

  jobs
    .command('get <name>')
    .description('show a job as stored, with its progress')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { api, out } = commandContext(command, io);
      const job = (await api.call('GET', `${JOBS}/${segment(name)}`)).body as JobResponse;
      if (out.json) return out.printJson(job);
      out.fields([
        ['name', job.name],
        ['schedule', job.schedule],
        ['due time', job.dueTime],
        ['repeats', job.repeats?.toString()],
        ['ttl', job.ttl],
        ['failure policy', describePolicy(job.failurePolicy)],
        ['fired', job.count?.toString()],
        ['next fire', job.nextFireAt ?? '(none left)'],
        ['data', compactJson(job.data)],
        ['target', compactJson(job.target)],
      ]);
    });

  jobs
    .command('list')
    .description('list the jobs scheduled through the API (in name order)')
    .option('-p, --prefix <prefix>', 'only names starting with this')
    .option('-l, --limit <n>', 'list at most this many', parsePositiveInt, 100)
    .action(async (options: { prefix?: string; limit: number }, command: Command) => {
      const { api, out } = commandContext(command, io);
      const list = await listPaged(io, 'job', options.limit, async (size, after) => {
        const query = { prefix: options.prefix, limit: String(size), after };
        const page = (await api.call('GET', JOBS, { query })).body as { jobs: JobResponse[]; next?: string };
        return { items: page.jobs, ...(page.next !== undefined && { cursor: page.next }) };
      });
      if (out.json) return out.printJson(list);
      out.table(
        ['NAME', 'SCHEDULE', 'DUE TIME', 'REPEATS', 'TTL', 'DATA'],
        list.map((j) => [
          j.name,
          j.schedule ?? '',
          j.dueTime ?? '',
          j.repeats?.toString() ?? '',
          j.ttl ?? '',
          compactJson(j.data) ?? '',
        ]),
      );
    });

  jobs
    .command('delete <name>')
    .description('delete a job (succeeds if there is none)')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { api, out } = commandContext(command, io);
      await api.call('DELETE', `${JOBS}/${segment(name)}`);
      if (out.json) out.printJson({ name, deleted: true });
      else out.line(`job ${JSON.stringify(name)} deleted`);
    });

  // Straight on etcd, not through the server: see ./jobs-export.ts.
  registerJobsExportCommand(jobs, io);
  registerJobsImportCommand(jobs, io);
}

function scheduleBody(o: ScheduleOptions): Record<string, unknown> {
  if (o.drop && (o.retryInterval !== undefined || o.maxRetries !== undefined)) {
    throw usageError('--drop cannot be combined with --retry-interval or --max-retries');
  }
  const constant = {
    ...(o.retryInterval !== undefined && { interval: o.retryInterval }),
    ...(o.maxRetries !== undefined && { maxRetries: o.maxRetries }),
  };
  const failurePolicy = o.drop ? { drop: {} } : Object.keys(constant).length > 0 ? { constant } : undefined;
  return {
    ...(o.schedule !== undefined && { schedule: o.schedule }),
    ...(o.dueTime !== undefined && { dueTime: o.dueTime }),
    ...(o.repeats !== undefined && { repeats: o.repeats }),
    ...(o.ttl !== undefined && { ttl: o.ttl }),
    ...(o.data !== undefined && { data: o.data }),
    ...(o.target !== undefined && { target: o.target }),
    ...(o.overwrite && { overwrite: true }),
    ...(failurePolicy && { failurePolicy }),
  };
}

function describePolicy(policy: FailurePolicySpec): string {
  if ('drop' in policy) return 'drop failed ticks';
  const { interval = '1s', maxRetries } = policy.constant;
  return `retry every ${interval}, ${maxRetries === undefined ? 'forever' : `at most ${maxRetries} times`}`;
}
