// FAULTS on the real workflow (local stack, retry pauses 0): a transient fault in any adapter is retried and the
// order still ends CONFIRMED; a persistent one (`always`) ends in compensation and a final status, or - when it
// keeps a compensation step from finishing - fails the execution at that step until a redrive completes it. After
// every case the whole stack is checked: guarantees 1-4 hold (checkConsistency over the tables and the outbox).
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { Order } from '../../domain/order.ts';
import { FAULT_ADAPTERS, FaultConfigError, faultCounters, resetFaults, type FaultAdapter } from '../../lib/faults.ts';
import type { ExecutionRecord } from '../../local/engine/executions.ts';
import { runLoad } from '../../local/commands/load.ts';
import { projectRoot } from '../../local/stack/serverlessConfig.ts';
import { scanTable } from '../../local/consistency/snapshot.ts';
import { startLocalStack } from '../../local/stack/stack.ts';
import { useLocalStack } from '../support/localStack.ts';
import { retriesOf } from '../workflow/support.ts';

const stack = useLocalStack();

/** A port nothing listens on (taken and released at once). */
function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}
const run = promisify(execFile);

const TRANSIENT_ERRORS = ['TransientError', 'ProvisionedThroughputExceededException', 'ThrottlingException', 'InternalErrorException'];
/** The state whose task makes the adapter's first call, and so is retried. */
const FIRST_CALLED_BY: Record<FaultAdapter, string> = {
  payments: 'ValidatePayment',
  inventory: 'ReceiveOrder',
  orders: 'ReceiveOrder',
  sns: 'SendConfirmation',
};

function orderInput(token = 'tok_visa', items = [{ sku: 'SKU-5', quantity: 1 }]) {
  return { customer: { id: 'cust-faults', email: 'faults@example.com', name: 'Fay Ults' }, items, payment: { token } };
}

interface Outcome {
  execution: ExecutionRecord;
  order: Order;
  injected: Record<FaultAdapter, number>;
  messages: string[];
}

/**
 * Runs one execution with FAULTS set: from the start, or only from the moment the workflow invokes `armAt`
 * (a function key), so a fault can hit a later step. FAULTS is cleared (and its counts reset) afterwards.
 */
async function withFaults(faults: string, input: unknown = orderInput(), armAt?: string): Promise<Outcome> {
  const { lambda } = stack.current;
  resetFaults();
  if (armAt) {
    const invoke = lambda.invoke.bind(lambda);
    lambda.invoke = async (key, event) => {
      if (key === armAt) process.env.FAULTS = faults;
      return invoke(key, event);
    };
  } else {
    process.env.FAULTS = faults;
  }
  try {
    const started = stack.current.startExecution(input);
    const execution = await stack.current.waitForExecution(started.name, 20_000);
    const order = (await stack.current.order(started.name)) as unknown as Order;
    const messages = stack.current.outbox.forOrder(started.name).map((m) => m.attributes.eventType?.StringValue ?? '?');
    return { execution, order, injected: faultCounters().injected, messages };
  } finally {
    delete process.env.FAULTS;
    // Back to the prototype's invoke.
    delete (lambda as { invoke?: unknown }).invoke;
  }
}

/**
 * RedriveExecution once the dependency is back (FAULTS cleared): the execution resumes at the step that failed
 * (Step Functions developer guide, "Restarting state machine executions with redrive"). What it ends as.
 */
async function redrive(orderId: string): Promise<{ execution: ExecutionRecord; order: Order; messages: string[] }> {
  stack.current.stepFunctions.redriveExecution(stack.current.stepFunctions.registry.executionArn(orderId));
  const execution = await stack.current.waitForExecution(orderId, 20_000);
  const order = (await stack.current.order(orderId)) as unknown as Order;
  return { execution, order, messages: stack.current.outbox.forOrder(orderId).map((m) => m.attributes.eventType?.StringValue ?? '?') };
}

async function expectGuaranteesHold(): Promise<void> {
  const report = await stack.current.checkConsistency();
  expect(report.violations).toEqual([]);
  expect(report.executions?.RUNNING ?? 0).toBe(0);
}

