// Where the order rate binds (BENCHMARKS.md, "Scale on AWS, on paper"), the client must be told to slow down and
// when to come back, and the order must not be lost: API Gateway's own throttle answers 429 THROTTLED, and
// createOrder answers 429 Throttled when Step Functions throttles StartExecution. Both carry Retry-After, so a client
// retries with the same Idempotency-Key (the same execution name: exactly one workflow) after that long.
//
// AWS: API Gateway answers a throttled request "429 Too Many Requests" (Knowledge Center, "api-gateway-429-limit";
// developer guide, "Gateway response types for API Gateway": THROTTLED, default status 429) and adds only the
// headers the gateway response declares: a static value is written quoted, "The parameter values can take any
// incoming request parameter value or a static custom value" (developer guide,
// "x-amazon-apigateway-gateway-responses.gatewayResponse object"; AWS::ApiGateway::GatewayResponse
// ResponseParameters). Retry-After: RFC 9110 section 10.2.3; 429: RFC 6585 section 4.
import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayErrorResponse, gatewayResponsesFromConfig } from '../../local/api/apiGateway.ts';
import type { ServerlessConfig } from '../../local/stack/serverlessConfig.ts';
import { RETRY_AFTER_SECONDS } from '../../lib/http.ts';
import { packaged, type CloudFormationResource } from './packaged.ts';

let responses: Array<[string, CloudFormationResource]>;

beforeAll(async () => {
  const { template } = await packaged();
  responses = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::ApiGateway::GatewayResponse');
});

const ofType = (type: string) => responses.find(([, resource]) => resource.Properties?.ResponseType === type);

describe("API Gateway's own throttle in the packaged template", () => {
  it('answers THROTTLED with its default 429 and Retry-After: 1 (a static header value, quoted)', () => {
    const throttled = ofType('THROTTLED');
    expect(throttled, 'a THROTTLED gateway response').toBeDefined();
    const properties = throttled![1].Properties!;
    expect(properties.StatusCode, 'keeps API Gateway 429').toBeUndefined();
    expect(properties.ResponseParameters).toEqual({ 'gatewayresponse.header.Retry-After': "'1'" });
  });

  it('tells the client the same wait as createOrder does when Step Functions throttles', () => {
    expect(ofType('THROTTLED')![1].Properties!.ResponseParameters['gatewayresponse.header.Retry-After']).toBe(`'${RETRY_AFTER_SECONDS}'`);
  });

  it('puts Retry-After on nothing else: a quota resets at the end of its period, a 4xx/5xx is no throttle', () => {
    for (const [id, resource] of responses) {
      if (resource.Properties?.ResponseType === 'THROTTLED') continue;
      const headers = Object.keys(resource.Properties?.ResponseParameters ?? {}).map((name) => name.toLowerCase());
      expect(headers, id).not.toContain('gatewayresponse.header.retry-after');
    }
  });

  it('is rendered the same by the local API: 429, Retry-After 1, the service error shape', () => {
    // The local API reads these very resources (local/api/apiGateway.ts); it never throttles, but answers alike if asked.
    const config = { resources: { Resources: Object.fromEntries(responses) } } as unknown as ServerlessConfig;
    const answer = gatewayErrorResponse({ type: 'THROTTLED', statusCode: 429, message: 'Too Many Requests' }, gatewayResponsesFromConfig(config), 'req-1');
    expect(answer.statusCode).toBe(429);
    expect(answer.headers['Retry-After']).toEqual(['1']);
    expect(JSON.parse(answer.body)).toEqual({ error: 'Throttled', message: 'Too Many Requests' });
  });
});
