import type { FailureDetails } from '../history/failure-details.js';

/** Characters of a failure's message and of its stack that are kept. */
const MAX_MESSAGE_CHARS = 8 * 1024;
const MAX_STACK_CHARS = 16 * 1024;

/**
 * Failure details cut to a size that always fits a step: an error may carry a message or stack of
 * megabytes (a thrown response body, say), and failure details are stored like a payload (history,
 * instance record, a parent's inbox). The start of each is kept and the cut is said.
 */
export function boundedFailure(details: FailureDetails): FailureDetails {
  const message = cut(details.message, MAX_MESSAGE_CHARS);
  const stack = details.stack === undefined ? undefined : cut(details.stack, MAX_STACK_CHARS);
  if (message === details.message && stack === details.stack) return details;
  return { ...details, message, ...(stack !== undefined && { stack }) };
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}... (${text.length - max} more characters cut)`;
}
