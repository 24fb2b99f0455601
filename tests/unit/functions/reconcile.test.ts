// The reconciler (functions/reconcile + services/reconciler.ts + its adapters) against mocked Step Functions,
// DynamoDB and SNS: a small fake of the executions of one state machine and of the Orders table, answering as the
// APIs do. Sources for what the fake and the assertions rely on:
// - RedriveExecution (API reference; Step Functions developer guide, "Restarting state machine executions with
//   redrive"): FAILED, ABORTED or TIMED_OUT Standard executions, within 14 days of stopping; ExecutionNotRedrivable
//   otherwise; `clientToken` makes a repeated request idempotent; DescribeExecution's `redriveCount` counts redrives.
// - ListExecutions and GetExecutionHistory page with `nextToken` (API reference); GetExecutionHistory's
//   `reverseOrder` gives the newest events first, `includeExecutionData: false` leaves out inputs and outputs.
// - History shapes, AWS-validated (LocalStack's snapshots, tests/aws/services/stepfunctions/v2/): a Task that fails
//   the execution ends TaskStateEntered, TaskScheduled, TaskStarted, TaskFailed (per attempt), ExecutionFailed
//   (error_handling/test_task_lambda.snapshot.json); a Fail state is FailStateEntered then ExecutionFailed.
// - An EventBridge scheduled event: {version, id, detail-type "Scheduled Event", source "aws.events", account, time,
//   region, resources [rule ARN], detail {}} (Lambda developer guide, "Invoke a Lambda function on a schedule").
// - EMF: CloudWatch "Embedded metric format specification".
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { ScheduledEvent } from 'aws-lambda';
import { awsError, ddbMock, rejectionOf, resetAwsMocks, sfnMock, snsMock } from '../support/aws.ts';
import { lambdaContext } from '../support/lambda.ts';

// The environment serverless.yml gives the function (functions.reconcile.environment), before it is imported.
const SAVED_ENV = { ...process.env };
const OPERATIONS_TOPIC = 'arn:aws:sns:us-east-1:000000000000:order-pipeline-test-operations';
Object.assign(process.env, {
  OPERATIONS_TOPIC_ARN: OPERATIONS_TOPIC,
  RECONCILE_RATE: 'rate(5 minutes)',
  RECONCILE_REDRIVE_CAP: '3',
  RECONCILE_STUCK_AFTER_MINUTES: '30',
  STAGE: 'test',
  // Metrics on, as on AWS, to read the EMF the run publishes.
  POWERTOOLS_METRICS_DISABLED: 'false',
});
const { handler } = await import('../../../functions/reconcile/handler.ts');
afterAll(() => {
  for (const key of ['OPERATIONS_TOPIC_ARN', 'RECONCILE_RATE', 'RECONCILE_REDRIVE_CAP', 'RECONCILE_STUCK_AFTER_MINUTES', 'STAGE', 'POWERTOOLS_METRICS_DISABLED']) {
    if (SAVED_ENV[key] === undefined) delete process.env[key];
    else process.env[key] = SAVED_ENV[key];
  }
});

