import { describe, expect, it } from 'vitest';
import { checkConsistency, describeViolations, type ConsistencySnapshot } from '../../../local/consistency/consistency.ts';
import type { Order } from '../../../domain/order.ts';

const at = '2026-11-24T12:00:00.000Z';

function order(orderId: string, status: Order['status'], quantity: number, extra: Partial<Order> = {}): Order {
  return {
    orderId,
    status,
    items: [{ sku: 'SKU-1', name: 'Beans', quantity, unitPrice: 100, lineTotal: 100 * quantity }],
    total: 100 * quantity,
    currency: 'BRL',
    history: [{ status: 'RECEIVED', at }, ...(status === 'RECEIVED' ? [] : [{ status, at }])],
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

/** Two orders: one confirmed (3 units, authorized, confirmation sent) and one rejected (voided, rejection sent). */
function consistent(): ConsistencySnapshot {
  return {
    orders: [order('o1', 'CONFIRMED', 3), order('o2', 'REJECTED', 2, { reason: 'OUT_OF_STOCK' })],
    inventory: [{ sku: 'SKU-1', available: 7 }],
    initialStock: { 'SKU-1': 10 },
    authorizations: [
      { authorizationId: 'a1', orderId: 'o1', amount: 300, currency: 'BRL', status: 'AUTHORIZED', createdAt: at },
      { authorizationId: 'a2', orderId: 'o2', amount: 200, currency: 'BRL', status: 'VOIDED', createdAt: at },
    ],
    messages: [
      { attributes: { orderId: 'o1', eventType: 'OrderConfirmed' } },
      { attributes: { orderId: 'o2', eventType: 'OrderRejected' } },
    ],
    acceptedOrderIds: ['o1', 'o2'],
  };
}

describe('checkConsistency', () => {
  it('finds nothing wrong in a consistent snapshot', () => {
    expect(checkConsistency(consistent())).toEqual([]);
  });

  it('guarantee 1: flags an accepted order without a record and one stuck in a non-final status', () => {
    const snapshot = consistent();
    snapshot.acceptedOrderIds!.push('o3');
    snapshot.orders.push(order('o4', 'STOCK_RESERVED', 0));
    const violations = checkConsistency(snapshot);
    expect(violations).toEqual([
      expect.objectContaining({ guarantee: 1, subject: 'o3' }),
      expect.objectContaining({ guarantee: 1, subject: 'o4', message: expect.stringContaining('STOCK_RESERVED') }),
    ]);
  });

  it('guarantee 2 after a re-seed: orders that reserved before it are not counted against the counted stock', () => {
    // Re-seeded at 13:00 with 10 again; o1 (3 units) reserved at 12:00, before the count; o5 (4 units) after it.
    const snapshot = consistent();
    snapshot.seededAt = '2026-11-24T13:00:00.000Z';
    snapshot.orders[0]!.history = [{ status: 'RECEIVED', at }, { status: 'STOCK_RESERVED', at }, { status: 'CONFIRMED', at }];
    const later = '2026-11-24T13:05:00.000Z';
    snapshot.orders.push(
      order('o5', 'CONFIRMED', 4, { history: [{ status: 'RECEIVED', at: later }, { status: 'STOCK_RESERVED', at: later }, { status: 'CONFIRMED', at: later }] }),
    );
    snapshot.authorizations.push({ authorizationId: 'a5', orderId: 'o5', amount: 400, currency: 'BRL', status: 'AUTHORIZED', createdAt: later });
    snapshot.messages.push({ attributes: { orderId: 'o5', eventType: 'OrderConfirmed' } });
    snapshot.inventory = [{ sku: 'SKU-1', available: 6 }];
    expect(checkConsistency(snapshot)).toEqual([]);
    // Without the seed time both would count: 10 != 6 + 7.
    delete snapshot.seededAt;
    expect(checkConsistency(snapshot)).toEqual([expect.objectContaining({ guarantee: 2, subject: 'SKU-1', message: 'initial 10 != available 6 + confirmed 7' })]);
  });

  it('guarantee 1: flags an order whose history has two final statuses', () => {
    const snapshot = consistent();
    snapshot.orders[0]!.history.push({ status: 'FAILED', at });
    expect(checkConsistency(snapshot)).toEqual([expect.objectContaining({ guarantee: 1, subject: 'o1' })]);
  });

  it('guarantee 1: counts status changes only, not a REDRIVEN entry that repeats the final status', () => {
    const snapshot = consistent();
    snapshot.orders[1]!.history.push({ status: 'REJECTED', at, event: 'REDRIVEN', redriveCount: 1 });
    expect(checkConsistency(snapshot)).toEqual([]);
  });

  it('guarantee 2: flags stock that does not add up and stock below zero', () => {
    const lost = consistent();
    lost.inventory[0]!.available = 6; // one unit vanished
    expect(checkConsistency(lost)).toEqual([expect.objectContaining({ guarantee: 2, subject: 'SKU-1' })]);

    const negative = consistent();
    negative.initialStock['SKU-1'] = 5;
    negative.inventory[0]!.available = -1;
    const messages = checkConsistency(negative).map((v) => v.message);
    expect(messages).toEqual([expect.stringContaining('negative'), 'initial 5 != available -1 + confirmed 3']);
  });

  it('guarantee 3: flags an authorization left on an order that is not confirmed', () => {
    const snapshot = consistent();
    snapshot.authorizations[1]!.status = 'AUTHORIZED';
    expect(checkConsistency(snapshot)).toEqual([
      expect.objectContaining({ guarantee: 3, subject: 'a2', message: expect.stringContaining('REJECTED') }),
    ]);
  });

  it('guarantee 4: flags a duplicate confirmation, a missing rejection and a message of the wrong kind', () => {
    const snapshot = consistent();
    snapshot.messages = [
      { attributes: { orderId: 'o1', eventType: 'OrderConfirmed' } },
      { attributes: { orderId: 'o1', eventType: 'OrderConfirmed' } },
      { attributes: { orderId: 'o1', eventType: 'OrderRejected' } },
    ];
    const violations = checkConsistency(snapshot);
    expect(violations.map((v) => [v.guarantee, v.subject])).toEqual([
      [4, 'o1'],
      [4, 'o1'],
      [4, 'o2'],
    ]);
  });

  it('guarantee 4: accepts no message when the failure to publish is recorded on the order', () => {
    const snapshot = consistent();
    snapshot.messages = snapshot.messages.filter((m) => m.attributes.orderId !== 'o1');
    expect(checkConsistency(snapshot)).toHaveLength(1);
    snapshot.orders[0]!.confirmationNotice = { status: 'FAILED', error: 'InternalErrorException' };
    expect(checkConsistency(snapshot)).toEqual([]);
  });

  it('describes violations one per line, cut at the limit', () => {
    const snapshot = consistent();
    snapshot.acceptedOrderIds = ['x1', 'x2', 'x3'];
    const text = describeViolations(checkConsistency(snapshot), 2);
    expect(text.split('\n')).toEqual([
      '  guarantee 1: x1: accepted (202) but no order record',
      '  guarantee 1: x2: accepted (202) but no order record',
      '  … and 1 more',
    ]);
  });
});
