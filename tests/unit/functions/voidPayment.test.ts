import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { handler } from '../../../functions/voidPayment/handler.ts';
import { authorizationIdFor } from '../../../adapters/SimulatedPaymentGateway.ts';
import { AT, storedOrder } from '../support/fixtures.ts';
import { awsError, conditionFailed, ddbMock, rejectionOf, resetAwsMocks } from '../support/aws.ts';
import { lambdaContext } from '../support/lambda.ts';

const ORDERS = process.env.ORDERS_TABLE!;
const PAYMENTS = process.env.PAYMENTS_TABLE!;
const AUTH_ID = authorizationIdFor('ord-1');
const voidPayment = (orderId: string) => handler({ orderId }, lambdaContext('order-pipeline-test-voidPayment'));
const authorization = (status: 'AUTHORIZED' | 'VOIDED') => ({ authorizationId: AUTH_ID, orderId: 'ord-1', amount: 20480, currency: 'BRL', status, createdAt: AT });

const updatesOf = (table: string) => ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.TableName === table);

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(GetCommand, { TableName: ORDERS }).resolves({ Item: storedOrder('ord-1', 'STOCK_RESERVED') });
  ddbMock.on(GetCommand, { TableName: PAYMENTS }).resolves({ Item: authorization('AUTHORIZED') });
  ddbMock.on(UpdateCommand, { TableName: PAYMENTS }).resolves({ Attributes: authorization('VOIDED') });
  ddbMock.on(UpdateCommand, { TableName: ORDERS }).resolves({});
});

describe('VoidPayment (voidPayment)', () => {
  it('voids the authorization found for the order and records it on the order', async () => {
    await expect(voidPayment('ord-1')).resolves.toEqual({ orderId: 'ord-1', voided: true });
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { TableName: PAYMENTS, Key: { authorizationId: AUTH_ID } });
    expect(updatesOf(PAYMENTS)).toHaveLength(1);
    expect(updatesOf(PAYMENTS)[0]!.args[0].input).toMatchObject({ Key: { authorizationId: AUTH_ID }, ExpressionAttributeValues: { ':voided': 'VOIDED' } });
    expect(updatesOf(ORDERS)).toHaveLength(1);
    expect(updatesOf(ORDERS)[0]!.args[0].input).toMatchObject({ Key: { orderId: 'ord-1' }, ExpressionAttributeValues: { ':id': AUTH_ID, ':voided': 'VOIDED' } });
  });

  it('answers voided: false and writes nothing when the order was never authorized', async () => {
    ddbMock.on(GetCommand, { TableName: PAYMENTS }).resolves({});
    await expect(voidPayment('ord-1')).resolves.toEqual({ orderId: 'ord-1', voided: false });
    expect(ddbMock).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('a re-run after the void still records the void on the order with the plain authorization id', async () => {
    ddbMock.on(UpdateCommand, { TableName: PAYMENTS }).rejects(conditionFailed(authorization('VOIDED')));
    await expect(voidPayment('ord-1')).resolves.toEqual({ orderId: 'ord-1', voided: true });
    expect(updatesOf(ORDERS)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':id': AUTH_ID });
  });

  it('succeeds when the order never recorded the authorization (its reply was lost)', async () => {
    ddbMock.on(UpdateCommand, { TableName: ORDERS }).rejects(conditionFailed());
    await expect(voidPayment('ord-1')).resolves.toEqual({ orderId: 'ord-1', voided: true });
  });

  it('leaves a CONFIRMED order\'s authorization alone: a sale is never undone', async () => {
    ddbMock.on(GetCommand, { TableName: ORDERS }).resolves({ Item: storedOrder('ord-1', 'CONFIRMED') });
    await expect(voidPayment('ord-1')).resolves.toEqual({ orderId: 'ord-1', voided: false });
    expect(ddbMock).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddbMock).not.toHaveReceivedCommandWith(GetCommand, { TableName: PAYMENTS });
  });

  it('voids the authorization of an order that was never stored (its provider still holds it)', async () => {
    ddbMock.on(GetCommand, { TableName: ORDERS }).resolves({});
    await expect(voidPayment('ord-1')).resolves.toEqual({ orderId: 'ord-1', voided: true });
    expect(updatesOf(PAYMENTS)).toHaveLength(1);
  });

  it('fails with TransientError when the payments table throttles', async () => {
    ddbMock.on(UpdateCommand, { TableName: PAYMENTS }).rejects(awsError('ProvisionedThroughputExceededException', 400));
    await expect(voidPayment('ord-1')).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('VoidPayment as a compensation step (the Payload the definition gives it)', () => {
  const step = (event: Record<string, unknown>) => handler({ orderId: 'ord-1', ...event } as never, lambdaContext('order-pipeline-test-voidPayment'));
  const compensationUpdates = () => updatesOf(ORDERS).map((call) => call.args[0].input).filter((input) => /compensation/.test(input.UpdateExpression ?? ''));

  it('out of stock: starts compensation with VoidPayment then RejectOrder, voids, then takes itself off', async () => {
    ddbMock.on(GetCommand, { TableName: ORDERS }).resolves({ Item: storedOrder('ord-1', 'PAYMENT_APPROVED') });
    await expect(step({ error: 'OutOfStock', redriveCount: 0 })).resolves.toEqual({ orderId: 'ord-1', voided: true });
    const [begin, done] = compensationUpdates();
    expect(begin!.ExpressionAttributeValues).toMatchObject({ ':compensation': { error: 'OutOfStock' }, ':steps': ['VoidPayment', 'RejectOrder'] });
    expect(done).toMatchObject({ UpdateExpression: expect.stringContaining('REMOVE compensationRemaining[0]'), ExpressionAttributeValues: { ':step': 'VoidPayment' } });
  });

  it('after ReleaseStock: takes itself off the list the order holds', async () => {
    ddbMock.on(GetCommand, { TableName: ORDERS }).resolves({
      Item: storedOrder('ord-1', 'STOCK_RESERVED', { compensation: { error: 'TransientError', since: AT }, compensationRemaining: ['VoidPayment', 'MarkFailed', 'NotifyFailure'] }),
    });
    await step({ error: 'TransientError', redriveCount: 0 });
    expect(compensationUpdates()).toEqual([expect.objectContaining({ ExpressionAttributeValues: { ':step': 'VoidPayment', ':now': expect.any(String) } })]);
  });

  it('fails where it stopped when the provider is down: retried as TransientError, its message saying what remains', async () => {
    ddbMock.on(GetCommand, { TableName: ORDERS }).resolves({ Item: storedOrder('ord-1', 'PAYMENT_APPROVED') });
    ddbMock.on(GetCommand, { TableName: PAYMENTS }).rejects(awsError('ServiceUnavailable', 503));
    const error = await rejectionOf(step({ error: 'OutOfStock', redriveCount: 0 }));
    expect(error.name).toBe('TransientError');
    expect(error.message).toContain('(compensation stopped at VoidPayment; remaining: VoidPayment, RejectOrder)');
    expect(updatesOf(PAYMENTS)).toEqual([]);
  });
});
