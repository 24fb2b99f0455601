import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { handler } from '../../../functions/releaseStock/handler.ts';
import { AT, storedOrder } from '../support/fixtures.ts';
import { awsError, ddbMock, rejectionOf, resetAwsMocks, transactionCanceled } from '../support/aws.ts';
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

describe('ReleaseStock as a compensation step (the Payload the definition gives it)', () => {
  const reserved = () => storedOrder('ord-1', 'STOCK_RESERVED', { stockReservation: { status: 'RESERVED', lines, at: AT } });
  const step = (event: Record<string, unknown>) => handler({ orderId: 'ord-1', ...event } as never, lambdaContext('order-pipeline-test-releaseStock'));
  const updates = () => ddbMock.commandCalls(UpdateCommand).map((call) => call.args[0].input);

  beforeEach(() => {
    ddbMock.on(UpdateCommand).resolves({});
  });

  it('starts compensation on the order (every step of a failure), releases, then takes itself off', async () => {
    ddbMock.on(GetCommand).resolves({ Item: reserved() });
    await expect(step({ error: 'TransientError', redriveCount: 0 })).resolves.toEqual({ orderId: 'ord-1', release: 'released' });
    const [begin, done] = updates();
    expect(begin!.ExpressionAttributeValues).toMatchObject({
      ':compensation': { error: 'TransientError', since: expect.any(String) },
      ':steps': ['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure'],
    });
    expect(done).toMatchObject({ UpdateExpression: expect.stringContaining('REMOVE compensationRemaining[0]'), ExpressionAttributeValues: { ':step': 'ReleaseStock' } });
    expect(updates()).toHaveLength(2);
    expect(ddbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('run again by a redrive: records the redrive once, does not start compensation again', async () => {
    ddbMock.on(GetCommand).resolves({ Item: { ...reserved(), compensation: { error: 'TransientError', since: AT }, compensationRemaining: ['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure'] } });
    await step({ error: 'TransientError', redriveCount: 1 });
    const [redrive, done, ...rest] = updates();
    expect(redrive!.ExpressionAttributeValues).toMatchObject({ ':count': 1, ':entry': [{ status: 'STOCK_RESERVED', event: 'REDRIVEN', redriveCount: 1 }] });
    expect(done!.ExpressionAttributeValues).toMatchObject({ ':step': 'ReleaseStock' });
    expect(rest).toEqual([]);
  });

  it('records no redrive the order has recorded already (a later step of the same redrive, or a retry)', async () => {
    ddbMock.on(GetCommand).resolves({ Item: { ...storedOrder('ord-1', 'PAYMENT_APPROVED'), redriveCount: 1, compensation: { error: 'TransientError', since: AT }, compensationRemaining: [] } });
    await step({ error: 'TransientError', redriveCount: 1 });
    expect(updates()).toEqual([]);
  });

  it('keeps nothing on an order that was never stored, or is final', async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(step({ error: 'TransientError', redriveCount: 0 })).resolves.toEqual({ orderId: 'ord-1', release: 'nothing' });
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'CONFIRMED', { stockReservation: { status: 'RESERVED', lines, at: AT } }) });
    await expect(step({ error: 'TransientError', redriveCount: 0 })).resolves.toEqual({ orderId: 'ord-1', release: 'nothing' });
    expect(updates()).toEqual([]);
  });

  it('fails where it stopped: the same error name (retried), its message saying what remains', async () => {
    ddbMock.on(GetCommand).resolves({ Item: reserved() });
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['TransactionConflict', 'None']));
    const error = await rejectionOf(step({ error: 'ApiGateway.503', redriveCount: 0 }));
    expect(error.name).toBe('TransientError');
    expect(error.message).toMatch(/\(compensation stopped at ReleaseStock; remaining: ReleaseStock, VoidPayment, MarkFailed, NotifyFailure\)$/);
    // Started, not taken off.
    expect(updates()).toHaveLength(1);
  });

  it('says what remains even when the order cannot be read (the Orders table is the dependency that is down)', async () => {
    ddbMock.on(GetCommand).rejects(awsError('ProvisionedThroughputExceededException', 400));
    const error = await rejectionOf(step({ error: 'ApiGateway.503', redriveCount: 0 }));
    expect(error.name).toBe('TransientError');
    expect(error.message).toContain('ProvisionedThroughputExceededException');
    expect(error.message).toContain('(compensation stopped at ReleaseStock; remaining: ReleaseStock, VoidPayment, MarkFailed, NotifyFailure)');
  });

  it.each([-1, 1.5, '1', null])('refuses redriveCount %j with an error naming it', async (redriveCount) => {
    const error = await rejectionOf(step({ error: 'TransientError', redriveCount }));
    expect(error.message).toMatch(/^redriveCount must be a whole number from 0/);
    expect(ddbMock).not.toHaveReceivedAnyCommand();
  });
});
