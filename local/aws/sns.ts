// SNS over awsQuery (form-encoded in, XML out): Publish into the outbox, and ListTopics. Everything else is
// InvalidAction. Shapes: the SNS API reference (Publish, ListTopics, "Common Errors").
import { TopicNotFoundError, type MessageAttribute, type Outbox, type PublishInput } from '../stack/outbox.ts';
import { AwsError, queryErrorReply, queryReply, unknownAction, xmlElement, type Reply } from './protocol.ts';

export const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
export const SNS_API_VERSION = '2010-03-31';
/** SNS' largest message: 256 KiB. */
export const SNS_MAX_MESSAGE_BYTES = 256 * 1024;
const ACTIONS = ['Publish', 'ListTopics'] as const;

/** MessageAttributes.entry.N.{Name, Value.DataType, Value.StringValue, Value.BinaryValue} -> a map by name. */
export function parseMessageAttributes(form: Map<string, string>): Record<string, MessageAttribute> {
  const entries = new Map<number, Record<string, string>>();
  for (const [key, value] of form) {
    const match = /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$/.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    const entry = entries.get(index) ?? {};
    entry[match[2]!] = value;
    entries.set(index, entry);
  }
  const attributes: Record<string, MessageAttribute> = {};
  for (const [index, entry] of [...entries].sort(([a], [b]) => a - b)) {
    const name = entry.Name;
    const dataType = entry['Value.DataType'];
    if (!name) throw new AwsError('InvalidParameter', `Invalid parameter: MessageAttributes.entry.${index}.Name Reason: missing`);
    if (!dataType || !/^(String|Number|Binary)(\..+)?$/.test(dataType)) {
      throw new AwsError('InvalidParameterValue', `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    const stringValue = entry['Value.StringValue'];
    const binaryValue = entry['Value.BinaryValue'];
    if (stringValue === undefined && binaryValue === undefined) {
      throw new AwsError('InvalidParameterValue', `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`);
    }
    attributes[name] = {
      DataType: dataType,
      ...(stringValue !== undefined ? { StringValue: stringValue } : {}),
      ...(binaryValue !== undefined ? { BinaryValue: binaryValue } : {}),
    };
  }
  return attributes;
}

/** Action=Publish: the message to put in the outbox, or an InvalidParameter error as SNS would answer. */
export function parsePublish(form: Map<string, string>): PublishInput {
  const topicArn = form.get('TopicArn') ?? form.get('TargetArn');
  if (!topicArn) {
    throw new AwsError('InvalidParameter', 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
  }
  const message = form.get('Message');
  if (message === undefined || message === '') throw new AwsError('InvalidParameter', 'Invalid parameter: Empty message');
  if (Buffer.byteLength(message) > SNS_MAX_MESSAGE_BYTES) {
    throw new AwsError('InvalidParameter', 'Invalid parameter: Message too long');
  }
  const subject = form.get('Subject');
  if (subject !== undefined && (subject === '' || subject.length > 100 || !/^[\x20-\x7e]+$/.test(subject))) {
    throw new AwsError('InvalidParameter', 'Invalid parameter: Subject');
  }
  return { topicArn, subject, message, attributes: parseMessageAttributes(form) };
}

export class SnsApi {
  constructor(private readonly outbox: Outbox) {}

  answer(form: Map<string, string>, requestId: string): Reply {
    try {
      const action = form.get('Action');
      switch (action) {
        case 'Publish': {
          const published = this.outbox.publish(parsePublish(form));
          return queryReply('Publish', SNS_XMLNS, xmlElement('MessageId', published.messageId), requestId);
        }
        case 'ListTopics': {
          const topics = [...this.outbox.topics].sort().map((arn) => `<member>${xmlElement('TopicArn', arn)}</member>`);
          return queryReply('ListTopics', SNS_XMLNS, `<Topics>${topics.join('')}</Topics>`, requestId);
        }
        default:
          throw unknownAction('SNS', action, ACTIONS);
      }
    } catch (error) {
      if (error instanceof AwsError) return queryErrorReply(error, SNS_XMLNS, requestId);
      if (error instanceof TopicNotFoundError) return queryErrorReply(new AwsError('NotFound', error.message, 404), SNS_XMLNS, requestId);
      return queryErrorReply(new AwsError('InternalError', (error as Error).message, 500, 'Receiver'), SNS_XMLNS, requestId);
    }
  }
}
