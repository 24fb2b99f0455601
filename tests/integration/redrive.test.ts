// Redrive on the real workflow (local stack, the real handlers and DynamoDB Local), through the local AWS endpoint
// as `aws stepfunctions redrive-execution` would call it on AWS, and with `npm run redrive`:
// - a FAILED order (the provider keeps failing: ValidatePayment's retries run out, compensation runs, the execution
//   ends in the Fail state OrderFailed) resumes at OrderFailed and fails there again: nothing that succeeded runs
//   twice;
// - an order ABORTED while ValidatePayment waited to retry starts no task after the abort, and redriven, resumes at
//   ValidatePayment and ends CONFIRMED with one authorization;
// - with --persist, an order waiting between retries when the stack stops is recorded ABORTED with its history, and
//   a new stack on the same folder lists it and redrives it to CONFIRMED.
// AWS's rules (API reference RedriveExecution and DescribeExecution; LocalStack's AWS-validated snapshot
// base/test_base.snapshot.json test_state_fail: an execution that failed in a Fail state is REDRIVABLE) are named in
// tests/local/redrive.test.ts; these tests check that the workflow's guarantees hold across a redrive.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeExecutionCommand,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SFNClient,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import type { Order } from '../../domain/order.ts';
import { resetFaults } from '../../lib/faults.ts';
import { interruptedExecutions, type ExecutionRecord } from '../../local/engine/executions.ts';
import { STACK_STOPPED_CAUSE } from '../../local/engine/stepFunctions.ts';
import { projectRoot } from '../../local/stack/serverlessConfig.ts';
import { startLocalStack, type LocalStack } from '../../local/stack/stack.ts';
import { localStackOptions, useLocalStack } from '../support/localStack.ts';
import { eventTypeOf, ledgerFor, orderInput, stockOf } from '../workflow/support.ts';

const run = promisify(execFile);

function sfnFor(stack: LocalStack): SFNClient {
  return new SFNClient({ endpoint: stack.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'someone', secretAccessKey: 'local' } });
}