/** Retries of a state's task: its TaskScheduled events after the first (AWS repeats TaskScheduled..TaskFailed per attempt). */
const retries = (execution: ExecutionRecord, state: string) => retriesOf(execution.history, state);

async function authorizationsOf(orderId: string) {
  const table = stack.current.tables.get('PaymentsTable')!.tableName;
  return (await scanTable<{ authorizationId: string; orderId: string; status: string }>(stack.current.dynamodb, table)).filter((a) => a.orderId === orderId);
}

async function available(sku: string): Promise<number> {
  return (await stack.current.inventory()).find((item) => item.sku === sku)!.available;
}

afterEach(async () => {
  delete process.env.FAULTS;
  await expectGuaranteesHold();
});

describe('a transient fault is retried and the order still ends CONFIRMED', () => {
  describe.each(FAULT_ADAPTERS)('%s', (adapter) => {
    it.each(TRANSIENT_ERRORS)(`${adapter}:%s:3`, async (errorName) => {
      const before = await available('SKU-5');
      const { execution, order, injected, messages } = await withFaults(`${adapter}:${errorName}:3`);
      expect(injected[adapter]).toBe(3);
      expect(retries(execution, FIRST_CALLED_BY[adapter])).toBe(3);
      expect(execution.status).toBe('SUCCEEDED');
      expect(order.status).toBe('CONFIRMED');
      expect(order.confirmationNotice?.status).toBe('SENT');
      // Three failed publish attempts, then exactly one confirmation: the claim on the order dedupes.
      expect(messages).toEqual(['OrderConfirmed']);
      expect(await available('SKU-5')).toBe(before - 1);
      expect((await authorizationsOf(order.orderId)).map((a) => a.status)).toEqual(['AUTHORIZED']);
    });
  });
});