const MACHINE = process.env.STATE_MACHINE_ARN!; // arn:aws:states:us-east-1:000000000000:stateMachine:order-pipeline-test
const arnOf = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:order-pipeline-test:${name}`;
const ORDERS = process.env.ORDERS_TABLE!;

/** The scheduled time of the run, and the clock a little later (EventBridge delivers within seconds). */
const TICK = '2026-11-24T12:00:00Z';
const NOW = new Date('2026-11-24T12:00:20Z');
/** Inside the run's window: the 5 minutes before TICK. */
const IN_WINDOW = new Date('2026-11-24T11:57:00Z');
/** In the previous run's window: it alarmed then. */
const BEFORE_WINDOW = new Date('2026-11-24T11:52:00Z');

function scheduledEvent(time = TICK): ScheduledEvent {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time,
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:000000000000:rule/order-pipeline-test-reconcile'],
    detail: {},
  };
}
const run = (event: unknown = scheduledEvent()) => handler(event as ScheduledEvent, lambdaContext('order-pipeline-test-reconcile'));

// ---- the fake state machine -----------------------------------------------------------------------------------------
interface FakeExecution {
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  stopDate?: Date;
  redriveCount?: number;
  redriveStatusReason?: string;
  history: HistoryEvent[];
}

let executions: FakeExecution[];
/** How many executions one ListExecutions page holds (the service may return fewer than maxResults). */
let listPage: number;

function events(...parts: Array<[HistoryEvent['type'], string?]>): HistoryEvent[] {
  return parts.map(([type, name], i) => ({
    id: i + 1,
    previousEventId: i,
    timestamp: new Date(NOW.getTime() - 60_000 + i),
    type,
    ...(name ? { stateEnteredEventDetails: { name } } : {}),
  }));
}

/** The history of an execution that got through ReceiveOrder and then failed in `state` after 5 attempts. */
function failedIn(state: string, attempts = 5): HistoryEvent[] {
  const tries = Array.from({ length: attempts }, () => [['TaskScheduled'], ['TaskStarted'], ['TaskFailed']] as Array<[HistoryEvent['type']]>).flat();
  return events(['ExecutionStarted'], ['TaskStateEntered', 'ReceiveOrder'], ['TaskScheduled'], ['TaskStarted'], ['TaskSucceeded'], ['TaskStateExited'], ['TaskStateEntered', state], ...tries, ['ExecutionFailed']);
}

/** A completed compensation: NotifyFailure succeeded, then the Fail state OrderFailed. */
const compensated = () =>
  events(['ExecutionStarted'], ['TaskStateEntered', 'NotifyFailure'], ['TaskScheduled'], ['TaskStarted'], ['TaskSucceeded'], ['TaskStateExited'], ['FailStateEntered', 'OrderFailed'], ['ExecutionFailed']);

function stopped(name: string, status: FakeExecution['status'], history: HistoryEvent[], extra: Partial<FakeExecution> = {}): FakeExecution {
  return { name, status, stopDate: IN_WINDOW, history, ...extra };
}

const find = (arn: string) => executions.find((execution) => arnOf(execution.name) === arn);

function installStepFunctions(): void {
  sfnMock.on(ListExecutionsCommand).callsFake(async (input: { stateMachineArn: string; statusFilter?: string; maxResults?: number; nextToken?: string }) => {
    expect(input.stateMachineArn).toBe(MACHINE);
    const matching = executions.filter((execution) => execution.status === input.statusFilter);
    const offset = input.nextToken ? Number(input.nextToken.slice('page-'.length)) : 0;
    const size = Math.min(listPage, input.maxResults ?? 100);
    const page = matching.slice(offset, offset + size);
    return {
      executions: page.map((execution) => ({
        executionArn: arnOf(execution.name),
        stateMachineArn: MACHINE,
        name: execution.name,
        status: execution.status,
        startDate: new Date(NOW.getTime() - 3_600_000),
        ...(execution.stopDate ? { stopDate: execution.stopDate } : {}),
        redriveCount: execution.redriveCount ?? 0,
      })),
      ...(offset + size < matching.length ? { nextToken: `page-${offset + size}` } : {}),
    };
  });
  sfnMock.on(GetExecutionHistoryCommand).callsFake(async (input: { executionArn: string; reverseOrder?: boolean; maxResults?: number; nextToken?: string }) => {
    const execution = find(input.executionArn);
    if (!execution) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${input.executionArn}'`, $metadata: {} });
    const ordered = input.reverseOrder ? [...execution.history].reverse() : execution.history;
    const offset = input.nextToken ? Number(input.nextToken) : 0;
    const size = input.maxResults ?? 100;
    return { events: ordered.slice(offset, offset + size), ...(offset + size < ordered.length ? { nextToken: String(offset + size) } : {}) };
  });
  sfnMock.on(DescribeExecutionCommand).callsFake(async ({ executionArn }: { executionArn: string }) => {
    const execution = find(executionArn);
    if (!execution) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${executionArn}'`, $metadata: {} });
    return {
      executionArn,
      stateMachineArn: MACHINE,
      name: execution.name,
      status: execution.status,
      startDate: new Date(NOW.getTime() - 3_600_000),
      redriveCount: execution.redriveCount ?? 0,
      ...(execution.status === 'RUNNING' || execution.status === 'SUCCEEDED' || execution.redriveStatusReason
        ? { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: execution.redriveStatusReason ?? `Execution is ${execution.status}` }
        : { redriveStatus: 'REDRIVABLE' }),
    };
  });
  sfnMock.on(RedriveExecutionCommand).callsFake(async ({ executionArn }: { executionArn: string }) => {
    const execution = find(executionArn);
    if (!execution) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${executionArn}'`, $metadata: {} });
    if (!['FAILED', 'ABORTED', 'TIMED_OUT'].includes(execution.status)) {
      throw new ExecutionNotRedrivable({ message: `Execution is ${execution.status} and cannot be redriven`, $metadata: {} });
    }
    execution.status = 'RUNNING';
    execution.redriveCount = (execution.redriveCount ?? 0) + 1;
    return { redriveDate: NOW };
  });
}

