import { describe, expect, it } from 'vitest';
import {
  FINAL_STATUSES,
  OrderStatus,
  canMove,
  compensationFrom,
  compensationOf,
  compensationPlan,
  invalidOrder,
  newOrder,
  priceOrder,
  rejectionReasonFor,
  renderNotice,
  statusesBefore,
  toPublicOrder,
  type Order,
  type Product,
} from '../../../domain/order.ts';
import { AT, COFFEE, LATER, CUSTOMER, MUG, USD_ONLY, catalog, storedOrder } from '../support/fixtures.ts';

const ALL_STATUSES = Object.values(OrderStatus);

describe('priceOrder', () => {
  it('prices every line from the catalog and totals the order', () => {
    const pricing = priceOrder(
      { items: [{ sku: COFFEE.sku, quantity: 2 }, { sku: MUG.sku, quantity: 3 }], currency: 'BRL' },
      catalog(COFFEE, MUG),
    );
    expect(pricing).toEqual({
      ok: true,
      items: [
        { sku: COFFEE.sku, name: COFFEE.name, quantity: 2, unitPrice: 8990, lineTotal: 17980 },
        { sku: MUG.sku, name: MUG.name, quantity: 3, unitPrice: 2500, lineTotal: 7500 },
      ],
      total: { amount: 25480, currency: 'BRL' },
    });
  });

  it('takes the currency from the first line when the order names none', () => {
    const pricing = priceOrder({ items: [{ sku: USD_ONLY.sku, quantity: 1 }] }, catalog(USD_ONLY));
    expect(pricing.ok && pricing.total).toEqual({ amount: 12900, currency: 'USD' });
  });

  it('names every unknown SKU by its line', () => {
    const pricing = priceOrder(
      { items: [{ sku: 'NOPE-1', quantity: 1 }, { sku: COFFEE.sku, quantity: 1 }, { sku: 'NOPE-2', quantity: 1 }] },
      catalog(COFFEE),
    );
    expect(pricing).toEqual({
      ok: false,
      problems: [
        { path: 'items[0].sku', message: 'unknown SKU "NOPE-1"' },
        { path: 'items[2].sku', message: 'unknown SKU "NOPE-2"' },
      ],
    });
  });

  it('names a line priced in another currency than the order', () => {
    const pricing = priceOrder({ items: [{ sku: COFFEE.sku, quantity: 1 }, { sku: USD_ONLY.sku, quantity: 1 }], currency: 'BRL' }, catalog(COFFEE, USD_ONLY));
    expect(pricing).toEqual({ ok: false, problems: [{ path: 'items[1].sku', message: 'is priced in USD, the order is in BRL' }] });
  });

  it('names every line when the requested currency matches none of them', () => {
    const pricing = priceOrder({ items: [{ sku: COFFEE.sku, quantity: 1 }], currency: 'EUR' }, catalog(COFFEE));
    expect(!pricing.ok && pricing.problems.map((p) => p.path)).toEqual(['items[0].sku']);
  });

  it('reports a line total beyond the safe integer range as a problem on that line (not a thrown RangeError)', () => {
    const pricey: Product = { ...COFFEE, sku: 'GOLD', unitPrice: 10_000_000_000_000 }; // x 1000 = 1e16, past 2^53
    const pricing = priceOrder({ items: [{ sku: 'GOLD', quantity: 1000 }, { sku: COFFEE.sku, quantity: 1 }] }, catalog(pricey, COFFEE));
    expect(pricing.ok).toBe(false);
    expect(!pricing.ok && pricing.problems).toEqual([{ path: 'items[0].quantity', message: 'line total is too large' }]);
  });

  it('reports two lines whose sum overflows as "order total is too large"', () => {
    const a: Product = { ...COFFEE, sku: 'A', unitPrice: 5_000_000_000_000 };
    const b: Product = { ...COFFEE, sku: 'B', unitPrice: 5_000_000_000_000 };
    const pricing = priceOrder({ items: [{ sku: 'A', quantity: 1000 }, { sku: 'B', quantity: 1000 }] }, catalog(a, b));
    // 5e15 per line is safe; their sum (1e16) is not.
    expect(pricing).toEqual({ ok: false, problems: [{ path: 'items', message: 'order total is too large' }] });
  });
});

