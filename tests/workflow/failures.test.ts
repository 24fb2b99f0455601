// The real definition on the local stack when something breaks: a payment provider that keeps failing (retried
// as declared, then compensated -> FAILED), faults that clear on retry (-> CONFIRMED), and an SNS topic that
// cannot be published to (the sale stands, the failed notice is recorded). Faults come from FAULTS
// (lib/faults.ts), read on every adapter call, so each test sets it around its own execution.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetFaults } from '../../lib/faults.ts';
import { useLocalStack } from '../support/localStack.ts';
import { caughtIn, details, eventTypeOf, eventsOf, maxAttempts, orderInput, retrierFor, retriesOf, runOrder, runWithFaults as runOrderWithFaults, statesEntered, withState, type Outcome } from './support.ts';

const stack = useLocalStack();

const runWithFaults = (faults: string, input: unknown): Promise<Outcome> => runOrderWithFaults(stack.current, faults, input);

afterEach(() => {
  delete process.env.FAULTS;
  resetFaults();
});

describe('a card whose processing keeps failing (tok_chargeDeclinedProcessingError)', () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await runOrder(stack.current, orderInput([{ sku: 'SKU-3', quantity: 3 }], 'tok_chargeDeclinedProcessingError'));
  });

  it('is retried on ValidatePayment exactly as often as the definition\'s MaxAttempts says (as ApiGateway.503)', () => {
    const retries = maxAttempts(retrierFor(stack.current, 'ValidatePayment', 'ApiGateway.503'));
    expect(retries).toBeGreaterThan(0);
    const history = outcome.execution.history;
    expect(retriesOf(history, 'ValidatePayment')).toBe(retries);
    // Every attempt, the first and each retry, is TaskScheduled, TaskStarted, TaskFailed inside the state (AWS repeats
    // the three per attempt: LocalStack's AWS-validated states_variables/test_error_output.snapshot.json,
    // test_task_catch_error_with_retry).
    const taskEvents = withState(history)
      .filter((entry) => entry.state === 'ValidatePayment' && entry.event.type.startsWith('Task') && !entry.event.type.startsWith('TaskState'))
      .map((entry) => entry.event);
    expect(taskEvents.map((event) => event.type)).toEqual(Array.from({ length: retries + 1 }, () => ['TaskScheduled', 'TaskStarted', 'TaskFailed']).flat());
    const failed = eventsOf(history, 'TaskFailed', 'ValidatePayment');
    expect(failed.map((event) => details(event).error)).toEqual(Array.from({ length: retries + 1 }, () => 'ApiGateway.503'));
  });

  it('is then compensated: ReleaseStock -> VoidPayment -> RejectOrFail -> MarkFailed -> NotifyFailure -> OrderFailed', () => {
    expect(caughtIn(outcome.execution.history, 'ValidatePayment')).toEqual({ error: 'ApiGateway.503', next: 'ReleaseStock' });
    expect(statesEntered(outcome.execution.history)).toEqual([
      'ReceiveOrder',
      'ValidatePayment',
      'ReleaseStock',
      'VoidPayment',
      'RejectOrFail',
      'MarkFailed',
      'NotifyFailure',
      'OrderFailed',
    ]);
  });

  it('ends the execution FAILED with Error OrderFailed and a Cause naming the order and the first error', () => {
    expect(outcome.execution.status).toBe('FAILED');
    expect(outcome.execution.error).toBe('OrderFailed');
    expect(outcome.execution.cause).toContain(outcome.orderId);
    expect(outcome.execution.cause).toContain('ApiGateway.503');
    // The Fail state is entered, then the execution fails with its Error/Cause (LocalStack's AWS-validated
    // base/test_base.snapshot.json, test_state_fail_intrinsic: a Fail state with an intrinsic CausePath).
    const [failEntered, failed] = outcome.execution.history.slice(-2);
    expect(failEntered).toMatchObject({ type: 'FailStateEntered', stateEnteredEventDetails: { name: 'OrderFailed' } });
    expect(failed).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: { error: 'OrderFailed', cause: outcome.execution.cause } });
  });

  it('leaves the order FAILED (RECEIVED -> FAILED) with the failure recorded', () => {
    expect(outcome.order).toMatchObject({ status: 'FAILED', failure: { error: 'ApiGateway.503' } });
    expect(outcome.order!.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'FAILED']);
  });

  it('takes no stock and leaves no authorization', () => {
    expect(outcome.stockAfter).toEqual(outcome.stockBefore);
    expect(outcome.ledger).toEqual([]);
    expect(outcome.order!.payment).toBeUndefined();
  });

  it('publishes exactly one OrderFailed message', () => {
    expect(outcome.messages.map(eventTypeOf)).toEqual(['OrderFailed']);
    expect(outcome.messages[0]!.message).toContain(outcome.orderId);
    expect(outcome.order!.failureNotice).toMatchObject({ status: 'SENT' });
  });
});