const redriven = () => sfnMock.commandCalls(RedriveExecutionCommand).map((call) => call.args[0].input);
const redrivenNames = () => redriven().map((input) => input.executionArn!.split(':').at(-1));

// ---- the fake Orders table -------------------------------------------------------------------------------------------
interface OrderItem {
  orderId: string;
  status: string;
  createdAt: string;
  [attribute: string]: unknown;
}
let orders: OrderItem[];

/** Scan with its FilterExpression evaluated on the values the request sends (the shape is asserted too). */
function installOrders(pageSize = 100): void {
  ddbMock.on(ScanCommand).callsFake(async (input) => {
    expect(input.TableName).toBe(ORDERS);
    expect(input.FilterExpression).toBe('NOT (#status IN (:final0, :final1, :final2)) AND #createdAt < :before');
    expect(input.ExpressionAttributeNames).toEqual({ '#status': 'status', '#createdAt': 'createdAt' });
    const values = input.ExpressionAttributeValues as Record<string, string>;
    const finals = [values[':final0'], values[':final1'], values[':final2']];
    const offset = input.ExclusiveStartKey ? orders.findIndex((o) => o.orderId === (input.ExclusiveStartKey as { orderId: string }).orderId) + 1 : 0;
    const page = orders.slice(offset, offset + pageSize);
    return {
      Items: page.filter((order) => !finals.includes(order.status) && order.createdAt < values[':before']!).map(({ orderId, status, createdAt }) => ({ orderId, status, createdAt })),
      ...(offset + pageSize < orders.length ? { LastEvaluatedKey: { orderId: page.at(-1)!.orderId } } : {}),
    };
  });
}

// ---- stdout: the log lines and EMF documents ------------------------------------------------------------------------
let written: string[];
function emf(): Record<string, unknown> {
  const documents = written
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, any>);
  const business = documents.filter((doc) => doc._aws.CloudWatchMetrics[0].Metrics.some((m: { Name: string }) => m.Name === 'StuckOrders'));
  expect(business, 'one EMF document with the run metrics').toHaveLength(1);
  return business[0]!;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  resetAwsMocks();
  executions = [];
  orders = [];
  listPage = 100;
  installStepFunctions();
  installOrders();
  snsMock.on(PublishCommand).resolves({ MessageId: 'ops-msg-1' });
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

