// Compensation on the real definition (local stack): it gives back what was taken, it fails the execution where it
// stopped when a dependency stays down through it too, the order shows what remains, and a redrive - once the
// dependency is back - completes it with the guarantees intact and the redrive in the order's history.
//
// Faults: FAULTS (lib/faults.ts) set from the moment the workflow invokes a given function, so a dependency can go
// down at a later step; the direct DynamoDB integrations (MarkFailed, the notice recorders) are reached through the
// stack's DynamoDB client, which these tests wrap to lose a reply or to be down.
// Redrive (Step Functions developer guide, "Restarting state machine executions with redrive"): it resumes at the
// state that failed with that state's input, and the states that succeeded are not run again.
import { UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OrderRepository } from '../../adapters/OrderRepository.ts';
import type { Order } from '../../domain/order.ts';
import { resetFaults } from '../../lib/faults.ts';
import type { HistoryEvent } from '../../local/engine/executionHistory.ts';
import type { ExecutionRecord } from '../../local/engine/executions.ts';
import { useLocalStack } from '../support/localStack.ts';
import { caughtIn, details, eventTypeOf, eventsOf, ledgerFor, maxAttempts, orderInput, retrierFor, retriesOf, statesEntered, stockOf } from './support.ts';

const stack = useLocalStack();

/** What an execution looked like when it stopped (the registry's record changes in place when it is redriven). */
interface Stopped {
  status: ExecutionRecord['status'];
  error: string | undefined;
  cause: string | undefined;
  output: Record<string, unknown> | undefined;
  history: HistoryEvent[];
}

function stopped(record: ExecutionRecord): Stopped {
  return {
    status: record.status,
    error: record.error,
    cause: record.cause,
    output: record.output === undefined ? undefined : (JSON.parse(record.output) as Record<string, unknown>),
    history: structuredClone(record.history),
  };
}

/**
 * From the moment the workflow invokes each `at` function, FAULTS is that entry's spec (replacing the one before):
 * a dependency that goes down at a given step. Returns the undo.
 */
function faultsFrom(arms: Array<{ at: string; faults: string }>): () => void {
  const { lambda } = stack.current;
  resetFaults();
  const invoke = lambda.invoke.bind(lambda);
  lambda.invoke = async (key, event) => {
    const arm = arms.find((entry) => entry.at === key);
    if (arm && process.env.FAULTS !== arm.faults) process.env.FAULTS = arm.faults;
    return invoke(key, event);
  };
  return () => {
    delete process.env.FAULTS;
    resetFaults();
    delete (lambda as { invoke?: unknown }).invoke; // back to the prototype's
  };
}

/** DynamoDB's 500 (DynamoDB developer guide, "Error handling with DynamoDB": InternalServerError, OK to retry). */
function internalServerError(): Error {
  return Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
}

/**
 * Wraps the stack's DynamoDB client, which the direct DynamoDB integrations use, for the UpdateItem calls `which`
 * picks: `down` answers 500 without writing; `lost-reply` applies the first one and then answers 500, as a call
 * whose reply is lost (a timeout, a dropped connection) leaves it. Returns the undo.
 */
function directUpdates(which: (input: UpdateItemCommandInput) => boolean, mode: 'down' | 'lost-reply'): () => void {
  const client = stack.current.dynamodb;
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  let lost = false;
  (client as { send: unknown }).send = async (command: unknown) => {
    if (command instanceof UpdateItemCommand && which(command.input)) {
      if (mode === 'down') throw internalServerError();
      if (!lost) {
        lost = true;
        await send(command);
        throw internalServerError();
      }
    }
    return send(command);
  };
  return () => {
    delete (client as { send?: unknown }).send;
  };
}

const isMarkFailed = (input: UpdateItemCommandInput) => (input.UpdateExpression ?? '').includes('failure = :failure');
const isConfirmationNotice = (input: UpdateItemCommandInput) => (input.UpdateExpression ?? '').includes('confirmationNotice = :notice');

