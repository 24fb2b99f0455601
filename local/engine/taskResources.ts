// One local handler per Task state, chosen by its Resource: lambda:invoke runs the named handler, apigateway:invoke
// calls the local API, DynamoDB integrations go to DynamoDB Local, sns:publish to the outbox. Results and errors
// have the shapes and names Step Functions gives them on AWS, so a Retry/Catch name or a ResultSelector path that
// would not match on AWS does not match here either. The AWS recordings each rule follows are named in
// tests/local/taskResources.test.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { crc32 } from 'node:zlib';
import * as dynamodbCommands from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LocalApiGateway } from '../api/apiGateway.ts';
import type { CloudFormationResolver } from '../stack/cloudFormation.ts';
import type { TaskState } from './definition.ts';
import { functionNameOf, LambdaFunctionError, type LambdaRuntime } from './lambdaRuntime.ts';
import { TopicNotFoundError, type MessageAttribute, type Outbox } from '../stack/outbox.ts';

/** How Step Functions names a non-2xx answer of the API Gateway integration (ApiGateway.<status>). */
export const API_GATEWAY_ERROR_PREFIX = 'ApiGateway.';

/** The optimized DynamoDB integration's operations; aws-sdk:dynamodb:* may call any. */
const OPTIMIZED_DYNAMODB = new Set(['getItem', 'putItem', 'updateItem', 'deleteItem']);

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type TaskHandler = (input: JsonValue) => Promise<JsonValue>;

/** What the handlers use of each local service (the stack passes the services themselves). */
export interface TaskDeps {
  lambda: Pick<LambdaRuntime, 'find' | 'invoke'>;
  api: Pick<LocalApiGateway, 'handle'>;
  resolver: Pick<CloudFormationResolver, 'apiEndpointHost' | 'stage' | 'region' | 'accountId' | 'partition'>;
  dynamodb: Pick<DynamoDBClient, 'send'>;
  outbox: Pick<Outbox, 'publish'>;
  stateMachineRoleArn: string;
  topicArns: ReadonlySet<string>;
}

/** A task failure as the engine sees it: `name` is what ErrorEquals matches, `message` the Cause. */
export function taskError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

function asObject(input: JsonValue, state: string): Record<string, JsonValue> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw taskError('States.Runtime', `state "${state}": the task's Parameters must be an object`);
  }
  return input;
}

function jsonCopy<T>(value: T): JsonValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

// --- response metadata ---------------------------------------------------------------------------

/**
 * SdkHttpMetadata and SdkResponseMetadata, which the optimized integrations add to a result (Step Functions calls
 * the service with the Java SDK v1 and copies its response metadata): every header as a list in AllHttpHeaders,
 * as a string in HttpHeaders.
 */
function sdkMetadata(headers: Array<[string, string]>, requestId: string) {
  const sorted = [...headers].sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase()));
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(sorted.map(([name, value]) => [name, [value]])),
      HttpHeaders: Object.fromEntries(sorted),
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
}

