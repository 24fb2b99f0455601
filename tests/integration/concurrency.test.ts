// Many customers at once, through the HTTP API, on DynamoDB Local: the last units of a SKU go to exactly as many
// orders as there are units, every other order is rejected with its payment voided, and stock never goes below
// zero - not at the end, not at any moment while the orders run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../domain/order.ts';
import type { Authorization } from '../../domain/payments.ts';
import { useLocalStack } from '../support/localStack.ts';
import { eventTypeOf, ledgerFor, stockOf } from '../workflow/support.ts';

const SCARCE = { sku: 'RUSH-1', name: 'Launch-day kettle', unitPrice: 24990, currency: 'BRL', stock: 10 };
const PLENTY = { sku: 'RUSH-2', name: 'Kettle descaler', unitPrice: 1990, currency: 'BRL', stock: 50 };
const FEW = { sku: 'RUSH-3', name: 'Spare lid', unitPrice: 2990, currency: 'BRL', stock: 2 };
const ORDERS = 40;

const seedDir = mkdtempSync(join(tmpdir(), 'order-pipeline-concurrency-'));
const seedFile = join(seedDir, 'catalog.json');
writeFileSync(seedFile, JSON.stringify([SCARCE, PLENTY, FEW]));
afterAll(() => rmSync(seedDir, { recursive: true, force: true }));

const stack = useLocalStack({ seedFile });

function body(items: Array<{ sku: string; quantity: number }>, n: number) {
  return { customer: { id: `cust-${n}`, email: `buyer${n}@example.com`, name: `Buyer ${n}` }, items, payment: { token: 'tok_visa' } };
}

async function postOrder(payload: unknown): Promise<{ status: number; body: { orderId: string; status: string } }> {
  const response = await fetch(`${stack.current.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return { status: response.status, body: (await response.json()) as { orderId: string; status: string } };
}

async function finalOrder(orderId: string): Promise<Order> {
  await stack.current.waitForExecution(orderId, 60_000);
  return (await stack.current.order(orderId)) as unknown as Order;
}

describe(`${ORDERS} concurrent orders of one unit for a SKU with ${SCARCE.stock} in stock`, () => {
  let accepted: Array<{ status: number; body: { orderId: string; status: string } }>;
  let orders: Order[];
  let ledgers: Authorization[][];
  const stockSeen: number[] = [];

  beforeAll(async () => {
    // Watch the stock while the orders run: it must never be seen below zero.
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        stockSeen.push((await stockOf(stack.current))[SCARCE.sku]!);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    try {
      accepted = await Promise.all(Array.from({ length: ORDERS }, (_, n) => postOrder(body([{ sku: SCARCE.sku, quantity: 1 }], n))));
      orders = await Promise.all(accepted.map((answer) => finalOrder(answer.body.orderId)));
    } finally {
      watching = false;
      await watcher;
    }
    ledgers = await Promise.all(orders.map((order) => ledgerFor(stack.current, order.orderId)));
  }, 90_000);

  it('accepts every one with 202 RECEIVED and its own order id', () => {
    expect(accepted.map((answer) => answer.status)).toEqual(Array(ORDERS).fill(202));
    expect(new Set(accepted.map((answer) => answer.body.orderId)).size).toBe(ORDERS);
  });

  it('runs one execution per order, each SUCCEEDED', () => {
    const ids = new Set(accepted.map((answer) => answer.body.orderId));
    const executions = stack.current.executions.list().filter((execution) => ids.has(execution.name));
    expect(executions).toHaveLength(ORDERS);
    expect(executions.map((execution) => execution.status)).toEqual(Array(ORDERS).fill('SUCCEEDED'));
  });

  it(`confirms exactly ${SCARCE.stock} and rejects the other ${ORDERS - SCARCE.stock} as OUT_OF_STOCK`, () => {
    const outcomes = orders.map((order) => `${order.status}${order.reason ? `/${order.reason}` : ''}`);
    expect(outcomes.filter((o) => o === 'CONFIRMED')).toHaveLength(SCARCE.stock);
    expect(outcomes.filter((o) => o === 'REJECTED/OUT_OF_STOCK')).toHaveLength(ORDERS - SCARCE.stock);
  });

  it('voids the payment of every rejected order and keeps every confirmed one authorized', () => {
    orders.forEach((order, i) => {
      const expected = order.status === 'CONFIRMED' ? 'AUTHORIZED' : 'VOIDED';
      expect(ledgers[i]!.map((entry) => entry.status), order.orderId).toEqual([expected]);
      expect(order.payment?.status, order.orderId).toBe(expected);
    });
  });

  it('ends with the stock at 0, never seen below 0 while the orders ran', async () => {
    expect((await stockOf(stack.current))[SCARCE.sku]).toBe(0);
    expect(stockSeen.length).toBeGreaterThan(1);
    expect(Math.min(...stockSeen)).toBeGreaterThanOrEqual(0);
    // The watcher saw the stock fall while orders ran, not only before and after.
    expect(stockSeen[0]).toBe(SCARCE.stock);
  });

  it('takes a unit only for a confirmed order: each holds one reservation, no rejected order holds any', () => {
    for (const order of orders) {
      if (order.status === 'CONFIRMED') expect(order.stockReservation).toMatchObject({ status: 'RESERVED', lines: [{ sku: SCARCE.sku, quantity: 1 }] });
      else expect(order.stockReservation).toBeUndefined();
    }
  });

  it('tells every customer once: 10 OrderConfirmed, 30 OrderRejected', () => {
    const kinds = orders.map((order) => stack.current.outbox.forOrder(order.orderId).map(eventTypeOf));
    expect(kinds.filter((k) => k.length === 1 && k[0] === 'OrderConfirmed')).toHaveLength(SCARCE.stock);
    expect(kinds.filter((k) => k.length === 1 && k[0] === 'OrderRejected')).toHaveLength(ORDERS - SCARCE.stock);
  });
});

describe('a multi-line order short on one line', () => {
  it('is rejected OUT_OF_STOCK naming that line, with every line\'s stock untouched and its payment voided', async () => {
    const before = await stockOf(stack.current);
    const answer = await postOrder(body([{ sku: PLENTY.sku, quantity: 5 }, { sku: FEW.sku, quantity: FEW.stock + 1 }], 99));
    expect(answer.status).toBe(202);
    const order = await finalOrder(answer.body.orderId);
    expect(order).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    const after = await stockOf(stack.current);
    expect(after[PLENTY.sku]).toBe(before[PLENTY.sku]);
    expect(after[FEW.sku]).toBe(before[FEW.sku]);
    expect(after).toEqual(before);
    expect((await ledgerFor(stack.current, order.orderId)).map((entry) => entry.status)).toEqual(['VOIDED']);
    const [message] = stack.current.outbox.forOrder(order.orderId);
    expect(message && eventTypeOf(message)).toBe('OrderRejected');
    expect(message!.message).toContain(FEW.sku);
    expect(message!.message).not.toContain(PLENTY.sku);
  });

  it('while the same lines within stock are confirmed, taking every line at once', async () => {
    const before = await stockOf(stack.current);
    const answer = await postOrder(body([{ sku: PLENTY.sku, quantity: 5 }, { sku: FEW.sku, quantity: FEW.stock }], 100));
    const order = await finalOrder(answer.body.orderId);
    expect(order.status).toBe('CONFIRMED');
    const after = await stockOf(stack.current);
    expect(after[PLENTY.sku]).toBe(before[PLENTY.sku]! - 5);
    expect(after[FEW.sku]).toBe(0);
  });
});
