// Realistic Lambda inputs: an API Gateway REST (v1) proxy event and a Lambda context.
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

let requestCounter = 0;

export function lambdaContext(functionName = 'order-pipeline-test-fn'): Context {
  requestCounter += 1;
  const awsRequestId = `00000000-0000-4000-8000-${String(requestCounter).padStart(12, '0')}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/24/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface ApiEventOptions {
  method?: string;
  resource?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | null;
  isBase64Encoded?: boolean;
  pathParameters?: Record<string, string> | null;
  apiKeyId?: string | null;
}

export function apiEvent(options: ApiEventOptions = {}): APIGatewayProxyEvent {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/orders';
  const resource = options.resource ?? path;
  const headers = options.headers ?? { 'Content-Type': 'application/json' };
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'abc123defg',
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      path: `/test${path}`,
      stage: 'test',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: 1_795_000_000_000,
      resourceId: 'abcdef',
      resourcePath: resource,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: options.apiKeyId === null ? null : 'test-api-key',
        apiKeyId: options.apiKeyId === undefined ? 'key-id-1' : options.apiKeyId,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: 'vitest',
        userArn: null,
      },
    },
  };
}

/** The JSON body of an HTTP answer. */
export function bodyOf(response: { body: string }): any {
  return JSON.parse(response.body);
}
