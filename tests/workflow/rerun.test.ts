// Step Functions may run a task twice (a retry after a lost reply, a redrive): each handler, called again for an
// order that already finished, must change nothing. The handlers are called as the state machine calls them,
// through the local Lambda runtime (stack.lambda), with the payloads the definition's Parameters build.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Order } from '../../domain/order.ts';
import { useLocalStack } from '../support/localStack.ts';
import { eventTypeOf, ledgerFor, orderInput, runOrder, stockOf, type Outcome } from './support.ts';

const stack = useLocalStack();

interface Snapshot {
  order: Order;
  stock: Record<string, number>;
  ledger: Array<{ status: string }>;
  messages: number;
  allMessages: number;
}

async function snapshot(orderId: string): Promise<Snapshot> {
  return {
    order: (await stack.current.order(orderId)) as unknown as Order,
    stock: await stockOf(stack.current),
    ledger: await ledgerFor(stack.current, orderId),
    messages: stack.current.outbox.forOrder(orderId).length,
    allMessages: stack.current.outbox.messages.length,
  };
}

/** Nothing may move when a task runs again: the stock, the ledger, the outbox, and the order record - not even its updatedAt. */
function expectUnchanged(after: Snapshot, before: Snapshot): void {
  expect(after.stock).toEqual(before.stock);
  expect(after.ledger).toEqual(before.ledger);
  expect(after.messages).toBe(before.messages);
  expect(after.allMessages).toBe(before.allMessages);
  expect(after.order.history).toHaveLength(before.order.history.length);
  expect(after.order).toEqual(before.order);
}

describe('re-running a task for a CONFIRMED order', () => {
  const input = orderInput([
    { sku: 'SKU-4', quantity: 2 },
    { sku: 'SKU-5', quantity: 10 },
  ]);
  let confirmed: Outcome;
  let before: Snapshot;
  beforeAll(async () => {
    confirmed = await runOrder(stack.current, input);
    expect(confirmed.output).toMatchObject({ status: 'CONFIRMED' });
    expect(confirmed.messages.map(eventTypeOf)).toEqual(['OrderConfirmed']);
  });
  beforeEach(async () => {
    before = await snapshot(confirmed.orderId);
  });

  it('receiveOrder returns the stored order\'s summary and writes nothing', async () => {
    const result = await stack.current.lambda.invoke('receiveOrder', { orderId: confirmed.orderId, order: input });
    expect(result).toEqual({ orderId: confirmed.orderId, total: before.order.total, currency: 'BRL' });
    expectUnchanged(await snapshot(confirmed.orderId), before);
  });

  it('reserveStock (UpdateStock) finds the reservation and takes no stock a second time', async () => {
    const result = await stack.current.lambda.invoke('reserveStock', { orderId: confirmed.orderId });
    expect(result).toEqual({ orderId: confirmed.orderId, reservation: 'already' });
    expectUnchanged(await snapshot(confirmed.orderId), before);
  });

  it('sendConfirmation answers CONFIRMED again without publishing a second message', async () => {
    const result = await stack.current.lambda.invoke('sendConfirmation', { orderId: confirmed.orderId });
    expect(result).toMatchObject({ orderId: confirmed.orderId, status: 'CONFIRMED' });
    expectUnchanged(await snapshot(confirmed.orderId), before);
  });

  it('POST /payments/validate (as ValidatePayment calls it) answers the same authorization and changes nothing', async () => {
    const response = await stack.current.api.handle(
      {
        method: 'POST',
        url: '/payments/validate',
        headers: [['Content-Type', 'application/json']],
        body: JSON.stringify({ orderId: confirmed.orderId, amount: before.order.total, currency: 'BRL', token: 'tok_visa' }),
        sourceIp: '127.0.0.1',
      },
      { iam: { roleArn: stack.current.stepFunctions.roleArn, sessionName: 'rerun-test' } },
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ authorizationId: before.order.payment!.authorizationId, status: 'AUTHORIZED' });
    expectUnchanged(await snapshot(confirmed.orderId), before);
  });

  it('compensation (releaseStock, voidPayment) never undoes the confirmed sale', async () => {
    expect(await stack.current.lambda.invoke('releaseStock', { orderId: confirmed.orderId })).toEqual({ orderId: confirmed.orderId, release: 'nothing' });
    expect(await stack.current.lambda.invoke('voidPayment', { orderId: confirmed.orderId })).toEqual({ orderId: confirmed.orderId, voided: false });
    expectUnchanged(await snapshot(confirmed.orderId), before);
  });

  it('a second execution for the same order id is refused (ExecutionAlreadyExists) and changes nothing', async () => {
    expect(() => stack.current.startExecution(input, confirmed.orderId)).toThrow(expect.objectContaining({ name: 'ExecutionAlreadyExists' }));
    expectUnchanged(await snapshot(confirmed.orderId), before);
  });
});

describe('re-running a task for a REJECTED (out of stock) order', () => {
  let rejected: Outcome;
  let before: Snapshot;
  beforeAll(async () => {
    rejected = await runOrder(stack.current, orderInput([{ sku: 'SKU-6', quantity: 5 }]));
    expect(rejected.output).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
  });
  beforeEach(async () => {
    before = await snapshot(rejected.orderId);
  });

  it('rejectOrder answers REJECTED again without a second message', async () => {
    const result = await stack.current.lambda.invoke('rejectOrder', { orderId: rejected.orderId, error: 'OutOfStock', cause: '{}' });
    expect(result).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expectUnchanged(await snapshot(rejected.orderId), before);
  });

  it('voidPayment leaves the voided authorization as it is', async () => {
    expect(before.ledger.map((entry) => entry.status)).toEqual(['VOIDED']);
    await stack.current.lambda.invoke('voidPayment', { orderId: rejected.orderId });
    expectUnchanged(await snapshot(rejected.orderId), before);
  });

  it('reserveStock for it still finds the line short and takes nothing', async () => {
    await expect(stack.current.lambda.invoke('reserveStock', { orderId: rejected.orderId })).rejects.toMatchObject({ name: 'OutOfStock' });
    expectUnchanged(await snapshot(rejected.orderId), before);
  });
});

describe('re-running a task for a REJECTED (declined) order whose stock is there', () => {
  it('reserveStock refuses (OrderStateConflict: the order never reached PAYMENT_APPROVED) and takes no stock', async () => {
    const declined = await runOrder(stack.current, orderInput([{ sku: 'SKU-3', quantity: 1 }], 'tok_chargeDeclined'));
    expect(declined.output).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
    const before = await snapshot(declined.orderId);
    expect(before.stock['SKU-3']).toBeGreaterThan(0);
    await expect(stack.current.lambda.invoke('reserveStock', { orderId: declined.orderId })).rejects.toMatchObject({ name: 'OrderStateConflict' });
    expectUnchanged(await snapshot(declined.orderId), before);
  });
});
