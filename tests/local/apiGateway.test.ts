import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  fromProxyResult,
  GATEWAY_ERRORS,
  gatewayErrorResponse,
  gatewayResponsesFromConfig,
  LocalApiGateway,
  MAX_BODY_BYTES,
  matchPath,
  routesFromConfig,
  toProxyEvent,
  type ApiRequest,
} from '../../local/api/apiGateway.ts';
import type { LambdaRuntime } from '../../local/engine/lambdaRuntime.ts';
import type { CfnResource, ServerlessConfig } from '../../local/stack/serverlessConfig.ts';
import { loadServerlessYaml } from '../definition/definition.ts';
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

  it("without GatewayResponse resources, answers API Gateway's built-in 403s: unknown route, unsigned IAM call, missing API key", async () => {
    expect(await api().handle(req('GET', '/nope'))).toMatchObject({ statusCode: 403, body: '{"message":"Missing Authentication Token"}' });
    expect(await api().handle(req('DELETE', '/orders'))).toMatchObject({ statusCode: 403 });
    expect(await api().handle(req('POST', '/payments/validate'))).toMatchObject({ statusCode: 403, body: '{"message":"Missing Authentication Token"}' });
    expect(await api('secret').handle(req('POST', '/orders'))).toMatchObject({ statusCode: 403, body: '{"message":"Forbidden"}' });
    expect(await api('secret').handle(req('POST', '/orders', [['x-api-key', 'secret']]))).toMatchObject({ statusCode: 200 });
  });

  it("lets the state machine (signed) call the IAM method, and answers API Gateway's built-in 502 when a handler throws", async () => {
    const signed = { iam: { roleArn: 'arn:aws:iam::000000000000:role/sm', sessionName: 's' } };
    expect(await api().handle(req('POST', '/payments/validate'), signed)).toMatchObject({ statusCode: 200, body: '{"key":"validatePayment"}' });
    expect(await api().handle(req('GET', '/orders/o-1'))).toMatchObject({ statusCode: 502, body: '{"message":"Internal server error"}' });
  });
});

// serverless.yml's own GatewayResponse resources, as `serverless print` hands them over (intrinsics as objects).
const serviceGatewayResponses = Object.fromEntries(
  Object.entries((loadServerlessYaml() as unknown as ServerlessConfig).resources?.Resources ?? {}).filter(
    ([, resource]) => resource.Type === 'AWS::ApiGateway::GatewayResponse',
  ),
);

function withResources(resources: Record<string, CfnResource>): ServerlessConfig {
  const config = printedConfig();
  return { ...config, resources: { ...config.resources, Resources: { ...config.resources?.Resources, ...resources } } };
}

function gatewayResponse(type: string, properties: Record<string, unknown> = {}): CfnResource {
  return { Type: 'AWS::ApiGateway::GatewayResponse', Properties: { RestApiId: { Ref: 'ApiGatewayRestApi' }, ResponseType: type, ...properties } };
}

describe("API Gateway's own errors, shaped by serverless.yml's GatewayResponse resources (as the deployed API)", () => {
  const lambda = {
    invoke: async (key: string) => {
      if (key === 'getOrder') throw new Error('boom');
      if (key === 'createOrder') return { body: 'no statusCode' };
      return { statusCode: 200, body: JSON.stringify({ key }) };
    },
  } as unknown as LambdaRuntime;
  const api = (apiKey?: string) =>
    new LocalApiGateway(withResources(serviceGatewayResponses), lambda, { stage: 'local', apiId: 'a', accountId: '000000000000', apiKey, warn: () => undefined });
  const req = (method: string, url: string, headers: Array<[string, string]> = []): ApiRequest => ({ method, url, headers, body: null, sourceIp: '127.0.0.1' });
  const answer = (response: { statusCode: number; headers: Record<string, string[]>; body: string }) => ({
    status: response.statusCode,
    contentType: response.headers['Content-Type'],
    body: JSON.parse(response.body) as unknown,
  });

  it('finds the resources in serverless.yml', () => {
    expect(Object.keys(serviceGatewayResponses).length).toBeGreaterThanOrEqual(4);
    expect([...api().gatewayResponses.keys()]).toEqual(
      expect.arrayContaining(['MISSING_AUTHENTICATION_TOKEN', 'INVALID_API_KEY', 'REQUEST_TOO_LARGE', 'DEFAULT_4XX', 'DEFAULT_5XX']),
    );
  });

  it('answers an unknown route or method, and an unsigned call to the IAM route, 403 MissingAuthenticationToken', async () => {
    const expected = { status: 403, contentType: ['application/json'], body: { error: 'MissingAuthenticationToken', message: 'Missing Authentication Token' } };
    expect(answer(await api().handle(req('GET', '/nope')))).toEqual(expected);
    expect(answer(await api().handle(req('DELETE', '/orders')))).toEqual(expected);
    expect(answer(await api().handle(req('POST', '/payments/validate')))).toEqual(expected);
    expect((await api().handle(req('GET', '/nope'))).headers['x-amzn-ErrorType']).toEqual(['MissingAuthenticationTokenException']);
  });

  it('answers a missing or wrong API key 403 InvalidApiKey', async () => {
    const expected = { status: 403, contentType: ['application/json'], body: { error: 'InvalidApiKey', message: 'Forbidden' } };
    expect(answer(await api('secret').handle(req('POST', '/orders')))).toEqual(expected);
    expect(answer(await api('secret').handle(req('GET', '/orders/o-1', [['x-api-key', 'wrong']])))).toEqual(expected);
  });

  it('answers a function that throws, or answers a malformed proxy result, 502 InternalError with the request id', async () => {
    for (const response of [await api().handle(req('GET', '/orders/o-1')), await api().handle(req('POST', '/orders'))]) {
      const requestId = response.headers['x-amzn-RequestId']![0]!;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer(response)).toEqual({
        status: 502,
        contentType: ['application/json'],
        body: { error: 'InternalError', message: 'Internal server error', requestId },
      });
    }
  });

  it(`answers a body over ${MAX_BODY_BYTES} bytes 413 PayloadTooLarge, over HTTP`, async () => {
    const gateway = api();
    const { port } = await gateway.listen(0);
    try {
      const response = await new Promise<{ status: number; body: string; contentType: string | undefined }>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] }));
        });
        request.on('error', (error) => (error as NodeJS.ErrnoException).code === 'EPIPE' || (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error));
        request.end(Buffer.alloc(MAX_BODY_BYTES + 1, 'x'));
      });
      expect(response.status).toBe(413);
      expect(response.contentType).toBe('application/json');
      expect(JSON.parse(response.body)).toEqual({ error: 'PayloadTooLarge', message: `HTTP content length exceeded ${MAX_BODY_BYTES} bytes.` });
    } finally {
      await gateway.close();
    }
  });

  it('still answers what the handler answered when nothing failed', async () => {
    expect(answer(await api().handle(req('POST', '/payments/validate'), { iam: { roleArn: 'arn:aws:iam::000000000000:role/sm', sessionName: 's' } }))).toMatchObject({
      status: 200,
      body: { key: 'validatePayment' },
    });
  });
});

