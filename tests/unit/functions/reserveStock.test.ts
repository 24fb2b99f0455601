import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { handler } from '../../../functions/reserveStock/handler.ts';
import { OrderStateConflict, OutOfStock, TransientError } from '../../../domain/errors.ts';
import { MUG, storedOrder } from '../support/fixtures.ts';
import { rejectionOf, ddbMock, resetAwsMocks, transactionCanceled } from '../support/aws.ts';
import { lambdaContext } from '../support/lambda.ts';

const reserve = (orderId: string) => handler({ orderId }, lambdaContext('order-pipeline-test-reserveStock'));
const approved = storedOrder('ord-1', 'PAYMENT_APPROVED');

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

  it('fails with OrderStateConflict when the order does not exist', async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(reserve('ord-x')).rejects.toBeInstanceOf(OrderStateConflict);
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});