function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Sampled=0`;
}

function headerValue(headers: Record<string, string[]>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key]?.[0];
}

// --- lambda ------------------------------------------------------------------------------------

/** Lambda's errorType for a function that outlived its timeout; its error payload carries no trace. */
const LAMBDA_TIMEOUT_ERROR = 'Sandbox.Timedout';

/**
 * The payload Lambda's Invoke returns for a function error: the Node.js runtime's {errorType, errorMessage, trace};
 * a timeout is reported by Lambda itself, with no trace, and an error without a type is Lambda's older timeout form.
 */
function functionErrorPayload(error: LambdaFunctionError): Record<string, JsonValue> {
  if (!error.errorType) return { errorMessage: error.errorMessage };
  if (error.errorType === LAMBDA_TIMEOUT_ERROR) return { errorType: error.errorType, errorMessage: error.errorMessage };
  return { errorType: error.errorType, errorMessage: error.errorMessage, trace: error.trace };
}

/** A function error as Step Functions raises it: named by errorType, the payload as Cause; no type is Lambda.Unknown. */
function functionError(error: LambdaFunctionError): Error {
  const payload = JSON.stringify(functionErrorPayload(error));
  if (!error.errorType) {
    return taskError('Lambda.Unknown', `The cause could not be determined because Lambda did not return an error type. Returned payload: ${payload}`);
  }
  return taskError(error.errorType, payload);
}

function functionNotFound(reference: string, qualifier: string | undefined, deps: TaskDeps): Error {
  const { partition, region, accountId } = deps.resolver;
  const afterName = reference.includes(':function:') ? reference.split(':function:')[1]!.split(':')[1] : undefined;
  const arn = `arn:${partition}:lambda:${region}:${accountId}:function:${functionNameOf(reference)}:${qualifier ?? afterName ?? '$LATEST'}`;
  return taskError(
    'Lambda.ResourceNotFoundException',
    `Function not found: ${arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

function lambdaInvoke(task: TaskState, deps: TaskDeps): TaskHandler {
  const params = (task.state.Parameters ?? {}) as Record<string, unknown>;
  if (typeof params.FunctionName === 'string') {
    if (!deps.lambda.find(params.FunctionName)) {
      throw new Error(`state "${task.name}": FunctionName ${params.FunctionName} is not a function in serverless.yml`);
    }
  } else if (typeof params['FunctionName.$'] !== 'string') {
    throw new Error(`state "${task.name}": lambda:invoke needs Parameters.FunctionName`);
  }
  return async (input) => {
    const args = asObject(input, task.name);
    const reference = String(args.FunctionName);
    const qualifier = typeof args.Qualifier === 'string' ? args.Qualifier : undefined;
    const fn = deps.lambda.find(reference);
    if (!fn) throw functionNotFound(reference, qualifier, deps);
    const payload = 'Payload' in args ? args.Payload : {};
    let result: JsonValue;
    try {
      result = jsonCopy(await deps.lambda.invoke(fn.key, payload));
    } catch (error) {
      if (error instanceof LambdaFunctionError) throw functionError(error);
      throw error;
    }
    const requestId = randomUUID();
    const headers: Array<[string, string]> = [
      ['Connection', 'keep-alive'],
      ['Content-Length', String(Buffer.byteLength(JSON.stringify(result)))],
      ['Content-Type', 'application/json'],
      ['Date', new Date().toUTCString()],
      ['X-Amz-Executed-Version', '$LATEST'],
      ['x-amzn-Remapped-Content-Length', '0'],
      ['x-amzn-RequestId', requestId],
      ['X-Amzn-Trace-Id', traceId()],
    ];
    return { ExecutedVersion: '$LATEST', Payload: result, ...sdkMetadata(headers, requestId), StatusCode: 200 };
  };
}

/** A Task whose Resource is a function ARN: the state input is the event, the result the output. */
function lambdaFunction(task: TaskState, deps: TaskDeps, functionArn: string): TaskHandler {
  const fn = deps.lambda.find(functionArn);
  if (!fn) throw new Error(`state "${task.name}": Resource ${functionArn} is not a function in serverless.yml`);
  return async (input) => {
    try {
      return jsonCopy(await deps.lambda.invoke(fn.key, input));
    } catch (error) {
      if (error instanceof LambdaFunctionError) throw functionError(error);
      throw error;
    }
  };
}

// --- API Gateway -------------------------------------------------------------------------------

/**
 * ResponseBody as Step Functions hands it over: parsed as JSON when the answer's Content-Type is exactly
 * application/json, the text otherwise. What AWS does with `; charset=utf-8`, other types, empty or invalid JSON
 * bodies is not recorded: those stay text here (README, "How faithful it is").
 */
function responseBody(headers: Record<string, string[]>, body: string): JsonValue {
  if (headerValue(headers, 'content-type')?.trim().toLowerCase() !== 'application/json') return body;
  try {
    return JSON.parse(body) as JsonValue;
  } catch {
    return body;
  }
}

/** The answer's headers, each a list, with those API Gateway adds to every answer. */
function responseHeaders(headers: Record<string, string[]>, body: string): Record<string, string[]> {
  const out = { ...headers };
  const add = (name: string, value: string) => {
    if (headerValue(out, name.toLowerCase()) === undefined) out[name] = [value];
  };
  add('Connection', 'keep-alive');
  add('Content-Length', String(Buffer.byteLength(body)));
  add('Date', new Date().toUTCString());
  add('x-amz-apigw-id', randomBytes(12).toString('base64url').slice(0, 16));
  add('x-amzn-RequestId', randomUUID());
  add('X-Amzn-Trace-Id', traceId());
  return out;
}

function apiGatewayInvoke(task: TaskState, deps: TaskDeps): TaskHandler {
  const params = (task.state.Parameters ?? {}) as Record<string, unknown>;
  const expectedHost = deps.resolver.apiEndpointHost;
  if (typeof params.ApiEndpoint === 'string' && params.ApiEndpoint !== expectedHost) {
    throw new Error(`state "${task.name}": ApiEndpoint ${params.ApiEndpoint} is not this service's API (${expectedHost})`);
  }
  if (typeof params.Stage === 'string' && params.Stage !== deps.resolver.stage) {
    throw new Error(`state "${task.name}": Stage ${params.Stage} is not the local stage (${deps.resolver.stage})`);
  }
  return async (input) => {
    const args = asObject(input, task.name);
    // Header values are lists: a plain string fails the state before the call, uncaught.
    const headerParams = args.Headers ?? {};
    if (typeof headerParams !== 'object' || Array.isArray(headerParams) || Object.values(headerParams).some((v) => !Array.isArray(v))) {
      throw taskError(
        'States.Runtime',
        `An error occurred while executing the state '${task.name}'. The Parameters '${JSON.stringify(args)}' could not be used to start the Task: [The value of the field 'Headers' has an invalid format]`,
      );
    }
    const method = String(args.Method ?? 'GET').toUpperCase();
    const path = `/${String(args.Path ?? '').replace(/^\/+/, '')}`;
    const search = new URLSearchParams();
    for (const [name, values] of Object.entries((args.QueryParameters ?? {}) as Record<string, JsonValue>)) {
      for (const value of Array.isArray(values) ? values : [values]) search.append(name, String(value));
    }
    const headers: Array<[string, string]> = [
      ['Host', String(args.ApiEndpoint ?? expectedHost)],
      ['User-Agent', 'AWS-StepFunctions'],
    ];
    for (const [name, values] of Object.entries(headerParams as Record<string, JsonValue[]>)) {
      for (const value of values) headers.push([name, String(value)]);
    }
    const body =
      args.RequestBody === undefined || args.RequestBody === null
        ? null
        : typeof args.RequestBody === 'string'
          ? args.RequestBody
          : JSON.stringify(args.RequestBody);
    if (body !== null && !headers.some(([name]) => name.toLowerCase() === 'content-type')) {
      headers.push(['Content-Type', 'application/json']);
    }
    const authType = String(args.AuthType ?? 'NO_AUTH');
    const signed = authType === 'IAM_ROLE' || authType === 'RESOURCE_POLICY';
    const query = search.toString();
    const response = await deps.api.handle(
      { method, url: query ? `${path}?${query}` : path, headers, body, sourceIp: '127.0.0.1' },
      signed ? { iam: { roleArn: deps.stateMachineRoleArn, sessionName: 'local-state-machine' } } : {},
    );
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw taskError(`${API_GATEWAY_ERROR_PREFIX}${response.statusCode}`, response.body);
    }
    return {
      Headers: responseHeaders(response.headers, response.body),
      ResponseBody: responseBody(response.headers, response.body),
      StatusCode: response.statusCode,
      StatusText: STATUS_CODES[response.statusCode] ?? '',
    };
  };
}

