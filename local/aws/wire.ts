// The two AWS wire protocols the handlers' SDK clients speak to the local stack, parsed and answered: Step
// Functions (awsJson1_0: X-Amz-Target + JSON) and SNS Publish (awsQuery: form-encoded in, XML out). Pure.
import type { ExecutionRecord } from '../engine/executions.ts';
import type { MessageAttribute, PublishInput } from '../stack/outbox.ts';

export const SFN_TARGET_PREFIX = 'AWSStepFunctions.';
export const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** SNS' largest message: 256 KiB. */
export const SNS_MAX_MESSAGE_BYTES = 256 * 1024;

/** An error answered in the protocol's own error shape. */
export class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    readonly fault: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

/** The signing service in a SigV4 Authorization header (Credential=key/date/region/SERVICE/aws4_request). */
export function signingService(authorization: string | undefined): string | undefined {
  return authorization ? /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization)?.[1] : undefined;
}

// --- Step Functions (awsJson1_0) ----------------------------------------------------------------

export function sfnOperation(target: string | undefined): string | undefined {
  return target?.startsWith(SFN_TARGET_PREFIX) ? target.slice(SFN_TARGET_PREFIX.length) : undefined;
}

export function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new WireError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WireError('SerializationException', 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** awsJson timestamps are epoch seconds. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

export function sfnErrorBody(code: string, message: string): string {
  return JSON.stringify({ __type: code, message });
}

export function startExecutionResponse(record: ExecutionRecord): Record<string, unknown> {
  return { executionArn: record.executionArn, startDate: epochSeconds(record.startDate) };
}

export function describeExecutionResponse(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    redriveCount: 0,
    redriveStatus: 'NOT_REDRIVABLE',
  };
}

// --- SNS (awsQuery) -----------------------------------------------------------------------------

export function parseForm(body: string): Map<string, string> {
  return new Map(new URLSearchParams(body));
}

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
    if (!name) throw new WireError('InvalidParameter', `Invalid parameter: MessageAttributes.entry.${index}.Name Reason: missing`);
    if (!dataType || !/^(String|Number|Binary)(\..+)?$/.test(dataType)) {
      throw new WireError('InvalidParameterValue', `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    const stringValue = entry['Value.StringValue'];
    const binaryValue = entry['Value.BinaryValue'];
    if (stringValue === undefined && binaryValue === undefined) {
      throw new WireError('InvalidParameterValue', `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`);
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
    throw new WireError('InvalidParameter', 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
  }
  const message = form.get('Message');
  if (message === undefined || message === '') throw new WireError('InvalidParameter', 'Invalid parameter: Empty message');
  if (Buffer.byteLength(message) > SNS_MAX_MESSAGE_BYTES) {
    throw new WireError('InvalidParameter', 'Invalid parameter: Message too long');
  }
  const subject = form.get('Subject');
  // eslint-disable-next-line no-control-regex
  if (subject !== undefined && (subject === '' || subject.length > 100 || !/^[\x20-\x7e]+$/.test(subject))) {
    throw new WireError('InvalidParameter', 'Invalid parameter: Subject');
  }
  return { topicArn, subject, message, attributes: parseMessageAttributes(form) };
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function publishResponseXml(messageId: string, requestId: string): string {
  return (
    `<PublishResponse xmlns="${SNS_XMLNS}">` +
    `<PublishResult><MessageId>${xmlEscape(messageId)}</MessageId></PublishResult>` +
    `<ResponseMetadata><RequestId>${xmlEscape(requestId)}</RequestId></ResponseMetadata>` +
    `</PublishResponse>`
  );
}

export function queryErrorXml(error: WireError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${SNS_XMLNS}">` +
    `<Error><Type>${error.fault}</Type><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message></Error>` +
    `<RequestId>${xmlEscape(requestId)}</RequestId>` +
    `</ErrorResponse>`
  );
}
