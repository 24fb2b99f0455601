// The history of real local executions of workflows/order-pipeline.asl.yml, in Step Functions' GetExecutionHistory
// format: event types, detail members, order and the id/previousEventId chain, checked against what AWS records.
//
// Expected values come from AWS-validated recordings in LocalStack's test suite (repository localstack/localstack,
// under tests/aws/services/stepfunctions/v2/):
// - services/test_lambda_task_service.snapshot.json (test_invoke): a lambda:invoke Task is TaskStateEntered,
//   TaskScheduled {resourceType "lambda", resource "invoke", region, parameters}, TaskStarted {resourceType,
//   resource}, TaskSucceeded {resourceType, resource, output, outputDetails}, TaskStateExited {name, output,
//   outputDetails};
// - services/test_apigetway_task_service.snapshot.json (test_invoke_base, test_invoke_error): the same for
//   apigateway:invoke with resourceType "apigateway", resource "invoke"; TaskFailed {resourceType, resource, error
//   "ApiGateway.<status>", cause};
// - services/test_dynamodb_task_service.snapshot.json (DYNAMODB_PUT_UPDATE_GET_ITEM) and
//   error_handling/test_task_service_dynamodb.snapshot.json: dynamodb:updateItem is resourceType "dynamodb",
//   resource "updateItem";
// - states_variables/test_error_output.snapshot.json (test_task_catch_error_with_retry): a retry repeats
//   TaskScheduled, TaskStarted, TaskFailed inside the state, and a caught failure gets TaskStateExited before the
//   catcher's state is entered (also error_handling/test_task_lambda.snapshot.json, test_raise_exception_catch);
// - base/test_base.snapshot.json (test_state_fail_intrinsic): a Fail state with an intrinsic CausePath is
//   FailStateEntered, then ExecutionFailed {error, cause};
// - all of them: ExecutionStarted {input, inputDetails, roleArn}; ExecutionSucceeded {output, outputDetails}; ids
//   from 1; previousEventId 0 for ExecutionStarted and the first state's entry, else the id of the event before.
import { beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../local/engine/executionHistory.ts';
import { useLocalStack } from '../support/localStack.ts';
import { details, maxAttempts, orderInput, retrierFor, runOrder, type Outcome } from './support.ts';

const stack = useLocalStack();

/** The one details member each type has, and its members, as the recordings show them. */
const DETAILS: Record<string, { key: string; members: string[] }> = {
  ExecutionStarted: { key: 'executionStartedEventDetails', members: ['input', 'inputDetails', 'roleArn'] },
  TaskStateEntered: { key: 'stateEnteredEventDetails', members: ['input', 'inputDetails', 'name'] },
  ChoiceStateEntered: { key: 'stateEnteredEventDetails', members: ['input', 'inputDetails', 'name'] },
  FailStateEntered: { key: 'stateEnteredEventDetails', members: ['input', 'inputDetails', 'name'] },
  TaskStateExited: { key: 'stateExitedEventDetails', members: ['name', 'output', 'outputDetails'] },
  ChoiceStateExited: { key: 'stateExitedEventDetails', members: ['name', 'output', 'outputDetails'] },
  // Every Task of the definition declares TimeoutSeconds, which AWS reports as timeoutInSeconds
  // (error_handling/test_task_service_lambda.snapshot.json, test_invoke_timeout).
  TaskScheduled: { key: 'taskScheduledEventDetails', members: ['parameters', 'region', 'resource', 'resourceType', 'timeoutInSeconds'] },
  TaskStarted: { key: 'taskStartedEventDetails', members: ['resource', 'resourceType'] },
  TaskSucceeded: { key: 'taskSucceededEventDetails', members: ['output', 'outputDetails', 'resource', 'resourceType'] },
  TaskFailed: { key: 'taskFailedEventDetails', members: ['cause', 'error', 'resource', 'resourceType'] },
  ExecutionSucceeded: { key: 'executionSucceededEventDetails', members: ['output', 'outputDetails'] },
  ExecutionFailed: { key: 'executionFailedEventDetails', members: ['cause', 'error'] },
};

/** How each Task's events name its resource (from its Resource in the definition). */
const RESOURCES: Record<string, [string, string]> = {
  ReceiveOrder: ['lambda', 'invoke'], // arn:aws:states:::lambda:invoke
  ValidatePayment: ['apigateway', 'invoke'], // arn:aws:states:::apigateway:invoke
  UpdateStock: ['lambda', 'invoke'],
  SendConfirmation: ['lambda', 'invoke'],
  ReleaseStock: ['lambda', 'invoke'],
  VoidPayment: ['lambda', 'invoke'],
  MarkFailed: ['dynamodb', 'updateItem'], // arn:aws:states:::dynamodb:updateItem
  NotifyFailure: ['lambda', 'invoke'],
  RejectOrder: ['lambda', 'invoke'],
};

/** A Task state that succeeds on its first attempt. */
const succeeded = (state: string) => [`${state} TaskStateEntered`, 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', `${state} TaskStateExited`];

/** Event types, with the state name on state events: "ReceiveOrder TaskStateEntered", "TaskScheduled". */
function shape(history: HistoryEvent[]): string[] {
  return history.map((event) => (/State(Entered|Exited)$/.test(event.type) ? `${String(details(event).name)} ${event.type}` : event.type));
}

/** What every history must hold, whatever the path: the chain, the timestamps, one details member of AWS's shape. */
function expectAwsHistory(history: HistoryEvent[]): void {
  let state: string | undefined;
  history.forEach((event, i) => {
    expect(event.id).toBe(i + 1);
    expect(event.previousEventId, `previousEventId of event ${event.id} (${event.type})`).toBe(i <= 1 ? 0 : i);
    expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    if (i > 0) expect(Date.parse(event.timestamp)).toBeGreaterThanOrEqual(Date.parse(history[i - 1]!.timestamp));
    const expected = DETAILS[event.type];
    expect(expected, `an event type AWS records: ${event.type}`).toBeDefined();
    const keys = Object.keys(event).filter((key) => key.endsWith('EventDetails'));
    expect(keys, `${event.type} details`).toEqual([expected!.key]);
    const body = event[expected!.key] as Record<string, unknown>;
    expect(Object.keys(body).sort(), `${event.type} members`).toEqual(expected!.members);
    for (const member of ['input', 'output', 'parameters']) {
      if (member in body) expect(() => JSON.parse(body[member] as string), `${event.type}.${member} is JSON text`).not.toThrow();
    }
    for (const member of ['inputDetails', 'outputDetails']) if (member in body) expect(body[member]).toEqual({ truncated: false });
    if (event.type.endsWith('StateEntered')) state = String(body.name);
    if (event.type.startsWith('Task') && !event.type.startsWith('TaskState')) {
      expect([body.resourceType, body.resource], `${event.type} in ${state}`).toEqual(RESOURCES[state!]);
    }
    if (event.type === 'TaskScheduled') expect(body.region).toBe('us-east-1');
  });
}

describe('a confirmed order', () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await runOrder(stack.current, orderInput([{ sku: 'SKU-1', quantity: 2 }]));
  });

  it('has the four Tasks, each Entered, Scheduled, Started, Succeeded, Exited, between ExecutionStarted and ExecutionSucceeded', () => {
    expect(outcome.execution.status).toBe('SUCCEEDED');
    expect(shape(outcome.execution.history)).toEqual([
      'ExecutionStarted',
      ...succeeded('ReceiveOrder'),
      ...succeeded('ValidatePayment'),
      ...succeeded('UpdateStock'),
      ...succeeded('SendConfirmation'),
      'ExecutionSucceeded',
    ]);
    expectAwsHistory(outcome.execution.history);
  });

  it('carries the execution input, the role, the resolved Parameters, the raw task results and the output', () => {
    const history = outcome.execution.history;
    expect(details(history[0]!)).toEqual({
      input: outcome.execution.input,
      inputDetails: { truncated: false },
      roleArn: stack.current.stepFunctions.roleArn,
    });
    const scheduled = history.filter((event) => event.type === 'TaskScheduled').map((event) => JSON.parse(String(details(event).parameters)));
    // ReceiveOrder: Payload {orderId: $$.Execution.Name, order: $$.Execution.Input}, FunctionName a function ARN.
    expect(scheduled[0]).toEqual({
      FunctionName: expect.stringMatching(/^arn:aws:lambda:us-east-1:\d{12}:function:.+receiveOrder$/),
      Payload: { orderId: outcome.orderId, order: JSON.parse(outcome.execution.input) },
    });
    // ValidatePayment: the RequestBody with the order's total.
    expect(scheduled[1]).toMatchObject({ Method: 'POST', Path: '/payments/validate', AuthType: 'IAM_ROLE', RequestBody: { orderId: outcome.orderId, amount: outcome.order!.total, token: 'tok_visa' } });
    for (const event of history.filter((e) => e.type === 'TaskScheduled')) expect(details(event).timeoutInSeconds).toEqual(expect.any(Number));
    // TaskSucceeded has the integration's raw result; the state's output is after ResultSelector/ResultPath.
    const [receiveResult] = history.filter((event) => event.type === 'TaskSucceeded').map((event) => JSON.parse(String(details(event).output)));
    expect(receiveResult).toMatchObject({ ExecutedVersion: '$LATEST', StatusCode: 200, Payload: { orderId: outcome.orderId } });
    const receiveExit = JSON.parse(String(details(history.find((event) => event.type === 'TaskStateExited')!).output));
    expect(receiveExit.order).toEqual({ orderId: outcome.orderId, total: outcome.order!.total, currency: 'BRL' });
    expect(details(history.at(-1)!)).toEqual({ output: outcome.execution.output, outputDetails: { truncated: false } });
  });
});