describe('gateway responses: how API Gateway picks one', () => {
  const error = GATEWAY_ERRORS.missingAuthenticationToken;
  const render = (resources: Record<string, CfnResource>) => {
    const response = gatewayErrorResponse(error, gatewayResponsesFromConfig(withResources(resources)), 'req-1');
    return { status: response.statusCode, body: JSON.parse(response.body) as unknown, headers: response.headers };
  };

  it("falls back to DEFAULT_4XX / DEFAULT_5XX by status class, then to API Gateway's built-in body", () => {
    const fallback = gatewayResponse('DEFAULT_4XX', { ResponseTemplates: { 'application/json': '{"kind":"$context.error.responseType","m":$context.error.messageString}' } });
    expect(render({ Fallback: fallback })).toMatchObject({ status: 403, body: { kind: 'MISSING_AUTHENTICATION_TOKEN', m: 'Missing Authentication Token' } });
    expect(render({ Fallback5: gatewayResponse('DEFAULT_5XX', { ResponseTemplates: { 'application/json': '{"x":1}' } }) })).toMatchObject({
      status: 403,
      body: { message: 'Missing Authentication Token' },
    });
  });

  it("applies a StatusCode and static headers (the fallback's StatusCode too)", () => {
    const own = gatewayResponse('MISSING_AUTHENTICATION_TOKEN', {
      StatusCode: '404',
      ResponseParameters: { 'gatewayresponse.header.Cache-Control': "'no-store'" },
      ResponseTemplates: { 'application/json': '{"error":"NotFound","message":"$context.error.message","requestId":"$context.requestId"}' },
    });
    const rendered = render({ Own: own });
    expect(rendered).toMatchObject({ status: 404, body: { error: 'NotFound', message: 'Missing Authentication Token', requestId: 'req-1' } });
    expect(rendered.headers['Cache-Control']).toEqual(['no-store']);
    expect(render({ Fallback: gatewayResponse('DEFAULT_4XX', { StatusCode: 400 }) }).status).toBe(400);
  });

  it('keeps a message as written, whatever characters it holds', () => {
    const message = { ...error, message: 'a "quoted" $& \\ message' };
    const responses = gatewayResponsesFromConfig(withResources(serviceGatewayResponses));
    expect(JSON.parse(gatewayErrorResponse(message, responses, 'r').body)).toEqual({ error: 'MissingAuthenticationToken', message: message.message });
  });

  it.each([
    [gatewayResponse('NO_SUCH_TYPE'), /is not a gateway response type/],
    [gatewayResponse('THROTTLED', { ResponseTemplates: { 'application/json': '{"ip":"$context.identity.sourceIp"}' } }), /uses \$context\.identity\.sourceIp/],
    [gatewayResponse('THROTTLED', { ResponseTemplates: { 'application/json': '#set($x = 1){}' } }), /VTL directive #set/],
    [gatewayResponse('THROTTLED', { ResponseTemplates: { 'application/json': { 'Fn::Sub': '{}' } } }), /must be a plain string/],
    [gatewayResponse('THROTTLED', { StatusCode: 200 }), /not an HTTP error status/],
    [gatewayResponse('THROTTLED', { ResponseParameters: { 'gatewayresponse.header.X': 'method.request.header.Y' } }), /static value/],
  ])('refuses at start-up what the local API could not answer as API Gateway would (%#)', (resource, message) => {
    expect(() => gatewayResponsesFromConfig(withResources({ Bad: resource }))).toThrow(message);
  });
});