async function run(input: unknown): Promise<{ orderId: string; execution: Stopped }> {
  const started = stack.current.startExecution(input);
  return { orderId: started.name, execution: stopped(await stack.current.waitForExecution(started.name, 30_000)) };
}

async function redrive(orderId: string): Promise<Stopped> {
  stack.current.stepFunctions.redriveExecution(stack.current.stepFunctions.registry.executionArn(orderId));
  return stopped(await stack.current.waitForExecution(orderId, 30_000));
}

const order = async (orderId: string) => (await stack.current.order(orderId)) as Order | undefined;

/** GET /orders/{orderId} over the local API, as a client reads it. */
async function publicOrder(orderId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.current.url}/orders/${orderId}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The events after the last ExecutionRedriven (the whole history when there is none). */
function sinceRedrive(history: HistoryEvent[]): HistoryEvent[] {
  const at = history.map((event) => event.type).lastIndexOf('ExecutionRedriven');
  return history.slice(at + 1);
}

/** The Payloads a Lambda task's TaskSucceeded events carry, for one state. */
const payloadsOf = (history: HistoryEvent[], state: string) =>
  eventsOf(history, 'TaskSucceeded', state).map((event) => (JSON.parse(String(details(event).output)) as { Payload: Record<string, unknown> }).Payload);

/** Attempts of a Lambda task in the definition: the first, then MaxAttempts retries of TransientError. */
const attemptsOf = (state: string) => maxAttempts(retrierFor(stack.current, state, 'TransientError')) + 1;

async function expectGuaranteesHold(): Promise<void> {
  const report = await stack.current.checkConsistency();
  expect(report.violations).toEqual([]);
  expect(report.executions?.RUNNING ?? 0).toBe(0);
}

let undo: Array<() => void> = [];
afterEach(() => {
  for (const restore of undo.reverse()) restore();
  undo = [];
});

describe('stock reserved, then the order fails later: ReleaseStock gives it back', () => {
  // SendConfirmation cannot reach the Orders table on any attempt: the order never becomes CONFIRMED, so
  // RecordConfirmationFailure's condition fails and the order is compensated from STOCK_RESERVED.
  const lines = [{ sku: 'SKU-3', quantity: 3 }];
  let orderId: string;
  let execution: Stopped;
  let stockBefore: Record<string, number>;
  beforeAll(async () => {
    stockBefore = await stockOf(stack.current);
    undo.push(faultsFrom([{ at: 'sendConfirmation', faults: `orders:TransientError:${attemptsOf('SendConfirmation')}` }]));
    ({ orderId, execution } = await run(orderInput(lines)));
    for (const restore of undo.splice(0)) restore();
  });

  it('reserved the stock, then compensated it through ReleaseStock to OrderFailed', () => {
    expect(statesEntered(execution.history)).toEqual([
      'ReceiveOrder',
      'ValidatePayment',
      'UpdateStock',
      'SendConfirmation',
      'RecordConfirmationFailure',
      'ReleaseStock',
      'VoidPayment',
      'RejectOrFail',
      'MarkFailed',
      'NotifyFailure',
      'OrderFailed',
    ]);
    expect(caughtIn(execution.history, 'RecordConfirmationFailure')).toEqual({ error: 'DynamoDB.ConditionalCheckFailedException', next: 'ReleaseStock' });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'OrderFailed' });
  });

  it('gives back exactly what was reserved, once: stock before == stock after, the reservation RELEASED', async () => {
    expect(await stockOf(stack.current)).toEqual(stockBefore);
    expect(payloadsOf(execution.history, 'ReleaseStock')).toEqual([{ orderId, release: 'released' }]);
    const stored = (await order(orderId))!;
    expect(stored.stockReservation).toMatchObject({ status: 'RELEASED', lines: [{ sku: 'SKU-3', quantity: 3 }], releasedAt: expect.any(String) });
    expect(stored.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'PAYMENT_APPROVED', 'STOCK_RESERVED', 'FAILED']);
  });

  it('voids the authorization, tells the customer once, and ends with compensation DONE', async () => {
    expect((await ledgerFor(stack.current, orderId)).map((entry) => entry.status)).toEqual(['VOIDED']);
    expect(stack.current.outbox.forOrder(orderId).map(eventTypeOf)).toEqual(['OrderFailed']);
    const { body } = await publicOrder(orderId);
    expect(body).toMatchObject({ status: 'FAILED', compensation: { status: 'DONE', remaining: [], error: 'TransientError' } });
    await expectGuaranteesHold();
  });
});

