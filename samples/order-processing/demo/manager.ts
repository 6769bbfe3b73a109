import type { WorkflowClient } from '../../../src/index.js';
import type { SeededRandom } from '../services/random.js';
import type { ApprovalDecision } from '../types.js';
import { sameInEveryRun, type ManagerDecision } from './batch.js';

/**
 * The manager who approves big orders: once an order shows up as awaiting approval, they answer
 * after a short (seeded) while — approve, reject — or never, and the order's timer cancels it.
 * The answer is an external event raised through the client, as a real approval UI would.
 */
export class SimulatedManager {
  readonly #client: WorkflowClient;
  readonly #random: SeededRandom;
  readonly #decisions: ReadonlyMap<string, ManagerDecision>;
  readonly #seen = new Set<string>();
  readonly #pending = new Set<NodeJS.Timeout>();
  readonly #log: (line: string) => void;
  #errors = 0;

  constructor(
    client: WorkflowClient,
    random: SeededRandom,
    decisions: ReadonlyMap<string, ManagerDecision>,
    log: (line: string) => void,
  ) {
    this.#client = client;
    this.#random = random;
    this.#decisions = decisions;
    this.#log = log;
  }

  /** Called for each order seen waiting; answers each one once. */
  notice(orderId: string): void {
    if (this.#seen.has(orderId)) return;
    this.#seen.add(orderId);
    const decision = this.#decisions.get(orderId) ?? 'ignore';
    if (decision === 'ignore') {
      this.#log(`manager: ${orderId} awaits approval, but the manager is in a meeting`);
      return;
    }
    const delayMs = this.#random.int(sameInEveryRun(`manager:${orderId}`), 300, 1800);
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      const answer: ApprovalDecision = { approved: decision === 'approve', approver: 'grace' };
      this.#client.raiseEvent(orderId, 'approval', answer).then(
        () => this.#log(`manager: ${decision === 'approve' ? 'approved' : 'rejected'} ${orderId}`),
        (error: unknown) => {
          this.#errors += 1;
          this.#log(`manager: could not answer ${orderId}: ${String(error)}`);
        },
      );
    }, delayMs);
    this.#pending.add(timer);
  }

  get errors(): number {
    return this.#errors;
  }

  stop(): void {
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }
}
