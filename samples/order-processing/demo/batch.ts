import type { SeededRandom } from '../services/random.js';
import type { Order } from '../types.js';

/** What the simulated manager does with an order that needs approval. */
export type ManagerDecision = 'approve' | 'reject' | 'ignore';

export interface PlannedOrder {
  order: Order;
  /** When to submit it, from the start of the batch. */
  arrivalMs: number;
  decision?: ManagerDecision;
  /** Submitted as part of the wholesale batch (a bulkOrders workflow), not on its own. */
  bulk: boolean;
}

export interface BatchPlan {
  orders: PlannedOrder[];
  bulkBatchId?: string;
}

type Scenario =
  | 'plain'
  | 'approve'
  | 'reject'
  | 'ignore'
  | 'flaky'
  | 'declined'
  | 'undeliverable'
  /** Approved, paid after retries, then undeliverable: every feature in one history. */
  | 'showcase';

const NEEDS_APPROVAL: ReadonlySet<Scenario> = new Set(['approve', 'reject', 'ignore', 'showcase']);

/** Share of each scenario in a batch; the rest are plain orders (which may still hit a random gateway timeout). */
const MIX: ReadonlyArray<[Scenario, number]> = [
  ['approve', 0.12],
  ['reject', 0.08],
  ['ignore', 0.08],
  ['flaky', 0.12],
  ['declined', 0.06],
  ['undeliverable', 0.06],
];

const CUSTOMERS = [
  'ada',
  'grace',
  'linus',
  'barbara',
  'ken',
  'margaret',
  'dennis',
  'radia',
  'edsger',
  'frances',
];
const CITIES: ReadonlyArray<[string, string]> = [
  ['London', 'GB'],
  ['Lyon', 'FR'],
  ['Berlin', 'DE'],
  ['Austin', 'US'],
  ['Osaka', 'JP'],
  ['Porto', 'PT'],
];
const CATALOG: ReadonlyArray<[string, number]> = [
  ['keyboard', 8_900],
  ['mouse', 2_900],
  ['monitor', 24_900],
  ['dock', 15_900],
  ['headset', 7_900],
];

/**
 * Order ids are `{idPrefix}-001`, ... and the demo's prefix is `order-{tag}`, where the tag (five
 * base-36 characters) is new in every run, so that runs sharing an etcd never collide. Decisions
 * must not depend on it: this drops it from a decision key (`charge-fails:order-order-k3x9a-007:2`
 * becomes `charge-fails:order-order-007:2`), for the simulated services and the manager, in the
 * demo's process and in any `--join` replica.
 */
export function sameInEveryRun(key: string): string {
  return key.replace(/\border-[0-9a-z]{5}-(\d{3,}|bulk)\b/g, 'order-$1');
}

/**
 * The demo's batch, the same for the same seed whatever `idPrefix` is: a mix of scenarios in
 * shuffled order, arriving over a few seconds, with about one in six orders grouped into a
 * wholesale bulk order. Every draw is keyed by the order's position, not by its id.
 */
export function planBatch(count: number, random: SeededRandom, idPrefix: string): BatchPlan {
  const scenarios: Scenario[] = count >= 12 ? ['showcase'] : [];
  for (const [scenario, share] of MIX) {
    const n =
      count >= 12
        ? Math.max(1, Math.round(count * share))
        : random.chance(`mix:${scenario}`, share * 2)
          ? 1
          : 0;
    for (let i = 0; i < n && scenarios.length < count; i++) scenarios.push(scenario);
  }
  while (scenarios.length < count) scenarios.push('plain');
  const shuffle = random.stream('shuffle');
  for (let i = scenarios.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    [scenarios[i], scenarios[j]] = [scenarios[j] as Scenario, scenarios[i] as Scenario];
  }

  // Orders trickle in over up to 12 s, so the live view has something to show.
  const spreadMs = Math.min(12_000, count * 300);
  const bulkSize = count >= 12 ? Math.round(count / 6) : 0;
  const bulkAt = Math.round(spreadMs / 3);
  const orders = scenarios.map((scenario, i): PlannedOrder => {
    const seq = String(i + 1).padStart(3, '0');
    const id = `${idPrefix}-${seq}`;
    const order = makeOrder(id, seq, scenario, random);
    // The bulk batch takes plain-ish orders only: a wholesale account is pre-approved by contract.
    const bulk =
      i >= count - bulkSize && scenario !== 'approve' && scenario !== 'reject' && scenario !== 'ignore';
    const arrivalMs = bulk
      ? bulkAt
      : Math.round((i / count) * spreadMs + random.int(`arrival:${seq}`, 0, 150));
    const decision: ManagerDecision | undefined =
      scenario === 'showcase'
        ? 'approve'
        : NEEDS_APPROVAL.has(scenario)
          ? (scenario as ManagerDecision)
          : undefined;
    return { order, arrivalMs, bulk, ...(decision && { decision }) };
  });
  return { orders, ...(bulkSize > 0 && { bulkBatchId: `${idPrefix}-bulk` }) };
}

/** One order; `seq` (its position in the batch) keys its draws. */
function makeOrder(id: string, seq: string, scenario: Scenario, random: SeededRandom): Order {
  const customer = CUSTOMERS[random.int(`customer:${seq}`, 0, CUSTOMERS.length - 1)] as string;
  const [city, country] = CITIES[random.int(`city:${seq}`, 0, CITIES.length - 1)] as [string, string];
  const big = NEEDS_APPROVAL.has(scenario);
  const lines = random.int(`lines:${seq}`, 1, big ? 3 : 2);
  const items = Array.from({ length: lines }, (_, n) => {
    const [sku, unitPrice] = CATALOG[random.int(`sku:${seq}:${n}`, 0, CATALOG.length - 1)] as [
      string,
      number,
    ];
    // Big orders are office fit-outs, past the $1,000 approval threshold; the rest stay below it.
    const quantity = big ? random.int(`qty:${seq}:${n}`, 10, 20) : random.int(`qty:${seq}:${n}`, 1, 2);
    return { sku, quantity, unitPrice };
  });
  if (big && items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0) <= 100_000) {
    items.push({ sku: 'monitor', quantity: 10, unitPrice: 24_900 });
  }
  const paymentToken =
    scenario === 'flaky' || scenario === 'showcase'
      ? 'tok_flaky'
      : scenario === 'declined'
        ? 'tok_declined'
        : 'tok_visa';
  const address =
    scenario === 'undeliverable' || scenario === 'showcase'
      ? { name: customer, city: 'McMurdo Station', country: 'AQ' }
      : { name: customer, city, country };
  return { id, customer: `${customer}@example.com`, items, paymentToken, address };
}
