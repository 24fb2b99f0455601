import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { handler } from '../../../functions/validatePayment/handler.ts';
import { authorizationIdFor } from '../../../adapters/SimulatedPaymentGateway.ts';
import { storedOrder } from '../support/fixtures.ts';
import { awsError, conditionFailed, ddbMock, resetAwsMocks } from '../support/aws.ts';
import { apiEvent, bodyOf, lambdaContext } from '../support/lambda.ts';

const ORDERS = process.env.ORDERS_TABLE!;
const PAYMENTS = process.env.PAYMENTS_TABLE!;
const AUTH_ID = authorizationIdFor('ord-1');

/** What the ValidatePayment state sends (API Gateway integration, IAM auth). */
const paymentRequest = (extra: Record<string, unknown> = {}) => ({ orderId: 'ord-1', amount: 20480, currency: 'BRL', token: 'tok_visa', ...extra });

const validate = (body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  handler(
    apiEvent({ method: 'POST', path: '/payments/validate', headers, body: JSON.stringify(body), apiKeyId: null }),
    lambdaContext('order-pipeline-test-validatePayment'),
  );

const storedAuthorization = (status: 'AUTHORIZED' | 'VOIDED' = 'AUTHORIZED') => ({
  authorizationId: AUTH_ID,
  orderId: 'ord-1',
  amount: 20480,
  currency: 'BRL',
  status,
  createdAt: '2026-11-24T12:00:01.000Z',
});

const orderUpdates = () => ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.TableName === ORDERS);
const paymentUpdates = () => ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.TableName === PAYMENTS);

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(PutCommand, { TableName: PAYMENTS }).resolves({});
  ddbMock.on(UpdateCommand, { TableName: ORDERS }).resolves({});
  ddbMock.on(UpdateCommand, { TableName: PAYMENTS }).resolves({ Attributes: storedAuthorization('VOIDED') });
});
afterEach(() => {
  delete process.env.FAULTS;
});