describe('inventory down from ReleaseStock on: the execution fails where compensation stopped, and a redrive completes it', () => {
  const lines = [{ sku: 'SKU-5', quantity: 4 }];
  let orderId: string;
  let first: Stopped;
  let pending: { status: number; body: Record<string, unknown> };
  let stockBefore: Record<string, number>;
  let stockWhilePending: Record<string, number>;
  let redriven: Stopped;
  beforeAll(async () => {
    stockBefore = await stockOf(stack.current);
    undo.push(
      faultsFrom([
        { at: 'sendConfirmation', faults: `orders:TransientError:${attemptsOf('SendConfirmation')}` },
        { at: 'releaseStock', faults: 'inventory:TransientError:always' },
      ]),
    );
    ({ orderId, execution: first } = await run(orderInput(lines)));
    pending = await publicOrder(orderId);
    stockWhilePending = await stockOf(stack.current);
    for (const restore of undo.splice(0)) restore();
    // The dependency is back, but its first call after the redrive still fails: the retry must not record the
    // redrive a second time.
    undo.push(faultsFrom([{ at: 'releaseStock', faults: 'inventory:TransientError:1' }]));
    redriven = await redrive(orderId);
    for (const restore of undo.splice(0)) restore();
  });

  it('ends FAILED at ReleaseStock with its own error after its retries, not at OrderFailed', () => {
    expect(first.status).toBe('FAILED');
    expect(first.error).toBe('TransientError');
    expect(statesEntered(first.history).at(-1)).toBe('ReleaseStock');
    expect(retriesOf(first.history, 'ReleaseStock')).toBe(attemptsOf('ReleaseStock') - 1);
    // A failure no Catch handles: the task's TaskFailed, then ExecutionFailed, no TaskStateExited (LocalStack's
    // AWS-validated error_handling/test_task_lambda.snapshot.json).
    expect(first.history.slice(-2).map((event) => event.type)).toEqual(['TaskFailed', 'ExecutionFailed']);
    expect(first.cause).toContain('compensation stopped at ReleaseStock; remaining: ReleaseStock, VoidPayment, MarkFailed, NotifyFailure');
  });

  it('leaves the order showing compensation PENDING and what remains (GET /orders/{orderId}), the stock still held', async () => {
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({
      status: 'STOCK_RESERVED',
      compensation: { status: 'PENDING', remaining: ['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure'], error: 'TransientError', since: expect.any(String) },
    });
    expect(stockWhilePending['SKU-5']).toBe(stockBefore['SKU-5']! - 4);
  });

  it('redriven: resumes at ReleaseStock (nothing before it runs again) and completes the compensation to OrderFailed', () => {
    expect(redriven).toMatchObject({ status: 'FAILED', error: 'OrderFailed' });
    expect(redriven.history.slice(0, first.history.length)).toEqual(first.history);
    const after = sinceRedrive(redriven.history);
    expect(redriven.history[first.history.length]).toMatchObject({ type: 'ExecutionRedriven', executionRedrivenEventDetails: { redriveCount: 1 } });
    expect(statesEntered(after)).toEqual(['ReleaseStock', 'VoidPayment', 'RejectOrFail', 'MarkFailed', 'NotifyFailure', 'OrderFailed']);
    expect(retriesOf(after, 'ReleaseStock')).toBe(1);
  });

  it('releases once and voids once: stock back to what it was, one VOIDED authorization, one failure message', async () => {
    expect(await stockOf(stack.current)).toEqual(stockBefore);
    expect(payloadsOf(redriven.history, 'ReleaseStock')).toEqual([{ orderId, release: 'released' }]);
    expect(payloadsOf(redriven.history, 'VoidPayment')).toEqual([{ orderId, voided: true }]);
    expect((await ledgerFor(stack.current, orderId)).map((entry) => entry.status)).toEqual(['VOIDED']);
    expect(stack.current.outbox.forOrder(orderId).map(eventTypeOf)).toEqual(['OrderFailed']);
  });

  it('brings the order to FAILED with compensation DONE and the redrive in its history, once', async () => {
    const { body } = await publicOrder(orderId);
    expect(body).toMatchObject({ status: 'FAILED', compensation: { status: 'DONE', remaining: [] } });
    const history = body.history as Array<Record<string, unknown>>;
    expect(history.map((entry) => [entry.status, entry.event ?? null])).toEqual([
      ['RECEIVED', null],
      ['PAYMENT_APPROVED', null],
      ['STOCK_RESERVED', null],
      ['STOCK_RESERVED', 'REDRIVEN'],
      ['FAILED', null],
    ]);
    expect(history[3]).toEqual({ status: 'STOCK_RESERVED', at: expect.any(String), event: 'REDRIVEN', redriveCount: 1 });
    await expectGuaranteesHold();
  });
});