// --- DynamoDB ----------------------------------------------------------------------------------

/**
 * DynamoDB's wire error code (`__type` after the `#`; the JS SDK v3 error's `name`) → the class of the AWS SDK for
 * Java v1 (com.amazonaws.services.dynamodbv2.model) that Step Functions' optimized integration names its error
 * after: the whole error table of the v1 AmazonDynamoDBClient (aws/aws-sdk-java,
 * aws-java-sdk-dynamodb/.../AmazonDynamoDBClient.java, `addErrorMetadata`). A code not in it (ValidationException,
 * ThrottlingException, AccessDeniedException, anything new) becomes the client's base class.
 */
const DYNAMODB_JAVA_V1_EXCEPTIONS: Readonly<Record<string, string>> = {
  BackupInUseException: 'BackupInUseException',
  BackupNotFoundException: 'BackupNotFoundException',
  ConditionalCheckFailedException: 'ConditionalCheckFailedException',
  ContinuousBackupsUnavailableException: 'ContinuousBackupsUnavailableException',
  DuplicateItemException: 'DuplicateItemException',
  ExportConflictException: 'ExportConflictException',
  ExportNotFoundException: 'ExportNotFoundException',
  GlobalTableAlreadyExistsException: 'GlobalTableAlreadyExistsException',
  GlobalTableNotFoundException: 'GlobalTableNotFoundException',
  IdempotentParameterMismatchException: 'IdempotentParameterMismatchException',
  ImportConflictException: 'ImportConflictException',
  ImportNotFoundException: 'ImportNotFoundException',
  IndexNotFoundException: 'IndexNotFoundException',
  InternalServerError: 'InternalServerErrorException',
  InvalidExportTimeException: 'InvalidExportTimeException',
  InvalidRestoreTimeException: 'InvalidRestoreTimeException',
  ItemCollectionSizeLimitExceededException: 'ItemCollectionSizeLimitExceededException',
  LimitExceededException: 'LimitExceededException',
  PointInTimeRecoveryUnavailableException: 'PointInTimeRecoveryUnavailableException',
  ProvisionedThroughputExceededException: 'ProvisionedThroughputExceededException',
  ReplicaAlreadyExistsException: 'ReplicaAlreadyExistsException',
  ReplicaNotFoundException: 'ReplicaNotFoundException',
  RequestLimitExceeded: 'RequestLimitExceededException',
  ResourceInUseException: 'ResourceInUseException',
  ResourceNotFoundException: 'ResourceNotFoundException',
  TableAlreadyExistsException: 'TableAlreadyExistsException',
  TableInUseException: 'TableInUseException',
  TableNotFoundException: 'TableNotFoundException',
  TransactionCanceledException: 'TransactionCanceledException',
  TransactionConflictException: 'TransactionConflictException',
  TransactionInProgressException: 'TransactionInProgressException',
};
const DYNAMODB_JAVA_V1_BASE = 'AmazonDynamoDBException';

