// Each function runs in an instance of its own, as on Lambda, where every function has its own execution
// environments: its own modules (logger, clients, module state) and exactly its own environment variables. What AWS
// says, and each test guards:
// - "Lambda execution environment lifecycle" (AWS Lambda developer guide, lambda-runtime-environment): the Init
//   phase (the function's static code) runs on the first invocation, later invocations reuse the environment, and
//   "if the Lambda function crashes or times out during the Invoke phase, Lambda resets the execution environment".
// - "Defined runtime environment variables" (configuration-envvars): AWS_LAMBDA_FUNCTION_NAME, _VERSION,
//   _MEMORY_SIZE, AWS_LAMBDA_INITIALIZATION_TYPE (on-demand, which Powertools needs to report a cold start) and the
//   log group/stream are set for every function; the rest is the function's configured environment.
// - How the Node.js runtime reports a crash (aws-lambda-nodejs-runtime-interface-client, src/index.ts and
//   src/Errors/index.ts): an uncaught exception fails with that error, an unhandled rejection as
//   Runtime.UnhandledPromiseRejection. An exited runtime is Runtime.ExitError, "RequestId: <id> Error: Runtime
//   exited with error: exit status <n>" (as Lambda logs it, aws/aws-lambda-python-runtime-interface-client#10).
// FAULTS are a local tool: their counts hold across functions ("the next 2 calls to the payments adapter,
// whichever function makes them"), and faultCounters()/resetFaults() here see and reset what every function did.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { endOutage, faultCounters, resetFaults, startOutage } from '../../lib/faults.ts';
import { INSTANCE_CONCURRENCY, LambdaFunctionError } from '../../local/engine/lambdaRuntime.ts';
import type { ServerlessConfig } from '../../local/stack/serverlessConfig.ts';
import { cachedConfig, useLocalStack } from '../support/localStack.ts';
import { orderInput } from '../workflow/support.ts';
import type { ProbeAnswer, ProbeEvent } from './fixtures/probeHandler.ts';

const STAGE = 'local';
/** Serverless names a function `<service>-<stage>-<key>`. */
const functionName = (key: string) => `order-pipeline-${STAGE}-${key}`;

