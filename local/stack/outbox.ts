// The one local stand-in: SNS messages land here instead of being delivered (e-mail cannot leave this laptop).
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface OutboxMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  attributes: Record<string, MessageAttribute>;
  at: string;
}

export interface PublishInput {
  topicArn: string;
  subject?: string | undefined;
  message: string;
  attributes?: Record<string, MessageAttribute> | undefined;
}

export class TopicNotFoundError extends Error {
  override readonly name = 'NotFound';
}

export class Outbox {
  readonly messages: OutboxMessage[] = [];

  constructor(
    readonly topics: ReadonlySet<string>,
    private readonly print: ((line: string) => void) | undefined,
    private readonly file?: string,
  ) {
    if (file) {
      try {
        this.messages.push(...(JSON.parse(readFileSync(file, 'utf8')) as OutboxMessage[]));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read outbox ${file}: ${(error as Error).message}`);
      }
    }
  }

  publish(input: PublishInput): OutboxMessage {
    if (!this.topics.has(input.topicArn)) throw new TopicNotFoundError(`Topic does not exist: ${input.topicArn}`);
    const message: OutboxMessage = {
      messageId: randomUUID(),
      topicArn: input.topicArn,
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      message: input.message,
      attributes: input.attributes ?? {},
      at: new Date().toISOString(),
    };
    this.messages.push(message);
    this.print?.(formatOutboxLine(message));
    this.save();
    return message;
  }

  /** Messages whose `orderId` message attribute is this order's id. */
  forOrder(orderId: string): OutboxMessage[] {
    return this.messages.filter((m) => m.attributes.orderId?.StringValue === orderId);
  }

  save(): void {
    if (this.file) writeFileSync(this.file, `${JSON.stringify(this.messages, null, 2)}\n`);
  }
}

export function formatOutboxLine(message: OutboxMessage): string {
  const topic = message.topicArn.slice(message.topicArn.lastIndexOf(':') + 1);
  const attrs = Object.entries(message.attributes)
    .map(([name, value]) => `${name}=${value.StringValue ?? '(binary)'}`)
    .join(' ');
  const firstLine = message.message.split('\n').find((line) => line.trim()) ?? '';
  const preview = firstLine.length > 60 ? `${firstLine.slice(0, 57)}...` : firstLine;
  return `outbox  ${topic}  ${message.subject ? `"${message.subject}"  ` : ''}${attrs}${preview ? `  | ${preview}` : ''}`;
}