describe('payments down at VoidPayment on an out-of-stock order: fails there, a redrive rejects it', () => {
  let orderId: string;
  let first: Stopped;
  let pending: Order;
  let redriven: Stopped;
  beforeAll(async () => {
    undo.push(faultsFrom([{ at: 'voidPayment', faults: 'payments:TransientError:always' }]));
    ({ orderId, execution: first } = await run(orderInput([{ sku: 'SKU-6', quantity: 5 }])));
    pending = (await order(orderId))!;
    for (const restore of undo.splice(0)) restore();
    redriven = await redrive(orderId);
  });

  it('ends FAILED at VoidPayment, the hold still AUTHORIZED, the order showing the void and the rejection to do', async () => {
    expect(first).toMatchObject({ status: 'FAILED', error: 'TransientError' });
    expect(statesEntered(first.history)).toEqual(['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'VoidPayment']);
    expect(first.cause).toContain('compensation stopped at VoidPayment; remaining: VoidPayment, RejectOrder');
    expect(pending).toMatchObject({ status: 'PAYMENT_APPROVED', payment: { status: 'AUTHORIZED' }, compensation: { error: 'OutOfStock' }, compensationRemaining: ['VoidPayment', 'RejectOrder'] });
  });

  it('redriven: voids once and ends REJECTED / OUT_OF_STOCK, its true final status, with one rejection message', async () => {
    expect(redriven.status).toBe('SUCCEEDED');
    expect(redriven.output).toMatchObject({ orderId, status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect(statesEntered(sinceRedrive(redriven.history))).toEqual(['VoidPayment', 'RejectOrFail', 'RejectOrder']);
    expect((await ledgerFor(stack.current, orderId)).map((entry) => entry.status)).toEqual(['VOIDED']);
    expect(stack.current.outbox.forOrder(orderId).map(eventTypeOf)).toEqual(['OrderRejected']);
    const stored = (await order(orderId))!;
    expect(stored).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK', payment: { status: 'VOIDED' }, compensationRemaining: [] });
    expect(stored.history.filter((entry) => entry.event === 'REDRIVEN')).toEqual([{ status: 'PAYMENT_APPROVED', at: expect.any(String), event: 'REDRIVEN', redriveCount: 1 }]);
    await expectGuaranteesHold();
  });
});

describe('the Orders table is the dependency that is down: the failed state says what remains', () => {
  let orderId: string;
  let first: Stopped;
  let missing: { status: number };
  let redriven: Stopped;
  beforeAll(async () => {
    undo.push(faultsFrom([{ at: 'receiveOrder', faults: 'orders:ThrottlingException:always' }]));
    ({ orderId, execution: first } = await run(orderInput([{ sku: 'SKU-5', quantity: 1 }])));
    for (const restore of undo.splice(0)) restore();
    missing = await publicOrder(orderId);
    redriven = await redrive(orderId);
  });

  it('ends FAILED at ReleaseStock, with no order record to show anything: the Cause names every step left', () => {
    expect(first).toMatchObject({ status: 'FAILED', error: 'TransientError' });
    expect(statesEntered(first.history)).toEqual(['ReceiveOrder', 'ReleaseStock']);
    expect(first.cause).toContain('ThrottlingException');
    expect(first.cause).toContain('compensation stopped at ReleaseStock; remaining: ReleaseStock, VoidPayment, MarkFailed, NotifyFailure');
    expect(missing.status).toBe(404);
  });

  it('redriven once the table is back: MarkFailed writes the order FAILED, NotifyFailure records the redrive and finishes', async () => {
    expect(redriven).toMatchObject({ status: 'FAILED', error: 'OrderFailed' });
    const stored = (await order(orderId))!;
    expect(stored).toMatchObject({ status: 'FAILED', failure: { error: 'TransientError' }, compensation: { error: 'TransientError' }, compensationRemaining: [] });
    expect(stored.history.map((entry) => [entry.status, entry.event ?? null])).toEqual([
      ['FAILED', null],
      ['FAILED', 'REDRIVEN'],
    ]);
    expect(stack.current.outbox.forOrder(orderId).map(eventTypeOf)).toEqual(['OrderFailed']);
    await expectGuaranteesHold();
  });
});

describe("MarkFailed's guard and its ConditionalCheckFailedException Catch: a retry after its reply was lost", () => {
  let orderId: string;
  let execution: Stopped;
  beforeAll(async () => {
    undo.push(directUpdates(isMarkFailed, 'lost-reply'));
    ({ orderId, execution } = await run(orderInput([{ sku: 'SKU-3', quantity: 1 }], 'tok_chargeDeclinedProcessingError')));
  });

  it('the retry finds the order FAILED already: the condition fails, the Catch goes on to NotifyFailure', () => {
    expect(eventsOf(execution.history, 'TaskFailed', 'MarkFailed').map((event) => details(event).error)).toEqual([
      'DynamoDB.InternalServerErrorException',
      'DynamoDB.ConditionalCheckFailedException',
    ]);
    expect(caughtIn(execution.history, 'MarkFailed')).toEqual({ error: 'DynamoDB.ConditionalCheckFailedException', next: 'NotifyFailure' });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'OrderFailed' });
  });

  it('records FAILED once (one history entry), and the customer is told once', async () => {
    const stored = (await order(orderId))!;
    expect(stored.status).toBe('FAILED');
    expect(stored.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'FAILED']);
    expect(stored.failureNotice).toMatchObject({ status: 'SENT' });
    expect(stack.current.outbox.forOrder(orderId).map(eventTypeOf)).toEqual(['OrderFailed']);
    expect(stored.compensationRemaining).toEqual([]);
    await expectGuaranteesHold();
  });
});

describe('MarkFailed itself cannot write (the Orders table down for the direct integration): it fails there, a redrive finishes', () => {
  let orderId: string;
  let first: Stopped;
  let pending: Order;
  let redriven: Stopped;
  beforeAll(async () => {
    undo.push(directUpdates(isMarkFailed, 'down'));
    ({ orderId, execution: first } = await run(orderInput([{ sku: 'SKU-3', quantity: 1 }], 'tok_chargeDeclinedProcessingError')));
    pending = (await order(orderId))!;
    for (const restore of undo.splice(0)) restore();
    redriven = await redrive(orderId);
  });

  it('ends FAILED at MarkFailed with the DynamoDB error, the order still RECEIVED and MarkFailed, NotifyFailure to do', () => {
    expect(first).toMatchObject({ status: 'FAILED', error: 'DynamoDB.InternalServerErrorException' });
    expect(statesEntered(first.history).at(-1)).toBe('MarkFailed');
    expect(pending).toMatchObject({ status: 'RECEIVED', compensationRemaining: ['MarkFailed', 'NotifyFailure'] });
  });

  it('redriven: FAILED once, told once, the redrive recorded by NotifyFailure (the first Lambda to run)', async () => {
    expect(redriven).toMatchObject({ status: 'FAILED', error: 'OrderFailed' });
    expect(statesEntered(sinceRedrive(redriven.history))).toEqual(['MarkFailed', 'NotifyFailure', 'OrderFailed']);
    const stored = (await order(orderId))!;
    expect(stored.history.map((entry) => [entry.status, entry.event ?? null])).toEqual([
      ['RECEIVED', null],
      ['FAILED', null],
      ['FAILED', 'REDRIVEN'],
    ]);
    expect(stored.compensationRemaining).toEqual([]);
    expect(stack.current.outbox.forOrder(orderId).map(eventTypeOf)).toEqual(['OrderFailed']);
    await expectGuaranteesHold();
  });
});

describe('RecordRejectionFailure: a rejection that could not be written is marked FAILED, not left open', () => {
  let orderId: string;
  let execution: Stopped;
  beforeAll(async () => {
    // RejectOrder cannot reach the Orders table on any attempt: the order never becomes REJECTED.
    undo.push(faultsFrom([{ at: 'rejectOrder', faults: `orders:TransientError:${attemptsOf('RejectOrder')}` }]));
    ({ orderId, execution } = await run(orderInput([{ sku: 'SKU-3', quantity: 1 }], 'tok_chargeDeclined')));
  });

  it('its failed condition goes on to MarkFailed, then NotifyFailure and OrderFailed', () => {
    expect(caughtIn(execution.history, 'RejectOrder')).toEqual({ error: 'TransientError', next: 'RecordRejectionFailure' });
    expect(caughtIn(execution.history, 'RecordRejectionFailure')).toEqual({ error: 'DynamoDB.ConditionalCheckFailedException', next: 'MarkFailed' });
    expect(statesEntered(execution.history).slice(-4)).toEqual(['RecordRejectionFailure', 'MarkFailed', 'NotifyFailure', 'OrderFailed']);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'OrderFailed' });
  });

  it('leaves the order FAILED (a final status), compensation DONE, the customer told once', async () => {
    const stored = (await order(orderId))!;
    expect(stored).toMatchObject({ status: 'FAILED', failure: { error: 'TransientError' }, failureNotice: { status: 'SENT' }, compensationRemaining: [] });
    expect(stored.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'FAILED']);
    expect(stack.current.outbox.forOrder(orderId).map(eventTypeOf)).toEqual(['OrderFailed']);
    await expectGuaranteesHold();
  });
});