describe('an order whose payment keeps failing: retried, caught, compensated, failed', () => {
  let outcome: Outcome;
  let attempts: number;
  beforeAll(async () => {
    attempts = maxAttempts(retrierFor(stack.current, 'ValidatePayment', 'ApiGateway.503')) + 1;
    outcome = await runOrder(stack.current, orderInput([{ sku: 'SKU-3', quantity: 1 }], 'tok_chargeDeclinedProcessingError'));
  });

  it('repeats TaskScheduled..TaskFailed per attempt, exits the state, runs the compensation and ends in the Fail state', () => {
    expect(outcome.execution.status).toBe('FAILED');
    expect(shape(outcome.execution.history)).toEqual([
      'ExecutionStarted',
      ...succeeded('ReceiveOrder'),
      'ValidatePayment TaskStateEntered',
      ...Array.from({ length: attempts }, () => ['TaskScheduled', 'TaskStarted', 'TaskFailed']).flat(),
      'ValidatePayment TaskStateExited',
      ...succeeded('ReleaseStock'),
      ...succeeded('VoidPayment'),
      'RejectOrFail ChoiceStateEntered',
      'RejectOrFail ChoiceStateExited',
      ...succeeded('MarkFailed'),
      ...succeeded('NotifyFailure'),
      'OrderFailed FailStateEntered',
      'ExecutionFailed',
    ]);
    expectAwsHistory(outcome.execution.history);
  });

  it('names the error on each TaskFailed, passes the caught error on, and fails with the Fail state\'s Error and Cause', () => {
    const history = outcome.execution.history;
    const failures = history.filter((event) => event.type === 'TaskFailed').map(details);
    expect(failures.map((failure) => failure.error)).toEqual(Array.from({ length: attempts }, () => 'ApiGateway.503'));
    const exit = history.find((event) => event.type === 'TaskStateExited' && details(event).name === 'ValidatePayment')!;
    // Catch with ResultPath $: the state's output is the error, Cause as the task reported it.
    expect(JSON.parse(String(details(exit).output))).toEqual({ Error: 'ApiGateway.503', Cause: failures.at(-1)!.cause });
    expect(details(history.at(-1)!)).toEqual({ error: 'OrderFailed', cause: outcome.execution.cause });
    expect(outcome.execution.cause).toContain('ApiGateway.503');
  });
});