// ---- the tests -------------------------------------------------------------------------------------------------------
describe('reconcile: executions that stopped before their order was settled', () => {
  it.each(['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure', 'RecordConfirmationFailure', 'RecordRejectionFailure'])(
    'redrives an execution FAILED in the compensation step %s, once, with an idempotency token',
    async (state) => {
      executions = [stopped('ord-comp', 'FAILED', failedIn(state))];
      const report = await run();
      expect(redriven()).toEqual([{ executionArn: arnOf('ord-comp'), clientToken: 'reconciler-redrive-1' }]);
      expect(report.redriven).toMatchObject([{ orderId: 'ord-comp', status: 'FAILED', state, redriveCount: 0 }]);
      expect(snsMock).not.toHaveReceivedAnyCommand();
    },
  );

  it.each(['ABORTED', 'TIMED_OUT'] as const)('redrives an execution that was %s (stopped from outside), without reading its history', async (status) => {
    executions = [stopped('ord-stopped', status, events(['ExecutionStarted'], ['TaskStateEntered', 'ValidatePayment']))];
    const report = await run();
    expect(redrivenNames()).toEqual(['ord-stopped']);
    expect(report.redriven).toMatchObject([{ orderId: 'ord-stopped', status }]);
    expect(sfnMock).not.toHaveReceivedCommand(GetExecutionHistoryCommand);
  });

  it('leaves an execution that ended at OrderFailed alone: its compensation completed', async () => {
    executions = [stopped('ord-done', 'FAILED', compensated())];
    const report = await run();
    expect(redriven()).toEqual([]);
    expect(report.compensated).toBe(1);
    expect(snsMock).not.toHaveReceivedAnyCommand();
  });

  it('does not redrive an execution that failed outside compensation (States.Runtime in ValidatePayment): it alarms', async () => {
    executions = [stopped('ord-runtime', 'FAILED', failedIn('ValidatePayment', 1))];
    const report = await run();
    expect(redriven()).toEqual([]);
    expect(report.failedOutsideCompensation).toMatchObject([{ orderId: 'ord-runtime', state: 'ValidatePayment', verdict: 'failed-outside-compensation' }]);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message).toContain(arnOf('ord-runtime'));
  });

  it('reads the history newest first, without execution data (inputs hold e-mails), paging until a state is named', async () => {
    // 12 attempts: the state's TaskStateEntered lies beyond the first page of 25 events.
    executions = [stopped('ord-long', 'FAILED', failedIn('VoidPayment', 12))];
    await run();
    const calls = sfnMock.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input);
    expect(calls.length).toBe(2);
    for (const input of calls) expect(input).toMatchObject({ executionArn: arnOf('ord-long'), reverseOrder: true, includeExecutionData: false });
    expect(calls[0]!.nextToken).toBeUndefined();
    expect(calls[1]!.nextToken).toBe(String(calls[0]!.maxResults));
    expect(redrivenNames()).toEqual(['ord-long']);
  });

  it('pages through ListExecutions (nextToken) for each status: every page is examined', async () => {
    listPage = 2;
    executions = [
      ...['a', 'b', 'c', 'd', 'e'].map((n) => stopped(`ord-f-${n}`, 'FAILED', failedIn('ReleaseStock'))),
      ...['a', 'b', 'c'].map((n) => stopped(`ord-x-${n}`, 'ABORTED', events(['ExecutionStarted']))),
    ];
    const report = await run();
    expect(redrivenNames().sort()).toEqual(['ord-f-a', 'ord-f-b', 'ord-f-c', 'ord-f-d', 'ord-f-e', 'ord-x-a', 'ord-x-b', 'ord-x-c']);
    expect(report.redriven).toHaveLength(8);
    const failedPages = sfnMock
      .commandCalls(ListExecutionsCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.statusFilter === 'FAILED');
    expect(failedPages.map((input) => input.nextToken)).toEqual([undefined, 'page-2', 'page-4']);
    expect(sfnMock.commandCalls(ListExecutionsCommand).map((call) => call.args[0].input.statusFilter).sort()).toEqual(
      ['ABORTED', 'ABORTED', 'FAILED', 'FAILED', 'FAILED', 'TIMED_OUT'],
    );
  });

  it('leaves executions that stopped more than 14 days ago: redrive no longer applies', async () => {
    executions = [stopped('ord-old', 'ABORTED', [], { stopDate: new Date(NOW.getTime() - 15 * 24 * 3600 * 1000) })];
    const report = await run();
    expect(report.tooOld).toBe(1);
    expect(sfnMock).not.toHaveReceivedCommand(DescribeExecutionCommand);
    expect(redriven()).toEqual([]);
  });
});

