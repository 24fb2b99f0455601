import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ExecutionInputSchema,
  IdempotencyKeySchema,
  OrderIdSchema,
  OrderRequestSchema,
  PaymentRequestSchema,
  formatPath,
  parseWith,
  toFieldProblems,
} from '../../../domain/schemas.ts';
import { orderRequest } from '../support/fixtures.ts';

const parseOrder = (input: unknown) => parseWith(OrderRequestSchema, input);

/** Parses a JSON text the way the HTTP layer does, so `__proto__` stays an own key. */
const parseOrderJson = (text: string) => parseOrder(JSON.parse(text));

function problemsOf(input: unknown) {
  const result = parseOrder(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.problems;
}

const withQuantity = (quantity: unknown) => orderRequest({ items: [{ sku: 'COFFEE-1KG', quantity }] });
const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 }));

describe('OrderRequestSchema', () => {
  it('accepts a valid order and returns it as parsed', () => {
    const result = parseOrder(orderRequest());
    expect(result).toEqual({ ok: true, value: orderRequest() });
  });

  it('accepts an order without currency (the catalog decides it)', () => {
    const { currency: _omitted, ...request } = orderRequest();
    const result = parseOrder(request);
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.currency).toBeUndefined();
  });

  describe('quantity', () => {
    it.each([
      [0, 'must be at least 1'],
      [-1, 'must be at least 1'],
      [1.5, 'must be a whole number'],
      ['2', 'must be a number'],
      [1001, 'must be at most 1000'],
      [1e308, 'must be a whole number'],
      [Number.MAX_SAFE_INTEGER + 2, 'must be a whole number'],
      [null, 'must be a number'],
      [true, 'must be a number'],
    ])('rejects %s at items[0].quantity with "%s"', (quantity, message) => {
      expect(problemsOf(withQuantity(quantity))).toContainEqual({ path: 'items[0].quantity', message });
    });

    it('rejects a huge number written in JSON (1e400 parses to Infinity)', () => {
      const text = JSON.stringify(withQuantity(1)).replace('"quantity":1', '"quantity":1e400');
      const result = parseOrderJson(text);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problems.map((p) => p.path)).toEqual(['items[0].quantity']);
    });

    it.each([1, 1000])('accepts the boundary quantity %s', (quantity) => {
      expect(parseOrder(withQuantity(quantity)).ok).toBe(true);
    });
  });

  describe('lines', () => {
    it('rejects an order with no lines', () => {
      expect(problemsOf(orderRequest({ items: [] }))).toEqual([{ path: 'items', message: 'must have at least one line' }]);
    });

    // The documented limit (README, "Limits"), stated here and not read from domain/schemas.ts.
    it('accepts 50 lines and rejects 51', () => {
      expect(parseOrder(orderRequest({ items: lines(50) })).ok).toBe(true);
      expect(problemsOf(orderRequest({ items: lines(51) }))).toEqual([
        { path: 'items', message: 'must have at most 50 lines' },
      ]);
    });

    it('rejects a duplicate SKU, naming the second line and pointing at the first', () => {
      const items = [
        { sku: 'A-1', quantity: 1 },
        { sku: 'B-1', quantity: 1 },
        { sku: 'A-1', quantity: 2 },
      ];
      expect(problemsOf(orderRequest({ items }))).toEqual([
        { path: 'items[2].sku', message: 'duplicates items[0].sku; put the whole quantity on one line' },
      ]);
    });

    it.each(['', ' SKU', '-SKU', 'SKU/1', 'x'.repeat(65)])('rejects the SKU %j', (sku) => {
      expect(problemsOf(orderRequest({ items: [{ sku, quantity: 1 }] })).map((p) => p.path)).toEqual(['items[0].sku']);
    });

    it('rejects a line that is not an object', () => {
      expect(problemsOf(orderRequest({ items: ['COFFEE-1KG'] })).map((p) => p.path)).toEqual(['items[0]']);
    });
  });

  describe('unknown fields are rejected, never ignored', () => {
    it('names an unknown top-level field', () => {
      expect(problemsOf(orderRequest({ coupon: 'FREE' }))).toEqual([{ path: 'coupon', message: 'is not a known field' }]);
    });

    it('names a client price on a line (client prices are not accepted)', () => {
      const items = [{ sku: 'COFFEE-1KG', quantity: 1, unitPrice: 1 }];
      expect(problemsOf(orderRequest({ items }))).toEqual([{ path: 'items[0].unitPrice', message: 'is not a known field' }]);
    });

    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('names a "%s" key parsed from JSON', (key) => {
      const text = JSON.stringify(orderRequest()).replace(/}$/, `,"${key}":{"isAdmin":true}}`);
      const result = parseOrderJson(text);
      expect(result).toEqual({ ok: false, problems: [{ path: key, message: 'is not a known field' }] });
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined(); // and no prototype was polluted
    });

    it('names a "__proto__" key nested in customer', () => {
      const text = JSON.stringify(orderRequest()).replace('"customer":{', '"customer":{"__proto__":{"x":1},');
      expect(parseOrderJson(text)).toEqual({ ok: false, problems: [{ path: 'customer.__proto__', message: 'is not a known field' }] });
    });

    it('names an unknown field in payment (a card number must never be accepted)', () => {
      const payment = { token: 'tok_visa', cardNumber: '4242424242424242' };
      expect(problemsOf(orderRequest({ payment }))).toEqual([{ path: 'payment.cardNumber', message: 'is not a known field' }]);
    });
  });

  describe('customer', () => {
    it.each(['ana', 'ana@', '@example.com', 'ana souza@example.com', 'ana@example'])('rejects the e-mail %j', (email) => {
      expect(problemsOf(orderRequest({ customer: { id: 'c1', email, name: 'Ana' } }))).toEqual([
        { path: 'customer.email', message: 'must be an e-mail address' },
      ]);
    });

    it('accepts a 64-character id and rejects 65 characters', () => {
      expect(parseOrder(orderRequest({ customer: { id: 'x'.repeat(64), email: 'a@example.com', name: 'Ana' } })).ok).toBe(true);
      expect(problemsOf(orderRequest({ customer: { id: 'x'.repeat(65), email: 'a@example.com', name: 'Ana' } }))).toEqual([
        { path: 'customer.id', message: 'must be at most 64 characters' },
      ]);
    });

    it.each([
      ['NUL', 'Ana\u0000Souza'],
      ['newline inside', 'Ana\nSouza'],
      ['escape', 'Ana\u001b[31mSouza'],
      ['right-to-left override', 'Ana\u202eazuoS'],
      ['zero-width space', 'Ana\u200bSouza'],
    ])('rejects a name with a control character (%s)', (_label, name) => {
      expect(problemsOf(orderRequest({ customer: { id: 'c1', email: 'a@example.com', name } }))).toEqual([
        { path: 'customer.name', message: 'must not contain control characters' },
      ]);
    });

    it('accepts letters of any script and trims surrounding space', () => {
      const result = parseOrder(orderRequest({ customer: { id: ' c1 ', email: 'a@example.com', name: 'José Ñúñez 山田' } }));
      expect(result.ok && result.value.customer).toEqual({ id: 'c1', email: 'a@example.com', name: 'José Ñúñez 山田' });
    });

    it('rejects a blank name', () => {
      expect(problemsOf(orderRequest({ customer: { id: 'c1', email: 'a@example.com', name: '   ' } }))).toEqual([
        { path: 'customer.name', message: 'must not be empty' },
      ]);
    });
  });

  describe('currency and payment', () => {
    it.each(['usd', 'XXX', 'ZZZ', 'BR', '', 'EURO'])('rejects the currency %j', (currency) => {
      expect(problemsOf(orderRequest({ currency })).map((p) => p.path)).toEqual(['currency']);
    });

    it.each(['BRL', 'USD', 'JPY', 'BHD'])('accepts the currency %s', (currency) => {
      expect(parseOrder(orderRequest({ currency })).ok).toBe(true);
    });

    it.each(['visa', 'tok_', 'tok_visa!', `tok_${'a'.repeat(101)}`, '4242424242424242'])('rejects the payment token %j', (token) => {
      expect(problemsOf(orderRequest({ payment: { token } }))).toEqual([
        { path: 'payment.token', message: 'must be a payment token such as "tok_visa"' },
      ]);
    });
  });

  describe('bodies that are not an order object', () => {
    it.each([
      ['an array', []],
      ['an array of orders', [orderRequest()]],
      ['a string', 'order'],
      ['a number', 42],
      ['null', null],
    ])('rejects %s as a whole with "must be a JSON object"', (_label, input) => {
      expect(problemsOf(input)).toEqual([{ path: '(body)', message: 'must be a JSON object' }]);
    });

    it('rejects an empty object naming each missing field', () => {
      expect(problemsOf({}).map((p) => p.path)).toEqual(['customer', 'items', 'payment']);
    });
  });
});

