// The local task resources produce what Step Functions produces on AWS: result shapes, error names and causes.
// Every expected value is written here from the source named above it, never read from the code under test.
// "Snapshot" means an AWS-validated recording in localstack/localstack (commit 8b9a79f, 2026-03-23), under
// tests/aws/services/stepfunctions/v2/; the date is the recording's.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskStates } from '../../local/engine/definition.ts';
import { LambdaFunctionError, toLambdaError, type LocalLambda } from '../../local/engine/lambdaRuntime.ts';
import { buildTaskHandlers, type JsonValue, type TaskDeps, type TaskHandler } from '../../local/engine/taskResources.ts';
import type { ApiRequest, ApiResponse } from '../../local/api/apiGateway.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/stack/dynamodbLocal.ts';
import { Outbox } from '../../local/stack/outbox.ts';
import { DYNAMODB_OPTIMIZED_ERRORS } from '../definition/awsErrorNames.ts';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:shop-local-notifications';
const FUNCTION: LocalLambda = {
  key: 'fn',
  name: 'shop-local-fn',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:shop-local-fn',
  handler: 'functions/fn/handler.handler',
  timeoutSeconds: 6,
  memorySize: 1024,
  environment: {},
};
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

interface Fakes {
  invoke?: (event: unknown) => Promise<unknown>;
  answer?: (request: ApiRequest) => ApiResponse;
  dynamodb?: TaskDeps['dynamodb'];
}

/** The handler for one Task state, built by buildTaskHandlers as the engine builds it, over small fakes. */
function handlerFor(state: Record<string, unknown>, fakes: Fakes = {}): { handler: TaskHandler; requests: ApiRequest[] } {
  const requests: ApiRequest[] = [];
  const deps: TaskDeps = {
    lambda: {
      find: (reference) => (reference === FUNCTION.name || reference === FUNCTION.arn ? FUNCTION : undefined),
      invoke: async (_key, event) => (fakes.invoke ?? (async () => ({})))(event),
    },
    api: {
      handle: async (request) => {
        requests.push(request);
        return (fakes.answer ?? (() => ({ statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: '{}' })))(request);
      },
    },
    resolver: {
      apiEndpointHost: 'local0api0.execute-api.us-east-1.amazonaws.com',
      stage: 'local',
      region: 'us-east-1',
      accountId: '000000000000',
      partition: 'aws',
    },
    dynamodb: fakes.dynamodb ?? { send: async () => Promise.reject(new Error('no DynamoDB in this test')) },
    outbox: new Outbox(new Set([TOPIC]), undefined),
    stateMachineRoleArn: 'arn:aws:iam::000000000000:role/shop-local-role',
    topicArns: new Set([TOPIC]),
  };
  const tasks = taskStates({ StartAt: 'T', States: { T: { Type: 'Task', End: true, ...state } as never } });
  return { handler: buildTaskHandlers(tasks, [], deps).T!, requests };
}

async function failureOf(result: Promise<JsonValue>): Promise<Error> {
  const outcome = await result.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected the task to fail, it returned ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}

type Metadata = {
  SdkHttpMetadata: { AllHttpHeaders: Record<string, string[]>; HttpHeaders: Record<string, string>; HttpStatusCode: number };
  SdkResponseMetadata: { RequestId: string };
};

/** The SdkHttpMetadata invariants every snapshot shows: the same headers, as lists and as strings; status 200. */
function expectSdkMetadata(result: Metadata, headerNames: string[]) {
  const { AllHttpHeaders, HttpHeaders, HttpStatusCode } = result.SdkHttpMetadata;
  expect(HttpStatusCode).toBe(200);
  expect(Object.keys(HttpHeaders).sort()).toEqual([...headerNames].sort());
  expect(Object.keys(AllHttpHeaders).sort()).toEqual([...headerNames].sort());
  for (const name of headerNames) expect(AllHttpHeaders[name]).toEqual([HttpHeaders[name]]);
  expect(result.SdkResponseMetadata.RequestId).toBe(HttpHeaders['x-amzn-RequestId']);
}

// --- lambda:invoke ---------------------------------------------------------------------------------

