import { RepeatedWarning } from '../common/warning-coalescer.js';
import type { Counter } from './prometheus.js';

/** Error class names are bounded in practice; this bounds them for sure (one series per kind). */
const MAX_KINDS = 50;
const KIND_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Counts every warning a service reported, before coalescing, into a Prometheus counter by
 * component and kind (the error's class name). Services report warnings through a coalescer that
 * logs the first of a kind at once and then one RepeatedWarning per interval with the count held
 * back; adding that count makes the total exact without a hook inside each service. Repeats reach
 * the counter when their count is reported, at most one coalescing interval (5 s) late, so a fault
 * that keeps failing keeps the counter climbing while the log stays at one line per 5 s.
 */
export class WarningCounter {
  readonly #counter: Counter;
  readonly #kinds = new Set<string>();

  constructor(counter: Counter) {
    this.#counter = counter;
  }

  record(component: string, warning: Error): void {
    if (warning instanceof RepeatedWarning) {
      const latest = warning.cause instanceof Error ? warning.cause : warning;
      this.#counter.inc({ component, kind: this.#kind(latest) }, warning.repeated);
    } else {
      this.#counter.inc({ component, kind: this.#kind(warning) });
    }
  }

  #kind(error: Error): string {
    const name = KIND_NAME.test(error.name) ? error.name : 'Error';
    if (this.#kinds.has(name)) return name;
    if (this.#kinds.size >= MAX_KINDS) return 'other';
    this.#kinds.add(name);
    return name;
  }
}