describe('ExecutionInputSchema', () => {
  it('accepts an order with its orderId (as createOrder starts it)', () => {
    expect(parseWith(ExecutionInputSchema, { orderId: 'ord-1', ...orderRequest() }).ok).toBe(true);
  });

  it('rejects an orderId that cannot be an execution name', () => {
    const result = parseWith(ExecutionInputSchema, { orderId: 'ord 1', ...orderRequest() });
    expect(!result.ok && result.problems.map((p) => p.path)).toEqual(['orderId']);
  });

  it('still rejects unknown fields', () => {
    const result = parseWith(ExecutionInputSchema, { ...orderRequest(), extra: 1 });
    expect(!result.ok && result.problems).toEqual([{ path: 'extra', message: 'is not a known field' }]);
  });
});

describe('OrderIdSchema and IdempotencyKeySchema', () => {
  it.each([
    ['a UUID', 'a3bb189e-8bf9-3888-9912-ace4e6543002', true],
    ['80 characters', 'a'.repeat(80), true],
    ['81 characters', 'a'.repeat(81), false],
    ['a path traversal', '../etc', false],
    ['an encoded slash', '..%2F', false],
    ['unicode letters', 'pedido-ção', false],
    ['empty', '', false],
  ])('order id: %s -> %s', (_label, id, ok) => {
    expect(parseWith(OrderIdSchema, id).ok).toBe(ok);
  });

  it.each([
    ['64 characters', 'k'.repeat(64), true],
    ['65 characters', 'k'.repeat(65), false],
    ['with a space', 'my key', false],
    ['empty', '', false],
    ['letters, digits, - and _', 'Order_2026-11-24_0001', true],
  ])('idempotency key: %s -> %s', (_label, key, ok) => {
    expect(parseWith(IdempotencyKeySchema, key).ok).toBe(ok);
  });
});

