// The real workflows/order-pipeline.asl.yml on the local stack, one test per way an order can end when nothing
// breaks: confirmed, declined, out of stock, invalid. Each checks every place the execution leaves a trace.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SeedEntry } from '../../local/stack/tables.ts';
import { useLocalStack } from '../support/localStack.ts';
import type { HistoryEvent } from '../../local/engine/executionHistory.ts';
import { caughtIn, CUSTOMER, details, eventTypeOf, eventsOf, orderInput, retriesOf, runOrder, statesEntered, type Outcome } from './support.ts';

const stack = useLocalStack();

let catalog: Map<string, SeedEntry>;
beforeAll(() => {
  catalog = new Map(stack.current.seeded.map((entry) => [entry.sku, entry]));
});

/** "BRL 339.70": minor units shown with two decimals, as the messages print them. */
const shown = (amount: number, currency = 'BRL') => `${currency} ${(amount / 100).toFixed(2)}`;

function priced(lines: Array<{ sku: string; quantity: number }>): number {
  return lines.reduce((total, line) => total + catalog.get(line.sku)!.unitPrice * line.quantity, 0);
}

function expectStockUntouched(outcome: Outcome): void {
  expect(outcome.stockAfter).toEqual(outcome.stockBefore);
}

describe('an order that goes through', () => {
  const lines = [
    { sku: 'SKU-1', quantity: 2 },
    { sku: 'SKU-2', quantity: 1 },
  ];
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await runOrder(stack.current, orderInput(lines));
  });

  it('succeeds with the order CONFIRMED, priced from the catalog', () => {
    const total = priced(lines);
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(outcome.output).toMatchObject({ orderId: outcome.orderId, status: 'CONFIRMED', total, currency: 'BRL' });
    expect(outcome.order).toMatchObject({ status: 'CONFIRMED', total, currency: 'BRL', customer: CUSTOMER });
    expect(outcome.order!.reason).toBeUndefined();
    expect(outcome.order!.items).toEqual(
      lines.map(({ sku, quantity }) => ({
        sku,
        quantity,
        name: catalog.get(sku)!.name,
        unitPrice: catalog.get(sku)!.unitPrice,
        lineTotal: catalog.get(sku)!.unitPrice * quantity,
      })),
    );
  });

  it('records RECEIVED -> PAYMENT_APPROVED -> STOCK_RESERVED -> CONFIRMED in the order history, in time order', () => {
    const history = outcome.order!.history;
    expect(history.map((entry) => entry.status)).toEqual(['RECEIVED', 'PAYMENT_APPROVED', 'STOCK_RESERVED', 'CONFIRMED']);
    const times = history.map((entry) => Date.parse(entry.at));
    expect(times.every((time, i) => Number.isFinite(time) && (i === 0 || time >= times[i - 1]!))).toBe(true);
  });

  it('takes exactly the ordered quantities off stock and nothing else', () => {
    const expected = { ...outcome.stockBefore };
    for (const line of lines) expected[line.sku]! -= line.quantity;
    expect(outcome.stockAfter).toEqual(expected);
    expect(outcome.order!.stockReservation).toMatchObject({ status: 'RESERVED', lines });
  });

  it('holds one authorization for the total in the payment ledger, kept AUTHORIZED (capture is fulfilment\'s)', () => {
    expect(outcome.ledger).toHaveLength(1);
    expect(outcome.ledger[0]).toMatchObject({ status: 'AUTHORIZED', amount: priced(lines), currency: 'BRL' });
    expect(outcome.order!.payment).toMatchObject({ authorizationId: outcome.ledger[0]!.authorizationId, status: 'AUTHORIZED' });
  });

  it('publishes one OrderConfirmed message a person can read: order id, every line and the total', () => {
    expect(outcome.messages).toHaveLength(1);
    const [message] = outcome.messages;
    expect(message!.attributes).toEqual({
      eventType: { DataType: 'String', StringValue: 'OrderConfirmed' },
      orderId: { DataType: 'String', StringValue: outcome.orderId },
      customerEmail: { DataType: 'String', StringValue: CUSTOMER.email },
    });
    expect(message!.subject).toContain(outcome.orderId);
    expect(message!.subject).toMatch(/confirmed/i);
    expect(message!.message).toContain(CUSTOMER.name);
    expect(message!.message).toContain(outcome.orderId);
    for (const line of lines) {
      const entry = catalog.get(line.sku)!;
      expect(message!.message).toContain(`${line.quantity} x ${entry.name} (${line.sku})`);
    }
    expect(message!.message).toContain(`Total: ${shown(priced(lines))}`);
    expect(outcome.order!.confirmationNotice).toMatchObject({ status: 'SENT', messageId: message!.messageId });
  });

  it('has an event history with the four states entered and exited in order, one task call each, and nothing failed', () => {
    const history = outcome.execution.history;
    expect(history[0]!.type).toBe('ExecutionStarted');
    expect(history.at(-1)!.type).toBe('ExecutionSucceeded');
    expect(statesEntered(history)).toEqual(['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation']);
    const stateEvents = history.filter((e) => e.type.endsWith('StateEntered') || e.type.endsWith('StateExited'));
    expect(stateEvents.map((e) => `${String(details(e).name)} ${e.type}`)).toEqual([
      'ReceiveOrder TaskStateEntered',
      'ReceiveOrder TaskStateExited',
      'ValidatePayment TaskStateEntered',
      'ValidatePayment TaskStateExited',
      'UpdateStock TaskStateEntered',
      'UpdateStock TaskStateExited',
      'SendConfirmation TaskStateEntered',
      'SendConfirmation TaskStateExited',
    ]);
    for (const state of statesEntered(history)) expect(eventsOf(history, 'TaskSucceeded', state), state).toHaveLength(1);
    expect(eventsOf(history, 'TaskFailed')).toEqual([]);
  });

  it('serves that history and the outbox over HTTP (GET /_local/executions/{orderId}, /_local/outbox?orderId=)', async () => {
    const execution = (await (await fetch(`${stack.current.url}/_local/executions/${outcome.orderId}`)).json()) as {
      status: string;
      output: unknown;
      history: HistoryEvent[];
    };
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual(outcome.output);
    // The one history format: the same GetExecutionHistory events the execution record holds.
    expect(execution.history).toEqual(JSON.parse(JSON.stringify(outcome.execution.history)));
    expect(statesEntered(execution.history)).toEqual(statesEntered(outcome.execution.history));
    const outbox = (await (await fetch(`${stack.current.url}/_local/outbox?orderId=${outcome.orderId}`)).json()) as { messages: unknown[] };
    expect(outbox.messages).toEqual(JSON.parse(JSON.stringify(outcome.messages)));
  });
});

