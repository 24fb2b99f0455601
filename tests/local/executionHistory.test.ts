// The execution history in GetExecutionHistory's format, and StopExecution, on the real engine with small
// definitions whose Lambda tasks run code given by each test.
//
// Expected events are written from AWS-validated recordings in LocalStack's test suite (repository
// localstack/localstack, tests/aws/services/stepfunctions/v2/...), each named where it is used:
// - error_handling/test_task_service_lambda.snapshot.json: test_raise_exception (an uncaught TaskFailed goes straight
//   to ExecutionFailed), test_raise_exception_catch (a caught one still gets TaskStateExited), test_invoke_timeout
//   (TaskTimedOut, timeoutInSeconds on TaskScheduled);
// - states_variables/test_error_output.snapshot.json: test_task_catch_error_with_retry (a retry repeats
//   TaskScheduled, TaskStarted, TaskFailed inside the state, with nothing in between);
// - base/test_base.snapshot.json: test_state_fail, test_state_fail_empty, test_state_fail_intrinsic (FailStateEntered,
//   then ExecutionFailed with the Fail state's Error/Cause, or with neither);
// - test_sfn_api.snapshot.json: test_stop_execution (WaitStateEntered, then ExecutionAborted with empty details,
//   previousEventId 0);
// - every one of them: ExecutionStarted and the first state's entry have previousEventId 0, every other event the id
//   of the one before it.
import { describe, expect, it } from 'vitest';
import type { Definition, State } from '../../local/engine/definition.ts';
import { formatTraceLine, taskInfoOf, type HistoryEvent } from '../../local/engine/executionHistory.ts';
import { LambdaFunctionError } from '../../local/engine/lambdaRuntime.ts';
import type { LocalStepFunctions } from '../../local/engine/stepFunctions.ts';
import { localEngine } from './fixtures.ts';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:shop-local-work';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/shop-local-PipelineStateMachineRole';

/** A lambda:invoke Task calling FUNCTION_ARN with the execution name and the state input. */
function lambdaTask(extra: Record<string, unknown> = {}): State {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: FUNCTION_ARN, Payload: { 'name.$': '$$.Execution.Name', 'input.$': '$' } },
    ...extra,
  };
}

function boom(message = 'it broke'): LambdaFunctionError {
  return new LambdaFunctionError('Boom', message, []);
}

async function run(engine: LocalStepFunctions, input: unknown = {}, name?: string) {
  const { record } = engine.startExecution({ input: JSON.stringify(input), ...(name ? { name } : {}) });
  return engine.waitForExecution(record.name, 10_000);
}

const types = (history: HistoryEvent[]) => history.map((event) => event.type);

/** The id/previousEventId chain AWS records for a linear execution (see the header). */
function expectAwsChain(history: HistoryEvent[]): void {
  history.forEach((event, i) => {
    expect(event.id).toBe(i + 1);
    const expected = i <= 1 || event.type === 'ExecutionAborted' || event.type === 'ExecutionTimedOut' ? 0 : i;
    expect(event.previousEventId, `previousEventId of event ${event.id} (${event.type})`).toBe(expected);
    expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    if (i > 0) expect(Date.parse(event.timestamp)).toBeGreaterThanOrEqual(Date.parse(history[i - 1]!.timestamp));
  });
}

describe('taskInfoOf: resourceType and resource, as TaskScheduled reports them', () => {
  it.each([
    // services/test_lambda_task_service, services/test_apigetway_task_service, services/test_dynamodb_task_service,
    // error_handling/test_aws_sdk, services/test_sns_task_service, callback/test_callback snapshots.
    ['arn:aws:states:::lambda:invoke', 'lambda', 'invoke'],
    ['arn:aws:states:::apigateway:invoke', 'apigateway', 'invoke'],
    ['arn:aws:states:::dynamodb:updateItem', 'dynamodb', 'updateItem'],
    ['arn:aws:states:::aws-sdk:dynamodb:putItem', 'aws-sdk:dynamodb', 'putItem'],
    ['arn:aws:states:::sns:publish', 'sns', 'publish'],
    ['arn:aws:states:::sqs:sendMessage.waitForTaskToken', 'sqs', 'sendMessage.waitForTaskToken'],
  ])('%s -> %s / %s', (arn, resourceType, resource) => {
    expect(taskInfoOf(arn)).toEqual({ resourceType, resource });
  });

  it('a function ARN is reported with LambdaFunction* events (error_handling/test_task_lambda snapshot)', () => {
    expect(taskInfoOf(FUNCTION_ARN)).toMatchObject({ functionArn: FUNCTION_ARN });
    expect(taskInfoOf('arn:aws:sqs:us-east-1:000000000000:queue')).toBeUndefined();
  });
});

