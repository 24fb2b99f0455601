// RedriveExecution on the local engine, with small definitions whose Lambda tasks run code given by each test.
//
// What AWS documents or recorded, and where it is used below:
// - API reference, RedriveExecution (also in AWS's service model, botocore stepfunctions/2016-11-23): a FAILED,
//   ABORTED or TIMED_OUT Standard execution "continues ... from the unsuccessful step and uses the same input";
//   "Step Functions preserves the results and execution history of the successful steps, and doesn't rerun these
//   steps"; same execution ARN; redrivable within 14 days of its stop, while open less than one year and with fewer
//   than 24,999 events; `clientToken`: "idempotent responses for the last 10 client tokens ... valid for up to 15
//   minutes after they are first used".
// - API reference, DescribeExecution: `redriveCount` "is only updated if you successfully redrive"; the
//   `redriveStatusReason` texts ("Execution is RUNNING and cannot be redriven", "Execution redrivable period
//   exceeded", ...); `redriveStatus` is NOT_REDRIVABLE exactly when RedriveExecution would answer
//   ExecutionNotRedrivable.
// - API reference, ExecutionRedrivenEventDetails: {redriveCount}.
// - AWS Compute Blog, "Introducing AWS Step Functions redrive": a redrive uses "the same input as the last
//   non-successful state".
// - LocalStack's AWS-validated snapshots (repository localstack/localstack, tests/aws/services/stepfunctions/v2/):
//   base/test_base.snapshot.json test_state_fail (a FAILED execution, failed in a Fail state: redriveCount 0,
//   redriveStatus REDRIVABLE, no redriveStatusReason) and test_event_bridge_events_base (RUNNING and SUCCEEDED:
//   NOT_REDRIVABLE with "Execution is RUNNING/SUCCEEDED and cannot be redriven"); timeouts/test_timeouts.snapshot.json
//   test_global_timeout (TIMED_OUT: REDRIVABLE); test_sfn_api.snapshot.json test_start_execution (ListExecutions
//   items carry redriveCount 0); context_object/test_context_object.snapshot.json test_input_path[$$]
//   ($$.Execution.RedriveCount is 0 in a first run).
// Where none of these says (the previousEventId of ExecutionRedriven, retry counts on the resumed state, stopDate
// while running again), the test names the local choice, listed in README's "Local vs AWS" table.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeExecutionResponse, StepFunctionsApi, type StateMachineDescription } from '../../local/aws/stepFunctions.ts';
import type { Definition, State } from '../../local/engine/definition.ts';
import { formatTraceLine, type HistoryEvent } from '../../local/engine/executionHistory.ts';
import {
  ABORTED_UNRECORDED_CAUSE,
  ExecutionRegistry,
  interruptedExecutions,
  interruptedExecutionsNotice,
  redriveStatus,
  type ExecutionRecord,
} from '../../local/engine/executions.ts';
import { LambdaFunctionError } from '../../local/engine/lambdaRuntime.ts';
import { resumePoint, STACK_STOPPED_CAUSE, type LocalStepFunctions } from '../../local/engine/stepFunctions.ts';
import { AwsError } from '../../local/aws/protocol.ts';
import { localEngine as engineOver } from './fixtures.ts';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:shop-local-work';
const DAY = 24 * 60 * 60 * 1000;

type Payload = { state: string; input: unknown; redriveCount: number; executionInput: unknown };

/** The engine over `definition`, every Lambda task running `fn` with its payload (tests/local/fixtures.ts). */
const localEngine = (...args: Parameters<typeof engineOver<Payload>>) => engineOver<Payload>(...args);

/** A lambda:invoke Task whose payload names the state and carries its input and the context fields a redrive changes. */
function task(state: string, extra: Record<string, unknown> = {}): State {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: {
      FunctionName: FUNCTION_ARN,
      Payload: { state, 'input.$': '$', 'redriveCount.$': '$$.Execution.RedriveCount', 'executionInput.$': '$$.Execution.Input' },
    },
    ResultSelector: { 'from.$': '$.Payload' },
    ResultPath: `$.${state}`,
    ...extra,
  };
}