async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** TaskScheduled events per state (task events belong to the state entered last). */
function scheduledPerState(history: Array<{ type?: string; stateEnteredEventDetails?: { name?: string } }>): Record<string, number> {
  const counts: Record<string, number> = {};
  let state = '';
  for (const event of history) {
    if (event.type?.endsWith('StateEntered')) state = event.stateEnteredEventDetails!.name!;
    if (event.type === 'TaskScheduled') counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}

function expectOneChain(history: Array<{ id?: number; previousEventId?: number }>): void {
  history.forEach((event, i) => {
    expect(event.id).toBe(i + 1);
    expect(event.previousEventId).toBeLessThan(event.id!);
  });
}

async function untilTaskFailed(stack: LocalStack, name: string, state: string): Promise<ExecutionRecord> {
  for (let i = 0; i < 3000; i++) {
    const record = stack.executions.get(name)!;
    let current = '';
    for (const event of record.history) {
      if (event.type.endsWith('StateEntered')) current = (event.stateEnteredEventDetails as { name: string }).name;
      if (event.type === 'TaskFailed' && current === state) return record;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${name}: no TaskFailed in ${state}`);
}

/** `npm run redrive -- <orderId> --endpoint <url> [--json]` in its own process. */
async function redriveCommand(stack: LocalStack, orderId: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'local/commands/redrive.ts', orderId, '--endpoint', stack.awsEndpoint, ...args], { cwd: projectRoot, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('a FAILED order (the provider kept failing) redriven: it resumes at the Fail state OrderFailed and fails again', () => {
  const stack = useLocalStack();

  it('adds ExecutionRedriven and OrderFailed only: no task runs again, nothing is authorized, notified or moved twice', async () => {
    const sfn = sfnFor(stack.current);
    const started = stack.current.startExecution(orderInput([{ sku: 'SKU-1', quantity: 1 }], 'tok_chargeDeclinedProcessingError'));
    const failed = await stack.current.waitForExecution(started.name, 60_000);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'OrderFailed' });
    const before = await historyOf(sfn, failed.executionArn);
    const tasksBefore = scheduledPerState(before);
    expect(tasksBefore.ValidatePayment).toBe(5); // 1 + MaxAttempts 4
    const stockBefore = await stockOf(stack.current);
    const messagesBefore = stack.current.outbox.forOrder(started.name).map(eventTypeOf);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: failed.executionArn }))).toMatchObject({ redriveStatus: 'REDRIVABLE', redriveCount: 0 });

    const { redriveDate } = await sfn.send(new RedriveExecutionCommand({ executionArn: failed.executionArn }));
    expect(redriveDate).toBeInstanceOf(Date);
    const again = await stack.current.waitForExecution(started.name, 60_000);
    expect(again).toMatchObject({ status: 'FAILED', error: 'OrderFailed', cause: failed.cause, redriveCount: 1 });
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: failed.executionArn }));
    expect(described).toMatchObject({ status: 'FAILED', redriveCount: 1, redriveStatus: 'REDRIVABLE' });
    expect(described.redriveDate!.getTime()).toBe(redriveDate!.getTime());

    const after = await historyOf(sfn, failed.executionArn);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((event) => event.type)).toEqual(['ExecutionRedriven', 'FailStateEntered', 'ExecutionFailed']);
    expect(after[before.length]!.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    const firstEntry = before.find((event) => event.type === 'FailStateEntered')!;
    expect(after[before.length + 1]!.stateEnteredEventDetails).toEqual(firstEntry.stateEnteredEventDetails);
    expect(scheduledPerState(after)).toEqual(tasksBefore);
    expectOneChain(after);

    expect(((await stack.current.order(started.name)) as unknown as Order).status).toBe('FAILED');
    expect(await ledgerFor(stack.current, started.name)).toEqual([]);
    expect(await stockOf(stack.current)).toEqual(stockBefore);
    expect(stack.current.outbox.forOrder(started.name).map(eventTypeOf)).toEqual(messagesBefore);
    expect((await stack.current.checkConsistency()).violations).toEqual([]);
  }, 90_000);

  it('npm run redrive: exit 1 when it fails again (outcome JSON on stdout), 2 for an execution that cannot be redriven or does not exist, or no stack', async () => {
    const failed = stack.current.startExecution(orderInput([{ sku: 'SKU-1', quantity: 1 }], 'tok_chargeDeclinedProcessingError'));
    await stack.current.waitForExecution(failed.name, 60_000);
    const again = await redriveCommand(stack.current, failed.name);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ orderId: failed.name, status: 'FAILED', execution: { status: 'FAILED', error: 'OrderFailed', redriveCount: 1 } });
    expect(again.stderr).toMatch(/REDRIVEN\s+redrive 1/);
    expect(again.stderr).toMatch(/OrderFailed\s+entered/);
    expect(again.stderr).toMatch(new RegExp(`execution ${failed.name} FAILED \\(OrderFailed\\) after redrive 1: order FAILED`));

    const confirmed = stack.current.startExecution(orderInput([{ sku: 'SKU-1', quantity: 1 }]));
    expect((await stack.current.waitForExecution(confirmed.name, 60_000)).status).toBe('SUCCEEDED');
    const refused = await redriveCommand(stack.current, confirmed.name, '--json');
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe(`npm run redrive: the execution of order ${confirmed.name} cannot be redriven: Execution is SUCCEEDED and cannot be redriven\n`);
    await expect(sfnFor(stack.current).send(new RedriveExecutionCommand({ executionArn: confirmed.executionArn }))).rejects.toBeInstanceOf(ExecutionNotRedrivable);

    const missing = await redriveCommand(stack.current, 'no-such-order');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no execution for order no-such-order on the stack at http:\/\/127\.0\.0\.1:\d+/);

    const nobody = await run(process.execPath, ['--import', 'tsx', 'local/commands/redrive.ts', failed.name, '--aws-port', '1'], { cwd: projectRoot, timeout: 30_000 }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(nobody).toMatchObject({ code: 2, stderr: expect.stringMatching(/^npm run redrive: no local stack answers on http:\/\/127\.0\.0\.1:1 .*npm start/) });
  }, 120_000);
});

describe('an order ABORTED while ValidatePayment waits to retry, then redriven to completion', () => {
  // One transient payment failure; the retry would come 3 s later (the other states' waits are 0).
  const stack = useLocalStack({
    faults: 'payments:TransientError:1',
    retryIntervalOverrides: {
      ReceiveOrder: 0,
      ValidatePayment: 3_000,
      UpdateStock: 0,
      SendConfirmation: 0,
      RecordConfirmationFailure: 0,
      RejectOrder: 0,
      RecordRejectionFailure: 0,
      ReleaseStock: 0,
      VoidPayment: 0,
      MarkFailed: 0,
      NotifyFailure: 0,
    },
  });

  it('no task runs and no payment is authorized after the abort; the redrive resumes at ValidatePayment, authorizes once and confirms', async () => {
    resetFaults(); // FAULTS counts from here
    const sfn = sfnFor(stack.current);
    const stockBefore = await stockOf(stack.current);
    const invoked: string[] = [];
    const lambda = stack.current.lambda;
    const invoke = lambda.invoke.bind(lambda);
    lambda.invoke = async (key, event) => {
      invoked.push(key);
      return invoke(key, event);
    };
    try {
      const started = stack.current.startExecution(orderInput([{ sku: 'SKU-2', quantity: 2 }]));
      await untilTaskFailed(stack.current, started.name, 'ValidatePayment');
      const calledBeforeStop = invoked.length;
      await sfn.send(new StopExecutionCommand({ executionArn: started.executionArn, error: 'Operator', cause: 'stopped mid-retry' }));
      const aborted = await stack.current.waitForExecution(started.name, 10_000);
      expect(aborted).toMatchObject({ status: 'ABORTED', error: 'Operator' });
      // Past the moment the retry was due: nothing ran, nothing was authorized, the order is still RECEIVED.
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(invoked).toHaveLength(calledBeforeStop);
      expect(aborted.history.at(-1)!.type).toBe('ExecutionAborted');
      expect(aborted.history.filter((event) => event.type === 'ExecutionAborted')).toHaveLength(1);
      expect(await ledgerFor(stack.current, started.name)).toEqual([]);
      expect(((await stack.current.order(started.name)) as unknown as Order).status).toBe('RECEIVED');
      const abortedEvents = aborted.history.length;

      await sfn.send(new RedriveExecutionCommand({ executionArn: started.executionArn }));
      const done = await stack.current.waitForExecution(started.name, 60_000);
      expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      expect(JSON.parse(done.output!)).toMatchObject({ orderId: started.name, status: 'CONFIRMED' });
      const history = await historyOf(sfn, started.executionArn);
      expect(history[abortedEvents]).toMatchObject({ type: 'ExecutionRedriven', previousEventId: abortedEvents, executionRedrivenEventDetails: { redriveCount: 1 } });
      expect(history[abortedEvents + 1]).toMatchObject({ type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'ValidatePayment' } });
      // ReceiveOrder ran once (not again); ValidatePayment failed once, then once more after the redrive.
      expect(scheduledPerState(history)).toEqual({ ReceiveOrder: 1, ValidatePayment: 2, UpdateStock: 1, SendConfirmation: 1 });
      expectOneChain(history);

      const order = (await stack.current.order(started.name)) as unknown as Order;
      expect(order.status).toBe('CONFIRMED');
      expect((await ledgerFor(stack.current, started.name)).map((entry) => entry.status)).toEqual(['AUTHORIZED']);
      expect((await stockOf(stack.current))['SKU-2']).toBe(stockBefore['SKU-2']! - 2);
      expect(stack.current.outbox.forOrder(started.name).map(eventTypeOf)).toEqual(['OrderConfirmed']);
      expect((await stack.current.checkConsistency()).violations).toEqual([]);
    } finally {
      delete (lambda as { invoke?: unknown }).invoke;
    }
  }, 90_000);
});

describe('durable local executions (--persist): an order waiting between retries at shutdown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redrive-persist-'));
  const accessKeyId = `test${randomUUID().replaceAll('-', '')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is recorded ABORTED with its history; the next start on the folder lists it, and a redrive confirms it', async () => {
    resetFaults(); // the same FAULTS as above, counted afresh
    const first = await startLocalStack(
      localStackOptions({ persistDir: dir, accessKeyId, faults: 'payments:TransientError:1', retryIntervalOverrides: { ValidatePayment: 60_000 } }),
    );
    let orderId: string;
    try {
      orderId = first.startExecution(orderInput([{ sku: 'SKU-3', quantity: 1 }])).name;
      await untilTaskFailed(first, orderId, 'ValidatePayment');
    } finally {
      await first.stop();
    }
    const saved = (JSON.parse(readFileSync(join(dir, 'executions.json'), 'utf8')) as ExecutionRecord[]).find((entry) => entry.name === orderId)!;
    expect(saved.status).toBe('ABORTED');
    expect(saved.history.at(-1)).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { cause: STACK_STOPPED_CAUSE } });
    expect(saved.history.map((event) => event.type)).toContain('TaskFailed');

    const second = await startLocalStack(localStackOptions({ persistDir: dir, accessKeyId }));
    try {
      expect(interruptedExecutions(second.executions).map((execution) => execution.name)).toEqual([orderId]);
      expect(await ledgerFor(second, orderId)).toEqual([]);
      const redriven = await redriveCommand(second, orderId, '--json');
      expect(redriven.code).toBe(0);
      expect(JSON.parse(redriven.stdout)).toMatchObject({ orderId, status: 'CONFIRMED', execution: { status: 'SUCCEEDED', redriveCount: 1 } });
      const done = second.executions.get(orderId)!;
      expect(scheduledPerState(done.history)).toEqual({ ReceiveOrder: 1, ValidatePayment: 2, UpdateStock: 1, SendConfirmation: 1 });
      expect((await ledgerFor(second, orderId)).map((entry) => entry.status)).toEqual(['AUTHORIZED']);
      expect(interruptedExecutions(second.executions)).toEqual([]);
      expect((await second.checkConsistency()).violations).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 180_000);
});
