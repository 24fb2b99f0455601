import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { handler } from '../../../functions/sendConfirmation/handler.ts';
import { OrderStateConflict, TransientError } from '../../../domain/errors.ts';
import { CUSTOMER, storedOrder } from '../support/fixtures.ts';
import { rejectionOf, awsError, conditionFailed, ddbMock, resetAwsMocks, snsMock } from '../support/aws.ts';
import { lambdaContext } from '../support/lambda.ts';

const TOPIC = process.env.NOTIFICATIONS_TOPIC_ARN!;
const confirm = (orderId: string) => handler({ orderId }, lambdaContext('order-pipeline-test-sendConfirmation'));
const confirmed = storedOrder('ord-1', 'CONFIRMED');

/** The three order writes, told apart by what they set. */
const MOVE = { ExpressionAttributeValues: { ':to': 'CONFIRMED' } };
const CLAIM = { ExpressionAttributeNames: { '#notice': 'confirmationNotice', '#status': 'status' } };

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(GetCommand).resolves({ Item: confirmed });
  snsMock.on(PublishCommand).resolves({ MessageId: 'msg-1' });
});

describe('SendConfirmation (sendConfirmation)', () => {
  it('moves the order to CONFIRMED, publishes the confirmation once and records it', async () => {
    await expect(confirm('ord-1')).resolves.toEqual({ orderId: 'ord-1', status: 'CONFIRMED', total: 20480, currency: 'BRL', notification: 'SENT' });
    const updates = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates[0]).toMatchObject({ Key: { orderId: 'ord-1' }, ConditionExpression: '#status IN (:from0)', ExpressionAttributeValues: { ':to': 'CONFIRMED', ':from0': 'STOCK_RESERVED' } });
    expect(updates[1]).toMatchObject(CLAIM);
    expect(updates[2]).toMatchObject({ ExpressionAttributeValues: { ':sent': { status: 'SENT', messageId: 'msg-1' } } });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'Order ord-1 confirmed',
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'OrderConfirmed' },
        orderId: { DataType: 'String', StringValue: 'ord-1' },
        customerEmail: { DataType: 'String', StringValue: CUSTOMER.email },
      },
    });
    const text = snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message!;
    expect(text).toContain('ord-1');
    expect(text).toContain('Coffee beans 1 kg');
    expect(text).toContain('Total: BRL 204.80');
  });

  it('skips publishing when the claim says the confirmation was sent', async () => {
    ddbMock.on(UpdateCommand, CLAIM).rejects(conditionFailed({ ...confirmed, confirmationNotice: { status: 'SENT', messageId: 'msg-0' } }));
    await expect(confirm('ord-1')).resolves.toMatchObject({ orderId: 'ord-1', status: 'CONFIRMED' });
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  it('a re-run finds the order CONFIRMED already and still makes sure the confirmation goes out', async () => {
    ddbMock.on(UpdateCommand, MOVE).rejects(conditionFailed(confirmed));
    await expect(confirm('ord-1')).resolves.toMatchObject({ status: 'CONFIRMED', notification: 'SENT' });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('fails with an error named TransientError when SNS throttles (nothing marked SENT)', async () => {
    snsMock.on(PublishCommand).rejects(awsError('Throttling', 400, 'Rate exceeded'));
    const error = await rejectionOf(confirm('ord-1'));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.name).toBe('TransientError');
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(2); // move + claim; no "sent"
  });

  it('fails with OrderStateConflict when the order has not reserved its stock', async () => {
    ddbMock.on(UpdateCommand, MOVE).rejects(conditionFailed(storedOrder('ord-1', 'PAYMENT_APPROVED')));
    const error = await rejectionOf(confirm('ord-1'));
    expect(error).toBeInstanceOf(OrderStateConflict);
    expect(error.message).toBe('Order ord-1 is PAYMENT_APPROVED; it cannot become CONFIRMED');
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });
});
