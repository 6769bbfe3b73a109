import { OrderValidationError } from './errors.js';
import type { Order, OrderOptions } from './types.js';

const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const DURATION_FORM = "a duration such as '3s', '15m' or '24h'";

export const DEFAULT_ORDER_OPTIONS: Required<OrderOptions> = {
  approvalThreshold: 100_000,
  approvalTimeout: '24h',
  retryInterval: '2s',
};

/**
 * Checks an order before the workflow acts on it. A bad order fails the workflow at once with an
 * error that names the field, the value and what is allowed, and nothing is reserved or charged.
 */
export function validateOrder(value: unknown): Order {
  const order = value as Partial<Order> | undefined;
  if (typeof order !== 'object' || order === null)
    throw new OrderValidationError('order', value, 'an object');
  if (typeof order.id !== 'string' || order.id === '') {
    throw new OrderValidationError('order.id', order.id, 'a non-empty string');
  }
  if (typeof order.customer !== 'string' || !order.customer.includes('@')) {
    throw new OrderValidationError('order.customer', order.customer, 'an email address');
  }
  if (!Array.isArray(order.items) || order.items.length === 0) {
    throw new OrderValidationError('order.items', order.items, 'a non-empty array of items');
  }
  order.items.forEach((item, i) => {
    if (!Number.isInteger(item?.quantity) || item.quantity < 1) {
      throw new OrderValidationError(`order.items[${i}].quantity`, item?.quantity, 'an integer >= 1');
    }
    if (!Number.isInteger(item.unitPrice) || item.unitPrice < 0) {
      throw new OrderValidationError(`order.items[${i}].unitPrice`, item.unitPrice, 'whole cents >= 0');
    }
  });
  if (typeof order.paymentToken !== 'string' || order.paymentToken === '') {
    throw new OrderValidationError('order.paymentToken', order.paymentToken, 'a payment token string');
  }
  if (typeof order.address?.country !== 'string' || !/^[A-Z]{2}$/.test(order.address.country)) {
    throw new OrderValidationError('order.address.country', order.address?.country, 'an ISO 3166 code');
  }
  return order as Order;
}

export function resolveOrderOptions(options: OrderOptions = {}): Required<OrderOptions> {
  const resolved = { ...DEFAULT_ORDER_OPTIONS, ...options };
  if (!Number.isInteger(resolved.approvalThreshold) || resolved.approvalThreshold < 0) {
    throw new OrderValidationError(
      'options.approvalThreshold',
      resolved.approvalThreshold,
      'whole cents >= 0',
    );
  }
  for (const field of ['approvalTimeout', 'retryInterval'] as const) {
    if (typeof resolved[field] !== 'string' || !DURATION.test(resolved[field])) {
      throw new OrderValidationError(`options.${field}`, resolved[field], DURATION_FORM);
    }
  }
  return resolved;
}