describe.each([
  { token: 'tok_chargeDeclined', says: 'declined' },
  { token: 'tok_chargeDeclinedInsufficientFunds', says: 'insufficient funds' },
])('a card declined with $token', ({ token, says }) => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await runOrder(stack.current, orderInput([{ sku: 'SKU-3', quantity: 2 }], token));
  });

  it('ends the execution SUCCEEDED with the order REJECTED / PAYMENT_DECLINED', () => {
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(outcome.output).toMatchObject({ orderId: outcome.orderId, status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
    expect(outcome.order).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
    expect(outcome.order!.history.map((entry) => [entry.status, entry.reason])).toEqual([
      ['RECEIVED', undefined],
      ['REJECTED', 'PAYMENT_DECLINED'],
    ]);
  });

  it('is caught as ApiGateway.402 on ValidatePayment and goes straight to RejectOrder (no compensation)', () => {
    const history = outcome.execution.history;
    expect(statesEntered(history)).toEqual(['ReceiveOrder', 'ValidatePayment', 'RejectOrder']);
    expect(caughtIn(history, 'ValidatePayment')).toEqual({ error: 'ApiGateway.402', next: 'RejectOrder' });
    for (const state of statesEntered(history)) expect(retriesOf(history, state), state).toBe(0);
  });

  it('leaves no authorization in the ledger and the stock untouched', () => {
    expect(outcome.ledger).toEqual([]);
    expect(outcome.order!.payment).toBeUndefined();
    expect(outcome.order!.stockReservation).toBeUndefined();
    expectStockUntouched(outcome);
  });

  it(`publishes one OrderRejected message saying why (${says})`, () => {
    expect(outcome.messages.map(eventTypeOf)).toEqual(['OrderRejected']);
    const [message] = outcome.messages;
    expect(message!.attributes.customerEmail?.StringValue).toBe(CUSTOMER.email);
    expect(message!.message).toContain(outcome.orderId);
    expect(message!.message).toMatch(/payment was declined/);
    expect(message!.message.toLowerCase()).toContain(says);
  });
});