describe('RecordConfirmationFailure cannot write: the sale stands, the execution fails there, a redrive records the notice', () => {
  let orderId: string;
  let first: Stopped;
  let redriven: Stopped;
  let stockBefore: Record<string, number>;
  beforeAll(async () => {
    stockBefore = await stockOf(stack.current);
    undo.push(faultsFrom([{ at: 'sendConfirmation', faults: 'sns:InternalErrorException:always' }]));
    undo.push(directUpdates(isConfirmationNotice, 'down'));
    ({ orderId, execution: first } = await run(orderInput([{ sku: 'SKU-1', quantity: 1 }])));
    for (const restore of undo.splice(0)) restore();
    redriven = await redrive(orderId);
  });

  it('ends FAILED at RecordConfirmationFailure, not compensated: a CONFIRMED order is never undone', async () => {
    expect(first).toMatchObject({ status: 'FAILED', error: 'DynamoDB.InternalServerErrorException' });
    expect(statesEntered(first.history).slice(-2)).toEqual(['SendConfirmation', 'RecordConfirmationFailure']);
    expect(statesEntered(first.history)).not.toContain('ReleaseStock');
  });

  it('redriven: records the failed notice and succeeds, the order CONFIRMED, its stock and authorization kept', async () => {
    expect(redriven.status).toBe('SUCCEEDED');
    expect(redriven.output).toMatchObject({ orderId, status: 'CONFIRMED', notification: 'FAILED' });
    const stored = (await order(orderId))!;
    expect(stored).toMatchObject({ status: 'CONFIRMED', confirmationNotice: { status: 'FAILED' } });
    expect(stored.compensation).toBeUndefined();
    expect((await stockOf(stack.current))['SKU-1']).toBe(stockBefore['SKU-1']! - 1);
    expect((await ledgerFor(stack.current, orderId)).map((entry) => entry.status)).toEqual(['AUTHORIZED']);
    await expectGuaranteesHold();
  });
});

