import type { Readable } from 'node:stream';

/**
 * The lines of a byte stream (without their `\n`), never holding more than `maxBytes` of one
 * line: a line that grows past it ends the iteration with `tooLong(lineNumber, bytesSoFar)`'s
 * error, instead of a newline-free gigabyte being buffered in full.
 */
export async function* boundedLines(
  input: Readable | AsyncIterable<Buffer | string>,
  maxBytes: number,
  tooLong: (line: number, bytes: number) => Error,
): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let pending = 0;
  let line = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (;;) {
      const newline = data.indexOf(0x0a);
      if (newline < 0) break;
      if (pending + newline > maxBytes) throw tooLong(line + 1, pending + newline);
      parts.push(data.subarray(0, newline));
      line++;
      yield Buffer.concat(parts).toString('utf8');
      parts = [];
      pending = 0;
      data = data.subarray(newline + 1);
    }
    if (pending + data.length > maxBytes) throw tooLong(line + 1, pending + data.length);
    if (data.length > 0) {
      // A copy: the stream may reuse its buffer for the next chunk.
      parts.push(Buffer.from(data));
      pending += data.length;
    }
  }
  if (pending > 0) yield Buffer.concat(parts).toString('utf8');
}
