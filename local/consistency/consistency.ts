// The service's guarantees as one pure check over a snapshot of the tables and the outbox. Used by
// `npm run check:consistency`, the load run and the tests; each violation says which guarantee and where.
import { FINAL_STATUSES, type Order } from '../../domain/order.ts';
import type { Authorization } from '../../domain/payments.ts';

export interface ConsistencySnapshot {
  orders: Order[];
  inventory: { sku: string; available: number }[];
  /** Stock per SKU when the stack was seeded. */
  initialStock: Record<string, number>;
  /**
   * When the catalog was (re)seeded. A re-seed (`--persist DIR --seed FILE`) is a stock count: each SKU's available
   * stock becomes the seed's, and the orders that reserved stock before it keep their records but are not counted
   * against it - their units were already out of the counted stock. Absent: every order counts.
   */
  seededAt?: string;
  authorizations: Authorization[];
  /** Published messages' attributes (eventType, orderId). */
  messages: { attributes: Record<string, string | undefined> }[];
  /** Order ids answered 202, when known (the load run knows them). */
  acceptedOrderIds?: string[];
}

export interface Violation {
  guarantee: 1 | 2 | 3 | 4;
  subject: string;
  message: string;
}

const EVENT_FOR: Partial<Record<Order['status'], string>> = { CONFIRMED: 'OrderConfirmed', REJECTED: 'OrderRejected' };

export function checkConsistency(snapshot: ConsistencySnapshot): Violation[] {
  const violations: Violation[] = [];
  const ordersById = new Map(snapshot.orders.map((order) => [order.orderId, order]));

  // 1. Every accepted order reaches exactly one final status.
  for (const orderId of snapshot.acceptedOrderIds ?? []) {
    if (!ordersById.has(orderId)) violations.push({ guarantee: 1, subject: orderId, message: 'accepted (202) but no order record' });
  }
  for (const order of snapshot.orders) {
    if (!FINAL_STATUSES.includes(order.status)) {
      violations.push({ guarantee: 1, subject: order.orderId, message: `ended in non-final status ${order.status}` });
    }
    // Status changes only: an event entry (REDRIVEN) repeats the status the order was in.
    const finals = (order.history ?? []).filter((entry) => entry.event === undefined && FINAL_STATUSES.includes(entry.status));
    if (finals.length > 1) {
      violations.push({
        guarantee: 1,
        subject: order.orderId,
        message: `reached ${finals.length} final statuses: ${finals.map((entry) => entry.status).join(', ')}`,
      });
    }
  }

  // 2. Stock is conserved: initial = available + units of CONFIRMED orders (that reserved since the seed); never negative.
  const confirmedUnits = new Map<string, number>();
  const reservedAt = (order: Order) => (order.history ?? []).find((entry) => entry.status === 'STOCK_RESERVED')?.at;
  for (const order of snapshot.orders) {
    if (order.status !== 'CONFIRMED') continue;
    const reserved = reservedAt(order);
    if (snapshot.seededAt !== undefined && reserved !== undefined && reserved < snapshot.seededAt) continue;
    for (const line of order.items ?? []) confirmedUnits.set(line.sku, (confirmedUnits.get(line.sku) ?? 0) + line.quantity);
  }
  for (const { sku, available } of snapshot.inventory) {
    if (available < 0) violations.push({ guarantee: 2, subject: sku, message: `available is negative (${available})` });
    const initial = snapshot.initialStock[sku];
    if (initial === undefined) continue;
    const sold = confirmedUnits.get(sku) ?? 0;
    if (initial !== available + sold) {
      violations.push({ guarantee: 2, subject: sku, message: `initial ${initial} != available ${available} + confirmed ${sold}` });
    }
  }

  // 3. Every approved authorization belongs to a CONFIRMED order or has been voided.
  for (const auth of snapshot.authorizations) {
    if (auth.status !== 'AUTHORIZED') continue;
    const status = ordersById.get(auth.orderId)?.status;
    if (status !== 'CONFIRMED') {
      violations.push({
        guarantee: 3,
        subject: auth.authorizationId,
        message: `authorized for order ${auth.orderId}, which is ${status ?? 'missing'}, and not voided`,
      });
    }
  }

  // 4. One confirmation per CONFIRMED order and one rejection per REJECTED order — or, when SNS failed for
  //    good, none and the failed notice recorded on the order. Never the other kind.
  const counts = new Map<string, number>();
  for (const { attributes } of snapshot.messages) {
    const key = `${attributes.orderId}:${attributes.eventType}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const order of snapshot.orders) {
    const eventType = EVENT_FOR[order.status];
    for (const other of Object.values(EVENT_FOR)) {
      if (other !== eventType && (counts.get(`${order.orderId}:${other}`) ?? 0) > 0) {
        violations.push({ guarantee: 4, subject: order.orderId, message: `${order.status} order was sent ${other}` });
      }
    }
    if (!eventType) continue;
    const sent = counts.get(`${order.orderId}:${eventType}`) ?? 0;
    const notice = order.status === 'CONFIRMED' ? order.confirmationNotice : order.rejectionNotice;
    const failedToPublish = sent === 0 && notice?.status === 'FAILED';
    if (sent !== 1 && !failedToPublish) {
      violations.push({ guarantee: 4, subject: order.orderId, message: `${order.status} order has ${sent} ${eventType} messages` });
    }
  }
  return violations;
}

export function describeViolations(violations: Violation[], limit = 20): string {
  const lines = violations.slice(0, limit).map((v) => `  guarantee ${v.guarantee}: ${v.subject}: ${v.message}`);
  if (violations.length > limit) lines.push(`  … and ${violations.length - limit} more`);
  return lines.join('\n');
}