describe('MarkFailed never overwrites a final status', () => {
  /**
   * Just before MarkFailed's write, the order is made `status` by hand, as a concurrent step or a re-run could, and
   * consistently (a CONFIRMED order takes its stock; a notice that could not be sent is recorded), so the guarantees
   * still hold for the check that follows.
   */
  function finalBeforeMarkFailed(status: 'CONFIRMED' | 'REJECTED' | 'FAILED'): () => void {
    const doc = DynamoDBDocumentClient.from(stack.current.dynamodb);
    const ordersTable = stack.current.tables.get('OrdersTable')!.tableName;
    const inventoryTable = stack.current.tables.get('InventoryTable')!.tableName;
    const client = stack.current.dynamodb;
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    (client as { send: unknown }).send = async (command: unknown) => {
      if (command instanceof UpdateItemCommand && isMarkFailed(command.input)) {
        const orderId = command.input.Key!.orderId!.S!;
        const fields: Record<string, unknown> =
          status === 'CONFIRMED' ? { confirmationNotice: { status: 'FAILED' } } : status === 'REJECTED' ? { reason: 'PAYMENT_DECLINED', rejectionNotice: { status: 'FAILED' } } : {};
        const names = Object.keys(fields);
        await doc.send(
          new UpdateCommand({
            TableName: ordersTable,
            Key: { orderId },
            UpdateExpression: ['SET #status = :to', '#history = list_append(#history, :entry)', ...names.map((_, i) => `#f${i} = :f${i}`)].join(', '),
            ExpressionAttributeNames: { '#status': 'status', '#history': 'history', ...Object.fromEntries(names.map((name, i) => [`#f${i}`, name])) },
            ExpressionAttributeValues: {
              ':to': status,
              ':entry': [{ status, at: new Date().toISOString() }],
              ...Object.fromEntries(names.map((name, i) => [`:f${i}`, fields[name]])),
            },
          }),
        );
        if (status === 'CONFIRMED') {
          const { Item } = await doc.send(new GetCommand({ TableName: ordersTable, Key: { orderId }, ConsistentRead: true }));
          for (const line of (Item as Order).items ?? []) {
            await doc.send(
              new UpdateCommand({ TableName: inventoryTable, Key: { sku: line.sku }, UpdateExpression: 'SET available = available - :q', ExpressionAttributeValues: { ':q': line.quantity } }),
            );
          }
        }
      }
      return send(command);
    };
    return () => {
      delete (client as { send?: unknown }).send;
    };
  }

  it.each(['CONFIRMED', 'REJECTED', 'FAILED'] as const)('an order that became %s before MarkFailed ran keeps it', async (status) => {
    undo.push(finalBeforeMarkFailed(status));
    const { orderId, execution } = await run(orderInput([{ sku: 'SKU-3', quantity: 1 }], 'tok_chargeDeclinedProcessingError'));
    expect(caughtIn(execution.history, 'MarkFailed')).toEqual({ error: 'DynamoDB.ConditionalCheckFailedException', next: 'NotifyFailure' });
    const stored = (await order(orderId))!;
    expect(stored.status).toBe(status);
    expect(stored.history.map((entry) => entry.status)).toEqual(['RECEIVED', status]);
    expect(stored.failure).toBeUndefined();
    await expectGuaranteesHold();
  });
});

