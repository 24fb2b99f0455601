import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { handler } from '../../../functions/releaseStock/handler.ts';
import { AT, storedOrder } from '../support/fixtures.ts';
import { ddbMock, resetAwsMocks, transactionCanceled } from '../support/aws.ts';
import { lambdaContext } from '../support/lambda.ts';

const release = (orderId: string) => handler({ orderId }, lambdaContext('order-pipeline-test-releaseStock'));
const lines = [{ sku: 'COFFEE-1KG', quantity: 2 }];

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(TransactWriteCommand).resolves({});
});

describe('ReleaseStock (releaseStock)', () => {
  it('gives back the reserved stock once', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'STOCK_RESERVED', { stockReservation: { status: 'RESERVED', lines, at: AT } }) });
    await expect(release('ord-1')).resolves.toEqual({ orderId: 'ord-1', release: 'released' });
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]!.Update).toMatchObject({ Key: { sku: 'COFFEE-1KG' }, ExpressionAttributeValues: { ':q': 2 } });
  });

  it("answers 'nothing' when an earlier attempt released it", async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'STOCK_RESERVED', { stockReservation: { status: 'RESERVED', lines, at: AT } }) });
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['None', 'ConditionalCheckFailed']));
    await expect(release('ord-1')).resolves.toEqual({ orderId: 'ord-1', release: 'nothing' });
  });

  it("answers 'nothing' without writing when nothing was reserved", async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'PAYMENT_APPROVED') });
    await expect(release('ord-1')).resolves.toEqual({ orderId: 'ord-1', release: 'nothing' });
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it("answers 'nothing' for a CONFIRMED order even though it holds a reservation: a sale is never undone", async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'CONFIRMED', { stockReservation: { status: 'RESERVED', lines, at: AT } }) });
    await expect(release('ord-1')).resolves.toEqual({ orderId: 'ord-1', release: 'nothing' });
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it("answers 'nothing' when the order was never stored", async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(release('ord-x')).resolves.toEqual({ orderId: 'ord-x', release: 'nothing' });
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('fails with TransientError when the release lost a race', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'STOCK_RESERVED', { stockReservation: { status: 'RESERVED', lines, at: AT } }) });
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['TransactionConflict', 'None']));
    await expect(release('ord-1')).rejects.toMatchObject({ name: 'TransientError' });
  });
});
