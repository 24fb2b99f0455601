import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { handler } from '../../../functions/reserveStock/handler.ts';
import { OrderStateConflict, OutOfStock, TransientError, UnexpectedPaymentResponse } from '../../../domain/errors.ts';
import { MUG, storedOrder } from '../support/fixtures.ts';
import { rejectionOf, ddbMock, resetAwsMocks, transactionCanceled } from '../support/aws.ts';
import { lambdaContext } from '../support/lambda.ts';

const payment = { authorizationId: 'auth_1', status: 'AUTHORIZED' as const, amount: 20480, currency: 'BRL' };
/** What ValidatePayment received from POST /payments/validate, as UpdateStock passes it on. */
const paymentResponse: unknown = { ...payment };
const NO_RESPONSE = Symbol('no paymentResponse key');
const reserve = (orderId: string, response: unknown = paymentResponse) =>
  handler(response === NO_RESPONSE ? { orderId } : { orderId, paymentResponse: response }, lambdaContext('order-pipeline-test-reserveStock'));
const approved = storedOrder('ord-1', 'PAYMENT_APPROVED', { payment });

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(GetCommand).resolves({ Item: approved });
  ddbMock.on(TransactWriteCommand).resolves({});
});

describe('UpdateStock (reserveStock)', () => {
  it('reserves every line of the stored order in one transaction', async () => {
    await expect(reserve('ord-1')).resolves.toEqual({ orderId: 'ord-1', reservation: 'reserved' });
    expect(ddbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((i) => i.Update?.Key)).toEqual([{ sku: 'COFFEE-1KG' }, { sku: 'MUG-01' }, { orderId: 'ord-1' }]);
  });

  it('fails with an error named OutOfStock naming the short SKU', async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['None', 'ConditionalCheckFailed', 'None']));
    const error = await rejectionOf(reserve('ord-1'));
    expect(error).toBeInstanceOf(OutOfStock);
    expect(error.name).toBe('OutOfStock');
    expect((error as OutOfStock).skus).toEqual([MUG.sku]);
  });

  it("answers 'already' on a re-run", async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['None', 'None', 'ConditionalCheckFailed']));
    ddbMock.on(GetCommand).resolves({ Item: { ...approved, status: 'STOCK_RESERVED', stockReservation: { status: 'RESERVED', lines: [], at: 'x' } } });
    await expect(reserve('ord-1')).resolves.toEqual({ orderId: 'ord-1', reservation: 'already' });
  });

  it('fails with TransientError when the transaction lost a race', async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['TransactionConflict', 'None', 'None']));
    await expect(reserve('ord-1')).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('fails with TransientError when DynamoDB throttles the transaction', async () => {
    ddbMock.on(TransactWriteCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await expect(reserve('ord-1')).rejects.toBeInstanceOf(TransientError);
  });

  it.each([
    ['a string body', 'APPROVED'],
    ['another authorization', { ...payment, authorizationId: 'auth_2' }],
    ['another amount', { ...payment, amount: 1 }],
    ['null', null],
    ['nothing (the definition passed no paymentResponse)', NO_RESPONSE],
  ])('fails with UnexpectedPaymentResponse for %s, before taking any stock', async (_what, response) => {
    const error = await rejectionOf(reserve('ord-1', response));
    expect(error).toBeInstanceOf(UnexpectedPaymentResponse);
    expect(error.name).toBe('UnexpectedPaymentResponse');
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('does not check the payment of an order past PAYMENT_APPROVED (a re-run finds its reservation)', async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['None', 'None', 'ConditionalCheckFailed']));
    ddbMock.on(GetCommand).resolves({ Item: { ...approved, status: 'CONFIRMED', stockReservation: { status: 'RESERVED', lines: [], at: 'x' } } });
    await expect(reserve('ord-1', NO_RESPONSE)).resolves.toEqual({ orderId: 'ord-1', reservation: 'already' });
  });

  it('fails with OrderStateConflict when the order does not exist', async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(reserve('ord-x')).rejects.toBeInstanceOf(OrderStateConflict);
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});
