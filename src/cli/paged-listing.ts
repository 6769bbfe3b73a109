import type { CliIo } from './output.js';
import { Progress } from './output.js';

/** Largest page asked of the server; a page costs it about as many reads as it returns. */
const MAX_PAGE = 1000;

export interface Page<T> {
  items: T[];
  /** Where the next page starts; absent on the last page. */
  cursor?: string;
}

/**
 * Reads pages until `limit` items are in hand or none are left, and says on stderr when more
 * follow. It asks for one item more than the limit, so a listing that exactly fills it is not
 * reported as cut short.
 */
export async function listPaged<T>(
  io: CliIo,
  noun: string,
  limit: number,
  fetchPage: (size: number, cursor: string | undefined) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  const progress = new Progress(io);
  let cursor: string | undefined;
  try {
    do {
      const page = await fetchPage(Math.min(limit - items.length + 1, MAX_PAGE), cursor);
      items.push(...page.items);
      cursor = page.cursor;
      if (cursor !== undefined && io.errIsTty) {
        progress.update(`listed ${Math.min(items.length, limit)} ${noun}s...`);
      }
    } while (cursor !== undefined && items.length <= limit);
  } finally {
    progress.done();
  }
  if (items.length > limit) {
    io.err(
      `first ${limit} ${noun}${limit === 1 ? '' : 's'} listed, more follow (raise --limit to see them)\n`,
    );
  }
  return items.slice(0, limit);
}