describe('lambda:invoke', () => {
  const invokeState = { Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: FUNCTION.name, 'Payload.$': '$' } };

  // Snapshot services/test_lambda_task_service.snapshot.json, test_invoke and test_invoke_json_values[*]
  // (06-11-2025): the output's keys, and Content-Length = the payload's JSON length ({} "2", "HelloWorld" "12",
  // null "4", 0 "1", true "4", [] "2").
  it.each([
    [{}, '2'],
    ['HelloWorld', '12'],
    [null, '4'],
    [0, '1'],
    [true, '4'],
    [[], '2'],
  ])('returns {ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode} for a payload %j', async (payload, contentLength) => {
    const { handler } = handlerFor(invokeState, { invoke: async () => payload });
    const result = (await handler({ FunctionName: FUNCTION.name, Payload: {} })) as Record<string, JsonValue> & Metadata;
    expect(Object.keys(result)).toEqual(['ExecutedVersion', 'Payload', 'SdkHttpMetadata', 'SdkResponseMetadata', 'StatusCode']);
    expect(result.ExecutedVersion).toBe('$LATEST');
    expect(result.Payload).toEqual(payload);
    expect(result.StatusCode).toBe(200);
    expectSdkMetadata(result, [
      'Connection',
      'Content-Length',
      'Content-Type',
      'Date',
      'X-Amz-Executed-Version',
      'x-amzn-Remapped-Content-Length',
      'x-amzn-RequestId',
      'X-Amzn-Trace-Id',
    ]);
    expect(result.SdkHttpMetadata.HttpHeaders).toMatchObject({
      Connection: 'keep-alive',
      'Content-Length': contentLength,
      'Content-Type': 'application/json',
      'X-Amz-Executed-Version': '$LATEST',
      'x-amzn-Remapped-Content-Length': '0',
    });
  });

  // Snapshot error_handling/test_task_service_lambda.snapshot.json, test_raise_custom_exception (28-11-2024): the
  // error is the errorType and the Cause Lambda's error payload as compact JSON. The payload of a Node.js function
  // is {errorType, errorMessage, trace} (aws/aws-lambda-nodejs-runtime-interface-client, src/utils/error.ts).
  it('fails a function error with its errorType, the payload {errorType, errorMessage, trace} as Cause', async () => {
    const trace = ['OutOfStock: SKU-1 has 0', '    at handler (/var/task/handler.mjs:1:1)'];
    const { handler } = handlerFor(invokeState, {
      invoke: () => Promise.reject(new LambdaFunctionError('OutOfStock', 'SKU-1 has 0', trace)),
    });
    const error = await failureOf(handler({ FunctionName: FUNCTION.name, Payload: {} }));
    expect(error.name).toBe('OutOfStock');
    expect(error.message).toBe('{"errorType":"OutOfStock","errorMessage":"SKU-1 has 0","trace":["OutOfStock: SKU-1 has 0","    at handler (/var/task/handler.mjs:1:1)"]}');
  });

  // Lambda snapshot tests/aws/services/lambda_/test_lambda.snapshot.json, test_lambda_invoke_with_timeout
  // (24-11-2025): a timeout's payload is {errorType: "Sandbox.Timedout", errorMessage: "RequestId: <id> Error: Task
  // timed out after 1.00 seconds"}, no trace; Step Functions names the error by that errorType (as above).
  it('fails a timed-out function as Sandbox.Timedout with Lambda\'s timeout payload, which has no trace', async () => {
    const { handler } = handlerFor(invokeState, {
      invoke: () => Promise.reject(new LambdaFunctionError('Sandbox.Timedout', 'RequestId: r-1 Error: Task timed out after 6.00 seconds', [])),
    });
    const error = await failureOf(handler({ FunctionName: FUNCTION.name, Payload: {} }));
    expect(error.name).toBe('Sandbox.Timedout');
    expect(error.message).toBe('{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: r-1 Error: Task timed out after 6.00 seconds"}');
  });

  // The Node.js runtime reports a thrown non-Error as errorType = typeof, errorMessage = String(value), trace []
  // (aws/aws-lambda-nodejs-runtime-interface-client, src/utils/error.ts, formatError).
  it('names a thrown string "string", as the Node.js runtime does', async () => {
    expect(toLambdaError('no stock')).toMatchObject({ errorType: 'string', errorMessage: 'no stock', trace: [] });
    expect(toLambdaError({ code: 1 })).toMatchObject({ errorType: 'object', errorMessage: '[object Object]', trace: [] });
    const { handler } = handlerFor(invokeState, { invoke: () => Promise.reject(toLambdaError('no stock')) });
    const error = await failureOf(handler({ FunctionName: FUNCTION.name, Payload: {} }));
    expect(error.name).toBe('string');
    expect(error.message).toBe('{"errorType":"string","errorMessage":"no stock","trace":[]}');
  });

  // A payload without errorType (Lambda's older timeout form) is Lambda.Unknown; the Cause quoted from a real
  // execution in department-for-transport-BODS/bods-backend's tests (2025-03): "The cause could not be determined
  // because Lambda did not return an error type. Returned payload: {"errorMessage":"... Task timed out after 902.11
  // seconds"}". Not an AWS-validated snapshot: the best record there is.
  it('fails an error without errorType as Lambda.Unknown, quoting the payload', async () => {
    const message = '2025-03-25T14:59:02.758Z 92f6dcea-87c0-4e89-9a9e-294239bffbb9 Task timed out after 902.11 seconds';
    const { handler } = handlerFor(invokeState, { invoke: () => Promise.reject(new LambdaFunctionError('', message, [])) });
    const error = await failureOf(handler({ FunctionName: FUNCTION.name, Payload: {} }));
    expect(error.name).toBe('Lambda.Unknown');
    expect(error.message).toBe(
      'The cause could not be determined because Lambda did not return an error type. Returned payload: {"errorMessage":"2025-03-25T14:59:02.758Z 92f6dcea-87c0-4e89-9a9e-294239bffbb9 Task timed out after 902.11 seconds"}',
    );
  });

  // Snapshot error_handling/test_task_service_lambda.snapshot.json, test_no_such_function (25-11-2025): FunctionName
  // "no_such_..." fails as Lambda.ResourceNotFoundException with "Function not found: arn:...:function:<name>:$LATEST
  // (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: <id>; Proxy: null)".
  it('fails an unknown function as Lambda.ResourceNotFoundException with AWS\'s Cause', async () => {
    const { handler } = handlerFor({ Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'FunctionName.$': '$.fn' } });
    const error = await failureOf(handler({ FunctionName: 'no_such_fn', Payload: null }));
    expect(error.name).toBe('Lambda.ResourceNotFoundException');
    expect(error.message).toMatch(
      /^Function not found: arn:aws:lambda:us-east-1:000000000000:function:no_such_fn:\$LATEST \(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/,
    );
  });
});