/** Threads of this process that are function instances: Node names a worker's thread after it (cut to 15 chars). */
function instanceThreads(): number {
  const comm = functionName('x').slice(0, 15);
  return readdirSync('/proc/self/task').filter((task) => {
    try {
      return readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === comm;
    } catch {
      return false; // the thread ended while we looked
    }
  }).length;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The JSON log lines the handlers write (they reach this process's stdout), captured instead of printed. */
function captureLogLines(): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  beforeAll(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      partial += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const complete = partial.split('\n');
      partial = complete.pop()!;
      for (const line of complete) {
        if (!line.startsWith('{')) continue;
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
      return true;
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });
  return lines;
}

describe('the real handlers, two functions at once', () => {
  const logLines = captureLogLines();
  const stack = useLocalStack({ logLevel: 'INFO' });

  it('each log line names the function that wrote it, its own request id, and a cold start only on its first invocation', async () => {
    const received: string[] = [];
    const released: string[] = [];
    for (let round = 0; round < 5; round++) {
      const [toReceive, toRelease] = [randomUUID(), randomUUID()];
      received.push(toReceive);
      released.push(toRelease);
      // One invocation of each function at a time, the two functions side by side.
      await Promise.all([
        stack.current.lambda.invoke('receiveOrder', { orderId: toReceive, order: orderInput([{ sku: 'SKU-3', quantity: 1 }]) }),
        stack.current.lambda.invoke('releaseStock', { orderId: toRelease }),
      ]);
    }
    const linesOf = (message: string) => logLines.filter((line) => line.message === message);
    const receiveLines = linesOf('order received');
    const releaseLines = linesOf('stock release');
    expect(receiveLines.map((line) => line.orderId)).toEqual(received);
    expect(releaseLines.map((line) => line.orderId)).toEqual(released);
    for (const line of receiveLines) {
      expect(line).toMatchObject({ function_name: functionName('receiveOrder'), function_arn: expect.stringMatching(/:function:order-pipeline-local-receiveOrder$/) });
    }
    for (const line of releaseLines) {
      expect(line).toMatchObject({ function_name: functionName('releaseStock'), function_arn: expect.stringMatching(/:function:order-pipeline-local-releaseStock$/) });
    }
    // Ten invocations, ten request ids: a line carrying another invocation's context would repeat one.
    const requestIds = [...receiveLines, ...releaseLines].map((line) => line.function_request_id);
    expect(requestIds.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(requestIds).size).toBe(10);
    // Each function's own first invocation is its cold start; none after.
    expect(receiveLines.map((line) => line.cold_start)).toEqual([true, false, false, false, false]);
    expect(releaseLines.map((line) => line.cold_start)).toEqual([true, false, false, false, false]);
  });

  it('stopping the stack ends every instance, and nothing can be invoked after', async () => {
    expect(instanceThreads()).toBeGreaterThanOrEqual(2);
    await stack.current.stop();
    expect(instanceThreads()).toBe(0);
    expect(stack.current.lambda.runningInstances()).toEqual({});
    await expect(stack.current.lambda.invoke('releaseStock', { orderId: 'after-stop' })).rejects.toThrow('the local Lambda runtime stopped');
  });
});

/** serverless.yml as printed, with every handler replaced by the probe; getOrder times out after 3 s. */
function probeConfig(): ServerlessConfig {
  const config = cachedConfig();
  for (const [key, fn] of Object.entries(config.functions ?? {})) {
    fn.handler = 'tests/integration/fixtures/probeHandler.handler';
    if (key === 'getOrder') fn.timeout = 3;
  }
  return config;
}

describe('the probe in place of every handler', () => {
  const MARKER = 'LAMBDA_ISOLATION_TEST_PROCESS_ONLY';
  beforeAll(() => {
    process.env[MARKER] = 'this process';
  });
  afterAll(() => {
    delete process.env[MARKER];
    delete process.env.FAULTS;
    resetFaults();
  });
  captureLogLines();
  const stack = useLocalStack({ config: probeConfig(), logLevel: 'INFO' });
  const probe = (key: string, event: ProbeEvent = {}) => stack.current.lambda.invoke(key, event) as Promise<ProbeAnswer>;
  const failure = (key: string, event: ProbeEvent) =>
    stack.current.lambda.invoke(key, event).then(
      () => {
        throw new Error(`${key} was expected to fail`);
      },
      (error: unknown) => error as LambdaFunctionError,
    );

  it('module state belongs to one function: two functions invoked at once keep their own count and context', async () => {
    const rounds: Array<[ProbeAnswer, ProbeAnswer]> = [];
    for (let round = 0; round < 3; round++) rounds.push(await Promise.all([probe('createOrder', { waitMs: 50 }), probe('receiveOrder', { waitMs: 50 })]));
    for (const [index, [create, receive]] of rounds.entries()) {
      expect(create).toMatchObject({ functionName: functionName('createOrder'), invocations: index + 1 });
      expect(receive).toMatchObject({ functionName: functionName('receiveOrder'), invocations: index + 1 });
      expect(create.requestId).not.toBe(receive.requestId);
    }
    // One instance per function, each in a thread of its own (not this one, thread 0).
    expect(new Set(rounds.map(([create]) => create.instanceId)).size).toBe(1);
    expect(new Set(rounds.map(([, receive]) => receive.instanceId)).size).toBe(1);
    expect(rounds[0]![0].instanceId).not.toBe(rounds[0]![1].instanceId);
    expect(rounds[0]![0].threadId).not.toBe(rounds[0]![1].threadId);
    expect([rounds[0]![0].threadId, rounds[0]![1].threadId]).not.toContain(0);
  });

  it('each function sees its own serverless.yml environment and nothing of this process', async () => {
    const [create, receive] = await Promise.all([probe('createOrder'), probe('receiveOrder')]);
    const config = stack.current.config;
    // createOrder alone declares STATE_MACHINE_ARN (serverless.yml, functions.createOrder.environment).
    expect(config.functions!.createOrder!.environment).toHaveProperty('STATE_MACHINE_ARN');
    expect(config.functions!.receiveOrder!.environment?.STATE_MACHINE_ARN).toBeUndefined();
    expect(create.env.STATE_MACHINE_ARN).toBe(stack.current.stepFunctions.stateMachineArn);
    expect(receive.env).not.toHaveProperty('STATE_MACHINE_ARN');
    for (const answer of [create, receive]) {
      // The provider's environment, resolved to this stack's tables, not the test process's values.
      expect(answer.env.ORDERS_TABLE).toBe(stack.current.tables.get('OrdersTable')!.tableName);
      expect(answer.env.ORDERS_TABLE).not.toBe(process.env.ORDERS_TABLE);
      expect(answer.env.POWERTOOLS_SERVICE_NAME).toBe('order-pipeline');
      expect(answer.env.POWERTOOLS_LOG_LEVEL).toBe('INFO');
      expect(answer.env).not.toHaveProperty(MARKER);
      expect(answer.env).not.toHaveProperty('FAULTS');
      expect(answer.env).toMatchObject({
        AWS_LAMBDA_FUNCTION_NAME: answer.functionName,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${answer.functionName}`,
        AWS_ACCESS_KEY_ID: stack.current.accessKeyId,
        AWS_ENDPOINT_URL: stack.current.awsEndpoint,
      });
    }
    expect(create.env.AWS_LAMBDA_FUNCTION_NAME).toBe(functionName('createOrder'));
  });

  it('FAULTS counts are shared by all functions, and this process counts and resets them', async () => {
    process.env.FAULTS = 'payments:TransientError:3';
    resetFaults();
    try {
      const outcomes: string[] = [];
      for (const key of ['createOrder', 'receiveOrder', 'createOrder', 'receiveOrder']) outcomes.push((await probe(key, { callAdapter: true })).adapter!);
      expect(outcomes).toEqual(['TransientError', 'TransientError', 'TransientError', 'answered']);
      expect(faultCounters().calls.payments).toBe(4);
      expect(faultCounters().injected.payments).toBe(3);
      resetFaults();
      expect(faultCounters().calls.payments).toBe(0);
      // A reset starts the counts afresh: the next call, from either function, gets a fault again.
      expect((await probe('receiveOrder', { callAdapter: true })).adapter).toBe('TransientError');
      expect(faultCounters().injected.payments).toBe(1);
    } finally {
      delete process.env.FAULTS;
      resetFaults();
    }
  });

  it('with nothing to inject the instances do not ask this process, yet it counts their calls; an outage reaches the next invocation', async () => {
    delete process.env.FAULTS;
    resetFaults();
    try {
      for (const key of ['createOrder', 'receiveOrder']) expect((await probe(key, { callAdapter: true })).adapter).toBe('answered');
      expect(faultCounters()).toMatchObject({ calls: { payments: 2 }, injected: { payments: 0 } });
      // Started here between two invocations: the next one, of either function, meets it.
      startOutage('payments');
      expect((await probe('receiveOrder', { callAdapter: true })).adapter).toBe('TransientError');
      endOutage('payments');
      expect((await probe('createOrder', { callAdapter: true })).adapter).toBe('answered');
      process.env.FAULTS = 'payments:ThrottlingException:1';
      expect((await probe('receiveOrder', { callAdapter: true })).adapter).toBe('ThrottlingException');
      expect(faultCounters()).toMatchObject({ calls: { payments: 5 }, injected: { payments: 2 } });
    } finally {
      endOutage('payments');
      delete process.env.FAULTS;
      resetFaults();
    }
  });

  it('a timeout resets the instance: the next invocation is a cold start, an invocation already running still answers', async () => {
    const first = await probe('getOrder');
    // Busy past its 3 s (so that Middy's own early timeout cannot answer first).
    const stuck = failure('getOrder', { spinMs: 3300 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Sent 1.5 s later to the same instance, it runs once the thread is free, after the reset, within its own 3 s.
    const alongside = probe('getOrder', { waitMs: 500 });
    const error = await stuck;
    expect(error).toBeInstanceOf(LambdaFunctionError);
    expect(error.errorType).toBe('Sandbox.Timedout');
    expect(error.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 3\.00 seconds$/);
    const afterReset = await probe('getOrder');
    expect(afterReset.instanceId).not.toBe(first.instanceId);
    expect(afterReset.invocations).toBe(1);
    expect(await alongside).toMatchObject({ instanceId: first.instanceId, invocations: 3 });
    // The reset instance ends once it has answered: one getOrder instance is left.
    await until(() => stack.current.lambda.runningInstances().getOrder === 1);
  });

  it(`an instance runs ${INSTANCE_CONCURRENCY} invocations at once; the next waits for a turn, its timeout not started yet`, async () => {
    const sentAt = Date.now();
    const answered = await Promise.all(
      Array.from({ length: INSTANCE_CONCURRENCY + 1 }, () => probe('getOrder', { waitMs: 2000 }).then((answer) => ({ answer, afterMs: Date.now() - sentAt }))),
    );
    expect(Math.max(...answered.map(({ answer }) => answer.runningAtStart))).toBe(INSTANCE_CONCURRENCY);
    expect(new Set(answered.map(({ answer }) => answer.instanceId)).size).toBe(1);
    // The last one started once a turn came, after 2 s, and ran its 2 s within its own 3 s timeout.
    const last = answered.sort((a, b) => a.afterMs - b.afterMs).at(-1)!;
    expect(last.afterMs).toBeGreaterThan(3500);
    expect(last.answer.remainingMs).toBeGreaterThan(2000);
  });

  it('the remaining time counts down from the function timeout', async () => {
    const answer = await probe('getOrder');
    expect(answer.remainingMs).toBeGreaterThan(2000);
    expect(answer.remainingMs).toBeLessThanOrEqual(3000);
  });

  it.each([
    ['throw', 'Error', 'probe crashed'],
    ['reject', 'Runtime.UnhandledPromiseRejection', 'Error: probe rejected'],
  ] as const)('a crash (%s) fails the invocation as the Node.js runtime reports it, and resets the instance', async (crash, errorType, errorMessage) => {
    const before = await probe('voidPayment');
    const error = await failure('voidPayment', { crash });
    expect(error).toBeInstanceOf(LambdaFunctionError);
    expect({ errorType: error.errorType, errorMessage: error.errorMessage }).toEqual({ errorType, errorMessage });
    const after = await probe('voidPayment');
    expect(after.instanceId).not.toBe(before.instanceId);
    expect(after.invocations).toBe(1);
  });

  it('an exit fails the invocation with Runtime.ExitError and its exit status', async () => {
    const error = await failure('releaseStock', { crash: 'exit' });
    expect(error).toBeInstanceOf(LambdaFunctionError);
    expect(error.errorType).toBe('Runtime.ExitError');
    expect(error.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/);
    expect((await probe('releaseStock')).invocations).toBe(1);
  });

  it('stopping the stack ends every instance: their threads are gone and the ports they held are closed', async () => {
    const answers = await Promise.all(['createOrder', 'receiveOrder', 'sendConfirmation'].map((key) => probe(key, { listen: true })));
    const ports = answers.map((answer) => answer.port!);
    expect(instanceThreads()).toBeGreaterThanOrEqual(3);
    await stack.current.stop();
    expect(instanceThreads()).toBe(0);
    for (const port of ports) {
      const refused = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
      expect(refused).toBe('ECONNREFUSED');
    }
  });
});