describe('PaymentRequestSchema', () => {
  const valid = { orderId: 'ord-1', amount: 20480, currency: 'BRL', token: 'tok_visa' };

  it('accepts what ValidatePayment sends', () => {
    expect(parseWith(PaymentRequestSchema, valid)).toEqual({ ok: true, value: valid });
  });

  it.each([
    [{ amount: 0 }, 'amount', 'must be positive'],
    [{ amount: 19.9 }, 'amount', 'must be a whole number of minor units'],
    [{ currency: 'brl' }, 'currency', 'must be an ISO 4217 currency code such as "BRL" or "USD"'],
    [{ orderId: '../x' }, 'orderId', 'must be 1-80 letters, digits, "-" or "_"'],
  ])('rejects %j naming %s', (change, path, message) => {
    expect(parseWith(PaymentRequestSchema, { ...valid, ...change })).toEqual({ ok: false, problems: [{ path, message }] });
  });
});

describe('formatPath', () => {
  it.each([
    [['items', 0, 'quantity'], '', 'items[0].quantity'],
    [['customer', 'email'], '', 'customer.email'],
    [[3, 'sku'], '', '[3].sku'],
    [[], '', '(body)'],
    [[], 'orderId', 'orderId'],
    [['x'], 'headers.idempotency-key', 'headers.idempotency-key.x'],
    [[0], 'items', 'items[0]'],
  ] as const)('%j under root %j is %s', (path, root, expected) => {
    expect(formatPath(path, root)).toBe(expected);
  });
});

describe('toFieldProblems', () => {
  it('turns each zod issue into a field problem and each unknown key into its own', () => {
    const schema = z.strictObject({ items: z.array(z.strictObject({ quantity: z.number() })) });
    const result = schema.safeParse({ items: [{ quantity: 'x', a: 1, b: 2 }] });
    expect(result.success).toBe(false);
    expect(toFieldProblems(result.error!)).toEqual([
      { path: 'items[0].quantity', message: expect.any(String) },
      { path: 'items[0].a', message: 'is not a known field' },
      { path: 'items[0].b', message: 'is not a known field' },
    ]);
  });

  it('prefixes paths with the root', () => {
    const result = z.object({ a: z.string() }).safeParse({ a: 1 });
    expect(toFieldProblems(result.error!, 'body').map((p) => p.path)).toEqual(['body.a']);
  });
});
