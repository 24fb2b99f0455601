import { beforeEach, describe, expect, it } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../../adapters/SnsNotifier.ts';
import { renderNotice } from '../../../domain/order.ts';
import { CUSTOMER, storedOrder } from '../support/fixtures.ts';
import { awsError, resetAwsMocks, snsMock } from '../support/aws.ts';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:order-pipeline-test-notifications';
const notifier = new SnsNotifier(new SNSClient({}), TOPIC);

beforeEach(() => resetAwsMocks());

describe('SnsNotifier.publish', () => {
  it('publishes subject, text and string attributes to the topic, returning the MessageId', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'msg-1' });
    const message = renderNotice('confirmation', storedOrder('ord-1', 'CONFIRMED'));
    await expect(notifier.publish(message)).resolves.toBe('msg-1');
    expect(snsMock).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'Order ord-1 confirmed',
      Message: message.text,
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'OrderConfirmed' },
        orderId: { DataType: 'String', StringValue: 'ord-1' },
        customerEmail: { DataType: 'String', StringValue: CUSTOMER.email },
      },
    });
  });

  it('leaves out empty attributes (SNS refuses empty values)', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'msg-2' });
    await notifier.publish({ subject: 's', text: 't', attributes: { eventType: 'OrderFailed', orderId: 'ord-1', customerEmail: '' } });
    const input = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(Object.keys(input.MessageAttributes!)).toEqual(['eventType', 'orderId']);
  });

  it('cuts the subject to the 100 characters SNS allows', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'msg-3' });
    await notifier.publish({ subject: 'S'.repeat(150), text: 't', attributes: { eventType: 'x', orderId: 'o' } });
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toHaveLength(100);
  });

  it('passes SNS errors on', async () => {
    snsMock.on(PublishCommand).rejects(awsError('ThrottledException', 400));
    await expect(notifier.publish({ subject: 's', text: 't', attributes: { eventType: 'x', orderId: 'o' } })).rejects.toMatchObject({
      name: 'ThrottledException',
    });
  });
});
