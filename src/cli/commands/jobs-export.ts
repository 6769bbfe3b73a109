import { createWriteStream } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { connectEtcd } from '../../etcd/etcd-kv.js';
import { exportJobs } from '../../timers/job-transfer.js';
import { formatJobLine } from '../../timers/job-export-format.js';
import {
  addEtcdAccessOptions,
  explainRefusal,
  openEtcdAccess,
  type EtcdAccessFlags,
} from '../etcd-access.js';
import { Progress, type CliIo } from '../output.js';
import { progressThrottle } from '../progress-throttle.js';

interface ExportFlags extends EtcdAccessFlags {
  namespace?: string;
  appId?: string;
  prefix?: string;
  out?: string;
}

/** A namespace or app id as the timer service's keys allow them (scopeKeys' rule). */
export function parseScopeSegment(text: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(text)) {
    throw new InvalidArgumentError("Expected 1-128 characters of letters, digits, '.', '_' or '-'.");
  }
  return text;
}

/** Lines handed to the output in one write. */
const WRITE_LINES = 256;

/**
 * `tickflow jobs export`: what is left of every job (JSON lines, one job per line), read straight
 * from etcd, for `tickflow jobs import` into another cluster.
 */
export function registerJobsExportCommand(jobs: Command, io: CliIo): void {
  const command = jobs
    .command('export')
    .description(
      "write the jobs of the server's etcd as JSON lines (each with its scope, schedule, data, failure " +
        'policy, ttl and next due time), for `tickflow jobs import`',
    )
    .option('--namespace <namespace>', 'only this namespace (default: every namespace)', parseScopeSegment)
    .option('--app-id <id>', 'only this app id (default: every app id)', parseScopeSegment)
    .option('-p, --prefix <prefix>', 'only jobs whose names start with this')
    .option('-o, --out <file>', 'write to this file (created, never replaced) instead of standard output');
  addEtcdAccessOptions(command).action(async (flags: ExportFlags) => {
    const etcd = await openEtcdAccess(flags, io);
    const progress = new Progress(io);
    const file =
      flags.out === undefined ? undefined : createWriteStream(flags.out, { flags: 'wx', mode: 0o600 });
    const write = async (text: string): Promise<void> => {
      if (file === undefined) return io.out(text);
      if (!file.write(text)) await new Promise<void>((resolve) => file.once('drain', resolve));
    };
    try {
      if (file !== undefined) {
        await new Promise<void>((resolve, reject) =>
          file.once('open', () => resolve()).once('error', reject),
        );
      }
      const kv = await connectEtcd({ hosts: etcd.hosts, ...etcd.credentials });
      try {
        const tick = progressThrottle();
        let buffered: string[] = [];
        let count = 0;
        const stats = await exportJobs(
          kv,
          {
            ...(flags.namespace !== undefined && { namespace: flags.namespace }),
            ...(flags.appId !== undefined && { appId: flags.appId }),
            ...(flags.prefix !== undefined && { prefix: flags.prefix }),
          },
          async (job) => {
            buffered.push(formatJobLine(job));
            count++;
            if (buffered.length >= WRITE_LINES) {
              await write(`${buffered.join('\n')}\n`);
              buffered = [];
            }
            if (tick()) progress.update(`exported ${count} jobs...`);
          },
        ).catch((error: unknown) => {
          throw explainRefusal(error, 'an export needs a user that may read the scopes it exports');
        });
        if (buffered.length > 0) await write(`${buffered.join('\n')}\n`);
        progress.done();
        const skipped = [
          stats.finished > 0 && `${stats.finished} with no tick left`,
          stats.workflowReminders > 0 &&
            `${stats.workflowReminders} workflow reminders (a backup carries those)`,
          stats.unreadable > 0 && `${stats.unreadable} unreadable records`,
        ].filter((s): s is string => s !== false);
        const scopes = stats.scopes.map((s) => `${s.namespace}/${s.appId}`).join(', ') || 'none';
        io.err(
          `exported ${stats.exported} jobs from ${stats.scopes.length} scope(s) (${scopes})` +
            (skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : '') +
            '\n',
        );
      } finally {
        await kv.close();
      }
    } finally {
      progress.done();
      if (file !== undefined) await new Promise<void>((resolve) => file.end(() => resolve()));
      await etcd.close();
    }
  });
}