// --- apigateway:invoke -----------------------------------------------------------------------------

describe('apigateway:invoke', () => {
  const state = {
    Resource: 'arn:aws:states:::apigateway:invoke',
    Parameters: { ApiEndpoint: 'local0api0.execute-api.us-east-1.amazonaws.com', Method: 'POST', Stage: 'local', Path: 'payments/validate', 'RequestBody.$': '$' },
  };
  const call = (body: string, headers: Record<string, string[]> = { 'Content-Type': ['application/json'] }, statusCode = 200) => {
    const { handler } = handlerFor(state, { answer: () => ({ statusCode, headers, body }) });
    return handler({ ApiEndpoint: 'local0api0.execute-api.us-east-1.amazonaws.com', Method: 'POST', Stage: 'local', Path: 'payments/validate', RequestBody: {} });
  };

  // Snapshot services/test_apigetway_task_service.snapshot.json, test_invoke_with_body_post[request_body3]
  // (06-11-2025): the answer `{"message": "HelloWorld!"}` (application/json, Content-Length 26) arrives as
  // {Headers, ResponseBody, StatusCode: 200, StatusText: "OK"}, ResponseBody an object, every header value a list.
  it('returns {Headers, ResponseBody, StatusCode, StatusText}, a JSON object body as an object, headers as lists', async () => {
    const result = (await call('{"message": "HelloWorld!"}')) as Record<string, JsonValue>;
    expect(Object.keys(result).sort()).toEqual(['Headers', 'ResponseBody', 'StatusCode', 'StatusText']);
    expect(result.ResponseBody).toEqual({ message: 'HelloWorld!' });
    expect(result.StatusCode).toBe(200);
    expect(result.StatusText).toBe('OK');
    const headers = result.Headers as Record<string, JsonValue>;
    expect(headers['Content-Type']).toEqual(['application/json']);
    expect(headers['Content-Length']).toEqual(['26']);
    expect(headers.Connection).toEqual(['keep-alive']);
    for (const name of ['Date', 'x-amz-apigw-id', 'x-amzn-RequestId', 'X-Amzn-Trace-Id']) expect(headers[name]).toEqual([expect.any(String)]);
    for (const value of Object.values(headers)) expect(Array.isArray(value)).toBe(true);
  });

  // Same snapshot, test_invoke_with_body_post[HelloWorld], ["HelloWorld"], [0], [true], [{"message": ...}] (the
  // string form) and [] (2023/2025): the API answered JSON strings (Content-Length 12, 16, 3, 6, 32, 2, i.e. with the
  // quotes) and ResponseBody is each string's value: the body is parsed as JSON.
  it.each([
    ['"HelloWorld"', 'HelloWorld'],
    ['"\\"HelloWorld\\""', '"HelloWorld"'],
    ['"0"', '0'],
    ['"true"', 'true'],
    ['"{\\"message\\": \\"HelloWorld!\\"}"', '{"message": "HelloWorld!"}'],
    ['""', ''],
    ['{}', {}],
  ])('parses an application/json body %s as JSON', async (body, expected) => {
    expect(((await call(body)) as Record<string, JsonValue>).ResponseBody).toEqual(expected);
  });

  // Not recorded anywhere: chosen (README "How faithful it is"). Only exactly application/json is parsed, so an API
  // that adds "; charset=utf-8" fails here the way it may on AWS; other types, empty and invalid JSON stay text.
  it.each([
    ['application/json; charset=utf-8', '{"authorizationId":"a-1"}', '{"authorizationId":"a-1"}'],
    ['text/plain', '{"authorizationId":"a-1"}', '{"authorizationId":"a-1"}'],
    ['application/json', '', ''],
    ['application/json', 'not json', 'not json'],
    ['application/json', '[1,2]', [1, 2]],
  ])('with Content-Type %s hands the body %s over as %j', async (contentType, body, expected) => {
    expect(((await call(body, { 'Content-Type': [contentType] })) as Record<string, JsonValue>).ResponseBody).toEqual(expected);
  });

  // Snapshot test_invoke_error (06-11-2025) and the developer guide ("Call API Gateway with Step Functions", Error
  // handling): a 403 fails as ApiGateway.403 with the body as Cause: "{\"message\":\"Missing Authentication Token\"}".
  // "All other status codes [than 2XX] ... will result in an error".
  it.each([403, 402, 503, 301])('fails a %i answer as ApiGateway.<status>, the body as Cause', async (status) => {
    const error = await failureOf(call('{"message":"Missing Authentication Token"}', { 'Content-Type': ['application/json'] }, status));
    expect(error.name).toBe(`ApiGateway.${status}`);
    expect(error.message).toBe('{"message":"Missing Authentication Token"}');
  });

  // Snapshot test_invoke_with_headers[singleStringHeader] (06-10-2024): a header value that is not a list fails the
  // state with States.Runtime "... could not be used to start the Task: [The value of the field 'Headers' has an
  // invalid format]"; [custom_header2] (06-11-2025): a list of two values is sent.
  it('sends each listed header value, and refuses a header value that is not a list', async () => {
    const { handler, requests } = handlerFor(state);
    await handler({ Method: 'POST', Path: 'p', Headers: { custom_header: ['arrayHeader0', 'arrayHeader1'] } });
    expect(requests[0]!.headers.filter(([name]) => name === 'custom_header')).toEqual([
      ['custom_header', 'arrayHeader0'],
      ['custom_header', 'arrayHeader1'],
    ]);
    const error = await failureOf(handler({ Method: 'POST', Path: 'p', Headers: { custom_header: 'singleStringHeader' } }));
    expect(error.name).toBe('States.Runtime');
    expect(error.message).toContain("could not be used to start the Task: [The value of the field 'Headers' has an invalid format]");
  });
});

