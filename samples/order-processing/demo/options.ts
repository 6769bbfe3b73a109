import { Command, InvalidArgumentError, Option } from 'commander';

export interface DemoOptions {
  orders: number;
  seed: number;
  keep: boolean;
  /** Client URLs of an etcd to use instead of starting one. */
  etcd?: string[];
  /** Run only a runtime replica against `etcd`, until Ctrl-C. */
  join: boolean;
  /** The demo's approval timeout (a duration). */
  approvalTimeout: string;
  /** Print the summary as one JSON line (always done when stdout is not a terminal). */
  json: boolean;
}

function integer(field: string, min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(
        `got ${JSON.stringify(text)}; allowed: an integer from ${min} to ${max}`,
      );
    }
    return value;
  };
}

function hosts(text: string): string[] {
  const list = text
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0)
    .map((h) => (/^https?:\/\//.test(h) ? h : `http://${h}`));
  for (const host of list) {
    if (!URL.canParse(host)) {
      throw new InvalidArgumentError(
        `got ${JSON.stringify(host)}; allowed: host:port or http://host:port, comma-separated`,
      );
    }
  }
  if (list.length === 0) throw new InvalidArgumentError('got no host; allowed: host:port[,host:port...]');
  return list;
}

function duration(text: string): string {
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) {
    throw new InvalidArgumentError(`got ${JSON.stringify(text)}; allowed: a duration such as 3s, 1m or 24h`);
  }
  return text;
}

/** Parses the command line; prints usage and exits on `--help` or bad input (commander's way). */
export function parseDemoOptions(argv: readonly string[]): DemoOptions {
  const program = new Command()
    .name('npm start --')
    .description(
      'The tickflow order-processing demo: starts etcd and a workflow runtime, submits a batch of orders, ' +
        'plays the manager who approves some of them, and prints what happened.',
    )
    .addOption(
      new Option('--orders <n>', 'orders to submit').default(40).argParser(integer('--orders', 1, 2000)),
    )
    .addOption(
      new Option(
        '--seed <s>',
        'seed of the simulation: same seed, same orders, failures and retries (timings vary)',
      )
        .default(7)
        .argParser(integer('--seed', 0, 2 ** 32 - 1)),
    )
    .option('--keep', 'keep the etcd data dir (under .tickflow/) instead of removing it', false)
    .addOption(
      new Option('--etcd <hosts>', 'use this etcd (host:port,...) instead of starting one').argParser(hosts),
    )
    .option(
      '--join',
      'only run another runtime replica against --etcd, sharing the work, until Ctrl-C',
      false,
    )
    .addOption(
      new Option('--approval-timeout <duration>', 'how long big orders wait for approval')
        .default('3s')
        .argParser(duration),
    )
    .option(
      '--json',
      'end with the summary as one `summary: {...}` JSON line (default when not a terminal)',
      false,
    )
    .showHelpAfterError()
    .parse(argv, { from: 'node' });
  const options = program.opts<DemoOptions>();
  if (options.join && !options.etcd)
    program.error('error: --join needs --etcd <hosts> (printed by the main demo)');
  return options;
}
