// HTTP plumbing for the API handlers: a strict JSON body reader and JSON responses with one error shape:
//   { error: <ErrorName>, message, details?: [{ path, message }] }
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationError } from '../domain/errors.ts';

export const MAX_BODY_BYTES = 32 * 1024;

/**
 * A JSON answer. The media type is exactly `application/json`: JSON is UTF-8 by definition (RFC 8259 defines no
 * charset parameter), and the Step Functions API Gateway integration, which reads POST /payments/validate's
 * answers, is only known to parse a body declared `application/json` (a suffix is not worth the risk).
 */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** Seconds a throttled client is told to wait before it retries (Retry-After; the THROTTLED gateway response says the same). */
export const RETRY_AFTER_SECONDS = 1;

/**
 * 429 Too Many Requests with Retry-After (RFC 6585 section 4; RFC 9110 section 10.2.3), named `Throttled` like API
 * Gateway's own throttle (serverless.yml GatewayResponseThrottled): one error for one cause.
 */
export function tooManyRequests(message: string): APIGatewayProxyResult {
  return json(429, { error: 'Throttled', message }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
}

/** Header lookup that does not depend on the caller's capitalisation. */
export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * Reads the body as JSON: 415 unless it is declared JSON, 413 past maxBytes, 400 when empty or not JSON.
 * Objects keep `__proto__`/`constructor` as plain own keys (JSON.parse does not touch prototypes), so the
 * strict schema rejects them as unknown fields.
 */
export function readJsonBody(event: Pick<APIGatewayProxyEvent, 'headers' | 'body' | 'isBase64Encoded'>, maxBytes = MAX_BODY_BYTES): unknown {
  const contentType = header(event, 'content-type');
  if (!contentType || !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    throw new UnsupportedMediaType('Content-Type must be application/json', [
      { path: 'headers.content-type', message: `is ${contentType ? `"${contentType}"` : 'missing'}; send application/json` },
    ]);
  }
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) {
    throw new PayloadTooLarge(`Body is ${bytes.length} bytes; the limit is ${maxBytes}`, [
      { path: 'body', message: `must be at most ${maxBytes} bytes` },
    ]);
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    throw new ValidationError('Body is empty', [{ path: 'body', message: 'must be a JSON object' }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MalformedJson('Body is not valid JSON', [{ path: 'body', message: (error as Error).message }]);
  }
}