describe('the history of an execution', () => {
  it('a retried, then caught Lambda task: TaskScheduled..TaskFailed per attempt, TaskStateExited, then the catcher (test_task_catch_error_with_retry)', async () => {
    const engine = localEngine(
      {
        StartAt: 'Task',
        States: {
          Task: lambdaTask({
            Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 1 }],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fallback' }],
            End: true,
          }),
          Fallback: { Type: 'Pass', End: true },
        },
      },
      async () => {
        throw boom();
      },
    );
    const execution = await run(engine, { inputData: 'dummy' }, 'retried');
    expect(execution.status).toBe('SUCCEEDED');
    const history = execution.history;
    expect(types(history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expectAwsChain(history);
    const parameters = JSON.stringify({ FunctionName: FUNCTION_ARN, Payload: { name: 'retried', input: { inputData: 'dummy' } } });
    const cause = JSON.stringify({ errorType: 'Boom', errorMessage: 'it broke', trace: [] });
    expect(history[0]).toMatchObject({
      executionStartedEventDetails: { input: '{"inputData":"dummy"}', inputDetails: { truncated: false }, roleArn: ROLE_ARN },
    });
    expect(history[1]).toMatchObject({ stateEnteredEventDetails: { name: 'Task', input: '{"inputData":"dummy"}', inputDetails: { truncated: false } } });
    expect(history[2]).toMatchObject({ taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters } });
    expect(history[3]).toMatchObject({ taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } });
    expect(history[4]).toMatchObject({ taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'Boom', cause } });
    expect(history[8]).toMatchObject({
      stateExitedEventDetails: { name: 'Task', output: JSON.stringify({ Error: 'Boom', Cause: cause }), outputDetails: { truncated: false } },
    });
    expect(history[11]).toMatchObject({ executionSucceededEventDetails: { output: JSON.stringify({ Error: 'Boom', Cause: cause }), outputDetails: { truncated: false } } });
    // Exactly one details member per event, named after its type.
    for (const event of history) {
      const keys = Object.keys(event).filter((key) => key.endsWith('EventDetails'));
      expect(keys).toHaveLength(1);
    }
  });

  it('a task that succeeds: TaskSucceeded carries the raw result, TaskStateExited the state output (services/test_lambda_task_service test_invoke)', async () => {
    const engine = localEngine(
      { StartAt: 'Task', States: { Task: lambdaTask({ ResultSelector: { 'value.$': '$.Payload.value' }, TimeoutSeconds: 5, End: true }) } },
      async () => ({ value: 42 }),
    );
    const history = (await run(engine)).history;
    expect(types(history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
    expectAwsChain(history);
    expect(history[2]!.taskScheduledEventDetails).toMatchObject({ timeoutInSeconds: 5 });
    const raw = JSON.parse(String((history[4]!.taskSucceededEventDetails as { output: string }).output));
    expect(raw).toMatchObject({ Payload: { value: 42 }, StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(history[5]!.stateExitedEventDetails).toMatchObject({ output: '{"value":42}' });
  });

  it('an uncaught failure goes straight from TaskFailed to ExecutionFailed, with its error and cause (test_raise_exception)', async () => {
    const engine = localEngine({ StartAt: 'Task', States: { Task: lambdaTask({ End: true }) } }, async () => {
      throw boom('no luck');
    });
    const execution = await run(engine);
    expect(execution.status).toBe('FAILED');
    expect(types(execution.history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed', 'ExecutionFailed']);
    expectAwsChain(execution.history);
    const cause = JSON.stringify({ errorType: 'Boom', errorMessage: 'no luck', trace: [] });
    expect(execution.history[5]!.executionFailedEventDetails).toEqual({ error: 'Boom', cause });
    expect(execution).toMatchObject({ error: 'Boom', cause });
  });

  it('a Fail state: FailStateEntered, then ExecutionFailed with its Error and Cause (test_state_fail), or neither (test_state_fail_empty)', async () => {
    const withBoth = localEngine({ StartAt: 'FailState', States: { FailState: { Type: 'Fail', Error: 'SomeFailure', Cause: 'why' } } }, async () => null);
    const both = await run(withBoth);
    expect(types(both.history)).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
    expectAwsChain(both.history);
    expect(both.history[2]!.executionFailedEventDetails).toEqual({ error: 'SomeFailure', cause: 'why' });

    const empty = await run(localEngine({ StartAt: 'FailState', States: { FailState: { Type: 'Fail' } } }, async () => null));
    expect(types(empty.history)).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
    expect(empty.history[2]!.executionFailedEventDetails).toEqual({});
  });

  it('a Fail state with an intrinsic CausePath (run locally as a Task shim) is still a Fail state (test_state_fail_intrinsic)', async () => {
    const engine = localEngine(
      {
        StartAt: 'FailState',
        States: { FailState: { Type: 'Fail', ErrorPath: '$.Error', CausePath: "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)" } },
      },
      async () => null,
    );
    const execution = await run(engine, { Error: 'error string', Cause: 'cause string' });
    expect(types(execution.history)).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
    expectAwsChain(execution.history);
    expect(execution.history[1]!.stateEnteredEventDetails).toMatchObject({ name: 'FailState' });
    expect(execution.history[2]!.executionFailedEventDetails).toEqual({
      error: 'error string',
      cause: 'This is a custom error message for error string, caused by cause string.',
    });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'error string' });
  });

  it('a task that outlives TimeoutSeconds: TaskTimedOut, then the catcher; its late result is not recorded (test_invoke_timeout)', async () => {
    let finish: (value: unknown) => void = () => {};
    const engine = localEngine(
      {
        StartAt: 'Start',
        States: {
          Start: lambdaTask({ TimeoutSeconds: 1, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'EndWithHandler' }], End: true }),
          EndWithHandler: { Type: 'Pass', End: true },
        },
      },
      () => new Promise((resolve) => (finish = resolve)),
    );
    const execution = await run(engine);
    finish({ late: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(types(execution.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskTimedOut',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expectAwsChain(execution.history);
    expect(execution.history[2]!.taskScheduledEventDetails).toMatchObject({ timeoutInSeconds: 1 });
    expect(execution.history[4]!.taskTimedOutEventDetails).toEqual({ resourceType: 'lambda', resource: 'invoke', error: 'States.Timeout' });
  });

  it('an execution past its TimeoutSeconds ends TIMED_OUT with ExecutionTimedOut {error: States.Timeout}, previousEventId 0', async () => {
    // No LocalStack recording has this event: the shape is the one floci-io/floci#2965 reports measuring on AWS
    // (README, "How faithful it is").
    const engine = localEngine({ StartAt: 'Wait', TimeoutSeconds: 1, States: { Wait: { Type: 'Wait', Seconds: 5, End: true } } }, async () => null);
    const execution = await run(engine);
    expect(execution).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(types(execution.history)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionTimedOut']);
    expectAwsChain(execution.history);
    expect(execution.history[2]!.executionTimedOutEventDetails).toEqual({ error: 'States.Timeout' });
  });

  it('stays in the true order with 32 executions at once, each retrying a different number of times', async () => {
    // Handlers that answer at once, after a macrotask or after a timer, and retries with no wait: the engine calls a
    // retry's handler before its event stream has caught up, which is what the ordering has to survive.
    const attempts = new Map<string, number>();
    const engine = localEngine(
      {
        StartAt: 'Flaky',
        States: {
          Flaky: lambdaTask({ Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 3 }], Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fallback' }], Next: 'Second' }),
          Second: lambdaTask({ End: true }),
          Fallback: { Type: 'Pass', End: true },
        },
      },
      async (payload) => {
        const name = String(payload.name);
        const input = (payload.input ?? {}) as { failures?: number; wait?: number };
        const n = (attempts.get(name) ?? 0) + 1;
        attempts.set(name, n);
        const wait = (input.wait ?? 0) % 3;
        if (wait === 1) await new Promise((resolve) => setImmediate(resolve));
        if (wait === 2) await new Promise((resolve) => setTimeout(resolve, 2));
        if (input.failures !== undefined && n <= input.failures) throw boom(`attempt ${n}`);
        return { attempt: n };
      },
    );
    const runs = Array.from({ length: 32 }, (_, i) => ({ name: `exec-${i}`, failures: i % 5, wait: i }));
    const executions = await Promise.all(runs.map(({ name, failures, wait }) => run(engine, { failures, wait }, name)));
    for (const [i, execution] of executions.entries()) {
      const failures = runs[i]!.failures;
      const attempt = (end: string) => ['TaskScheduled', 'TaskStarted', end];
      // MaxAttempts 3: up to 3 failures end in success, a 4th is caught.
      const flaky = failures <= 3 ? [...Array.from({ length: failures }, () => attempt('TaskFailed')).flat(), ...attempt('TaskSucceeded')] : Array.from({ length: 4 }, () => attempt('TaskFailed')).flat();
      const rest =
        failures <= 3
          ? ['TaskStateEntered', ...attempt('TaskSucceeded'), 'TaskStateExited', 'ExecutionSucceeded']
          : ['PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'];
      expect(types(execution.history), execution.name).toEqual(['ExecutionStarted', 'TaskStateEntered', ...flaky, 'TaskStateExited', ...rest]);
      expectAwsChain(execution.history);
    }
  });
});

describe('StopExecution', () => {
  const waitThenPass: Definition = { StartAt: 'State_1', States: { State_1: { Type: 'Wait', Seconds: 60, Next: 'Done' }, Done: { Type: 'Pass', End: true } } };

  it('aborts a running execution: ExecutionAborted with empty details and previousEventId 0, status ABORTED at the stopDate (test_stop_execution)', async () => {
    const engine = localEngine(waitThenPass, async () => null);
    const { record } = engine.startExecution({ name: 'stopped' });
    await new Promise((resolve) => setImmediate(resolve));
    const { stopDate } = engine.stopExecution(record.executionArn);
    const stopped = await engine.waitForExecution('stopped', 5_000);
    expect(stopped.status).toBe('ABORTED');
    expect(stopped.stopDate).toEqual(stopDate);
    expect(stopped.error).toBeUndefined();
    expect(types(stopped.history)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionAborted']);
    expect(stopped.history.map((event) => event.previousEventId)).toEqual([0, 0, 0]);
    expect(stopped.history[2]!.executionAbortedEventDetails).toEqual({});
  });

  it('records the error and cause it was given, on the event and on the execution', async () => {
    const engine = localEngine(waitThenPass, async () => null);
    const { record } = engine.startExecution({ name: 'manual' });
    engine.stopExecution(record.executionArn, { error: 'Manual', cause: 'probe' });
    const stopped = await engine.waitForExecution('manual', 5_000);
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Manual', cause: 'probe' });
    expect(stopped.history.at(-1)).toMatchObject({ type: 'ExecutionAborted', previousEventId: 0, executionAbortedEventDetails: { error: 'Manual', cause: 'probe' } });
  });

  it('starts no task after the abort, not even the retry whose wait the abort cut short', async () => {
    let calls = 0;
    const engine = localEngine(
      { StartAt: 'Task', States: { Task: lambdaTask({ Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 30, MaxAttempts: 3 }], End: true }) } },
      async () => {
        calls += 1;
        throw boom();
      },
      { retryIntervalOverrides: {} },
    );
    const { record } = engine.startExecution({ name: 'in-retry-wait' });
    while (!record.history.some((event) => event.type === 'TaskFailed')) await new Promise((resolve) => setTimeout(resolve, 1));
    engine.stopExecution(record.executionArn);
    const stopped = await engine.waitForExecution('in-retry-wait', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(1);
    expect(stopped.status).toBe('ABORTED');
    expect(types(stopped.history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed', 'ExecutionAborted']);
  });

  it('drops the result of a task that was running when it was stopped, and enters no further state', async () => {
    let finish: (value: unknown) => void = () => {};
    let calls = 0;
    const engine = localEngine({ StartAt: 'Slow', States: { Slow: lambdaTask({ Next: 'After' }), After: lambdaTask({ End: true }) } }, () => {
      calls += 1;
      return new Promise((resolve) => (finish = resolve));
    });
    const { record } = engine.startExecution({ name: 'mid-task' });
    while (!record.history.some((event) => event.type === 'TaskStarted')) await new Promise((resolve) => setTimeout(resolve, 1));
    engine.stopExecution(record.executionArn);
    const stopped = await engine.waitForExecution('mid-task', 5_000);
    finish({ done: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(1);
    expect(types(stopped.history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'ExecutionAborted']);
  });

  it('leaves an execution that already ended as it is and answers its stopDate; a second stop answers the first stopDate', async () => {
    const engine = localEngine({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, async () => null);
    const done = await run(engine, {}, 'finished');
    const before = structuredClone(done.history);
    expect(engine.stopExecution(done.executionArn, { error: 'Late' })).toEqual({ stopDate: done.stopDate });
    expect(done).toMatchObject({ status: 'SUCCEEDED', history: before });
    expect(done.error).toBeUndefined();

    const waiting = localEngine(waitThenPass, async () => null);
    const { record } = waiting.startExecution({ name: 'twice' });
    const first = waiting.stopExecution(record.executionArn);
    expect(waiting.stopExecution(record.executionArn, { error: 'Again' })).toEqual(first);
    expect((await waiting.waitForExecution('twice', 5_000)).error).toBeUndefined();
  });

  it('refuses an execution it does not know with ExecutionDoesNotExist', () => {
    const engine = localEngine(waitThenPass, async () => null);
    expect(() => engine.stopExecution(`${engine.registry.executionArn('nope')}`)).toThrow(expect.objectContaining({ name: 'ExecutionDoesNotExist' }));
  });
});

describe('the trace: one line per event worth a line, read from the AWS events', () => {
  it('shows entries, failures with their duration, retries with their attempt, the catch and where it went', async () => {
    const lines: string[] = [];
    const engine = localEngine(
      {
        StartAt: 'Pay',
        States: {
          Pay: lambdaTask({ Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 1 }], Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Reject' }], End: true }),
          Reject: { Type: 'Pass', End: true },
        },
      },
      async () => {
        throw boom();
      },
      { trace: (line) => lines.push(line) },
    );
    await run(engine, {}, 'order-1');
    const shown = lines.map((line) => line.replace(/^\d\d:\d\d:\d\d\.\d{3}  /, '').replace(/\d+ ms/g, 'N ms'));
    expect(shown).toEqual([
      'order-1  (execution)                started',
      'order-1  Pay                        entered',
      'order-1  Pay                        failed    Boom  N ms',
      'order-1  Pay                        retried   Boom  attempt 1',
      'order-1  Pay                        failed    Boom  N ms',
      'order-1  Pay                        exited    caught Boom -> Reject  N ms',
      'order-1  Reject                     entered',
      'order-1  Reject                     exited    N ms',
      'order-1  (execution)                SUCCEEDED N ms',
    ]);
  });

  it('formats a line from an event and its note', () => {
    const event: HistoryEvent = {
      id: 9,
      previousEventId: 8,
      timestamp: '2026-11-24T12:00:00.026Z',
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'OrderFailed', cause: 'x' },
    };
    expect(formatTraceLine('order-1', event, { durationMs: 300 })).toMatch(/^\d\d:\d\d:\d\d\.026  order-1  \(execution\)\s+FAILED\s+OrderFailed  300 ms$/);
    expect(formatTraceLine('order-1', { ...event, type: 'TaskStarted', taskStartedEventDetails: {} }, { state: 'Pay' })).toBeUndefined();
  });
});