describe('reconcile: the redrive cap (3 here)', () => {
  it('redrives an execution redriven twice (its third), and not one redriven three times: that one alarms', async () => {
    executions = [
      stopped('ord-two', 'FAILED', failedIn('ReleaseStock'), { redriveCount: 2 }),
      stopped('ord-three', 'FAILED', failedIn('ReleaseStock'), { redriveCount: 3 }),
    ];
    const report = await run();
    expect(redriven()).toEqual([{ executionArn: arnOf('ord-two'), clientToken: 'reconciler-redrive-3' }]);
    expect(report.pastCap).toMatchObject([{ orderId: 'ord-three', redriveCount: 3, verdict: 'past-cap' }]);
  });

  it('publishes one alarm on the operations topic for all the executions past the cap, naming each and the command', async () => {
    executions = [
      stopped('ord-p1', 'FAILED', failedIn('VoidPayment'), { redriveCount: 3 }),
      stopped('ord-p2', 'ABORTED', [], { redriveCount: 5 }),
    ];
    const report = await run();
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe(OPERATIONS_TOPIC);
    expect(input.Subject).toBe('order-pipeline test: 2 executions need a person');
    expect(input.Subject!.length).toBeLessThanOrEqual(100); // SNS: a subject is at most 100 characters
    for (const name of ['ord-p1', 'ord-p2']) expect(input.Message).toContain(arnOf(name));
    expect(input.Message).toContain('in VoidPayment');
    expect(input.Message).toContain('aws stepfunctions redrive-execution --execution-arn');
    // Not an order notice: without orderId/eventType attributes the consistency check does not count it as one.
    expect(input.MessageAttributes).toBeUndefined();
    expect(report.alarmed.sort()).toEqual([arnOf('ord-p1'), arnOf('ord-p2')]);
    expect(report.alarmMessageId).toBe('ops-msg-1');
    expect(redriven()).toEqual([]);
  });

  it('alarms once per execution: the next run, whose window no longer holds its stop, does not alarm again', async () => {
    executions = [stopped('ord-capped', 'FAILED', failedIn('ReleaseStock'), { redriveCount: 3, stopDate: IN_WINDOW })];
    await run(scheduledEvent('2026-11-24T12:00:00Z'));
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    snsMock.resetHistory();
    vi.setSystemTime(new Date('2026-11-24T12:05:20Z'));
    const next = await run(scheduledEvent('2026-11-24T12:05:00Z'));
    expect(next.pastCap).toHaveLength(1); // still past the cap, still counted (metric)...
    expect(snsMock).not.toHaveReceivedAnyCommand(); // ...but alarmed by the run before
  });

  it('does not alarm for what stopped in the previous window, nor for what stopped after its own scheduled time', async () => {
    executions = [
      stopped('ord-earlier', 'FAILED', failedIn('ReleaseStock'), { redriveCount: 3, stopDate: BEFORE_WINDOW }),
      stopped('ord-later', 'FAILED', failedIn('ReleaseStock'), { redriveCount: 3, stopDate: new Date('2026-11-24T12:00:10Z') }),
    ];
    const report = await run();
    expect(report.pastCap).toHaveLength(2);
    expect(snsMock).not.toHaveReceivedAnyCommand();
  });

  it('takes the window from the caller when it is not EventBridge (detail.intervalSeconds: the local timer)', async () => {
    executions = [stopped('ord-capped', 'FAILED', failedIn('ReleaseStock'), { redriveCount: 3, stopDate: BEFORE_WINDOW })];
    await run({ ...scheduledEvent(), detail: { intervalSeconds: 600 } });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('alarms for nothing in a run by hand (intervalSeconds 0), but still reports what is past the cap', async () => {
    executions = [stopped('ord-capped', 'FAILED', failedIn('ReleaseStock'), { redriveCount: 3, stopDate: IN_WINDOW })];
    const report = await run({ ...scheduledEvent(), detail: { intervalSeconds: 0 } });
    expect(report.pastCap).toMatchObject([{ orderId: 'ord-capped' }]);
    expect(snsMock).not.toHaveReceivedAnyCommand();
  });
});

describe('reconcile: what Step Functions refuses', () => {
  it('counts an ExecutionNotRedrivable answer (it was redriven meanwhile), does not crash, and goes on', async () => {
    executions = [stopped('ord-race', 'FAILED', failedIn('ReleaseStock')), stopped('ord-next', 'ABORTED', [])];
    // Another run redrove ord-race between this run's DescribeExecution and its RedriveExecution.
    sfnMock.on(RedriveExecutionCommand, { executionArn: arnOf('ord-race') }).rejects(
      new ExecutionNotRedrivable({ message: 'Execution is RUNNING and cannot be redriven', $metadata: { httpStatusCode: 400 } }),
    );
    const report = await run();
    expect(report.notRedrivable).toMatchObject([{ orderId: 'ord-race', verdict: 'not-redrivable', detail: 'Execution is RUNNING and cannot be redriven' }]);
    expect(report.redriven).toMatchObject([{ orderId: 'ord-next' }]);
    expect(report.errors).toEqual([]);
  });

  it('does not ask to redrive what DescribeExecution says is NOT_REDRIVABLE, and says why', async () => {
    executions = [stopped('ord-long-history', 'FAILED', failedIn('MarkFailed'), { redriveStatusReason: 'Execution history event limit exceeded' })];
    const report = await run();
    expect(redriven()).toEqual([]);
    expect(report.notRedrivable).toMatchObject([{ orderId: 'ord-long-history', detail: 'Execution history event limit exceeded' }]);
  });

  it('a call that fails (throttled) is left for the next run: the rest is done, then the run fails, metrics published', async () => {
    executions = [stopped('ord-throttled', 'ABORTED', []), stopped('ord-fine', 'ABORTED', [])];
    sfnMock.on(DescribeExecutionCommand, { executionArn: arnOf('ord-throttled') }).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));
    const error = await rejectionOf(run());
    expect(error.name).toBe('ReconcileIncomplete');
    expect(error.message).toContain(arnOf('ord-throttled'));
    expect(redrivenNames()).toEqual(['ord-fine']);
    expect(emf()).toMatchObject({ ExecutionsRedriven: 1 });
  });
});