/**
 * The same for the aws-sdk:dynamodb:* integrations, which use the AWS SDK for Java v2
 * (software.amazon.awssdk.services.dynamodb.model): every error shape of DynamoDB's API model (the one the JS SDK
 * v3 3.1169 is generated from), with the "Exception" suffix Step Functions' docs say these names always carry.
 * Anything else is the v2 base class, DynamoDbException.
 */
const DYNAMODB_JAVA_V2_EXCEPTIONS: Readonly<Record<string, string>> = {
  ...DYNAMODB_JAVA_V1_EXCEPTIONS,
  InvalidEndpointException: 'InvalidEndpointException',
  PolicyNotFoundException: 'PolicyNotFoundException',
  ReplicatedWriteConflictException: 'ReplicatedWriteConflictException',
  ThrottlingException: 'ThrottlingException',
};
const DYNAMODB_JAVA_V2_BASE = 'DynamoDbException';

interface ServiceError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/**
 * A DynamoDB error as Step Functions reports it. Optimized: `DynamoDB.<v1 class>`, Cause in the v1 SDK's format;
 * aws-sdk: `DynamoDb.<v2 class>`, Cause in the v2 SDK's format. An error that is no DynamoDB answer (DynamoDB
 * Local unreachable) gets the base class and its own message.
 */
