import { describe, expect, it } from 'vitest';
import { fromProxyResult, LocalApiGateway, matchPath, routesFromConfig, toProxyEvent, type ApiRequest } from '../../local/api/apiGateway.ts';
import type { LambdaRuntime } from '../../local/engine/lambdaRuntime.ts';
import { printedConfig } from './fixtures.ts';

const routes = routesFromConfig(printedConfig());
const route = (method: string, resource: string) => routes.find((r) => r.method === method && r.resource === resource)!;

describe('routes', () => {
  it('come from the http events, with API key and IAM flags', () => {
    expect(routes.map((r) => [r.method, r.resource, r.functionKey, r.apiKeyRequired, r.iamAuth])).toEqual(
      expect.arrayContaining([
        ['POST', '/orders', 'createOrder', true, false],
        ['GET', '/orders/{orderId}', 'getOrder', true, false],
        ['POST', '/payments/validate', 'validatePayment', false, true],
      ]),
    );
  });

  it('match path parameters, decoded, and nothing longer or shorter', () => {
    expect(matchPath(route('GET', '/orders/{orderId}'), '/orders/ab%20c')).toEqual({ orderId: 'ab c' });
    expect(matchPath(route('GET', '/orders/{orderId}'), '/orders/a/b')).toBeUndefined();
    expect(matchPath(route('GET', '/orders/{orderId}'), '/orders/')).toBeUndefined();
    expect(matchPath(route('POST', '/orders'), '/orders/')).toEqual({});
  });
});

describe('toProxyEvent', () => {
  const request: ApiRequest = {
    method: 'GET',
    url: '/orders/o-1?expand=items&expand=history&x=1',
    headers: [
      ['Host', '127.0.0.1:3000'],
      ['X-Api-Key', 'k1'],
      ['Accept', 'text/plain'],
      ['Accept', 'application/json'],
    ],
    body: null,
    sourceIp: '127.0.0.1',
  };

  it('builds a REST (v1) proxy event as API Gateway does', () => {
    const event = toProxyEvent(request, route('GET', '/orders/{orderId}'), { orderId: 'o-1' }, {
      stage: 'local',
      apiId: 'local0api0',
      accountId: '000000000000',
      requestId: 'req-1',
      apiKey: 'k1',
      now: new Date('2026-11-24T12:34:56Z'),
    });
    expect(event).toMatchObject({
      resource: '/orders/{orderId}',
      path: '/orders/o-1',
      httpMethod: 'GET',
      headers: { Host: '127.0.0.1:3000', 'X-Api-Key': 'k1', Accept: 'application/json' },
      multiValueHeaders: { Accept: ['text/plain', 'application/json'] },
      queryStringParameters: { expand: 'history', x: '1' },
      multiValueQueryStringParameters: { expand: ['items', 'history'], x: ['1'] },
      pathParameters: { orderId: 'o-1' },
      body: null,
      isBase64Encoded: false,
      requestContext: {
        requestId: 'req-1',
        stage: 'local',
        path: '/local/orders/o-1',
        resourcePath: '/orders/{orderId}',
        requestTime: '24/Nov/2026:12:34:56 +0000',
        identity: { apiKey: 'k1', sourceIp: '127.0.0.1', userArn: null },
      },
    });
    expect(event.requestContext.identity.apiKeyId).toMatch(/^[0-9a-f]{10}$/);
  });

  it('fills the IAM identity for a signed caller', () => {
    const event = toProxyEvent({ ...request, method: 'POST', url: '/payments/validate' }, route('POST', '/payments/validate'), {}, {
      stage: 'local',
      apiId: 'a',
      accountId: '000000000000',
      requestId: 'r',
      apiKey: null,
      caller: { iam: { roleArn: 'arn:aws:iam::000000000000:role/sm', sessionName: 's' } },
    });
    expect(event.pathParameters).toBeNull();
    expect(event.requestContext.identity).toMatchObject({ userArn: 'arn:aws:iam::000000000000:role/sm', accountId: '000000000000', apiKeyId: null });
  });
});

describe('fromProxyResult', () => {
  it('maps a proxy result, merging multi-value headers and decoding base64', () => {
    expect(fromProxyResult({ statusCode: 201, headers: { a: 'b' }, multiValueHeaders: { c: ['d', 'e'] }, body: Buffer.from('hi').toString('base64'), isBase64Encoded: true })).toEqual({
      statusCode: 201,
      headers: { a: ['b'], c: ['d', 'e'], 'Content-Type': ['application/json'] },
      body: 'hi',
    });
  });

  it('refuses what API Gateway answers 502 for', () => {
    expect(fromProxyResult({ body: 'x' })).toBeUndefined();
    expect(fromProxyResult({ statusCode: 200, body: { not: 'a string' } })).toBeUndefined();
    expect(fromProxyResult('ok')).toBeUndefined();
  });
});

describe('LocalApiGateway.handle', () => {
  const calls: unknown[] = [];
  const lambda = {
    invoke: async (key: string, event: unknown) => {
      calls.push({ key, event });
      if (key === 'getOrder') throw new Error('boom');
      return { statusCode: 200, body: JSON.stringify({ key }) };
    },
  } as unknown as LambdaRuntime;
  const api = (apiKey?: string) =>
    new LocalApiGateway(printedConfig(), lambda, { stage: 'local', apiId: 'a', accountId: '000000000000', apiKey, warn: () => undefined });
  const req = (method: string, url: string, headers: Array<[string, string]> = []): ApiRequest => ({ method, url, headers, body: null, sourceIp: '127.0.0.1' });

  it("answers API Gateway's 403s: unknown route, unsigned IAM call, missing API key", async () => {
    expect(await api().handle(req('GET', '/nope'))).toMatchObject({ statusCode: 403, body: '{"message":"Missing Authentication Token"}' });
    expect(await api().handle(req('DELETE', '/orders'))).toMatchObject({ statusCode: 403 });
    expect(await api().handle(req('POST', '/payments/validate'))).toMatchObject({ statusCode: 403, body: '{"message":"Missing Authentication Token"}' });
    expect(await api('secret').handle(req('POST', '/orders'))).toMatchObject({ statusCode: 403, body: '{"message":"Forbidden"}' });
    expect(await api('secret').handle(req('POST', '/orders', [['x-api-key', 'secret']]))).toMatchObject({ statusCode: 200 });
  });

  it('lets the state machine (signed) call the IAM method, and answers 502 when a handler throws', async () => {
    const signed = { iam: { roleArn: 'arn:aws:iam::000000000000:role/sm', sessionName: 's' } };
    expect(await api().handle(req('POST', '/payments/validate'), signed)).toMatchObject({ statusCode: 200, body: '{"key":"validatePayment"}' });
    expect(await api().handle(req('GET', '/orders/o-1'))).toMatchObject({ statusCode: 502, body: '{"message":"Internal server error"}' });
  });
});
