// One local handler per Task state, chosen by its Resource: lambda:invoke runs the named handler, apigateway:invoke
// calls the local API, DynamoDB integrations go to DynamoDB Local, sns:publish to the outbox. Results and errors
// have the shapes and names Step Functions gives them, so Retry/Catch and ResultSelector behave as deployed.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import * as dynamodbCommands from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LocalApiGateway } from '../api/apiGateway.ts';
import type { CloudFormationResolver } from '../stack/cloudFormation.ts';
import type { TaskState } from './definition.ts';
import { LambdaFunctionError, type LambdaRuntime } from './lambdaRuntime.ts';
import type { MessageAttribute, Outbox } from '../stack/outbox.ts';

/** How Step Functions names a non-2xx answer of the API Gateway integration (ApiGateway.<status>). */
export const API_GATEWAY_ERROR_PREFIX = 'ApiGateway.';

/** The optimized DynamoDB integration's operations; aws-sdk:dynamodb:* may call any. */
const OPTIMIZED_DYNAMODB = new Set(['getItem', 'putItem', 'updateItem', 'deleteItem']);

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type TaskHandler = (input: JsonValue) => Promise<JsonValue>;

export interface TaskDeps {
  lambda: LambdaRuntime;
  api: LocalApiGateway;
  resolver: CloudFormationResolver;
  dynamodb: DynamoDBClient;
  outbox: Outbox;
  stateMachineRoleArn: string;
  topicArns: ReadonlySet<string>;
}

/** A task failure as the engine sees it: `name` is what ErrorEquals matches, `message` the Cause. */
export function taskError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

function sdkMetadata(requestId: string = randomUUID()) {
  const headers = { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': requestId };
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
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

// --- lambda ------------------------------------------------------------------------------------

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
    const fn = deps.lambda.find(reference);
    if (!fn) throw taskError('Lambda.ResourceNotFoundException', `Function not found: ${reference} (Service: Lambda, Status Code: 404)`);
    const payload = 'Payload' in args ? args.Payload : {};
    try {
      const result = await deps.lambda.invoke(fn.key, payload);
      return { ExecutedVersion: '$LATEST', Payload: jsonCopy(result), ...sdkMetadata(), StatusCode: 200 };
    } catch (error) {
      if (error instanceof LambdaFunctionError) throw taskError(error.errorType, error.stepFunctionsCause);
      throw error;
    }
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
      if (error instanceof LambdaFunctionError) throw taskError(error.errorType, error.stepFunctionsCause);
      throw error;
    }
  };
}

// --- API Gateway -------------------------------------------------------------------------------

function parseBody(body: string): JsonValue {
  try {
    return JSON.parse(body) as JsonValue;
  } catch {
    return body;
  }
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
    for (const [name, values] of Object.entries((args.Headers ?? {}) as Record<string, JsonValue>)) {
      for (const value of Array.isArray(values) ? values : [values]) headers.push([name, String(value)]);
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
      ResponseBody: parseBody(response.body),
      Headers: response.headers,
      StatusCode: response.statusCode,
      StatusText: STATUS_CODES[response.statusCode] ?? '',
    };
  };
}

// --- DynamoDB ----------------------------------------------------------------------------------

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
      const e = error as Error & { $metadata?: { httpStatusCode?: number; requestId?: string } };
      const name = e.$metadata ? e.name : 'AmazonDynamoDBException';
      const status = e.$metadata?.httpStatusCode ?? 500;
      throw taskError(`DynamoDB.${name}`, `${e.message} (Service: DynamoDb, Status Code: ${status}, Request ID: ${e.$metadata?.requestId ?? randomUUID()})`);
    }
    const { $metadata, ...rest } = output as { $metadata?: { requestId?: string } };
    const result = jsonCopy(rest) as Record<string, JsonValue>;
    return sdk ? result : { ...result, ...sdkMetadata($metadata?.requestId) };
  };
}

// --- SNS -------------------------------------------------------------------------------------

function snsPublish(task: TaskState, deps: TaskDeps, sdk: boolean): TaskHandler {
  const params = (task.state.Parameters ?? {}) as Record<string, unknown>;
  if (typeof params.TopicArn === 'string' && !deps.topicArns.has(params.TopicArn)) {
    throw new Error(`state "${task.name}": TopicArn ${params.TopicArn} is not a topic in serverless.yml`);
  }
  return async (input) => {
    const args = asObject(input, task.name);
    const message = typeof args.Message === 'string' ? args.Message : JSON.stringify(args.Message);
    try {
      const published = deps.outbox.publish({
        topicArn: String(args.TopicArn ?? args.TargetArn ?? ''),
        subject: typeof args.Subject === 'string' ? args.Subject : undefined,
        message,
        attributes: (args.MessageAttributes ?? {}) as unknown as Record<string, MessageAttribute>,
      });
      return sdk ? { MessageId: published.messageId } : { MessageId: published.messageId, ...sdkMetadata() };
    } catch (error) {
      throw taskError(`SNS.${(error as Error).name === 'NotFound' ? 'NotFoundException' : 'SnsException'}`, (error as Error).message);
    }
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