function dynamodbError(error: ServiceError, sdk: boolean): Error {
  const answered = error.$metadata?.httpStatusCode !== undefined;
  const code = answered ? error.name : undefined;
  const requestId = error.$metadata?.requestId ?? randomUUID();
  const status = error.$metadata?.httpStatusCode;
  if (sdk) {
    const name = `DynamoDb.${(code && DYNAMODB_JAVA_V2_EXCEPTIONS[code]) ?? DYNAMODB_JAVA_V2_BASE}`;
    return taskError(name, answered ? `${error.message} (Service: DynamoDb, Status Code: ${status}, Request ID: ${requestId})` : error.message);
  }
  const name = `DynamoDB.${(code && DYNAMODB_JAVA_V1_EXCEPTIONS[code]) ?? DYNAMODB_JAVA_V1_BASE}`;
  return taskError(
    name,
    answered
      ? `${error.message} (Service: AmazonDynamoDBv2; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId}; Proxy: null)`
      : error.message,
  );
}

type CommandCtor = new (input: unknown) => Parameters<DynamoDBClient['send']>[0];

function dynamodbTask(task: TaskState, deps: TaskDeps, operation: string, sdk: boolean): TaskHandler {
  if (!sdk && !OPTIMIZED_DYNAMODB.has(operation)) {
    throw new Error(`state "${task.name}": dynamodb:${operation} is not an optimized DynamoDB integration (use aws-sdk:dynamodb:${operation})`);
  }
  const commandName = `${operation.charAt(0).toUpperCase()}${operation.slice(1)}Command`;
  const Command = (dynamodbCommands as unknown as Record<string, CommandCtor | undefined>)[commandName];
  if (typeof Command !== 'function') throw new Error(`state "${task.name}": DynamoDB has no operation "${operation}"`);
  return async (input) => {
    let output: Record<string, unknown>;
    try {
      output = (await deps.dynamodb.send(new Command(asObject(input, task.name)))) as unknown as Record<string, unknown>;
    } catch (error) {
      throw dynamodbError(error as ServiceError, sdk);
    }
    const { $metadata, ...rest } = output as { $metadata?: { requestId?: string } };
    const result = jsonCopy(rest) as Record<string, JsonValue>;
    if (sdk) return result;
    const requestId = $metadata?.requestId ?? randomUUID();
    const body = JSON.stringify(result);
    const headers: Array<[string, string]> = [
      ['Connection', 'keep-alive'],
      ['Content-Length', String(Buffer.byteLength(body))],
      ['Content-Type', 'application/x-amz-json-1.0'],
      ['Date', new Date().toUTCString()],
      ['Server', 'Server'],
      ['x-amz-crc32', String(crc32(body))],
      ['x-amzn-RequestId', requestId],
    ];
    return { ...result, ...sdkMetadata(headers, requestId) };
  };
}

// --- SNS -------------------------------------------------------------------------------------

/** An SNS error answer: its code (NotFound, InvalidParameter), HTTP status and message. */
class SnsAnswer {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly message: string,
  ) {}
}

/**
 * As Step Functions reports an SNS error. Optimized: `SNS.<code>Exception` (the Java v1 class), Cause in the v1
 * format; aws-sdk: `Sns.<code>Exception` (the Java v2 class), Cause in the v2 format.
 */
