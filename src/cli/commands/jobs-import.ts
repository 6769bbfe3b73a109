import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { connectEtcd } from '../../etcd/etcd-kv.js';
import { JobImportLineError } from '../../timers/job-import-error.js';
import { MAX_JOB_LINE_BYTES } from '../../timers/job-export-format.js';
import { importJobs, type ImportStats } from '../../timers/job-transfer.js';
import { boundedLines } from '../bounded-lines.js';
import { CliError, ExitCode } from '../cli-error.js';
import {
  addEtcdAccessOptions,
  explainRefusal,
  openEtcdAccess,
  type EtcdAccessFlags,
} from '../etcd-access.js';
import { Output, Progress, type CliIo } from '../output.js';
import { progressThrottle } from '../progress-throttle.js';
import { parseScopeSegment } from './jobs-export.js';

interface ImportFlags extends EtcdAccessFlags {
  overwrite?: boolean;
  namespace?: string;
  appId?: string;
  dryRun?: boolean;
}

/**
 * `tickflow jobs import FILE|-`: stores the jobs of a `tickflow jobs export`. Idempotent: a job
 * already stored exactly so is left alone; one stored in another form is kept (a conflict, exit
 * code 1) unless `--overwrite`.
 */
export function registerJobsImportCommand(jobs: Command, io: CliIo): void {
  const command = jobs
    .command('import <file>')
    .description(
      'store the jobs of a `tickflow jobs export` file (- reads standard input); each fires first at ' +
        'its next due time, and jobs already imported are left alone',
    )
    .option('--overwrite', 'replace jobs of the same name stored in another form (default: keep them)')
    .option('--namespace <namespace>', "import into this namespace instead of each line's", parseScopeSegment)
    .option('--app-id <id>', "import into this app id instead of each line's", parseScopeSegment)
    .option('--dry-run', 'check every line, store nothing');
  addEtcdAccessOptions(command).action(async (file: string, flags: ImportFlags, cmd: Command) => {
    const out = new Output(io, cmd.optsWithGlobals<{ json?: boolean }>().json === true);
    const input = file === '-' ? process.stdin : createReadStream(file);
    const opened =
      file === '-'
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => input.once('open', () => resolve()).once('error', reject));
    await opened.catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`${file}: cannot read it (${error.code ?? String(error)})`);
    });
    const etcd = await openEtcdAccess(flags, io);
    const progress = new Progress(io);
    try {
      const kv = await connectEtcd({ hosts: etcd.hosts, ...etcd.credentials });
      try {
        const tick = progressThrottle();
        const lines = boundedLines(
          input,
          MAX_JOB_LINE_BYTES,
          (line, bytes) =>
            new JobImportLineError(
              line,
              'line',
              `more than ${bytes} bytes`,
              `at most ${MAX_JOB_LINE_BYTES} bytes`,
            ),
        );
        const stats = await importJobs(kv, lines, {
          ...(flags.overwrite === true && { overwrite: true }),
          ...(flags.namespace !== undefined && { namespace: flags.namespace }),
          ...(flags.appId !== undefined && { appId: flags.appId }),
          ...(flags.dryRun === true && { dryRun: true }),
          onProgress: (s) => {
            if (tick()) progress.update(`read ${s.lines} lines: ${describe(s)}...`);
          },
        }).catch((error: unknown) => {
          // A bad line is bad input: exit code 2, the line, field and value in one line.
          if (error instanceof JobImportLineError) throw new CliError(error.message, ExitCode.usage);
          throw explainRefusal(error, 'an import needs a user that may write the scopes it imports into');
        });
        progress.done();
        if (out.json) out.printJson({ ...stats, dryRun: flags.dryRun === true });
        else if (flags.dryRun === true)
          out.line(`checked ${stats.lines} lines: every job is valid (nothing stored)`);
        else out.line(`imported ${stats.lines} lines: ${describe(stats)}`);
        if (stats.conflictCount > 0) {
          throw new CliError(
            `${stats.conflictCount} jobs exist in another form and were kept (${stats.conflicts.join(', ')}` +
              `${stats.conflictCount > stats.conflicts.length ? ', ...' : ''}); pass --overwrite to replace them`,
          );
        }
      } finally {
        await kv.close();
      }
    } finally {
      progress.done();
      await etcd.close();
    }
  });
}

function describe(s: ImportStats): string {
  return (
    `${s.created} created, ${s.unchanged} unchanged, ${s.replaced} replaced, ` +
    `${s.conflictCount} conflicts`
  );
}
