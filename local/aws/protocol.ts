// What the AWS wire protocols of the local endpoint share: the error every service answers in its own shape,
// the two protocols' envelopes (awsJson1_0 for Step Functions and DynamoDB, awsQuery for SNS and CloudFormation),
// and the few parsing helpers. Pure.

/** One answer on the wire. */
export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/**
 * An error answered in the protocol's own error shape: `code` is the `__type` (awsJson) or `<Code>` (awsQuery)
 * that the SDKs turn into an exception class.
 */
export class AwsError extends Error {
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

/** awsJson timestamps are epoch seconds (fractions allowed). */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

// --- awsJson1_0 ---------------------------------------------------------------------------------

export const AWS_JSON = 'application/x-amz-json-1.0';

/** The X-Amz-Target operation for a service prefix (`AWSStepFunctions.`), or undefined. */
export function jsonOperation(target: string | undefined, prefix: string): string | undefined {
  return target?.startsWith(prefix) ? target.slice(prefix.length) : undefined;
}

export function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new AwsError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function jsonReply(status: number, payload: unknown, requestId: string): Reply {
  return { status, contentType: AWS_JSON, headers: { 'x-amzn-RequestId': requestId }, body: JSON.stringify(payload) };
}

/** awsJson's error: `{__type, message}`, with the type in x-amzn-ErrorType too (the SDKs read either). */
export function jsonErrorReply(error: AwsError, requestId: string): Reply {
  return {
    status: error.statusCode,
    contentType: AWS_JSON,
    headers: { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': error.code },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

/**
 * Request members as the service model types them. A member of the wrong JSON type is a SerializationException,
 * a constraint broken is a ValidationException worded as AWS words it ("1 validation error detected: ...").
 */
export class JsonMembers {
  constructor(private readonly request: Record<string, unknown>) {}

  string(name: string, options: { required?: boolean; min?: number; max?: number } = {}): string | undefined {
    const value = this.request[name];
    if (value === undefined || value === null) {
      if (options.required) throw validationError(name, 'null', 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'string') throw new AwsError('SerializationException', `${name}: expected a string, got ${typeof value}`);
    if (options.min !== undefined && value.length < options.min) {
      throw validationError(name, `'${value}'`, `Member must have length greater than or equal to ${options.min}`);
    }
    if (options.max !== undefined && value.length > options.max) {
      throw validationError(name, `'${value.slice(0, 64)}${value.length > 64 ? '…' : ''}'`, `Member must have length less than or equal to ${options.max}`);
    }
    return value;
  }

  integer(name: string, options: { min?: number; max?: number } = {}): number | undefined {
    const value = this.request[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new AwsError('SerializationException', `${name}: expected an integer, got ${JSON.stringify(value)}`);
    if (options.min !== undefined && value < options.min) throw validationError(name, String(value), `Member must have value greater than or equal to ${options.min}`);
    if (options.max !== undefined && value > options.max) throw validationError(name, String(value), `Member must have value less than or equal to ${options.max}`);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.request[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw new AwsError('SerializationException', `${name}: expected a boolean, got ${JSON.stringify(value)}`);
    return value;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) {
      throw validationError(name, `'${value}'`, `Member must satisfy enum value set: [${values.join(', ')}]`);
    }
    return value as T;
  }
}

function validationError(member: string, value: string, constraint: string): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: Value ${value} at '${member}' failed to satisfy constraint: ${constraint}`);
}

/** An opaque paging token over a list position, bound to what was asked (a token from another query is refused). */
export function encodePageToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64url');
}

export function decodePageToken(token: string | undefined, scope: string): number {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; s?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.s === scope) return parsed.o;
  } catch {
    // fall through: not one of ours
  }
  throw new AwsError('InvalidToken', `Invalid Token: '${token.slice(0, 64)}'`);
}

// --- awsQuery -----------------------------------------------------------------------------------

export function parseForm(body: string): Map<string, string> {
  return new Map(new URLSearchParams(body));
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `<tag>escaped text</tag>`, or nothing for an absent value. */
export function xmlElement(tag: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${tag}>${xmlEscape(String(value))}</${tag}>`;
}

/** An awsQuery answer: `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`. */
export function queryReply(action: string, xmlns: string, result: string, requestId: string): Reply {
  return {
    status: 200,
    contentType: 'text/xml',
    headers: { 'x-amzn-RequestId': requestId },
    body:
      `<${action}Response xmlns="${xmlns}">` +
      `<${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata>${xmlElement('RequestId', requestId)}</ResponseMetadata>` +
      `</${action}Response>`,
  };
}

export function queryErrorReply(error: AwsError, xmlns: string, requestId: string): Reply {
  return {
    status: error.statusCode,
    contentType: 'text/xml',
    headers: { 'x-amzn-RequestId': requestId },
    body:
      `<ErrorResponse xmlns="${xmlns}">` +
      `<Error>${xmlElement('Type', error.fault)}${xmlElement('Code', error.code)}${xmlElement('Message', error.message)}</Error>` +
      `${xmlElement('RequestId', requestId)}` +
      `</ErrorResponse>`,
  };
}

/** awsQuery's answer to an Action the local service does not have. */
export function unknownAction(service: string, action: string | undefined, supported: readonly string[]): AwsError {
  return new AwsError(
    'InvalidAction',
    `The action ${action ?? '(no Action)'} is not valid for this web service: the local stack emulates ${service} ${supported.join(', ')} only`,
  );
}