describe('an order short on one of its lines', () => {
  // SKU-6 is seeded with 1; the order asks for more of it, next to a line that is in stock.
  const lines = [
    { sku: 'SKU-1', quantity: 1 },
    { sku: 'SKU-6', quantity: 2 },
  ];
  let outcome: Outcome;
  beforeAll(async () => {
    expect(catalog.get('SKU-6')!.stock).toBeLessThan(2);
    outcome = await runOrder(stack.current, orderInput(lines));
  });

  it('ends the execution SUCCEEDED with the order REJECTED / OUT_OF_STOCK after its payment was approved', () => {
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(outcome.output).toMatchObject({ orderId: outcome.orderId, status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect(outcome.order!.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'PAYMENT_APPROVED', 'REJECTED']);
    expect(outcome.order!.history.at(-1)!.reason).toBe('OUT_OF_STOCK');
  });

  it('voids the payment (ledger and order) and goes UpdateStock -> VoidPayment -> RejectOrFail -> RejectOrder', () => {
    expect(outcome.ledger).toHaveLength(1);
    expect(outcome.ledger[0]).toMatchObject({ status: 'VOIDED', amount: priced(lines) });
    expect(outcome.ledger[0]!.voidedAt).toEqual(expect.any(String));
    expect(outcome.order!.payment).toMatchObject({ status: 'VOIDED' });
    expect(statesEntered(outcome.execution.history)).toEqual([
      'ReceiveOrder',
      'ValidatePayment',
      'UpdateStock',
      'VoidPayment',
      'RejectOrFail',
      'RejectOrder',
    ]);
  });

  it('leaves the stock of every line untouched, the one in stock included', () => {
    expectStockUntouched(outcome);
    expect(outcome.stockAfter['SKU-1']).toBe(outcome.stockBefore['SKU-1']);
    expect(outcome.order!.stockReservation).toBeUndefined();
  });

  it('publishes one OrderRejected message naming the short SKU only', () => {
    expect(outcome.messages.map(eventTypeOf)).toEqual(['OrderRejected']);
    const text = outcome.messages[0]!.message;
    expect(text).toMatch(/out of stock/i);
    expect(text).toContain('SKU-6');
    expect(text).not.toContain('SKU-1');
  });
});

describe('an execution started directly with an input that is not a valid order', () => {
  it.each([
    { what: 'an empty object', input: {}, paths: ['customer', 'items', 'payment'] },
    { what: 'no items', input: { customer: CUSTOMER, payment: { token: 'tok_visa' } }, paths: ['items'] },
    { what: 'an unknown SKU', input: orderInput([{ sku: 'SKU-404', quantity: 1 }]), paths: ['items[0].sku'] },
    { what: 'a zero quantity and an unknown field', input: { ...orderInput([{ sku: 'SKU-1', quantity: 0 }]), coupon: 'X' }, paths: ['items[0].quantity', 'coupon'] },
  ])('with $what ends SUCCEEDED, the order REJECTED / INVALID_ORDER with its problems, nothing reserved or charged', async ({ input, paths }) => {
    const outcome = await runOrder(stack.current, input);
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(outcome.output).toMatchObject({ orderId: outcome.orderId, status: 'REJECTED', reason: 'INVALID_ORDER' });
    expect(outcome.order).toMatchObject({ status: 'REJECTED', reason: 'INVALID_ORDER' });
    expect(outcome.order!.history.map((entry) => [entry.status, entry.reason])).toEqual([['REJECTED', 'INVALID_ORDER']]);
    expect(outcome.order!.problems!.map((problem) => problem.path).sort()).toEqual([...paths].sort());
    expect(statesEntered(outcome.execution.history)).toEqual(['ReceiveOrder', 'RejectOrder']);
    expect(caughtIn(outcome.execution.history, 'ReceiveOrder')).toEqual({ error: 'InvalidOrder', next: 'RejectOrder' });
    expect(outcome.ledger).toEqual([]);
    expectStockUntouched(outcome);
    expect(outcome.messages.map(eventTypeOf)).toEqual(['OrderRejected']);
    for (const path of paths) expect(outcome.messages[0]!.message).toContain(path);
  });
});