// --- DynamoDB: recorded wire errors through the real SDK --------------------------------------------

/**
 * A DynamoDB client whose every call gets this HTTP answer: the real JS SDK v3 then parses a real DynamoDB error
 * body. The wire format is DynamoDB's (developer guide "Error handling with DynamoDB", Error components:
 * `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"..."}`).
 */
function answering(status: number, type: string, message: string, requestId = 'REQ-1'): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: status,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
          body: Buffer.from(JSON.stringify({ __type: type, message })),
        },
      }),
    } as never,
  });
}

const putItem = { Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 'orders', 'Item.$': '$.item' } };
const item = { TableName: 'orders', Item: { orderId: { S: 'o-1' } } };

describe('dynamodb (optimized integration) errors', () => {
  // Snapshot error_handling/test_task_service_dynamodb.snapshot.json, test_put_item_no_such_table (12-05-2023).
  it('names ResourceNotFoundException DynamoDB.ResourceNotFoundException, with the Java SDK v1 Cause', async () => {
    const dynamodb = answering(400, 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', 'Requested resource not found');
    const error = await failureOf(handlerFor(putItem, { dynamodb }).handler(item));
    expect(error.name).toBe('DynamoDB.ResourceNotFoundException');
    expect(error.message).toBe(
      'Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: REQ-1; Proxy: null)',
    );
  });

  // Same snapshot, test_invalid_param (16-05-2023): a ValidationException has no Java class of its own.
  it('names ValidationException DynamoDB.AmazonDynamoDBException, keeping the code in the Cause', async () => {
    const message = "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null";
    const dynamodb = answering(400, 'com.amazon.coral.validate#ValidationException', message);
    const error = await failureOf(handlerFor(putItem, { dynamodb }).handler(item));
    expect(error.name).toBe('DynamoDB.AmazonDynamoDBException');
    expect(error.message).toBe(`${message} (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: REQ-1; Proxy: null)`);
  });

  // The Java SDK v1's error table (aws/aws-sdk-java, aws-java-sdk-dynamodb/.../AmazonDynamoDBClient.java,
  // addErrorMetadata: error code -> com.amazonaws.services.dynamodbv2.model class; anything else ->
  // AmazonDynamoDBException), which the snapshot above shows Step Functions uses.
  it.each([
    [400, 'ConditionalCheckFailedException', 'DynamoDB.ConditionalCheckFailedException'],
    [400, 'ProvisionedThroughputExceededException', 'DynamoDB.ProvisionedThroughputExceededException'],
    [400, 'RequestLimitExceeded', 'DynamoDB.RequestLimitExceededException'],
    [500, 'InternalServerError', 'DynamoDB.InternalServerErrorException'],
    [400, 'TransactionConflictException', 'DynamoDB.TransactionConflictException'],
    [400, 'TransactionCanceledException', 'DynamoDB.TransactionCanceledException'],
    [400, 'ItemCollectionSizeLimitExceededException', 'DynamoDB.ItemCollectionSizeLimitExceededException'],
    [400, 'ThrottlingException', 'DynamoDB.AmazonDynamoDBException'],
    [400, 'AccessDeniedException', 'DynamoDB.AmazonDynamoDBException'],
    [400, 'SomeFutureException', 'DynamoDB.AmazonDynamoDBException'],
  ])('answers %i %s as %s', async (status, code, expected) => {
    const dynamodb = answering(status, `com.amazonaws.dynamodb.v20120810#${code}`, `${code} happened`, 'REQ-2');
    const error = await failureOf(handlerFor(putItem, { dynamodb }).handler(item));
    expect(error.name).toBe(expected);
    expect(error.message).toBe(`${code} happened (Service: AmazonDynamoDBv2; Status Code: ${status}; Error Code: ${code}; Request ID: REQ-2; Proxy: null)`);
  });
});

describe('aws-sdk:dynamodb:* errors', () => {
  const sdkPut = { Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem', Parameters: { TableName: 'orders', 'Item.$': '$.item' } };

  // Snapshot error_handling/test_aws_sdk.snapshot.json, test_dynamodb_put_item_no_such_table and
  // test_dynamodb_invalid_param (27-07-2023): prefix DynamoDb, the SDK v2 Cause format, catch-all DynamoDbException.
  // RequestLimitExceeded: the developer guide ("AWS SDK service integrations") says these names always end in
  // "Exception", as the Java SDK v2 class does.
  it.each([
    ['ResourceNotFoundException', 'Requested resource not found', 'DynamoDb.ResourceNotFoundException'],
    ['ValidationException', "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null", 'DynamoDb.DynamoDbException'],
    ['RequestLimitExceeded', 'Throughput exceeds the current throughput limit for your account.', 'DynamoDb.RequestLimitExceededException'],
  ])('names %s as the SDK v2 does', async (code, message, expected) => {
    const dynamodb = answering(400, `com.amazonaws.dynamodb.v20120810#${code}`, message);
    const error = await failureOf(handlerFor(sdkPut, { dynamodb }).handler(item));
    expect(error.name).toBe(expected);
    expect(error.message).toBe(`${message} (Service: DynamoDb, Status Code: 400, Request ID: REQ-1)`);
  });
});

// --- DynamoDB Local, for real ----------------------------------------------------------------------

describe('dynamodb against DynamoDB Local', () => {
  let local: DynamoDbLocal;
  let client: DynamoDBClient;

  beforeAll(async () => {
    local = await startDynamoDbLocal();
    client = new DynamoDBClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    await client.send(
      new CreateTableCommand({
        TableName: 'orders',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      }),
    );
  });

  afterAll(async () => {
    client?.destroy();
    await local?.stop();
  });

  // Snapshot services/test_dynamodb_task_service.snapshot.json, test_base_integrations (06-11-2025): putItem returns
  // only {SdkHttpMetadata, SdkResponseMetadata}, updateItem its Attributes beside them, with these headers;
  // aws-sdk:dynamodb:* (there: query) returns the SDK output alone.
  it('returns the SDK output with AWS\'s response metadata, and the aws-sdk form without it', async () => {
    const put = (await handlerFor(putItem, { dynamodb: client }).handler(item)) as Record<string, JsonValue> & Metadata;
    expect(Object.keys(put).sort()).toEqual(['SdkHttpMetadata', 'SdkResponseMetadata']);
    expectSdkMetadata(put, ['Connection', 'Content-Length', 'Content-Type', 'Date', 'Server', 'x-amz-crc32', 'x-amzn-RequestId']);
    expect(put.SdkHttpMetadata.HttpHeaders).toMatchObject({ 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': '2' });

    const update = handlerFor({ Resource: 'arn:aws:states:::dynamodb:updateItem', Parameters: { 'TableName.$': '$.TableName' } }, { dynamodb: client });
    const updated = (await update.handler({
      TableName: 'orders',
      Key: { orderId: { S: 'o-1' } },
      UpdateExpression: 'SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': { S: 'CONFIRMED' } },
      ReturnValues: 'UPDATED_NEW',
    })) as Record<string, JsonValue>;
    expect(updated.Attributes).toEqual({ status: { S: 'CONFIRMED' } });
    expect(Object.keys(updated).sort()).toEqual(['Attributes', 'SdkHttpMetadata', 'SdkResponseMetadata']);

    const get = handlerFor({ Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem', Parameters: { 'TableName.$': '$.TableName' } }, { dynamodb: client });
    expect(await get.handler({ TableName: 'orders', Key: { orderId: { S: 'o-1' } } })).toEqual({ Item: { orderId: { S: 'o-1' }, status: { S: 'CONFIRMED' } } });
  });

  // A failed condition, from DynamoDB Local itself: named after the Java class, with the v1 Cause format of the
  // snapshot error_handling/test_task_service_dynamodb.snapshot.json.
  it('fails a failed condition as DynamoDB.ConditionalCheckFailedException', async () => {
    const update = handlerFor({ Resource: 'arn:aws:states:::dynamodb:updateItem', Parameters: { 'TableName.$': '$.TableName' } }, { dynamodb: client });
    const error = await failureOf(
      update.handler({
        TableName: 'orders',
        Key: { orderId: { S: 'o-1' } },
        UpdateExpression: 'SET #s = :s',
        ConditionExpression: '#s = :expected',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'FAILED' }, ':expected': { S: 'PENDING' } },
      }),
    );
    expect(error.name).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(error.message).toMatch(
      /^The conditional request failed \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: [^;]+; Proxy: null\)$/,
    );
  });
});

// --- SNS ---------------------------------------------------------------------------------------------

describe('sns:publish', () => {
  const publish = { Resource: 'arn:aws:states:::sns:publish', Parameters: { 'TopicArn.$': '$.TopicArn', 'Message.$': '$.Message' } };

  // Snapshot services/test_sns_task_service.snapshot.json, test_publish_base (06-11-2025): {MessageId,
  // SdkHttpMetadata, SdkResponseMetadata}, headers connection/Content-Length "294"/Content-Type text/xml/Date/
  // x-amzn-RequestId.
  it('returns {MessageId, SdkHttpMetadata, SdkResponseMetadata} with SNS\'s headers', async () => {
    const result = (await handlerFor(publish).handler({ TopicArn: TOPIC, Message: { orderId: 'o-1' } })) as Record<string, JsonValue> & Metadata;
    expect(Object.keys(result).sort()).toEqual(['MessageId', 'SdkHttpMetadata', 'SdkResponseMetadata']);
    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expectSdkMetadata(result, ['connection', 'Content-Length', 'Content-Type', 'Date', 'x-amzn-RequestId']);
    expect(result.SdkHttpMetadata.HttpHeaders).toMatchObject({ connection: 'keep-alive', 'Content-Length': '294', 'Content-Type': 'text/xml' });
  });

  // Same snapshot, test_publish_base_error_topic_arn (06-11-2025).
  it('fails an unknown topic as SNS.NotFoundException with AWS\'s Cause', async () => {
    const error = await failureOf(handlerFor(publish).handler({ TopicArn: `${TOPIC}-nope`, Message: 'hi' }));
    expect(error.name).toBe('SNS.NotFoundException');
    expect(error.message).toMatch(/^Topic does not exist \(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: [0-9a-f-]{36}; Proxy: null\)$/);
  });

  // No recording of aws-sdk:sns:publish exists; by the developer guide's rule (PascalCase SDK service name + the
  // exception name with "Exception") and the DynamoDb form of the SDK v2 Cause in error_handling/test_aws_sdk.
  it('names the aws-sdk form Sns.NotFoundException and returns only the SDK output', async () => {
    const sdk = { Resource: 'arn:aws:states:::aws-sdk:sns:publish', Parameters: { 'TopicArn.$': '$.TopicArn', 'Message.$': '$.Message' } };
    const error = await failureOf(handlerFor(sdk).handler({ TopicArn: `${TOPIC}-nope`, Message: 'hi' }));
    expect(error.name).toBe('Sns.NotFoundException');
    expect(error.message).toMatch(/^Topic does not exist \(Service: Sns, Status Code: 404, Request ID: [0-9a-f-]{36}\)$/);
    expect(Object.keys((await handlerFor(sdk).handler({ TopicArn: TOPIC, Message: 'hi' })) as object)).toEqual(['MessageId']);
  });
});

// --- cross-check -----------------------------------------------------------------------------------

describe('the optimized DynamoDB integration, against the closed list of names AWS raises', () => {
  // Every error code DynamoDB can answer GetItem/PutItem/UpdateItem/DeleteItem with: each operation's errors in the
  // DynamoDB API model (@aws-sdk/client-dynamodb 3.1169, the @throws of GetItemCommand/PutItemCommand/
  // UpdateItemCommand/DeleteItemCommand) and the common ones of the developer guide ("Error handling with
  // DynamoDB", Error messages and codes). Whatever the emulation names them must be in tests/definition/awsErrorNames.ts.
  const codes = [
    'ConditionalCheckFailedException',
    'InternalServerError',
    'InvalidEndpointException',
    'ItemCollectionSizeLimitExceededException',
    'ProvisionedThroughputExceededException',
    'ReplicatedWriteConflictException',
    'RequestLimitExceeded',
    'ResourceNotFoundException',
    'ThrottlingException',
    'TransactionConflictException',
    'AccessDeniedException',
    'IncompleteSignatureException',
    'MissingAuthenticationTokenException',
    'UnrecognizedClientException',
    'ValidationException',
    'ServiceUnavailable',
  ];

  it('names every error an item operation can get with a name in DYNAMODB_OPTIMIZED_ERRORS', async () => {
    const names = new Set<string>();
    for (const code of codes) {
      const dynamodb = answering(code === 'InternalServerError' || code === 'ServiceUnavailable' ? 500 : 400, `com.amazonaws.dynamodb.v20120810#${code}`, code);
      names.add((await failureOf(handlerFor(putItem, { dynamodb }).handler(item))).name);
    }
    expect([...names].filter((name) => !DYNAMODB_OPTIMIZED_ERRORS.has(name))).toEqual([]);
    expect(names.size).toBeGreaterThan(5);
  });
});
