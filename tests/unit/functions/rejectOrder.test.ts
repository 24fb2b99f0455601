import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { detailFrom, handler, type RejectOrderEvent } from '../../../functions/rejectOrder/handler.ts';
import { OrderStateConflict } from '../../../domain/errors.ts';
import type { RejectionReason } from '../../../domain/order.ts';
import { AT, storedOrder } from '../support/fixtures.ts';
import { rejectionOf, awsError, conditionFailed, ddbMock, resetAwsMocks, snsMock } from '../support/aws.ts';
import { lambdaContext } from '../support/lambda.ts';

const reject = (event: RejectOrderEvent) => handler(event, lambdaContext('order-pipeline-test-rejectOrder'));
const MOVE = { ExpressionAttributeValues: { ':to': 'REJECTED' } };
const CLAIM = { ExpressionAttributeNames: { '#notice': 'rejectionNotice', '#status': 'status' } };

function orderRejectedFor(reason: RejectionReason) {
  ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'REJECTED', { reason }) });
}

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(UpdateCommand).resolves({});
  snsMock.on(PublishCommand).resolves({ MessageId: 'msg-r' });
});

describe('RejectOrder (rejectOrder)', () => {
  it('ApiGateway.402 (declined) -> REJECTED/PAYMENT_DECLINED, rejection published once', async () => {
    orderRejectedFor('PAYMENT_DECLINED');
    const cause = JSON.stringify({ error: 'PaymentDeclined', message: 'Your card was declined.' });
    await expect(reject({ orderId: 'ord-1', error: 'ApiGateway.402', cause })).resolves.toEqual({
      orderId: 'ord-1',
      status: 'REJECTED',
      reason: 'PAYMENT_DECLINED',
      total: 20480,
      currency: 'BRL',
      notification: 'SENT',
    });
    const move = ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(move.ExpressionAttributeValues).toMatchObject({
      ':to': 'REJECTED',
      ':entry': [{ status: 'REJECTED', at: expect.any(String), reason: 'PAYMENT_DECLINED' }],
    });
    expect(Object.values(move.ExpressionAttributeValues!)).toContain('PAYMENT_DECLINED');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const message = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(message.Subject).toBe('Order ord-1 not accepted');
    expect(message.Message).toContain('the payment was declined');
    expect(message.Message).toContain('Your card was declined.');
    expect(message.MessageAttributes?.eventType?.StringValue).toBe('OrderRejected');
  });

  it('OutOfStock -> REJECTED/OUT_OF_STOCK, with the Lambda error message as detail', async () => {
    orderRejectedFor('OUT_OF_STOCK');
    const cause = JSON.stringify({ errorType: 'OutOfStock', errorMessage: 'Out of stock: MUG-01' });
    await expect(reject({ orderId: 'ord-1', error: 'OutOfStock', cause })).resolves.toMatchObject({ reason: 'OUT_OF_STOCK' });
    expect(Object.values(ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues!)).toContain('OUT_OF_STOCK');
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message).toContain('Out of stock: MUG-01');
  });

  it('InvalidOrder: the order is REJECTED already; the rejection lists its problems', async () => {
    const problems = [{ path: 'items[0].sku', message: 'unknown SKU "GHOST-1"' }];
    ddbMock.on(UpdateCommand, MOVE).rejects(conditionFailed(storedOrder('ord-1', 'REJECTED', { reason: 'INVALID_ORDER', problems })));
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'REJECTED', { reason: 'INVALID_ORDER', problems }) });
    await expect(reject({ orderId: 'ord-1', error: 'InvalidOrder', cause: '{}' })).resolves.toMatchObject({ reason: 'INVALID_ORDER' });
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message).toContain('- items[0].sku: unknown SKU "GHOST-1"');
  });

  it('publishes nothing when the rejection was sent already (a re-run)', async () => {
    orderRejectedFor('OUT_OF_STOCK');
    ddbMock.on(UpdateCommand, MOVE).rejects(conditionFailed(storedOrder('ord-1', 'REJECTED', { reason: 'OUT_OF_STOCK' })));
    ddbMock.on(UpdateCommand, CLAIM).rejects(conditionFailed({ orderId: 'ord-1', rejectionNotice: { status: 'SENT', messageId: 'm', sentAt: AT } }));
    await expect(reject({ orderId: 'ord-1', error: 'OutOfStock' })).resolves.toMatchObject({ status: 'REJECTED' });
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  it.each(['States.TaskFailed', 'TransientError', 'ApiGateway.500', 'Unknown'])(
    'an error that is no reason to reject (%s) throws OrderStateConflict and changes nothing',
    async (error) => {
      const thrown = await rejectionOf(reject({ orderId: 'ord-1', error }));
      expect(thrown).toBeInstanceOf(OrderStateConflict);
      expect(thrown.name).toBe('OrderStateConflict');
      expect(ddbMock).not.toHaveReceivedAnyCommand();
      expect(snsMock).not.toHaveReceivedAnyCommand();
    },
  );

  it('throws OrderStateConflict when the order cannot be rejected (it is CONFIRMED)', async () => {
    ddbMock.on(UpdateCommand, MOVE).rejects(conditionFailed(storedOrder('ord-1', 'CONFIRMED')));
    await expect(reject({ orderId: 'ord-1', error: 'OutOfStock' })).rejects.toBeInstanceOf(OrderStateConflict);
    expect(snsMock).not.toHaveReceivedAnyCommand();
  });

  it('throws TransientError when SNS fails with a 5xx', async () => {
    orderRejectedFor('PAYMENT_DECLINED');
    snsMock.on(PublishCommand).rejects(awsError('InternalErrorException', 500));
    await expect(reject({ orderId: 'ord-1', error: 'ApiGateway.402' })).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('detailFrom', () => {
  const order = storedOrder('ord-1', 'REJECTED');
  it.each([
    ['a Lambda error', JSON.stringify({ errorType: 'OutOfStock', errorMessage: 'Out of stock: A' }), 'Out of stock: A'],
    ['an HTTP error body', JSON.stringify({ error: 'PaymentDeclined', message: 'Declined.' }), 'Declined.'],
    ['text that is not JSON', 'not json', undefined],
    ['no cause', undefined, undefined],
  ])('reads %s', (_label, cause, expected) => {
    expect(detailFrom(order, cause)).toBe(expected);
  });
});

describe('RejectOrder ending an out-of-stock compensation', () => {
  it('takes RejectOrder off the order once REJECTED, before the notice (a failed notice is recorded, not pending)', async () => {
    ddbMock.on(GetCommand).resolves({
      Item: storedOrder('ord-1', 'REJECTED', { reason: 'OUT_OF_STOCK', compensation: { error: 'OutOfStock', since: AT }, compensationRemaining: ['RejectOrder'] }),
    });
    snsMock.on(PublishCommand).rejects(awsError('InternalErrorException', 500));
    await expect(reject({ orderId: 'ord-1', error: 'OutOfStock', cause: '{}' })).rejects.toMatchObject({ name: 'TransientError' });
    const expressions = ddbMock.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(expressions[1]).toMatchObject({ UpdateExpression: expect.stringContaining('REMOVE compensationRemaining[0]'), ExpressionAttributeValues: { ':step': 'RejectOrder' } });
  });

  it('touches no compensation on a rejection that never compensated (declined, invalid)', async () => {
    orderRejectedFor('PAYMENT_DECLINED');
    await reject({ orderId: 'ord-1', error: 'ApiGateway.402', cause: '{}' });
    expect(ddbMock.commandCalls(UpdateCommand).filter((call) => /compensation/.test(call.args[0].input.UpdateExpression ?? ''))).toEqual([]);
  });
});
