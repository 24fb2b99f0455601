import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { OrderRepository } from '../../../adapters/OrderRepository.ts';
import { SnsNotifier } from '../../../adapters/SnsNotifier.ts';
import { sendNoticeOnce } from '../../../services/notices.ts';
import { AT, storedOrder } from '../support/fixtures.ts';
import { awsError, conditionFailed, ddbMock, resetAwsMocks, snsMock } from '../support/aws.ts';

const deps = {
  orders: new OrderRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'orders-test'),
  notifier: new SnsNotifier(new SNSClient({}), 'arn:aws:sns:us-east-1:000000000000:topic'),
  now: () => AT,
};
const order = storedOrder('ord-1', 'REJECTED', { reason: 'OUT_OF_STOCK' });

beforeEach(() => resetAwsMocks());

describe('sendNoticeOnce', () => {
  it('claims, publishes once, then records the message id', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: 'msg-1' });
    await expect(sendNoticeOnce(deps, 'rejection', order, 'Out of stock: MUG-01')).resolves.toEqual({ status: 'SENT', messageId: 'msg-1' });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message).toContain('Out of stock: MUG-01');
    const updates = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(updates).toEqual([
      expect.objectContaining({ ':pending': { status: 'PENDING', claimedAt: AT } }),
      expect.objectContaining({ ':sent': { status: 'SENT', messageId: 'msg-1', sentAt: AT } }),
    ]);
  });

  it('publishes nothing when the notice was already sent', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed({ ...order, rejectionNotice: { status: 'SENT', messageId: 'msg-0' } }));
    await expect(sendNoticeOnce(deps, 'rejection', order)).resolves.toEqual({ status: 'ALREADY_SENT' });
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  it('leaves the claim PENDING (not SENT) when publishing fails, so a retry publishes', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    snsMock.on(PublishCommand).rejects(awsError('InternalErrorException', 500));
    await expect(sendNoticeOnce(deps, 'rejection', order)).rejects.toMatchObject({ name: 'InternalErrorException' });
    expect(ddbMock).toHaveReceivedCommandTimes(UpdateCommand, 1); // the claim only
  });
});