describe('POST /payments/validate (validatePayment)', () => {
  it('authorizes the total, records it on the order (PAYMENT_APPROVED) and answers 200', async () => {
    const response = await validate(paymentRequest());
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ authorizationId: AUTH_ID, status: 'AUTHORIZED', amount: 20480, currency: 'BRL' });
    // Exactly application/json: the state machine reads this answer through the API Gateway integration, which
    // hands over a JSON object body as an object (AWS-recorded runs, LocalStack snapshot
    // tests/aws/services/stepfunctions/v2/services/test_apigetway_task_service.snapshot.json); nothing says what a
    // `; charset=...` suffix would do.
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      TableName: PAYMENTS,
      Item: expect.objectContaining({ authorizationId: AUTH_ID, orderId: 'ord-1', amount: 20480, status: 'AUTHORIZED' }),
    });
    expect(orderUpdates()).toHaveLength(1);
    expect(orderUpdates()[0]!.args[0].input).toMatchObject({
      Key: { orderId: 'ord-1' },
      ExpressionAttributeValues: {
        ':to': 'PAYMENT_APPROVED',
        ':from0': 'RECEIVED',
        ':f0': { authorizationId: AUTH_ID, status: 'AUTHORIZED', amount: 20480, currency: 'BRL' },
      },
    });
    expect(paymentUpdates()).toHaveLength(0);
  });

  it.each([
    ['tok_chargeDeclined', 'Your card was declined.'],
    ['tok_chargeDeclinedInsufficientFunds', 'Your card has insufficient funds.'],
  ])('answers 402 PaymentDeclined for %s (the workflow catches ApiGateway.402) and writes nothing', async (token, message) => {
    const response = await validate(paymentRequest({ token }));
    expect(response.statusCode).toBe(402);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(bodyOf(response)).toEqual({ error: 'PaymentDeclined', message });
    expect(ddbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 503 TransientError with retry-after for a processing error (the workflow retries ApiGateway.503)', async () => {
    const response = await validate(paymentRequest({ token: 'tok_chargeDeclinedProcessingError' }));
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1', 'content-type': 'application/json' });
    expect(bodyOf(response).error).toBe('TransientError');
    expect(ddbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 503 for an injected payments TransientError fault (FAULTS), then succeeds', async () => {
    process.env.FAULTS = 'payments:TransientError:1';
    const first = await validate(paymentRequest());
    expect(first.statusCode).toBe(503);
    expect(bodyOf(first).error).toBe('TransientError');
    const second = await validate(paymentRequest());
    expect(second.statusCode).toBe(200);
  });

  it('answers 409 and voids the authorization when the order already FAILED', async () => {
    ddbMock.on(UpdateCommand, { TableName: ORDERS }).rejects(conditionFailed(storedOrder('ord-1', 'FAILED')));
    const response = await validate(paymentRequest());
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toEqual({ error: 'OrderStateConflict', message: 'Order ord-1 is FAILED; it cannot become PAYMENT_APPROVED' });
    expect(paymentUpdates()).toHaveLength(1);
    expect(paymentUpdates()[0]!.args[0].input).toMatchObject({ Key: { authorizationId: AUTH_ID }, ExpressionAttributeValues: { ':voided': 'VOIDED' } });
  });

  it('answers 409 and voids when the order does not exist', async () => {
    ddbMock.on(UpdateCommand, { TableName: ORDERS }).rejects(conditionFailed());
    const response = await validate(paymentRequest());
    expect(response.statusCode).toBe(409);
    expect(paymentUpdates()).toHaveLength(1);
  });

  it.each(['PAYMENT_APPROVED', 'STOCK_RESERVED', 'CONFIRMED'] as const)(
    'answers 200 without voiding when the order is %s already (a repeated call)',
    async (status) => {
      ddbMock.on(PutCommand, { TableName: PAYMENTS }).rejects(conditionFailed(storedAuthorization()));
      ddbMock.on(UpdateCommand, { TableName: ORDERS }).rejects(conditionFailed(storedOrder('ord-1', status)));
      const response = await validate(paymentRequest());
      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toEqual({ authorizationId: AUTH_ID, status: 'AUTHORIZED', amount: 20480, currency: 'BRL' });
      expect(paymentUpdates()).toHaveLength(0);
    },
  );

  it('answers 409 when the order authorization was voided before (it cannot be paid again)', async () => {
    ddbMock.on(PutCommand, { TableName: PAYMENTS }).rejects(conditionFailed(storedAuthorization('VOIDED')));
    const response = await validate(paymentRequest());
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response).error).toBe('OrderStateConflict');
    expect(orderUpdates()).toHaveLength(0);
  });

  it('answers 409 when the order was authorized for another amount', async () => {
    ddbMock.on(PutCommand, { TableName: PAYMENTS }).rejects(conditionFailed(storedAuthorization()));
    const response = await validate(paymentRequest({ amount: 1 }));
    expect(response.statusCode).toBe(409);
    expect(orderUpdates()).toHaveLength(0);
  });

  it.each([
    [{ amount: 19.9 }, 'amount'],
    [{ amount: -5 }, 'amount'],
    [{ currency: 'XYZ' }, 'currency'],
    [{ token: '4242424242424242' }, 'token'],
    [{ orderId: '../x' }, 'orderId'],
    [{ extra: true }, 'extra'],
  ])('answers 400 for %j naming %s, and authorizes nothing', async (change, path) => {
    const response = await validate(paymentRequest(change));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'ValidationError', details: [{ path }] });
    expect(ddbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 415 for a body that is not declared JSON', async () => {
    expect((await validate(paymentRequest(), { 'Content-Type': 'text/plain' })).statusCode).toBe(415);
  });

  it('answers 503 when recording on the order is throttled (the authorization stands; a retry is idempotent)', async () => {
    ddbMock.on(UpdateCommand, { TableName: ORDERS }).rejects(awsError('ThrottlingException', 400));
    const response = await validate(paymentRequest());
    expect(response.statusCode).toBe(503);
    expect(paymentUpdates()).toHaveLength(0);
  });
});
