// POST /orders with an Idempotency-Key, through the HTTP API: the key names the order (and so the execution),
// so a retried request - even one sent at the same moment as the first - never makes a second order.
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/localStack.ts';
import { allOrders, eventTypeOf } from '../workflow/support.ts';

const stack = useLocalStack();

const ORDER = {
  customer: { id: 'cust-idem', email: 'idem@example.com', name: 'Ida Empotent' },
  items: [{ sku: 'SKU-3', quantity: 1 }],
  payment: { token: 'tok_visa' },
};

interface Answer {
  status: number;
  location: string | null;
  body: { orderId?: string; status?: string; executionArn?: string; error?: string; message?: string; details?: Array<{ path: string; message: string }> };
}

async function post(key: string, payload: unknown = ORDER, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${stack.current.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Idempotency-Key': key, ...headers },
    body: JSON.stringify(payload),
  });
  return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as Answer['body'] };
}

function counts() {
  return { executions: stack.current.executions.list().length, messages: stack.current.outbox.messages.length };
}

describe('the same Idempotency-Key sent twice at once', () => {
  it('gets the same orderId twice, from one execution and one order', async () => {
    const before = counts();
    const ordersBefore = (await allOrders(stack.current)).length;
    const [first, second] = await Promise.all([post('checkout-0001'), post('checkout-0001')]);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.orderId).toBe(first.body.orderId);
    expect(second.body.executionArn).toBe(first.body.executionArn);
    const orderId = first.body.orderId!;

    expect(counts().executions).toBe(before.executions + 1);
    const execution = await stack.current.waitForExecution(orderId);
    expect(execution.status).toBe('SUCCEEDED');
    expect(stack.current.executions.list().filter((e) => e.name === orderId)).toHaveLength(1);

    const orders = await allOrders(stack.current);
    expect(orders).toHaveLength(ordersBefore + 1);
    expect(orders.filter((order) => order.orderId === orderId)).toMatchObject([{ status: 'CONFIRMED' }]);
    expect(stack.current.outbox.forOrder(orderId).map(eventTypeOf)).toEqual(['OrderConfirmed']);
  });
});

describe('the same Idempotency-Key after the order finished', () => {
  it('answers 202 with the same order, starting nothing new', async () => {
    const first = await post('checkout-0002');
    const orderId = first.body.orderId!;
    await stack.current.waitForExecution(orderId);
    const before = counts();
    const stockBefore = await stack.current.inventory();

    const again = await post('checkout-0002');
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ orderId, executionArn: first.body.executionArn });
    expect(again.location).toBe(`/orders/${orderId}`);
    expect(counts()).toEqual(before);
    expect(await stack.current.inventory()).toEqual(stockBefore);
    const order = await (await fetch(`${stack.current.url}/orders/${orderId}`)).json();
    expect(order).toMatchObject({ orderId, status: 'CONFIRMED' });
  });
});

describe('the same Idempotency-Key with a different body', () => {
  it('is refused with 409 IdempotencyConflict naming the header, and starts nothing', async () => {
    const first = await post('checkout-0003');
    await stack.current.waitForExecution(first.body.orderId!);
    const before = counts();

    const other = await post('checkout-0003', { ...ORDER, items: [{ sku: 'SKU-3', quantity: 2 }] });
    expect(other.status).toBe(409);
    expect(other.body.error).toBe('IdempotencyConflict');
    expect(other.body.details?.map((d) => d.path)).toEqual(['headers.idempotency-key']);
    expect(other.body.message).toMatch(/Idempotency-Key/);
    expect(counts()).toEqual(before);
  });

  it('is refused as well while the first execution still runs', async () => {
    const [first, other] = await Promise.all([
      post('checkout-0004'),
      post('checkout-0004', { ...ORDER, payment: { token: 'tok_mastercard' } }),
    ]);
    // Whichever reached StartExecution first owns the key; the other is the conflict.
    expect([first.status, other.status].sort()).toEqual([202, 409]);
    const winner = first.status === 202 ? first : other;
    const loser = first.status === 202 ? other : first;
    expect(loser.body.error).toBe('IdempotencyConflict');
    await stack.current.waitForExecution(winner.body.orderId!);
    expect(stack.current.executions.list().filter((e) => e.name === winner.body.orderId)).toHaveLength(1);
  });
});

describe('Idempotency-Key scope', () => {
  it('keeps keys of different API keys apart: the same key from two callers makes two orders', async () => {
    const a = await post('checkout-0005', ORDER, { 'x-api-key': 'client-a' });
    const b = await post('checkout-0005', ORDER, { 'x-api-key': 'client-b' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body.orderId).not.toBe(b.body.orderId);
    await Promise.all([stack.current.waitForExecution(a.body.orderId!), stack.current.waitForExecution(b.body.orderId!)]);
  });

  it('without a key, the same body twice makes two orders', async () => {
    const post2 = () =>
      fetch(`${stack.current.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ORDER) }).then(
        async (r) => (await r.json()) as { orderId: string },
      );
    const [a, b] = await Promise.all([post2(), post2()]);
    expect(a.orderId).not.toBe(b.orderId);
    await Promise.all([stack.current.waitForExecution(a.orderId), stack.current.waitForExecution(b.orderId)]);
  });
});
