import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { enableTypeScriptImports, isTypeScript, NO_TSX_HINT } from '../../common/typescript-imports.js';
import { formatReplayResult, replayHistories, type ReplayResult } from '../../testing/replay.js';
import { replaySummary } from '../../testing/replay-summary.js';

/** Where the command writes and how it ends; tests pass their own. */
export interface ReplayCommandIo {
  out(line: string): void;
  err(line: string): void;
  /** Default: sets `process.exitCode`, so output is flushed before the process ends. */
  setExitCode(code: number): void;
}

const processIo: ReplayCommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** Exit codes: 0 every history replays, 1 some history diverged or could not be read, 2 bad usage. */
export const ReplayExitCode = { ok: 0, diverged: 1, usage: 2 } as const;

const HISTORY_EXTENSIONS = new Set(['.json', '.jsonl', '.ndjson']);

/**
 * `tickflow replay --workflows ./module.ts <histories...>`: replays exported histories (files, or
 * directories of .json/.jsonl files) against the workflows the module exports and prints one line
 * per history (with the patches it meets), then which instances the code would break and which
 * patches cover which instances. Exits 1 on any divergence, so a CI job fails before
 * incompatible code ships.
 */
export function replayCommand(io: ReplayCommandIo = processIo): Command {
  return new Command('replay')
    .description(
      'replay exported workflow histories against the current workflow code; exit code 1 on any divergence',
    )
    .requiredOption(
      '-w, --workflows <module>',
      'module exporting the workflow functions (.ts via tsx, or .js)',
    )
    .argument(
      '<histories...>',
      'history files (JSON from getWorkflowHistory, or JSON Lines) or directories of them',
    )
    .action(async (histories: string[], options: { workflows: string }) => {
      io.setExitCode(await runReplay(options.workflows, histories, io));
    });
}

/** The command's work, returning its exit code. */
export async function runReplay(
  modulePath: string,
  paths: readonly string[],
  io: ReplayCommandIo,
): Promise<number> {
  let exports: Record<string, unknown>;
  const absolute = resolve(modulePath);
  try {
    // The built command runs under plain Node, which cannot import a .ts module without tsx.
    if (isTypeScript(absolute) && !(await enableTypeScriptImports(absolute))) {
      io.err(`cannot load workflows module ${modulePath}: it ${NO_TSX_HINT}`);
      return ReplayExitCode.usage;
    }
    exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    io.err(`cannot load workflows module ${modulePath}: ${(error as Error).message}`);
    return ReplayExitCode.usage;
  }
  const files: string[] = [];
  const unreadable: ReplayResult[] = [];
  for (const path of paths) {
    try {
      files.push(...(await historyFiles(path)));
    } catch (error) {
      unreadable.push({ ok: false, source: path, events: 0, error: error as Error, patches: [] });
    }
  }
  const histories: Array<{ source: string; history: string }> = [];
  for (const file of files) {
    try {
      histories.push({ source: file, history: await readFile(file, 'utf8') });
    } catch (error) {
      unreadable.push({ ok: false, source: file, events: 0, error: error as Error, patches: [] });
    }
  }
  let results: ReplayResult[];
  try {
    results = [...unreadable, ...(await replayHistories(exports, histories)).results];
  } catch (error) {
    io.err((error as Error).message);
    return ReplayExitCode.usage;
  }
  if (results.length === 0) io.err(`no history files in ${paths.join(', ')}`);
  for (const result of results) (result.ok ? io.out : io.err)(formatReplayResult(result));
  for (const line of replaySummary(results)) io.out(line);
  const failed = results.filter((r) => !r.ok).length;
  io.out(`${results.length - failed} ok, ${failed} failed`);
  return failed > 0 || results.length === 0 ? ReplayExitCode.diverged : ReplayExitCode.ok;
}

/** A file as given, or the history files directly inside a directory, in name order. */
async function historyFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => HISTORY_EXTENSIONS.has(extname(name))).sort();
  return names.map((name) => join(path, name));
}
