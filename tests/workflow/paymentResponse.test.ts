// The real definition on the local stack when POST /payments/validate answers 200 with a body that is not the
// authorization: the card is held (the endpoint authorized and recorded it), but the workflow cannot vouch for it.
// It must end compensated - the payment voided, the order FAILED, the customer told - never stuck on an uncaught
// failure with the hold left in place.
//
// Why it matters on AWS: the API Gateway integration hands a JSON object body over as an object, but a JSON string,
// number or boolean as a string (AWS-recorded runs: LocalStack snapshot
// tests/aws/services/stepfunctions/v2/services/test_apigetway_task_service.snapshot.json). A path into such a body
// (`$.ResponseBody.authorizationId`) fails with States.Runtime, which no Catch handles, States.ALL included (Step
// Functions developer guide, "Error handling in Step Functions workflows").
//
// How the wrong body is made: FAULTS (lib/faults.ts) make an adapter throw, which can only give a non-2xx answer.
// Instead this test wraps the local API's `handle` - the very object the engine's apigateway:invoke calls - so the
// real handler runs (authorizes, records the authorization on the order) and only the 200 answer's body is
// replaced; nothing in the service's code changes. The wrapper is removed after each execution.
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalApiGateway } from '../../local/api/apiGateway.ts';
import { useLocalStack } from '../support/localStack.ts';
import { caughtIn, eventTypeOf, orderInput, retriesOf, runOrder, statesEntered, type Outcome } from './support.ts';

const stack = useLocalStack();

/** Runs one order while POST /payments/validate answers 200 with `body` (after the real handler has run). */
async function runWithPaymentsBody(body: string, items = [{ sku: 'SKU-3', quantity: 2 }]): Promise<Outcome> {
  const api = stack.current.api;
  const real = api.handle.bind(api);
  api.handle = async (request, caller) => {
    const response = await real(request, caller);
    const path = new URL(request.url, 'http://localhost').pathname;
    if (request.method !== 'POST' || path !== '/payments/validate' || response.statusCode !== 200) return response;
    return { ...response, body };
  };
  try {
    return await runOrder(stack.current, orderInput(items));
  } finally {
    delete (api as Partial<LocalApiGateway>).handle;
  }
}

afterEach(() => {
  expect(Object.hasOwn(stack.current.api, 'handle'), 'the wrapper was removed').toBe(false);
});

const COMPENSATED = ['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'ReleaseStock', 'VoidPayment', 'RejectOrFail', 'MarkFailed', 'NotifyFailure', 'OrderFailed'];

describe.each([
  // A JSON string: arrives in ResponseBody as the string "APPROVED".
  ['a JSON string', JSON.stringify('APPROVED')],
  // A JSON number and boolean: strings too on AWS.
  ['a JSON number', '0'],
  ['a JSON boolean', 'true'],
  // An object of the wrong shape: the authorization of another order.
  ['an object that is not this order\'s authorization', JSON.stringify({ authorizationId: 'auth_someone_else', status: 'AUTHORIZED', amount: 1, currency: 'BRL' })],
])('POST /payments/validate answers 200 with %s', (_what, body) => {
  let outcome: Outcome;

  it('is compensated: UpdateStock refuses it (UnexpectedPaymentResponse, not retried) and the payment is voided', async () => {
    outcome = await runWithPaymentsBody(body);
    const history = outcome.execution.history;
    expect(statesEntered(history)).toEqual(COMPENSATED);
    expect(caughtIn(history, 'UpdateStock')).toEqual({ error: 'UnexpectedPaymentResponse', next: 'ReleaseStock' });
    expect(retriesOf(history, 'UpdateStock')).toBe(0);
  });

  it('ends the execution FAILED (OrderFailed, naming the first error), not on an uncaught States.Runtime', () => {
    expect(outcome.execution.status).toBe('FAILED');
    expect(outcome.execution.error).toBe('OrderFailed');
    expect(outcome.execution.cause).toContain(outcome.orderId);
    expect(outcome.execution.cause).toContain('UnexpectedPaymentResponse');
  });

  it('leaves the order FAILED with the authorization voided, its stock untouched, and one failure notice', () => {
    expect(outcome.order).toMatchObject({ status: 'FAILED', failure: { error: 'UnexpectedPaymentResponse' }, payment: { status: 'VOIDED' } });
    expect(outcome.order!.history.map((entry) => entry.status)).toEqual(['RECEIVED', 'PAYMENT_APPROVED', 'FAILED']);
    expect(outcome.order!.stockReservation).toBeUndefined();
    expect(outcome.ledger.map((entry) => entry.status)).toEqual(['VOIDED']);
    expect(outcome.stockAfter).toEqual(outcome.stockBefore);
    expect(outcome.messages.map(eventTypeOf)).toEqual(['OrderFailed']);
  });

  it('keeps the guarantees (no authorization left held, stock conserved)', async () => {
    const report = await stack.current.checkConsistency([outcome.orderId]);
    expect(report.violations).toEqual([]);
  });
});

describe('the same order with the real answer (the control)', () => {
  it('is CONFIRMED in four states: ReceiveOrder -> ValidatePayment -> UpdateStock -> SendConfirmation', async () => {
    const outcome = await runOrder(stack.current, orderInput([{ sku: 'SKU-3', quantity: 2 }]));
    expect(outcome.output).toMatchObject({ status: 'CONFIRMED' });
    expect(statesEntered(outcome.execution.history)).toEqual(['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation']);
    expect(outcome.ledger.map((entry) => entry.status)).toEqual(['AUTHORIZED']);
  });
});