describe("the order's compensation record, on DynamoDB Local: every write is safe to repeat", () => {
  let repo: OrderRepository;
  let orderId: string;
  const now = () => new Date().toISOString();
  beforeAll(async () => {
    repo = new OrderRepository(DynamoDBDocumentClient.from(stack.current.dynamodb), stack.current.tables.get('OrdersTable')!.tableName);
    orderId = `comp-${Date.now()}`;
    const at = now();
    await repo.create({ orderId, status: 'PAYMENT_APPROVED', history: [{ status: 'PAYMENT_APPROVED', at }], createdAt: at, updatedAt: at });
  });
  // No execution made this order: it goes, so that the consistency check of any test after these sees none.
  afterAll(async () => {
    await DynamoDBDocumentClient.from(stack.current.dynamodb).send(new DeleteCommand({ TableName: stack.current.tables.get('OrdersTable')!.tableName, Key: { orderId } }));
  });

  it('starts once: a second start (a retry, a redrive) keeps the first error, time and steps', async () => {
    expect(await repo.beginCompensation(orderId, ['VoidPayment', 'RejectOrder'], 'OutOfStock', '2026-01-01T00:00:00.000Z')).toBe(true);
    expect(await repo.beginCompensation(orderId, ['ReleaseStock'], 'TransientError', '2026-01-02T00:00:00.000Z')).toBe(false);
    expect(await repo.get(orderId)).toMatchObject({ compensation: { error: 'OutOfStock', since: '2026-01-01T00:00:00.000Z' }, compensationRemaining: ['VoidPayment', 'RejectOrder'] });
    // Never on an order that was not stored.
    expect(await repo.beginCompensation(`${orderId}-none`, ['ReleaseStock'], 'TransientError', now())).toBe(false);
    expect(await repo.get(`${orderId}-none`)).toBeUndefined();
  });

  it('takes a step off once, even when the same removal is sent again with the list as it was read', async () => {
    await repo.completeCompensationStep(orderId, 'VoidPayment', ['VoidPayment', 'RejectOrder'], now());
    await repo.completeCompensationStep(orderId, 'VoidPayment', ['VoidPayment', 'RejectOrder'], now());
    expect((await repo.get(orderId))!.compensationRemaining).toEqual(['RejectOrder']);
    await repo.completeCompensationStep(orderId, 'RejectOrder', ['RejectOrder'], now());
    expect((await repo.get(orderId))!.compensationRemaining).toEqual([]);
  });

  it('records each redrive once, whatever the number of calls for it', async () => {
    expect(await repo.recordRedrive(orderId, 1, 'PAYMENT_APPROVED', now())).toBe(true);
    expect(await repo.recordRedrive(orderId, 1, 'PAYMENT_APPROVED', now())).toBe(false);
    expect(await repo.recordRedrive(orderId, 2, 'PAYMENT_APPROVED', now())).toBe(true);
    const stored = (await repo.get(orderId))!;
    expect(stored.history.filter((entry) => entry.event === 'REDRIVEN').map((entry) => entry.redriveCount)).toEqual([1, 2]);
    expect(stored.redriveCount).toBe(2);
    expect(await repo.recordRedrive(`${orderId}-none`, 1, 'RECEIVED', now())).toBe(false);
  });
});