describe('reconcile: stuck orders', () => {
  const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

  it('reports orders not final 30 minutes after creation with no running execution; younger, final or running ones are not', async () => {
    orders = [
      { orderId: 'ord-young', status: 'RECEIVED', createdAt: minutesAgo(29) }, // under the age
      { orderId: 'ord-final', status: 'CONFIRMED', createdAt: minutesAgo(90) },
      { orderId: 'ord-rejected', status: 'REJECTED', createdAt: minutesAgo(90) },
      { orderId: 'ord-failed', status: 'FAILED', createdAt: minutesAgo(90) },
      { orderId: 'ord-running', status: 'PAYMENT_APPROVED', createdAt: minutesAgo(45) }, // its execution still runs
      { orderId: 'ord-stuck', status: 'STOCK_RESERVED', createdAt: minutesAgo(31) }, // execution FAILED past the cap
      { orderId: 'ord-orphan', status: 'RECEIVED', createdAt: minutesAgo(120) }, // no execution at all
    ];
    executions = [
      { name: 'ord-running', status: 'RUNNING', history: [] },
      stopped('ord-stuck', 'FAILED', failedIn('ReleaseStock'), { redriveCount: 3, stopDate: BEFORE_WINDOW }),
    ];
    const report = await run();
    expect(report.stuckOrders.map(({ orderId, status, execution }) => ({ orderId, status, execution })).sort((a, b) => a.orderId.localeCompare(b.orderId))).toEqual([
      { orderId: 'ord-orphan', status: 'RECEIVED', execution: 'NONE' },
      { orderId: 'ord-stuck', status: 'STOCK_RESERVED', execution: 'FAILED' },
    ]);
    // The final statuses the Scan leaves out are exactly these three (domain/order.ts FINAL_STATUSES).
    const values = ddbMock.commandCalls(ScanCommand)[0]!.args[0].input.ExpressionAttributeValues as Record<string, string>;
    expect([values[':final0'], values[':final1'], values[':final2']].sort()).toEqual(['CONFIRMED', 'FAILED', 'REJECTED']);
    expect(values[':before']).toBe('2026-11-24T11:30:20.000Z');
  });

  it('checks after redriving: an order whose execution this run redrove is running, not stuck', async () => {
    orders = [{ orderId: 'ord-redriven', status: 'PAYMENT_APPROVED', createdAt: minutesAgo(60) }];
    executions = [stopped('ord-redriven', 'FAILED', failedIn('VoidPayment'), { redriveCount: 1 })];
    const report = await run();
    expect(redrivenNames()).toEqual(['ord-redriven']);
    expect(report.stuckOrders).toEqual([]);
  });

  it('reads the whole table, page by page, strongly consistent (a just-finished order must not look open)', async () => {
    installOrders(2);
    orders = ['a', 'b', 'c', 'd', 'e'].map((n) => ({ orderId: `ord-${n}`, status: 'RECEIVED', createdAt: minutesAgo(60) }));
    const report = await run();
    expect(report.stuckOrders).toHaveLength(5);
    const scans = ddbMock.commandCalls(ScanCommand).map((call) => call.args[0].input);
    expect(scans).toHaveLength(3);
    for (const scan of scans) expect(scan.ConsistentRead).toBe(true);
  });

  it('publishes StuckOrders (and the redrive counts) as EMF under the service and stage, 0 included', async () => {
    orders = [
      { orderId: 'ord-s1', status: 'RECEIVED', createdAt: minutesAgo(60) },
      { orderId: 'ord-s2', status: 'PAYMENT_APPROVED', createdAt: minutesAgo(60) },
    ];
    await run();
    const document = emf() as Record<string, any>;
    expect(document).toMatchObject({ StuckOrders: 2, ExecutionsRedriven: 0, ExecutionsPastRedriveCap: 0, service: 'order-pipeline', stage: 'test' });
    const set = document._aws.CloudWatchMetrics[0];
    expect(set.Namespace).toBe('OrderPipeline');
    expect(set.Dimensions).toEqual([['service', 'stage']]);
    expect(set.Metrics).toContainEqual({ Name: 'StuckOrders', Unit: 'Count' });

    written = [];
    orders = [];
    await run();
    expect(emf()).toMatchObject({ StuckOrders: 0 });
  });
});
