// Lost replies on the real workflow (local stack, retry pauses 0): FAULTS entries with `after` apply the adapter
// call and then throw, as a write that succeeded but whose reply never came back (a timeout, a dropped
// connection) - AWS's at-least-once window. The retry, or the compensation after it, must find what was done and
// not do it twice. Each case ends with exact counts (stock, authorizations, messages) and the consistency check.
import { afterEach, describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/localStack.ts';
import { details, eventsOf, eventTypeOf, orderInput, retriesOf, runWithFaults, type Outcome } from '../workflow/support.ts';

const stack = useLocalStack();

/** Orders whose guarantee-4 report is the documented window (README "## Guarantees"), asserted where it arises. */
const documentedWindow = new Set<string>();

const withFaults = (faults: string, input: unknown): Promise<Outcome> => runWithFaults(stack.current, faults, input);

async function expectGuaranteesHold(): Promise<void> {
  const report = await stack.current.checkConsistency();
  expect(report.violations.filter((v) => !documentedWindow.has(v.subject))).toEqual([]);
  expect(report.executions?.RUNNING ?? 0).toBe(0);
}

const messageTypes = (outcome: Outcome) => outcome.messages.map(eventTypeOf);
const failedErrors = (outcome: Outcome, state: string) => eventsOf(outcome.execution.history, 'TaskFailed', state).map((e) => String(details(e).error));
/** When a state's first attempt failed: a write applied before its reply was lost is dated no later. */
const firstFailureAt = (outcome: Outcome, state: string) => eventsOf(outcome.execution.history, 'TaskFailed', state)[0]!.timestamp;
const succeededOutput = (outcome: Outcome, state: string) => String(details(eventsOf(outcome.execution.history, 'TaskSucceeded', state)[0]!).output);
const failedCauses = (outcome: Outcome, state: string) => eventsOf(outcome.execution.history, 'TaskFailed', state).map((e) => String(details(e).cause));

afterEach(async () => {
  delete process.env.FAULTS;
  await expectGuaranteesHold();
});

describe('stock: a reservation whose reply was lost', () => {
  it('is found by the retry: CONFIRMED, stock taken exactly once', async () => {
    const outcome = await withFaults('inventory.reserve:TransientError:1:after', orderInput([{ sku: 'SKU-5', quantity: 2 }]));
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(outcome.order?.status).toBe('CONFIRMED');
    expect(retriesOf(outcome.execution.history, 'UpdateStock')).toBe(1);
    expect(failedErrors(outcome, 'UpdateStock')).toEqual(['TransientError']);
    // The failed attempt had reserved: the retry found its reservation.
    expect(outcome.order!.stockReservation!.at <= firstFailureAt(outcome, 'UpdateStock')).toBe(true);
    expect(succeededOutput(outcome, 'UpdateStock')).toContain('"reservation":"already"');
    expect(outcome.stockAfter['SKU-5']).toBe(outcome.stockBefore['SKU-5']! - 2);
    expect(outcome.ledger.map((a) => a.status)).toEqual(['AUTHORIZED']);
    expect(messageTypes(outcome)).toEqual(['OrderConfirmed']);
  });

  it('on every attempt: compensation gives it back once (its own reply lost too), the payment voided, FAILED', async () => {
    // UpdateStock's 5 attempts (1 + 4 retries) all lose their reply: the first reserves, the others find the
    // reservation. ReleaseStock's first release is applied and its reply lost; its retry finds it released.
    const outcome = await withFaults(
      'inventory.reserve:TransientError:5:after,inventory.release:TransientError:1:after',
      orderInput([{ sku: 'SKU-1', quantity: 3 }]),
    );
    expect([outcome.execution.status, outcome.execution.error]).toEqual(['FAILED', 'OrderFailed']);
    expect(retriesOf(outcome.execution.history, 'UpdateStock')).toBe(4);
    expect(retriesOf(outcome.execution.history, 'ReleaseStock')).toBe(1);
    expect(outcome.order?.status).toBe('FAILED');
    expect(outcome.order?.stockReservation?.status).toBe('RELEASED');
    expect(outcome.order!.stockReservation!.at <= firstFailureAt(outcome, 'UpdateStock')).toBe(true);
    const { releasedAt } = outcome.order!.stockReservation as { releasedAt?: string };
    expect(releasedAt! <= firstFailureAt(outcome, 'ReleaseStock')).toBe(true);
    expect(outcome.stockAfter['SKU-1']).toBe(outcome.stockBefore['SKU-1']);
    expect(outcome.ledger.map((a) => a.status)).toEqual(['VOIDED']);
    expect(messageTypes(outcome)).toEqual(['OrderFailed']);
  });
});

describe('payment: an authorization whose reply was lost', () => {
  it('the retry gets the same authorization; out of stock voids it once, its void reply lost too', async () => {
    // SKU-6 has 1 unit: 5 are out of stock, so the authorized payment is voided and the order rejected.
    const outcome = await withFaults(
      'payments.authorize:TransientError:1:after,payments.void:TransientError:1:after',
      orderInput([{ sku: 'SKU-6', quantity: 5 }]),
    );
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(outcome.order).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    // POST /payments/validate answered 503 (TransientError) to the lost authorization; the retry got 200.
    expect(failedErrors(outcome, 'ValidatePayment')).toEqual(['ApiGateway.503']);
    expect(failedErrors(outcome, 'VoidPayment')).toEqual(['TransientError']);
    expect(outcome.ledger).toHaveLength(1);
    expect(outcome.ledger[0]).toMatchObject({ status: 'VOIDED', authorizationId: outcome.order?.payment?.authorizationId });
    // Both writes were applied by the attempts whose replies were lost.
    const { createdAt, voidedAt } = outcome.ledger[0] as { createdAt: string; voidedAt?: string };
    expect(createdAt <= firstFailureAt(outcome, 'ValidatePayment')).toBe(true);
    expect(voidedAt! <= firstFailureAt(outcome, 'VoidPayment')).toBe(true);
    expect(outcome.order?.payment?.status).toBe('VOIDED');
    expect(outcome.stockAfter).toEqual(outcome.stockBefore);
    expect(messageTypes(outcome)).toEqual(['OrderRejected']);
  });

  it('a confirmed order keeps the one authorization the retry found', async () => {
    const outcome = await withFaults('payments.authorize:TransientError:2:after', orderInput([{ sku: 'SKU-5', quantity: 1 }]));
    expect(outcome.order?.status).toBe('CONFIRMED');
    expect(retriesOf(outcome.execution.history, 'ValidatePayment')).toBe(2);
    expect(outcome.ledger.map((a) => a.status)).toEqual(['AUTHORIZED']);
  });
});

describe('notification: guarantee 4 and its documented window', () => {
  it('a lost reply after the notice was marked SENT: the retry publishes nothing more, one message', async () => {
    const outcome = await withFaults('orders.markNoticeSent:TransientError:1:after', orderInput([{ sku: 'SKU-5', quantity: 1 }]));
    expect(outcome.order?.status).toBe('CONFIRMED');
    expect(retriesOf(outcome.execution.history, 'SendConfirmation')).toBe(1);
    expect(outcome.order?.confirmationNotice?.status).toBe('SENT');
    const { sentAt } = outcome.order!.confirmationNotice as { sentAt?: string };
    expect(sentAt! <= firstFailureAt(outcome, 'SendConfirmation')).toBe(true);
    expect(messageTypes(outcome)).toEqual(['OrderConfirmed']);
  });

  it('a publish whose reply was lost: published again, two messages, as README "## Guarantees" says, and the check names it', async () => {
    // README: "a publish whose reply is lost ... the retry takes it over and publishes again: that customer gets
    // the message twice ... check:consistency would show it as guarantee 4 (2 messages)."
    const outcome = await withFaults('sns.publish:InternalErrorException:1:after', orderInput([{ sku: 'SKU-5', quantity: 1 }]));
    documentedWindow.add(outcome.orderId);
    expect(outcome.order?.status).toBe('CONFIRMED');
    expect(retriesOf(outcome.execution.history, 'SendConfirmation')).toBe(1);
    expect(outcome.order?.confirmationNotice?.status).toBe('SENT');
    expect(messageTypes(outcome)).toEqual(['OrderConfirmed', 'OrderConfirmed']);
    const report = await stack.current.checkConsistency();
    expect(report.violations.filter((v) => v.subject === outcome.orderId)).toEqual([
      { guarantee: 4, subject: outcome.orderId, message: 'CONFIRMED order has 2 OrderConfirmed messages' },
    ]);
  });
});

describe('TransactionConflictException', () => {
  // DynamoDB (Developer Guide, "Amazon DynamoDB Transactions: How it works", "Transaction conflict handling"):
  // a PutItem/UpdateItem/DeleteItem that conflicts with an ongoing transaction on the same item is rejected with
  // TransactionConflictException; a TransactWriteItems that conflicts is cancelled (TransactionCanceledException
  // with reason TransactionConflict, which InventoryRepository.reserve turns into TransientError). DynamoDB Local
  // never raises either by itself, so it is injected. Inside the Lambdas lib/transient.ts turns it into
  // TransientError, the one error of ours the workflow retries: that is the path these states take (the
  // DynamoDB.TransactionConflictException retrier is for the direct DynamoDB states, which no adapter serves).
  it('on the stock reservation: UpdateStock retries it as TransientError; CONFIRMED, stock taken once', async () => {
    const outcome = await withFaults('inventory.reserve:TransactionConflictException:2', orderInput([{ sku: 'SKU-2', quantity: 1 }]));
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(outcome.order?.status).toBe('CONFIRMED');
    expect(failedErrors(outcome, 'UpdateStock')).toEqual(['TransientError', 'TransientError']);
    for (const cause of failedCauses(outcome, 'UpdateStock')) expect(cause).toContain('TransactionConflictException');
    expect(outcome.stockAfter['SKU-2']).toBe(outcome.stockBefore['SKU-2']! - 1);
    expect(outcome.ledger.map((a) => a.status)).toEqual(['AUTHORIZED']);
    expect(messageTypes(outcome)).toEqual(['OrderConfirmed']);
  });

  it('on a single-item write of the order (the real source of the exception): retried, one confirmation', async () => {
    const outcome = await withFaults('orders.claimNotice:TransactionConflictException:1', orderInput([{ sku: 'SKU-5', quantity: 1 }]));
    expect(outcome.order?.status).toBe('CONFIRMED');
    expect(failedErrors(outcome, 'SendConfirmation')).toEqual(['TransientError']);
    expect(failedCauses(outcome, 'SendConfirmation')[0]).toContain('TransactionConflictException');
    expect(messageTypes(outcome)).toEqual(['OrderConfirmed']);
  });
});
