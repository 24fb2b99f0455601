// How the console reads an execution off its GetExecutionHistory events: each state's status (the colours of the
// graph and the timeline), its attempts and retry waits, the transitions taken, the transition count and the order's
// path. The event sequences follow AWS-recorded histories (LocalStack's AWS-validated snapshots, named per test);
// times and details are made up, round numbers so the expected values can be worked out by hand.
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../local/engine/executionHistory.ts';
import { buildExecutionView, orderPathOf, type ExecutionSummaryInput } from '../../local/console/executionModel.ts';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** A history from [offset ms, type, details] triples, ids from 1, each pointing at the one before. */
function history(...events: Array<[number, string, Record<string, unknown>?]>): HistoryEvent[] {
  return events.map(([at, type, details], i) => {
    const key = type.endsWith('StateEntered')
      ? 'stateEnteredEventDetails'
      : type.endsWith('StateExited')
        ? 'stateExitedEventDetails'
        : `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
    return { id: i + 1, previousEventId: i, timestamp: new Date(T0 + at).toISOString(), type, ...(details ? { [key]: details } : {}) };
  });
}

const lambda = { resourceType: 'lambda', resource: 'invoke' };
const execution = (status: ExecutionSummaryInput['status'], extra: Partial<ExecutionSummaryInput> = {}): ExecutionSummaryInput => ({
  status,
  startDate: new Date(T0).toISOString(),
  ...extra,
});

describe('one execution, read off its history', () => {
  it('a task retried after an error and then caught: attempts, the backoff between them, the Catch edge taken', () => {
    // Sequence of states_variables/test_error_output.snapshot.json, test_task_catch_error_with_retry (AWS, 2024-11-12):
    // TaskScheduled..TaskFailed repeats inside the state, then TaskStateExited, then the Catch's target.
    const events = history(
      [0, 'ExecutionStarted', { input: '{}' }],
      [0, 'TaskStateEntered', { name: 'Charge', input: '{"a":1}' }],
      [10, 'TaskScheduled', { ...lambda, region: 'us-east-1', parameters: '{"FunctionName":"charge"}' }],
      [10, 'TaskStarted', lambda],
      [60, 'TaskFailed', { ...lambda, error: 'Boom', cause: 'first' }],
      [1060, 'TaskScheduled', { ...lambda, region: 'us-east-1', parameters: '{"FunctionName":"charge"}' }],
      [1060, 'TaskStarted', lambda],
      [1100, 'TaskFailed', { ...lambda, error: 'Boom', cause: 'second' }],
      [1100, 'TaskStateExited', { name: 'Charge', output: '{"Error":"Boom"}' }],
      [1100, 'PassStateEntered', { name: 'Undo', input: '{"Error":"Boom"}' }],
      [1101, 'PassStateExited', { name: 'Undo', output: '{"status":"REJECTED","reason":"PAYMENT_DECLINED"}' }],
      [1101, 'ExecutionSucceeded', { output: '{"status":"REJECTED","reason":"PAYMENT_DECLINED"}' }],
    );
    const view = buildExecutionView(execution('SUCCEEDED', { output: '{"status":"REJECTED","reason":"PAYMENT_DECLINED"}' }), events);
    expect(view.steps.map((step) => [step.name, step.type, step.status])).toEqual([
      ['Charge', 'Task', 'caught'],
      ['Undo', 'Pass', 'succeeded'],
    ]);
    const charge = view.steps[0]!;
    expect(charge.attempts).toEqual([
      { number: 1, startedAt: T0 + 10, endedAt: T0 + 60, outcome: 'failed', error: 'Boom', cause: 'first' },
      { number: 2, startedAt: T0 + 1060, endedAt: T0 + 1100, outcome: 'failed', error: 'Boom', cause: 'second', waitBeforeMs: 1000 },
    ]);
    expect(charge).toMatchObject({ error: 'Boom', cause: 'second', durationMs: 1100, input: '{"a":1}', output: '{"Error":"Boom"}' });
    expect(charge.resource).toEqual({ resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{"FunctionName":"charge"}' });
    expect(view.transitions).toEqual([{ from: 'Charge', to: 'Undo', viaCatch: true, afterCatch: true }]);
    // Two states entered and one retry: AWS bills "each time a step of your workflow is executed ... including
    // retries" (AWS Step Functions pricing page).
    expect(view.transitionCount).toBe(3);
    expect(view.path).toBe('declined');
    expect(view.durationMs).toBe(1101);
    expect(charge.eventIds).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a task retried until it succeeds is "retried"; the states after it are on no caught path', () => {
    const events = history(
      [0, 'ExecutionStarted', { input: '{}' }],
      [0, 'TaskStateEntered', { name: 'A', input: '{}' }],
      [0, 'TaskScheduled', lambda],
      [0, 'TaskStarted', lambda],
      [5, 'TaskFailed', { ...lambda, error: 'TransientError' }],
      [505, 'TaskScheduled', lambda],
      [505, 'TaskStarted', lambda],
      [550, 'TaskSucceeded', { ...lambda, output: '{}' }],
      [550, 'TaskStateExited', { name: 'A', output: '{}' }],
      [550, 'TaskStateEntered', { name: 'B', input: '{}' }],
      [550, 'TaskScheduled', lambda],
      [550, 'TaskStarted', lambda],
      [600, 'TaskSucceeded', { ...lambda, output: '{}' }],
      [600, 'TaskStateExited', { name: 'B', output: '{"status":"CONFIRMED"}' }],
      [600, 'ExecutionSucceeded', { output: '{"status":"CONFIRMED"}' }],
    );
    const view = buildExecutionView(execution('SUCCEEDED', { output: '{"status":"CONFIRMED"}' }), events);
    expect(view.stateStatus).toEqual({ A: 'retried', B: 'succeeded' });
    expect(view.steps[0]!.attempts[1]!.waitBeforeMs).toBe(500);
    expect(view.transitions).toEqual([{ from: 'A', to: 'B', viaCatch: false, afterCatch: false }]);
    expect(view.transitionCount).toBe(3);
    expect(view.path).toBe('confirmed');
  });

  it('retries that run out fail the execution in the state (no exit): the state is "failed"', () => {
    // Sequence of credentials/test_credentials_base.snapshot.json, test_cross_account_service_lambda_invoke_retry
    // (AWS, 2024-12-04): the last TaskFailed is followed by ExecutionFailed, with no TaskStateExited.
    const events = history(
      [0, 'ExecutionStarted', { input: '{}' }],
      [0, 'TaskStateEntered', { name: 'A', input: '{}' }],
      [0, 'TaskScheduled', lambda],
      [0, 'TaskStarted', lambda],
      [10, 'TaskFailed', { ...lambda, error: 'Lambda.ServiceException', cause: 'x' }],
      [20, 'TaskScheduled', lambda],
      [20, 'TaskStarted', lambda],
      [30, 'TaskFailed', { ...lambda, error: 'Lambda.ServiceException', cause: 'y' }],
      [30, 'ExecutionFailed', { error: 'Lambda.ServiceException', cause: 'y' }],
    );
    const view = buildExecutionView(execution('FAILED', { stopDate: new Date(T0 + 30).toISOString() }), events);
    expect(view.stateStatus).toEqual({ A: 'failed' });
    expect(view.steps[0]).toMatchObject({ error: 'Lambda.ServiceException', cause: 'y', durationMs: 30 });
    expect(view.path).toBe('failed');
    expect(view.transitionCount).toBe(2);
  });

  it('a Fail state is "failed", with the error and cause of ExecutionFailed', () => {
    const events = history(
      [0, 'ExecutionStarted', { input: '{}' }],
      [0, 'FailStateEntered', { name: 'OrderFailed', input: '{}' }],
      [1, 'ExecutionFailed', { error: 'OrderFailed', cause: 'Order x failed' }],
    );
    const view = buildExecutionView(execution('FAILED'), events);
    expect(view.steps[0]).toMatchObject({ name: 'OrderFailed', type: 'Fail', status: 'failed', error: 'OrderFailed', cause: 'Order x failed' });
  });

  it('a running execution: the open state is "in progress" and counts up to now; a stopped one ends it "stopped"', () => {
    const started: Array<[number, string, Record<string, unknown>?]> = [
      [0, 'ExecutionStarted', { input: '{}' }],
      [0, 'TaskStateEntered', { name: 'A', input: '{}' }],
      [0, 'TaskScheduled', lambda],
      [0, 'TaskStarted', lambda],
    ];
    const view = buildExecutionView(execution('RUNNING'), history(...started), T0 + 250);
    expect(view.steps[0]).toMatchObject({ status: 'running', durationMs: 250 });
    expect(view.steps[0]!.attempts[0]!.outcome).toBe('running');
    expect(view).toMatchObject({ currentState: 'A', durationMs: 250, path: 'running' });

    const stopped = buildExecutionView(execution('ABORTED'), history(...started, [400, 'ExecutionAborted', { cause: 'stopped' }]), T0 + 9_999);
    expect(stopped.steps[0]).toMatchObject({ status: 'stopped', durationMs: 400 });
    expect(stopped.steps[0]!.attempts[0]).toMatchObject({ outcome: 'stopped', endedAt: T0 + 400 });
    expect(stopped).toMatchObject({ path: 'stopped', durationMs: 400 });
    expect(stopped.currentState).toBeUndefined();
  });
});

describe('a redriven execution', () => {
  it('keeps the failed visit and lights the state by its visit after ExecutionRedriven', () => {
    // The local history of a redrive (README, "Redrive"; AWS has no recording of one): the closing event, then
    // ExecutionRedriven, then the resumed state's events.
    const events = history(
      [0, 'ExecutionStarted', { input: '{}' }],
      [0, 'TaskStateEntered', { name: 'A', input: '{}' }],
      [0, 'TaskScheduled', lambda],
      [0, 'TaskStarted', lambda],
      [10, 'TaskFailed', { ...lambda, error: 'Down', cause: 'x' }],
      [10, 'ExecutionFailed', { error: 'Down', cause: 'x' }],
      [5000, 'ExecutionRedriven', { redriveCount: 1 }],
      [5000, 'TaskStateEntered', { name: 'A', input: '{}' }],
      [5000, 'TaskScheduled', lambda],
      [5000, 'TaskStarted', lambda],
    );
    const running = buildExecutionView(execution('RUNNING'), events, T0 + 5020);
    expect(running.steps.map((step) => [step.name, step.status, step.durationMs])).toEqual([
      ['A', 'failed', 10],
      ['A', 'running', 20],
    ]);
    expect(running).toMatchObject({ stateStatus: { A: 'running' }, currentState: 'A', path: 'running', durationMs: 5020 });
    expect(running.steps[0]!.error).toBe('Down');
  });
});

describe("the order's path", () => {
  it.each([
    ['SUCCEEDED', '{"status":"CONFIRMED"}', 'confirmed'],
    ['SUCCEEDED', '{"status":"REJECTED","reason":"PAYMENT_DECLINED"}', 'declined'],
    ['SUCCEEDED', '{"status":"REJECTED","reason":"OUT_OF_STOCK"}', 'outOfStock'],
    ['SUCCEEDED', '{"status":"REJECTED","reason":"INVALID_ORDER"}', 'invalid'],
    ['SUCCEEDED', 'not json', 'unknown'],
    ['FAILED', undefined, 'failed'],
    ['ABORTED', undefined, 'stopped'],
    ['TIMED_OUT', undefined, 'timedOut'],
    ['RUNNING', undefined, 'running'],
  ] as const)('%s with output %s is %s', (status, output, path) => {
    expect(orderPathOf(status, output)).toBe(path);
  });
});