describe('a persistent fault (always) ends in compensation and a final status', () => {
  // Which ending each persistent fault gets:
  //   payments, inventory, orders down -> FAILED (nothing sold, nothing held);
  //   sns down -> the sale stands: CONFIRMED (or REJECTED) with the failed notice recorded on the order.
  it('payments:TransientError:always -> FAILED at VoidPayment (the provider cannot say what it holds); redriven: FAILED, never authorized, failure notice sent', async () => {
    const { execution, order } = await withFaults('payments:TransientError:always');
    expect([execution.status, execution.error]).toEqual(['FAILED', 'TransientError']);
    expect(retries(execution, 'ValidatePayment')).toBe(4);
    expect(retries(execution, 'VoidPayment')).toBe(4);
    expect(order).toMatchObject({ status: 'RECEIVED', compensationRemaining: ['VoidPayment', 'MarkFailed', 'NotifyFailure'] });
    const redriven = await redrive(order.orderId);
    expect(redriven.execution.error).toBe('OrderFailed');
    expect(redriven.order.status).toBe('FAILED');
    expect(redriven.order.failure?.error).toBe('ApiGateway.503');
    expect(await authorizationsOf(order.orderId)).toEqual([]);
    expect(redriven.order.stockReservation).toBeUndefined();
    expect(redriven.messages).toEqual(['OrderFailed']);
  });

  it('inventory:ProvisionedThroughputExceededException:always -> FAILED before anything was held', async () => {
    const before = await available('SKU-5');
    const { execution, order, messages } = await withFaults('inventory:ProvisionedThroughputExceededException:always');
    expect(execution.status).toBe('FAILED');
    expect(retries(execution, 'ReceiveOrder')).toBe(4);
    expect(order.status).toBe('FAILED');
    expect(order.failure?.error).toBe('TransientError');
    expect(await authorizationsOf(order.orderId)).toEqual([]);
    expect(await available('SKU-5')).toBe(before);
    expect(messages).toEqual(['OrderFailed']);
  });

  it('orders:ThrottlingException:always -> FAILED at ReleaseStock with no order record; redriven: FAILED, written by MarkFailed', async () => {
    const { execution, order, messages } = await withFaults('orders:ThrottlingException:always');
    expect([execution.status, execution.error]).toEqual(['FAILED', 'TransientError']);
    expect(execution.cause).toContain('remaining: ReleaseStock, VoidPayment, MarkFailed, NotifyFailure');
    expect(order).toBeUndefined();
    expect(messages).toEqual([]);
    const redriven = await redrive(execution.name);
    expect(redriven.order.status).toBe('FAILED');
    expect(redriven.order.history.filter((h) => h.event === undefined).map((h) => h.status)).toEqual(['FAILED']);
    expect(await authorizationsOf(execution.name)).toEqual([]);
    expect(redriven.messages).toEqual(['OrderFailed']);
  });

  it('sns:InternalErrorException:always -> CONFIRMED with the failed confirmation notice recorded', async () => {
    const before = await available('SKU-5');
    const { execution, order, messages } = await withFaults('sns:InternalErrorException:always');
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({ status: 'CONFIRMED', notification: 'FAILED' });
    expect(retries(execution, 'SendConfirmation')).toBe(4);
    expect(order.status).toBe('CONFIRMED');
    expect(order.confirmationNotice?.status).toBe('FAILED');
    expect(messages).toEqual([]);
    // The sale is not undone: stock stays taken, the authorization stays for capture.
    expect(await available('SKU-5')).toBe(before - 1);
    expect((await authorizationsOf(order.orderId)).map((a) => a.status)).toEqual(['AUTHORIZED']);
  });

  it('sns:InternalErrorException:always on a declined card -> REJECTED with the failed rejection notice recorded', async () => {
    const { execution, order, messages } = await withFaults('sns:InternalErrorException:always', orderInput('tok_chargeDeclined'));
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED', notification: 'FAILED' });
    expect(order.status).toBe('REJECTED');
    expect(order.rejectionNotice?.status).toBe('FAILED');
    expect(messages).toEqual([]);
  });

  it('inventory down from UpdateStock on -> FAILED, the authorization voided by compensation', async () => {
    const before = await available('SKU-5');
    const { execution, order, messages } = await withFaults('inventory:InternalErrorException:always', orderInput(), 'reserveStock');
    expect(execution.status).toBe('FAILED');
    expect(retries(execution, 'UpdateStock')).toBe(4);
    expect(order.status).toBe('FAILED');
    expect(order.payment?.status).toBe('VOIDED');
    expect((await authorizationsOf(order.orderId)).map((a) => a.status)).toEqual(['VOIDED']);
    expect(await available('SKU-5')).toBe(before);
    expect(messages).toEqual(['OrderFailed']);
  });

  it('payments down from UpdateStock on, out of stock -> REJECTED only once the void has gone through (transient)', async () => {
    // The void is retried through a fault that clears: the hold is released and the order rejected.
    const { execution, order, messages } = await withFaults(
      'payments:ServiceUnavailable:3',
      orderInput('tok_visa', [{ sku: 'SKU-6', quantity: 5 }]),
      'reserveStock',
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(order).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect(retries(execution, 'VoidPayment')).toBe(3);
    expect((await authorizationsOf(order.orderId)).map((a) => a.status)).toEqual(['VOIDED']);
    expect(messages).toEqual(['OrderRejected']);
  });
});

describe('a dependency down through compensation too (a double fault)', () => {
  it('fails the execution at the step it stopped, the check naming the hold; a redrive voids it and rejects the order', async () => {
    // Out of stock, and the payment provider down from UpdateStock on: VoidPayment exhausts its retries.
    const { execution, order } = await withFaults('payments:TransientError:always', orderInput('tok_visa', [{ sku: 'SKU-6', quantity: 5 }]), 'reserveStock');
    expect([execution.status, execution.error]).toEqual(['FAILED', 'TransientError']);
    expect(retries(execution, 'VoidPayment')).toBe(4);
    expect(order).toMatchObject({ status: 'PAYMENT_APPROVED', compensationRemaining: ['VoidPayment', 'RejectOrder'] });
    const [held] = await authorizationsOf(order.orderId);
    const report = await stack.current.checkConsistency();
    expect(report.violations).toEqual(
      expect.arrayContaining([{ guarantee: 3, subject: held!.authorizationId, message: expect.stringContaining(`order ${order.orderId}, which is PAYMENT_APPROVED, and not voided`) }]),
    );
    // Once the provider is back: a redrive, and the guarantees hold again (afterEach).
    const redriven = await redrive(order.orderId);
    expect(redriven.execution.status).toBe('SUCCEEDED');
    expect(redriven.order).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect((await authorizationsOf(order.orderId)).map((a) => a.status)).toEqual(['VOIDED']);
    expect(redriven.messages).toEqual(['OrderRejected']);
  });
});

describe('a malformed FAULTS stops start-up with a message naming the bad entry', () => {
  it('the local stack refuses to start', async () => {
    const error = await startLocalStack({ faults: 'payments:TransientError:2,bank:Boom:1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultConfigError);
    expect((error as Error).message).toContain('bad entry "bank:Boom:1"');
  });

  it('the load run refuses to start, in-process and as npm run load', async () => {
    await expect(runLoad({ orders: 1, faults: 'payments:TransientError:0' })).rejects.toThrow('bad entry "payments:TransientError:0"');
    const cli = await run(process.execPath, ['--import', 'tsx', 'local/commands/load.ts', '--faults', 'sns:InternalErrorException:sometimes'], {
      cwd: projectRoot,
      timeout: 20_000,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(cli).toMatchObject({ code: 2 });
    expect((cli as { stderr: string }).stderr).toContain('bad entry "sns:InternalErrorException:sometimes"');
  });

  it('npm start and npm run invoke refuse FAULTS from the environment', async () => {
    const env = { ...process.env, FAULTS: 'orders:Throttling' };
    const [start, invoke] = await Promise.all(
      [['local/commands/start.ts', '--port', '0'], ['local/commands/invoke.ts', '--data', '{}']].map((args) =>
        run(process.execPath, ['--import', 'tsx', ...args], { cwd: projectRoot, env, timeout: 20_000 }).catch((e: { code: number; stderr: string }) => e),
      ),
    );
    for (const cli of [start, invoke]) {
      expect(cli).toMatchObject({ code: 1 });
      expect((cli as { stderr: string }).stderr).toContain('bad entry "orders:Throttling"');
    }
  });
});

describe('npm run check:consistency against this stack', () => {
  it('exits 0 while the guarantees hold, and 1 naming the violation once stock goes missing', async () => {
    const check = () =>
      run(process.execPath, ['--import', 'tsx', 'local/commands/checkConsistency.ts', '--url', stack.current.url], { cwd: projectRoot, timeout: 30_000 }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    const ok = await check();
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('0 violations: guarantees 1-4 hold');
    // One unit of SKU-3 disappears without any order: guarantee 2 must fail, by name.
    const doc = DynamoDBDocumentClient.from(stack.current.dynamodb);
    const table = stack.current.tables.get('InventoryTable')!.tableName;
    const lose = (n: number) =>
      doc.send(new UpdateCommand({ TableName: table, Key: { sku: 'SKU-3' }, UpdateExpression: 'SET available = available - :n', ExpressionAttributeValues: { ':n': n } }));
    await lose(1);
    try {
      const bad = await check();
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain('1 violations:');
      expect(bad.stdout).toContain('guarantee 2: SKU-3: initial 40 != available 39 + confirmed 0');
    } finally {
      await lose(-1);
    }
  });

  it('says in one line that no stack answers', async () => {
    const port = await freePort();
    const e = await run(process.execPath, ['--import', 'tsx', 'local/commands/checkConsistency.ts', '--url', `http://127.0.0.1:${port}`], { cwd: projectRoot, timeout: 20_000 }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(e).toMatchObject({ code: 2 });
    expect((e as { stderr: string }).stderr.trim().split('\n')).toEqual([
      `npm run check:consistency: no local stack answers on http://127.0.0.1:${port} (ECONNREFUSED); start one with npm start, or pass --url`,
    ]);
  });
});
