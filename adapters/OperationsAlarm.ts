// Publishes the reconciler's alarm to the operations topic (the one the CloudWatch alarms notify, e-mailed to the
// stage's operationsEmail). No message attributes: it is not an order notice.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlarmPort } from '../services/reconciler.ts';

export class OperationsAlarm implements AlarmPort {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(subject: string, message: string): Promise<string> {
    const { MessageId } = await this.sns.send(new PublishCommand({ TopicArn: this.topicArn, Subject: subject.slice(0, 100), Message: message }));
    return MessageId ?? 'unknown';
  }
}
