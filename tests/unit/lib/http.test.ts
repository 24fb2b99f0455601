import { describe, expect, it } from 'vitest';
import { MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationError } from '../../../domain/errors.ts';
import { header, json, readJsonBody } from '../../../lib/http.ts';

/** The documented body limit (README, "Limits": 32 KiB), stated here and not read from lib/http.ts. */
const LIMIT = 32 * 1024;

type BodyEvent = Parameters<typeof readJsonBody>[0];

const event = (body: string | null, contentType: string | null = 'application/json', isBase64Encoded = false): BodyEvent => ({
  headers: contentType === null ? {} : { 'Content-Type': contentType },
  body,
  isBase64Encoded,
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('readJsonBody', () => {
  it('parses a JSON object body', () => {
    expect(readJsonBody(event('{"a":[1,2],"b":"ç"}'))).toEqual({ a: [1, 2], b: 'ç' });
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON;charset=UTF-8',
    'application/vnd.x+json',
    'application/vnd.api+json; charset=utf-8',
    'application/problem+json',
  ])('accepts the content type %j', (contentType) => {
    expect(readJsonBody(event('{"ok":true}', contentType))).toEqual({ ok: true });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'application/json-seq', 'json', 'text/json', ''])(
    'answers 415 for the content type %j, naming the header',
    (contentType) => {
      const error = thrown(() => readJsonBody(event('{}', contentType)));
      expect(error).toBeInstanceOf(UnsupportedMediaType);
      expect((error as UnsupportedMediaType).httpStatus).toBe(415);
      expect((error as UnsupportedMediaType).details).toEqual([{ path: 'headers.content-type', message: expect.any(String) }]);
    },
  );

  it('answers 415 when the content type is missing', () => {
    const error = thrown(() => readJsonBody(event('{}', null))) as UnsupportedMediaType;
    expect(error).toBeInstanceOf(UnsupportedMediaType);
    expect(error.details?.[0]?.message).toContain('missing');
  });

  it('finds the content type whatever its capitalisation', () => {
    expect(readJsonBody({ headers: { 'CONTENT-TYPE': 'application/json' }, body: '[]', isBase64Encoded: false })).toEqual([]);
  });

  it('accepts exactly 32768 bytes and answers 413 at one byte more', () => {
    const exact = JSON.stringify({ pad: 'x'.repeat(LIMIT - 10) });
    expect(Buffer.byteLength(exact)).toBe(LIMIT);
    expect(readJsonBody(event(exact))).toEqual({ pad: expect.any(String) });

    const over = JSON.stringify({ pad: 'x'.repeat(LIMIT - 9) });
    const error = thrown(() => readJsonBody(event(over))) as PayloadTooLarge;
    expect(error).toBeInstanceOf(PayloadTooLarge);
    expect(error.httpStatus).toBe(413);
    expect(error.message).toBe('Body is 32769 bytes; the limit is 32768');
  });

  it('counts bytes, not characters (multi-byte UTF-8)', () => {
    const body = JSON.stringify({ pad: 'é'.repeat(LIMIT / 2) }); // 2 bytes each: over the limit
    expect(body.length).toBeLessThan(LIMIT);
    expect(thrown(() => readJsonBody(event(body)))).toBeInstanceOf(PayloadTooLarge);
  });

  it('decodes a base64 body', () => {
    const body = Buffer.from('{"customer":{"name":"José"}}', 'utf8').toString('base64');
    expect(readJsonBody(event(body, 'application/json', true))).toEqual({ customer: { name: 'José' } });
  });

  it('applies the size limit to the decoded base64 body', () => {
    const decoded = 'x'.repeat(LIMIT + 1);
    expect(thrown(() => readJsonBody(event(Buffer.from(decoded).toString('base64'), 'application/json', true)))).toBeInstanceOf(PayloadTooLarge);
    const fits = JSON.stringify('x'.repeat(LIMIT - 2));
    const encoded = Buffer.from(fits).toString('base64');
    expect(encoded.length).toBeGreaterThan(LIMIT); // the encoded text alone would be over
    expect(readJsonBody(event(encoded, 'application/json', true))).toHaveLength(LIMIT - 2);
  });

  it.each([null, '', '   \n\t'])('answers 400 ValidationError for the empty body %j', (body) => {
    const error = thrown(() => readJsonBody(event(body))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.httpStatus).toBe(400);
    expect(error.details).toEqual([{ path: 'body', message: 'must be a JSON object' }]);
  });

  it.each(['{', '{"a":1,}', "{'a':1}", 'undefined', '{"a":1}{"b":2}', 'NaN'])('answers 400 MalformedJson for %j', (body) => {
    const error = thrown(() => readJsonBody(event(body))) as MalformedJson;
    expect(error).toBeInstanceOf(MalformedJson);
    expect(error.httpStatus).toBe(400);
    expect(error.details?.[0]?.path).toBe('body');
  });

  it('keeps "__proto__" as an own key and does not touch prototypes', () => {
    const parsed = readJsonBody(event('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('json', () => {
  it('answers JSON that is never cached, with extra headers', () => {
    expect(json(202, { a: 1 }, { location: '/x' })).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', location: '/x' },
      body: '{"a":1}',
    });
  });
});

describe('header', () => {
  it('looks a header up whatever its capitalisation', () => {
    expect(header({ headers: { 'Idempotency-Key': 'k1' } }, 'idempotency-key')).toBe('k1');
    expect(header({ headers: { 'idempotency-key': 'k2' } }, 'Idempotency-Key')).toBe('k2');
  });

  it('is undefined when absent or when there are no headers', () => {
    expect(header({ headers: { other: 'x' } }, 'idempotency-key')).toBeUndefined();
    expect(header({ headers: null as unknown as Record<string, string> }, 'idempotency-key')).toBeUndefined();
  });
});
