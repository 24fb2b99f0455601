// Publishes order notices to the notifications topic (e-mail subscribers, and anything else that listens).
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { OrderMessage } from '../domain/order.ts';

export class SnsNotifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** Returns the SNS MessageId. */
  async publish(message: OrderMessage): Promise<string> {
    const attributes = Object.fromEntries(
      Object.entries(message.attributes)
        .filter(([, value]) => value !== undefined && value !== '')
        .map(([name, value]) => [name, { DataType: 'String', StringValue: value as string }]),
    );
    const { MessageId } = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: message.subject.slice(0, 100), // SNS limit for e-mail subjects
        Message: message.text,
        MessageAttributes: attributes,
      }),
    );
    return MessageId ?? 'unknown';
  }
}