describe('32 orders at once', () => {
  it('each keeps its own history, in order, with a valid chain', async () => {
    const inputs = Array.from({ length: 32 }, (_, i) =>
      [
        orderInput([{ sku: 'SKU-5', quantity: 1 }]),
        orderInput([{ sku: 'SKU-3', quantity: 1 }], 'tok_chargeDeclined'),
        orderInput([{ sku: 'SKU-3', quantity: 1 }], 'tok_chargeDeclinedProcessingError'),
        orderInput([{ sku: 'SKU-4', quantity: 50 }]),
      ][i % 4],
    );
    const outcomes = await Promise.all(inputs.map((input) => runOrder(stack.current, input)));
    for (const [i, outcome] of outcomes.entries()) {
      const history = outcome.execution.history;
      expectAwsHistory(history);
      // Every event between a state's entry and its exit is one of its own task's.
      let open: string | undefined;
      for (const event of history) {
        if (event.type.endsWith('StateEntered')) open = String(details(event).name);
        else if (event.type.endsWith('StateExited')) {
          expect(details(event).name).toBe(open);
          open = undefined;
        } else if (event.type.startsWith('Task')) expect(open, `${event.type} outside a state`).toBeDefined();
      }
      expect(history.at(-1)!.type).toBe(i % 4 === 2 ? 'ExecutionFailed' : 'ExecutionSucceeded');
    }
  });
});