describe('status transitions', () => {
  it.each([
    ['RECEIVED', 'PAYMENT_APPROVED', true],
    ['PAYMENT_APPROVED', 'STOCK_RESERVED', true],
    ['STOCK_RESERVED', 'CONFIRMED', true],
    ['RECEIVED', 'REJECTED', true],
    ['PAYMENT_APPROVED', 'REJECTED', true],
    ['STOCK_RESERVED', 'FAILED', true],
    ['RECEIVED', 'STOCK_RESERVED', false],
    ['RECEIVED', 'CONFIRMED', false],
    ['STOCK_RESERVED', 'REJECTED', false],
    ['PAYMENT_APPROVED', 'RECEIVED', false],
  ] as const)('%s -> %s: %s', (from, to, allowed) => {
    expect(canMove(from, to)).toBe(allowed);
  });

  it('never leaves a final status', () => {
    for (const from of FINAL_STATUSES) for (const to of ALL_STATUSES) expect(canMove(from, to)).toBe(false);
  });

  it.each([
    ['PAYMENT_APPROVED', ['RECEIVED']],
    ['STOCK_RESERVED', ['PAYMENT_APPROVED']],
    ['CONFIRMED', ['STOCK_RESERVED']],
    ['REJECTED', ['RECEIVED', 'PAYMENT_APPROVED']],
    ['FAILED', ['RECEIVED', 'PAYMENT_APPROVED', 'STOCK_RESERVED']],
    ['RECEIVED', []],
  ] as const)('statusesBefore(%s) is %j', (to, from) => {
    expect(statusesBefore(to)).toEqual(from);
  });
});

describe('rejectionReasonFor', () => {
  it.each([
    ['ApiGateway.402', 'PAYMENT_DECLINED'],
    ['PaymentDeclined', 'PAYMENT_DECLINED'],
    ['OutOfStock', 'OUT_OF_STOCK'],
    ['InvalidOrder', 'INVALID_ORDER'],
    ['ApiGateway.503', undefined],
    ['States.ALL', undefined],
    ['TransientError', undefined],
    ['', undefined],
  ])('%j -> %s', (error, reason) => {
    expect(rejectionReasonFor(error)).toBe(reason);
  });
});

describe('newOrder and invalidOrder', () => {
  it('starts an order RECEIVED with one history entry', () => {
    const order = newOrder({
      orderId: 'ord-1',
      customer: CUSTOMER,
      items: storedOrder('x').items!,
      total: { amount: 20480, currency: 'BRL' },
      now: AT,
    });
    expect(order).toEqual({ ...storedOrder('ord-1'), createdAt: AT, updatedAt: AT });
  });

  it('keeps an invalid order REJECTED/INVALID_ORDER with its problems', () => {
    const order = invalidOrder({ orderId: 'ord-2', problems: [{ path: 'items[0].sku', message: 'unknown SKU "X"' }], now: AT });
    expect(order).toEqual({
      orderId: 'ord-2',
      status: 'REJECTED',
      reason: 'INVALID_ORDER',
      problems: [{ path: 'items[0].sku', message: 'unknown SKU "X"' }],
      history: [{ status: 'REJECTED', at: AT, reason: 'INVALID_ORDER' }],
      createdAt: AT,
      updatedAt: AT,
    });
    expect(invalidOrder({ orderId: 'ord-3', customer: CUSTOMER, problems: [], now: AT }).customer).toEqual(CUSTOMER);
  });
});

describe('toPublicOrder', () => {
  const internal: Order = storedOrder('ord-9', 'CONFIRMED', {
    payment: { authorizationId: 'auth_secret', status: 'AUTHORIZED', amount: 20480, currency: 'BRL' },
    stockReservation: { status: 'RESERVED', lines: [{ sku: COFFEE.sku, quantity: 2 }], at: AT },
    confirmationNotice: { status: 'SENT', messageId: 'msg-1', sentAt: AT },
    rejectionNotice: { status: 'PENDING', claimedAt: AT },
    failure: { error: 'X', detail: 'stack' },
  });

  it('shows status, priced items, total, customer and history', () => {
    expect(toPublicOrder(internal)).toEqual({
      orderId: 'ord-9',
      status: 'CONFIRMED',
      items: internal.items,
      total: 20480,
      currency: 'BRL',
      customer: CUSTOMER,
      history: internal.history,
      createdAt: internal.createdAt,
      updatedAt: internal.updatedAt,
    });
  });

  it('hides payment, reservation, notices and failure internals', () => {
    const text = JSON.stringify(toPublicOrder(internal));
    for (const hidden of ['payment', 'auth_secret', 'stockReservation', 'Notice', 'msg-1', 'failure']) expect(text).not.toContain(hidden);
  });

  it('shows the reason and problems of a rejected order', () => {
    const rejected = invalidOrder({ orderId: 'ord-2', problems: [{ path: 'items[0].sku', message: 'unknown SKU "X"' }], now: AT });
    expect(toPublicOrder(rejected)).toMatchObject({ status: 'REJECTED', reason: 'INVALID_ORDER', problems: rejected.problems, items: [] });
  });
});