describe('a transient fault that clears on retry', () => {
  it.each([
    { faults: 'payments:TransientError:2', state: 'ValidatePayment', error: 'ApiGateway.503' },
    { faults: 'inventory:ProvisionedThroughputExceededException:2', state: 'ReceiveOrder', error: 'TransientError' },
    { faults: 'orders:ThrottlingException:1', state: 'ReceiveOrder', error: 'TransientError' },
  ])('FAULTS=$faults: $state is retried and the order still ends CONFIRMED, stock taken once', async ({ faults, state, error }) => {
    const injected = Number(faults.split(':')[2]);
    const lines = [{ sku: 'SKU-5', quantity: 4 }];
    const outcome = await runWithFaults(faults, orderInput(lines));
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(outcome.output).toMatchObject({ status: 'CONFIRMED' });
    expect(outcome.order!.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'PAYMENT_APPROVED', 'STOCK_RESERVED', 'CONFIRMED']);
    const history = outcome.execution.history;
    expect(retriesOf(history, state)).toBe(injected);
    expect(eventsOf(history, 'TaskFailed', state).map((event) => details(event).error)).toEqual(Array.from({ length: injected }, () => error));
    // No other state was retried, and nothing else failed.
    expect(statesEntered(history).reduce((total, name) => total + retriesOf(history, name), 0)).toBe(injected);
    expect(eventsOf(history, 'TaskFailed')).toHaveLength(injected);
    expect(outcome.stockAfter['SKU-5']).toBe(outcome.stockBefore['SKU-5']! - 4);
    expect(outcome.ledger.map((entry) => entry.status)).toEqual(['AUTHORIZED']);
    expect(outcome.messages.map(eventTypeOf)).toEqual(['OrderConfirmed']);
  });
});

describe('an SNS topic that fails for good (FAULTS=sns:InternalErrorException:always)', () => {
  const lines = [{ sku: 'SKU-3', quantity: 1 }];
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await runWithFaults('sns:InternalErrorException:always', orderInput(lines));
  });

  it('retries SendConfirmation as declared, then records the failure instead of undoing the sale', () => {
    const retries = maxAttempts(retrierFor(stack.current, 'SendConfirmation', 'TransientError'));
    expect(retriesOf(outcome.execution.history, 'SendConfirmation')).toBe(retries);
    expect(caughtIn(outcome.execution.history, 'SendConfirmation')).toEqual({ error: 'TransientError', next: 'RecordConfirmationFailure' });
    expect(statesEntered(outcome.execution.history)).toEqual([
      'ReceiveOrder',
      'ValidatePayment',
      'UpdateStock',
      'SendConfirmation',
      'RecordConfirmationFailure',
    ]);
  });

  it('ends the execution SUCCEEDED with the order CONFIRMED and notification FAILED in the output', () => {
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(outcome.output).toEqual({ orderId: outcome.orderId, status: 'CONFIRMED', total: outcome.order!.total, currency: 'BRL', notification: 'FAILED' });
    expect(outcome.order!.status).toBe('CONFIRMED');
    expect(outcome.order!.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'PAYMENT_APPROVED', 'STOCK_RESERVED', 'CONFIRMED']);
  });

  it('records confirmationNotice FAILED with the error on the order', () => {
    expect(outcome.order!.confirmationNotice).toMatchObject({ status: 'FAILED', error: 'TransientError' });
    expect(outcome.order!.confirmationNotice!).toHaveProperty('failedAt');
    expect(JSON.stringify(outcome.order!.confirmationNotice)).toContain('InternalErrorException');
  });

  it('keeps the stock taken and the authorization AUTHORIZED, and publishes nothing', () => {
    expect(outcome.stockAfter['SKU-3']).toBe(outcome.stockBefore['SKU-3']! - 1);
    expect(outcome.order!.stockReservation).toMatchObject({ status: 'RESERVED' });
    expect(outcome.ledger.map((entry) => entry.status)).toEqual(['AUTHORIZED']);
    expect(outcome.order!.payment).toMatchObject({ status: 'AUTHORIZED' });
    expect(outcome.messages).toEqual([]);
  });
});