function boom(message = 'it broke'): LambdaFunctionError {
  return new LambdaFunctionError('Boom', message, []);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const types = (history: HistoryEvent[]) => history.map((event) => event.type);

/** TaskScheduled events per state (a task event belongs to the state entered last). */
function scheduledPerState(history: HistoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  let state = '';
  for (const event of history) {
    if (event.type.endsWith('StateEntered')) state = (event.stateEnteredEventDetails as { name: string }).name;
    if (event.type === 'TaskScheduled') counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}

/** Ids 1..n, each previousEventId an earlier event (or 0). */
function expectOneChain(history: HistoryEvent[]): void {
  history.forEach((event, i) => {
    expect(event.id).toBe(i + 1);
    expect(event.previousEventId).toBeLessThan(event.id);
    expect(event.previousEventId).toBeGreaterThanOrEqual(0);
  });
}

async function untilEvent(record: ExecutionRecord, type: string, count = 1): Promise<void> {
  while (record.history.filter((event) => event.type === type).length < count) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** First -> Second -> Done; Second fails while `broken.value`. */
function twoSteps(broken: { value: boolean }, calls: Payload[], secondExtra: Record<string, unknown> = {}) {
  return localEngine(
    { StartAt: 'First', States: { First: task('First', { Next: 'Second' }), Second: task('Second', { Next: 'Done', ...secondExtra }), Done: { Type: 'Pass', End: true } } },
    async (payload) => {
      calls.push(payload);
      if (payload.state === 'Second' && broken.value) throw boom();
      return { ok: payload.state };
    },
  );
}

describe('RedriveExecution on a FAILED execution', () => {
  it('resumes at the failed state with its input; the state that succeeded is not run again; same ARN, RUNNING again', async () => {
    const broken = { value: true };
    const calls: Payload[] = [];
    const engine = twoSteps(broken, calls);
    const { record } = engine.startExecution({ name: 'failed-1', input: JSON.stringify({ orderId: 'failed-1' }) });
    const failed = await engine.waitForExecution('failed-1', 5_000);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Boom' });
    const before = structuredClone(failed.history);
    // test_state_fail: a FAILED execution is REDRIVABLE, redriveCount 0, no reason.
    const described = describeExecutionResponse(failed);
    expect(described).toMatchObject({ redriveCount: 0, redriveStatus: 'REDRIVABLE' });
    expect(described).not.toHaveProperty('redriveStatusReason');
    expect(described).not.toHaveProperty('redriveDate');

    broken.value = false;
    const { redriveDate } = engine.redriveExecution(record.executionArn);
    expect(redriveDate).toBeInstanceOf(Date);
    // Running again under the same ARN. Local choice: no stopDate, error or cause while it runs (it has not stopped).
    const running = engine.describeExecution(record.executionArn);
    expect(running).toBe(record);
    expect(running).toMatchObject({ status: 'RUNNING', redriveCount: 1, redriveDate });
    expect(running.stopDate).toBeUndefined();
    expect(running.error).toBeUndefined();
    expect(describeExecutionResponse(running)).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is RUNNING and cannot be redriven' });

    const done = await engine.waitForExecution('failed-1', 5_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', executionArn: record.executionArn, redriveCount: 1 });
    expect(done.error).toBeUndefined();
    expect(done.stopDate!.getTime()).toBeGreaterThanOrEqual(redriveDate.getTime());
    expect(JSON.parse(done.output!)).toMatchObject({ First: { from: { ok: 'First' } }, Second: { from: { ok: 'Second' } } });
    expect(describeExecutionResponse(done)).toMatchObject({ redriveCount: 1, redriveDate: redriveDate.getTime() / 1000, redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven' });

    // First ran once; Second twice (failed, then redriven), with the same input both times.
    expect(calls.map((call) => call.state)).toEqual(['First', 'Second', 'Second']);
    expect(calls[2]!.input).toEqual(calls[1]!.input);
    expect(scheduledPerState(done.history)).toEqual({ First: 1, Second: 2 });
    // $$.Execution: RedriveCount 0 then 1; Input stays the execution's input (not the resumed state's).
    expect(calls.map((call) => call.redriveCount)).toEqual([0, 0, 1]);
    expect(calls.map((call) => call.executionInput)).toEqual([{ orderId: 'failed-1' }, { orderId: 'failed-1' }, { orderId: 'failed-1' }]);

    // The history before the redrive is kept as it was; ExecutionRedriven, then the resumed state's events.
    const history = done.history;
    expect(history.slice(0, before.length)).toEqual(before);
    const redriven = history[before.length]!;
    expect(redriven).toMatchObject({ id: before.length + 1, type: 'ExecutionRedriven', executionRedrivenEventDetails: { redriveCount: 1 } });
    // Local choice: ExecutionRedriven points at the event that closed the failed attempt, the resumed entry at it.
    expect(redriven.previousEventId).toBe(before.at(-1)!.id);
    const resumed = history[before.length + 1]!;
    expect(resumed).toMatchObject({ type: 'TaskStateEntered', previousEventId: redriven.id });
    const firstEntry = before.find((event) => event.type === 'TaskStateEntered' && (event.stateEnteredEventDetails as { name: string }).name === 'Second')!;
    expect(resumed.stateEnteredEventDetails).toEqual(firstEntry.stateEnteredEventDetails);
    expect(types(history.slice(before.length))).toEqual([
      'ExecutionRedriven',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(history.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
    expectOneChain(history);
  });

  it('starts the resumed state with its retries afresh (local choice) and counts each redrive', async () => {
    const calls: Payload[] = [];
    const engine = twoSteps({ value: true }, calls, { Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 2 }] });
    const { record } = engine.startExecution({ name: 'retries' });
    await engine.waitForExecution('retries', 5_000);
    expect(scheduledPerState(record.history)).toEqual({ First: 1, Second: 3 });
    engine.redriveExecution(record.executionArn);
    const again = await engine.waitForExecution('retries', 5_000);
    expect(again).toMatchObject({ status: 'FAILED', error: 'Boom', redriveCount: 1 });
    expect(scheduledPerState(again.history)).toEqual({ First: 1, Second: 6 });
    engine.redriveExecution(record.executionArn);
    const third = await engine.waitForExecution('retries', 5_000);
    expect(third.redriveCount).toBe(2);
    expect(third.history.filter((event) => event.type === 'ExecutionRedriven').map((event) => event.executionRedrivenEventDetails)).toEqual([
      { redriveCount: 1 },
      { redriveCount: 2 },
    ]);
    expect(calls.filter((call) => call.state === 'First')).toHaveLength(1);
    expectOneChain(third.history);
  });

  it('an execution that failed in a Fail state resumes there and fails again (test_state_fail: such an execution is REDRIVABLE)', async () => {
    const calls: Payload[] = [];
    const engine = localEngine(
      { StartAt: 'Work', States: { Work: task('Work', { Next: 'Failed' }), Failed: { Type: 'Fail', Error: 'OrderFailed', Cause: 'gave up' } } },
      async (payload) => {
        calls.push(payload);
        return { ok: true };
      },
    );
    const { record } = engine.startExecution({ name: 'fail-state' });
    const failed = await engine.waitForExecution('fail-state', 5_000);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'OrderFailed', cause: 'gave up' });
    const before = failed.history.length;
    engine.redriveExecution(record.executionArn);
    const again = await engine.waitForExecution('fail-state', 5_000);
    expect(again).toMatchObject({ status: 'FAILED', error: 'OrderFailed', cause: 'gave up', redriveCount: 1 });
    expect(types(again.history.slice(before))).toEqual(['ExecutionRedriven', 'FailStateEntered', 'ExecutionFailed']);
    expect(again.history.at(-2)!.stateEnteredEventDetails).toEqual(again.history.find((event) => event.type === 'FailStateEntered')!.stateEnteredEventDetails);
    expect(calls).toHaveLength(1);
  });
});

describe('RedriveExecution on an ABORTED execution', () => {
  it('resumes the state whose retry wait the abort cut short, and runs it to the end', async () => {
    let calls = 0;
    let fail = true;
    const engine = localEngine(
      { StartAt: 'Pay', States: { Pay: task('Pay', { Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 30, MaxAttempts: 3 }], End: true }) } },
      async () => {
        calls += 1;
        if (fail) throw boom();
        return { paid: true };
      },
      { retryIntervalOverrides: {} },
    );
    const { record } = engine.startExecution({ name: 'aborted-1' });
    await untilEvent(record, 'TaskFailed');
    engine.stopExecution(record.executionArn);
    const aborted = await engine.waitForExecution('aborted-1', 5_000);
    await settle();
    expect(aborted.status).toBe('ABORTED');
    expect(calls).toBe(1);
    expect(redriveStatus(aborted)).toEqual({ redrivable: true });

    fail = false;
    engine.redriveExecution(record.executionArn);
    const done = await engine.waitForExecution('aborted-1', 5_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(calls).toBe(2);
    expect(types(done.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'ExecutionAborted',
      'ExecutionRedriven',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(done.history[6]!.previousEventId).toBe(6);
    expectOneChain(done.history);
  });

  it('stop() (the stack stopping) aborts an execution waiting between retries: no task starts, and a later engine on the same file redrives it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redrive-'));
    try {
      const file = join(dir, 'executions.json');
      let calls = 0;
      let fail = true;
      const definition: Definition = { StartAt: 'Pay', States: { Pay: task('Pay', { Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 30, MaxAttempts: 3 }], Next: 'Ship' }), Ship: task('Ship', { End: true }) } };
      const fn = async (payload: Payload) => {
        calls += 1;
        if (payload.state === 'Pay' && fail) throw boom();
        return { ok: payload.state };
      };
      const first = localEngine(definition, fn, { retryIntervalOverrides: {}, registry: new ExecutionRegistry('arn:aws:states:us-east-1:000000000000:stateMachine:shop-local', file) });
      const { record } = first.startExecution({ name: 'at-shutdown', input: '{"n":1}' });
      await untilEvent(record, 'TaskFailed');
      await first.stop();
      first.registry.save();
      await settle();
      expect(calls).toBe(1);
      const saved = (JSON.parse(readFileSync(file, 'utf8')) as Array<{ name: string; status: string; history: HistoryEvent[] }>).find((entry) => entry.name === 'at-shutdown')!;
      expect(saved.status).toBe('ABORTED');
      expect(types(saved.history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed', 'ExecutionAborted']);
      expect(saved.history.at(-1)!.executionAbortedEventDetails).toEqual({ cause: STACK_STOPPED_CAUSE });

      fail = false;
      const registry = new ExecutionRegistry('arn:aws:states:us-east-1:000000000000:stateMachine:shop-local', file);
      expect(interruptedExecutions(registry).map((execution) => execution.name)).toEqual(['at-shutdown']);
      const second = localEngine(definition, fn, { registry });
      second.redriveExecution(registry.executionArn('at-shutdown'));
      const done = await second.waitForExecution('at-shutdown', 5_000);
      expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      expect(scheduledPerState(done.history)).toEqual({ Pay: 2, Ship: 1 });
      expect(interruptedExecutions(registry)).toEqual([]);
      const reloaded = new ExecutionRegistry('arn:aws:states:us-east-1:000000000000:stateMachine:shop-local', file).get('at-shutdown')!;
      expect(reloaded).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveDate: done.redriveDate });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('which executions can be redriven', () => {
  const base = (overrides: Partial<ExecutionRecord>): ExecutionRecord => ({
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:shop-local:o-1',
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:shop-local',
    name: 'o-1',
    status: 'FAILED',
    input: '{}',
    startDate: new Date('2026-01-01T00:00:00.000Z'),
    stopDate: new Date('2026-01-01T00:00:01.000Z'),
    history: [{ id: 1, previousEventId: 0, timestamp: '2026-01-01T00:00:00.000Z', type: 'ExecutionStarted' }],
    ...overrides,
  });
  const stop = new Date('2026-01-01T00:00:01.000Z').getTime();

  it('FAILED, ABORTED and TIMED_OUT (test_global_timeout: TIMED_OUT is REDRIVABLE); not RUNNING or SUCCEEDED', () => {
    for (const status of ['FAILED', 'ABORTED', 'TIMED_OUT'] as const) expect(redriveStatus(base({ status }), new Date(stop + 1000))).toEqual({ redrivable: true });
    expect(redriveStatus(base({ status: 'RUNNING' }))).toEqual({ redrivable: false, reason: 'Execution is RUNNING and cannot be redriven' });
    expect(redriveStatus(base({ status: 'SUCCEEDED' }))).toEqual({ redrivable: false, reason: 'Execution is SUCCEEDED and cannot be redriven' });
  });

  it('within 14 days of its stop, while open less than a year, with fewer than 24,999 events', () => {
    expect(redriveStatus(base({}), new Date(stop + 14 * DAY)).redrivable).toBe(true);
    expect(redriveStatus(base({}), new Date(stop + 14 * DAY + 1))).toEqual({ redrivable: false, reason: 'Execution redrivable period exceeded' });
    const longRunning = base({ startDate: new Date(stop - 366 * DAY) });
    expect(redriveStatus(longRunning, new Date(stop + 1000))).toEqual({ redrivable: false, reason: 'Execution has exceeded the max execution time' });
    const event = (id: number): HistoryEvent => ({ id, previousEventId: id - 1, timestamp: '2026-01-01T00:00:00.500Z', type: 'PassStateEntered' });
    const events = (n: number) => Array.from({ length: n }, (_unused, i) => event(i + 1));
    expect(redriveStatus(base({ history: events(24_998) }), new Date(stop + 1000)).redrivable).toBe(true);
    expect(redriveStatus(base({ history: events(24_999) }), new Date(stop + 1000))).toEqual({ redrivable: false, reason: 'Execution history event limit exceeded' });
  });

  it('local choice: an execution loaded without a history (a file from before the history was kept) cannot say where to resume', () => {
    expect(redriveStatus(base({ history: [] }), new Date(stop + 1000))).toEqual({ redrivable: false, reason: 'Execution was started before the launch of RedriveExecution' });
  });

  it('answers ExecutionNotRedrivable with the reason, ExecutionDoesNotExist for an unknown one, and leaves the execution as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redrive-'));
    try {
      const file = join(dir, 'executions.json');
      const old = base({ name: 'old', executionArn: 'arn:aws:states:us-east-1:000000000000:execution:shop-local:old', startDate: new Date(Date.now() - 20 * DAY), stopDate: new Date(Date.now() - 15 * DAY) });
      writeFileSync(file, JSON.stringify([old]));
      const engine = localEngine({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, async () => null, {
        registry: new ExecutionRegistry(old.stateMachineArn, file),
      });
      expect(() => engine.redriveExecution(old.executionArn)).toThrow(expect.objectContaining({ name: 'ExecutionNotRedrivable', message: 'Execution redrivable period exceeded' }));
      expect(engine.describeExecution(old.executionArn)).toMatchObject({ status: 'FAILED' });
      expect(engine.describeExecution(old.executionArn).redriveCount).toBeUndefined();
      const done = await engine.waitForExecution(engine.startExecution({ name: 'ok' }).record.name, 5_000);
      expect(() => engine.redriveExecution(done.executionArn)).toThrow(expect.objectContaining({ name: 'ExecutionNotRedrivable', message: 'Execution is SUCCEEDED and cannot be redriven' }));
      expect(() => engine.redriveExecution(engine.registry.executionArn('nope'))).toThrow(expect.objectContaining({ name: 'ExecutionDoesNotExist' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a clientToken used again answers the same redrive instead of another; a new token while it runs is refused', async () => {
    const engine = localEngine(
      { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 60, End: true } } },
      async () => null,
    );
    const { record } = engine.startExecution({ name: 'tokens' });
    engine.stopExecution(record.executionArn);
    await engine.waitForExecution('tokens', 5_000);
    const first = engine.redriveExecution(record.executionArn, { clientToken: 'token-1' });
    await settle();
    expect(engine.redriveExecution(record.executionArn, { clientToken: 'token-1' })).toEqual(first);
    expect(record).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    expect(record.history.filter((event) => event.type === 'ExecutionRedriven')).toHaveLength(1);
    expect(() => engine.redriveExecution(record.executionArn, { clientToken: 'token-2' })).toThrow(expect.objectContaining({ name: 'ExecutionNotRedrivable' }));
    await engine.stop();
  });
});

describe('durable executions: the file (--persist) keeps redrives and running executions', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:shop-local';

  it('an execution still RUNNING in the file (its stack never stopped it) loads ABORTED, its history closed, and can be redriven', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redrive-'));
    dirs.push(dir);
    const file = join(dir, 'executions.json');
    const registry = new ExecutionRegistry(ARN, file);
    const { record } = registry.begin('crashed', '{}');
    record.history = [
      { id: 1, previousEventId: 0, timestamp: '2026-11-24T12:00:00.000Z', type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}', inputDetails: { truncated: false }, roleArn: 'r' } },
      { id: 2, previousEventId: 0, timestamp: '2026-11-24T12:00:00.010Z', type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Pay', input: '{}', inputDetails: { truncated: false } } },
    ];
    registry.begin('finished', '{}');
    registry.finish('finished', { status: 'FAILED', error: 'Boom' });
    const loaded = new ExecutionRegistry(ARN, file);
    const crashed = loaded.get('crashed')!;
    expect(crashed).toMatchObject({ status: 'ABORTED', cause: ABORTED_UNRECORDED_CAUSE, stopDate: new Date('2026-11-24T12:00:00.010Z') });
    expect(crashed.history.at(-1)).toEqual({
      id: 3,
      previousEventId: 0,
      timestamp: '2026-11-24T12:00:00.010Z',
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { cause: ABORTED_UNRECORDED_CAUSE },
    });
    // FAILED is not listed: only executions stopped before they finished.
    expect(interruptedExecutions(loaded, new Date('2026-11-25T00:00:00.000Z')).map((execution) => execution.name)).toEqual(['crashed']);
  });

  it('lists interrupted executions most recently stopped first, without those past the redrive period', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redrive-'));
    dirs.push(dir);
    const file = join(dir, 'executions.json');
    const entry = (name: string, status: string, stopDate: string) => ({
      executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn: ARN,
      name,
      status,
      input: '{}',
      startDate: '2026-11-01T00:00:00.000Z',
      stopDate,
      history: [{ id: 1, previousEventId: 0, timestamp: '2026-11-01T00:00:00.000Z', type: 'ExecutionStarted' }],
    });
    writeFileSync(
      file,
      JSON.stringify([
        entry('a', 'ABORTED', '2026-11-20T00:00:00.000Z'),
        entry('b', 'TIMED_OUT', '2026-11-21T00:00:00.000Z'),
        entry('c', 'ABORTED', '2026-11-01T00:00:00.000Z'),
        entry('d', 'SUCCEEDED', '2026-11-21T00:00:00.000Z'),
      ]),
    );
    const registry = new ExecutionRegistry(ARN, file);
    expect(interruptedExecutions(registry, new Date('2026-11-22T00:00:00.000Z')).map((execution) => execution.name)).toEqual(['b', 'a']);
  });

  it("npm start's notice: the count, then one redrive command each, at most 10; nothing when there are none", () => {
    const registry = new ExecutionRegistry(ARN);
    expect(interruptedExecutionsNotice(registry)).toEqual([]);
    for (let i = 1; i <= 12; i++) {
      const { record } = registry.begin(`o-${i}`, '{}');
      record.history = [{ id: 1, previousEventId: 0, timestamp: new Date().toISOString(), type: 'ExecutionStarted' }];
      registry.finish(`o-${i}`, { status: 'ABORTED', stopDate: new Date(Date.now() - (12 - i) * 1000) });
    }
    registry.begin('done', '{}');
    registry.finish('done', { status: 'SUCCEEDED', output: '{}' });
    const lines = interruptedExecutionsNotice(registry, ' --endpoint http://127.0.0.1:4999');
    expect(lines[0]).toMatch(/^12 executions stopped before finishing/);
    const commands = lines.filter((line) => line.includes('npm run redrive -- '));
    expect(commands).toHaveLength(10);
    expect(commands[0]).toMatch(/^ {2}npm run redrive -- o-12 --endpoint http:\/\/127\.0\.0\.1:4999 +# ABORTED at /);
    expect(lines.some((line) => line.includes('2 more'))).toBe(true);
    expect(lines.join('\n')).not.toContain('done');
  });
});

describe('where a redrive resumes', () => {
  const definition: Definition = {
    StartAt: 'A',
    States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Choice', Choices: [], Default: 'C' }, C: { Type: 'Pass', End: true } },
  };
  const entered = (id: number, name: string, input: string): HistoryEvent => ({ id, previousEventId: id - 1, timestamp: '', type: 'PassStateEntered', stateEnteredEventDetails: { name, input } });
  const exited = (id: number, name: string, output: string): HistoryEvent => ({ id, previousEventId: id - 1, timestamp: '', type: 'PassStateExited', stateExitedEventDetails: { name, output } });

  it('at the state entered and not exited, with its input; with none entered, at StartAt with the execution input', () => {
    expect(resumePoint(definition, [entered(2, 'A', '{"a":1}'), exited(3, 'A', '{"a":2}'), entered(4, 'C', '{"c":1}')], '{}')).toEqual({ state: 'C', input: '{"c":1}' });
    expect(resumePoint(definition, [], '{"start":true}')).toEqual({ state: 'A', input: '{"start":true}' });
  });

  it('after a state that exited, at its Next with its output; a Choice runs again', () => {
    expect(resumePoint(definition, [entered(2, 'A', '{"a":1}'), exited(3, 'A', '{"a":2}')], '{}')).toEqual({ state: 'B', input: '{"a":2}' });
    expect(resumePoint(definition, [entered(2, 'B', '{"b":1}'), exited(3, 'B', '{"b":1}')], '{}')).toEqual({ state: 'B', input: '{"b":1}' });
  });
});

describe('the trace of a redrive', () => {
  it('has a line for ExecutionRedriven with the redrive count', async () => {
    const lines: string[] = [];
    const engine = localEngine({ StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 60, End: true } } }, async () => null, { trace: (line) => lines.push(line) });
    const { record } = engine.startExecution({ name: 'traced' });
    engine.stopExecution(record.executionArn);
    await engine.waitForExecution('traced', 5_000);
    engine.redriveExecution(record.executionArn);
    await settle();
    await engine.stop();
    expect(lines.find((line) => line.includes('REDRIVEN'))).toMatch(/traced\s+\(execution\)\s+REDRIVEN\s+redrive 1$/);
    const event: HistoryEvent = { id: 9, previousEventId: 8, timestamp: '2026-11-24T12:00:00.000Z', type: 'ExecutionRedriven', executionRedrivenEventDetails: { redriveCount: 3 } };
    expect(formatTraceLine('o-1', event)).toMatch(/REDRIVEN\s+redrive 3$/);
  });
});

describe('RedriveExecution, DescribeExecution and ListExecutions on the local Step Functions API', () => {
  const machine = (engine: LocalStepFunctions, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): StateMachineDescription => ({
    stateMachineArn: engine.stateMachineArn,
    name: engine.name,
    type,
    roleArn: engine.roleArn,
    definition: JSON.stringify(engine.definition),
    creationDate: new Date(),
    loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    tracingConfiguration: { enabled: false },
  });

  it('{executionArn, clientToken?} -> {redriveDate}; ListExecutions items carry redriveCount (and redriveDate), and redriveFilter picks them', async () => {
    const engine = localEngine({ StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 60, End: true } } }, async () => null);
    const api = new StepFunctionsApi(engine, machine(engine));
    const a = engine.startExecution({ name: 'api-a' }).record;
    engine.startExecution({ name: 'api-b' });
    api.call('StopExecution', { executionArn: a.executionArn });
    await engine.waitForExecution('api-a', 5_000);
    const answer = api.call('RedriveExecution', { executionArn: a.executionArn, clientToken: 'c-1' });
    expect(Object.keys(answer)).toEqual(['redriveDate']);
    expect(answer.redriveDate).toBe(a.redriveDate!.getTime() / 1000);
    const list = (filter?: string) =>
      (api.call('ListExecutions', { stateMachineArn: engine.stateMachineArn, ...(filter ? { redriveFilter: filter } : {}) }).executions as Array<Record<string, unknown>>).map(
        ({ name, redriveCount, redriveDate }) => ({ name, redriveCount, redriveDate }),
      );
    expect(list()).toEqual(expect.arrayContaining([{ name: 'api-a', redriveCount: 1, redriveDate: answer.redriveDate }, { name: 'api-b', redriveCount: 0, redriveDate: undefined }]));
    expect(list('REDRIVEN').map((item) => item.name)).toEqual(['api-a']);
    expect(list('NOT_REDRIVEN').map((item) => item.name)).toEqual(['api-b']);
    expect(api.call('DescribeExecution', { executionArn: a.executionArn })).toMatchObject({ status: 'RUNNING', redriveCount: 1, redriveDate: answer.redriveDate });
    await engine.stop();
  });

  it('refuses a malformed ARN (InvalidArn), a bad clientToken (ValidationException), and an EXPRESS state machine', async () => {
    const engine = localEngine({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, async () => null);
    const api = new StepFunctionsApi(engine, machine(engine));
    const done = await engine.waitForExecution(engine.startExecution({ name: 'done' }).record.name, 5_000);
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof AwsError ? error.code : String(error);
      }
      return 'no error';
    };
    expect(codeOf(() => api.call('RedriveExecution', { executionArn: 'not-an-arn' }))).toBe('InvalidArn');
    expect(codeOf(() => api.call('RedriveExecution', {}))).toBe('ValidationException');
    expect(codeOf(() => api.call('RedriveExecution', { executionArn: done.executionArn, clientToken: 'has space' }))).toBe('ValidationException');
    expect(codeOf(() => api.call('RedriveExecution', { executionArn: done.executionArn, clientToken: 'x'.repeat(65) }))).toBe('ValidationException');
    expect(codeOf(() => api.call('RedriveExecution', { executionArn: done.executionArn }))).toBe('ExecutionNotRedrivable');
    expect(codeOf(() => api.call('RedriveExecution', { executionArn: `${done.executionArn}-missing` }))).toBe('ExecutionDoesNotExist');
    const express = new StepFunctionsApi(engine, machine(engine, 'EXPRESS'));
    expect(codeOf(() => express.call('RedriveExecution', { executionArn: done.executionArn }))).toBe('ExecutionNotRedrivable');
  });
});