function snsError(answer: SnsAnswer, sdk: boolean): Error {
  const requestId = randomUUID();
  if (sdk) {
    return taskError(`Sns.${answer.code}Exception`, `${answer.message} (Service: Sns, Status Code: ${answer.status}, Request ID: ${requestId})`);
  }
  return taskError(
    `SNS.${answer.code}Exception`,
    `${answer.message} (Service: AmazonSNS; Status Code: ${answer.status}; Error Code: ${answer.code}; Request ID: ${requestId}; Proxy: null)`,
  );
}

/** Publish's XML answer, whose length is the Content-Length AWS reports. */
function publishResponseXml(messageId: string, requestId: string): string {
  return (
    `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\n  <PublishResult>\n    <MessageId>${messageId}</MessageId>\n` +
    `  </PublishResult>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n`
  );
}

function snsPublish(task: TaskState, deps: TaskDeps, sdk: boolean): TaskHandler {
  const params = (task.state.Parameters ?? {}) as Record<string, unknown>;
  if (typeof params.TopicArn === 'string' && !deps.topicArns.has(params.TopicArn)) {
    throw new Error(`state "${task.name}": TopicArn ${params.TopicArn} is not a topic in serverless.yml`);
  }
  return async (input) => {
    const args = asObject(input, task.name);
    const topicArn = args.TopicArn ?? args.TargetArn;
    if (typeof topicArn !== 'string' || topicArn === '') {
      throw snsError(new SnsAnswer('InvalidParameter', 400, 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter'), sdk);
    }
    // The optimized integration sends a JSON Message as its text.
    const message = typeof args.Message === 'string' ? args.Message : JSON.stringify(args.Message);
    if (message === undefined || message === '') throw snsError(new SnsAnswer('InvalidParameter', 400, 'Invalid parameter: Empty message'), sdk);
    let messageId: string;
    try {
      messageId = deps.outbox.publish({
        topicArn,
        subject: typeof args.Subject === 'string' ? args.Subject : undefined,
        message,
        attributes: (args.MessageAttributes ?? {}) as unknown as Record<string, MessageAttribute>,
      }).messageId;
    } catch (error) {
      if (error instanceof TopicNotFoundError) throw snsError(new SnsAnswer('NotFound', 404, 'Topic does not exist'), sdk);
      throw error;
    }
    if (sdk) return { MessageId: messageId };
    const requestId = randomUUID();
    const headers: Array<[string, string]> = [
      ['connection', 'keep-alive'],
      ['Content-Length', String(Buffer.byteLength(publishResponseXml(messageId, requestId)))],
      ['Content-Type', 'text/xml'],
      ['Date', new Date().toUTCString()],
      ['x-amzn-RequestId', requestId],
    ];
    return { MessageId: messageId, ...sdkMetadata(headers, requestId) };
  };
}

// --- bridged Fail states -------------------------------------------------------------------------

function failShim(): TaskHandler {
  return async (input) => {
    const args = (input ?? {}) as Record<string, JsonValue>;
    throw taskError(String(args.Error ?? 'States.Fail'), args.Cause === undefined || args.Cause === null ? '' : String(args.Cause));
  };
}

/** The engine's taskResourceLocalHandlers for every Task (keyed by state name); throws for any it cannot run. */
export function buildTaskHandlers(tasks: TaskState[], shimmedFailStates: string[], deps: TaskDeps): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const task of tasks) {
    const { resource } = task;
    switch (resource.kind) {
      case 'lambda:invoke':
        handlers[task.name] = lambdaInvoke(task, deps);
        break;
      case 'lambda:function':
        handlers[task.name] = lambdaFunction(task, deps, resource.functionArn);
        break;
      case 'apigateway:invoke':
        handlers[task.name] = apiGatewayInvoke(task, deps);
        break;
      case 'dynamodb':
        handlers[task.name] = dynamodbTask(task, deps, resource.operation, resource.sdk);
        break;
      case 'sns:publish':
        handlers[task.name] = snsPublish(task, deps, resource.sdk);
        break;
    }
  }
  for (const name of shimmedFailStates) handlers[name] = failShim();
  return handlers;
}