describe('compensation', () => {
  it('plans every step for a failure and only the void and the rejection for out of stock', () => {
    expect(compensationPlan('ApiGateway.503')).toEqual(['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure']);
    expect(compensationPlan('States.Timeout')).toEqual(['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure']);
    expect(compensationPlan('OutOfStock')).toEqual(['VoidPayment', 'RejectOrder']);
  });

  it('knows what remains from a step on, and that a step off the path has none', () => {
    expect(compensationFrom('VoidPayment', 'TransientError')).toEqual(['VoidPayment', 'MarkFailed', 'NotifyFailure']);
    expect(compensationFrom('NotifyFailure', 'TransientError')).toEqual(['NotifyFailure']);
    expect(compensationFrom('VoidPayment', 'OutOfStock')).toEqual(['VoidPayment', 'RejectOrder']);
    expect(compensationFrom('ReleaseStock', 'OutOfStock')).toBeUndefined();
    expect(compensationFrom('RejectOrder', 'TransientError')).toBeUndefined();
  });

  it('is PENDING while a step remains and DONE once none does; absent before it starts', () => {
    const pending = storedOrder('ord-1', 'STOCK_RESERVED', { compensation: { error: 'TransientError', since: AT }, compensationRemaining: ['ReleaseStock', 'VoidPayment'] });
    expect(compensationOf(pending)).toEqual({ status: 'PENDING', remaining: ['ReleaseStock', 'VoidPayment'], error: 'TransientError', since: AT });
    expect(compensationOf({ ...pending, compensationRemaining: [] })).toEqual({ status: 'DONE', remaining: [], error: 'TransientError', since: AT });
    expect(compensationOf(storedOrder('ord-1'))).toBeUndefined();
  });

  it('GET shows the compensation and each REDRIVEN history entry with its count', () => {
    const order = storedOrder('ord-1', 'FAILED', {
      compensation: { error: 'TransientError', since: AT },
      compensationRemaining: ['NotifyFailure'],
      redriveCount: 1,
      history: [
        { status: 'RECEIVED', at: AT },
        { status: 'RECEIVED', at: LATER, event: 'REDRIVEN', redriveCount: 1 },
        { status: 'FAILED', at: LATER },
      ],
    });
    const view = toPublicOrder(order);
    expect(view.compensation).toEqual({ status: 'PENDING', remaining: ['NotifyFailure'], error: 'TransientError', since: AT });
    expect(view.history).toEqual([
      { status: 'RECEIVED', at: AT },
      { status: 'RECEIVED', at: LATER, event: 'REDRIVEN', redriveCount: 1 },
      { status: 'FAILED', at: LATER },
    ]);
    expect(view).not.toHaveProperty('compensationRemaining');
    expect(view).not.toHaveProperty('redriveCount');
  });
});

describe('renderNotice', () => {
  const order = storedOrder('ord-123', 'CONFIRMED');

  it('confirmation: subject and text carry the order id, every line and the total', () => {
    const message = renderNotice('confirmation', order);
    expect(message.subject).toBe('Order ord-123 confirmed');
    expect(message.text).toContain('Hello Ana Souza,');
    expect(message.text).toContain('Your order ord-123 is confirmed.');
    expect(message.text).toContain('2 x Coffee beans 1 kg (COFFEE-1KG) @ BRL 89.90 = BRL 179.80');
    expect(message.text).toContain('1 x Ceramic mug (MUG-01) @ BRL 25.00 = BRL 25.00');
    expect(message.text).toContain('Total: BRL 204.80');
  });

  it('confirmation attributes: eventType, orderId and customerEmail', () => {
    expect(renderNotice('confirmation', order).attributes).toEqual({
      eventType: 'OrderConfirmed',
      orderId: 'ord-123',
      customerEmail: CUSTOMER.email,
    });
  });

  it.each([
    ['PAYMENT_DECLINED', 'the payment was declined'],
    ['OUT_OF_STOCK', 'some items are out of stock'],
    ['INVALID_ORDER', 'the order could not be accepted as sent'],
  ] as const)('rejection for %s says why, with the detail, and that nothing was charged', (reason, why) => {
    const message = renderNotice('rejection', storedOrder('ord-7', 'REJECTED', { reason }), 'Out of stock: MUG-01');
    expect(message.subject).toBe('Order ord-7 not accepted');
    expect(message.text).toContain(`We could not accept your order ord-7: ${why}.`);
    expect(message.text).toContain('Out of stock: MUG-01');
    expect(message.text).toContain('You have not been charged.');
    expect(message.attributes.eventType).toBe('OrderRejected');
  });

  it('failure: says the order could not be completed and the authorization was voided', () => {
    const message = renderNotice('failure', storedOrder('ord-8', 'FAILED'));
    expect(message.subject).toBe('Order ord-8 could not be completed');
    expect(message.text).toContain('ord-8');
    expect(message.text).toContain('voided');
    expect(message.attributes).toEqual({ eventType: 'OrderFailed', orderId: 'ord-8', customerEmail: CUSTOMER.email });
  });

  it('an order without a customer gets a plain greeting and no customerEmail attribute', () => {
    const message = renderNotice('rejection', invalidOrder({ orderId: 'ord-0', problems: [], now: AT }));
    expect(message.text.startsWith('Hello,\n')).toBe(true);
    expect(message.attributes).toEqual({ eventType: 'OrderRejected', orderId: 'ord-0' });
  });
});
