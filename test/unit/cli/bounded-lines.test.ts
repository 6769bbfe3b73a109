import { Readable } from 'node:stream';
import test from 'ava';
import { boundedLines } from '../../../src/cli/bounded-lines.js';
import { formatBytes, progressThrottle } from '../../../src/cli/progress-throttle.js';

const tooLong = (line: number, bytes: number): Error => new Error(`line ${line}: ${bytes} bytes`);

async function collect(chunks: Array<string | Buffer>, max = 10): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of boundedLines(Readable.from(chunks), max, tooLong)) lines.push(line);
  return lines;
}

test('lines split across chunks, a last line without a newline, and empty lines', async (t) => {
  t.deepEqual(await collect(['ab', 'c\nde\n\nf', 'g']), ['abc', 'de', '', 'fg']);
  t.deepEqual(await collect(['x\n']), ['x']);
  t.deepEqual(await collect([]), []);
});

test('a UTF-8 character cut between chunks comes out whole', async (t) => {
  const euro = Buffer.from('€\n');
  t.deepEqual(await collect([euro.subarray(0, 1), euro.subarray(1)]), ['€']);
});

test('a line past the bound fails with its number as soon as it passes it, never read in full', async (t) => {
  let produced = 0;
  async function* endless(): AsyncGenerator<Buffer> {
    yield Buffer.from('ok\n');
    for (;;) {
      produced++;
      yield Buffer.alloc(4, 0x61);
    }
  }
  const error = await t.throwsAsync(async () => {
    for await (const line of boundedLines(endless(), 10, tooLong)) t.is(line, 'ok');
  });
  t.is(error?.message, 'line 2: 12 bytes');
  t.is(produced, 3);
  t.deepEqual(await collect(['0123456789\n']), ['0123456789'], 'exactly the bound is fine');
  await t.throwsAsync(collect(['01234567890\n']), { message: 'line 1: 11 bytes' });
});

test('progress lines at most once per interval; bytes for people', (t) => {
  let now = 0;
  const tick = progressThrottle(1_000, () => now);
  t.false(tick(), 'nothing in the first second');
  now = 1_000;
  t.true(tick());
  now = 1_999;
  t.false(tick());
  now = 2_000;
  t.true(tick());
  t.is(formatBytes(512), '512 B');
  t.is(formatBytes(1536), '1.5 KiB');
  t.is(formatBytes(4 * 1024 ** 3), '4.0 GiB');
});
