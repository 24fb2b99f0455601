// What the handlers write for CloudWatch, with metrics and logs on as on AWS: every log line names the order (orderId
// and the execution name) and the cold start, and no order's keys reach the next invocation; each business metric
// is one EMF document on stdout with its name, unit, namespace and dimensions (CloudWatch "Embedded metric format
// specification": `_aws.CloudWatchMetrics[].{Namespace, Dimensions, Metrics[{Name, Unit}]}`, values at the top
// level). The dashboard and alarms that read them are asserted in tests/deploy/telemetry.test.ts. Tracing stays
// off here (and locally); tests/unit/lib/tracing.test.ts turns it on.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { COFFEE, MUG, orderRequest, storedOrder } from '../support/fixtures.ts';
import { awsError, conditionFailed, ddbMock, resetAwsMocks, sfnMock, snsMock } from '../support/aws.ts';
import { apiEvent, lambdaContext } from '../support/lambda.ts';

type Handler = (event: any, context: Context) => Promise<any>;
const SAVED_ENV = { ...process.env };
const INVENTORY = process.env.INVENTORY_TABLE!;

let handlers: Record<string, Handler>;
let middleware: typeof import('../../../lib/middleware.ts');
let observability: typeof import('../../../lib/observability.ts');
let clients: typeof import('../../../lib/clients.ts');

beforeAll(async () => {
  // As serverless.yml sets them on AWS (the tests' defaults turn metrics off and silence the logs).
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.STAGE = 'prod';
  // Lambda sets it (Lambda developer guide, "Defined runtime environment variables"); Powertools counts a cold start
  // only when it says on-demand.
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  vi.resetModules(); // fresh logger, metrics and handlers, which read the environment at import
  observability = await import('../../../lib/observability.ts');
  middleware = await import('../../../lib/middleware.ts');
  clients = await import('../../../lib/clients.ts');
  const names = ['createOrder', 'getOrder', 'validatePayment', 'receiveOrder', 'releaseStock', 'sendConfirmation', 'rejectOrder', 'notifyFailure'];
  handlers = Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, ((await import(`../../../functions/${name}/handler.ts`)) as { handler: Handler }).handler] as const)),
  );
});

afterAll(() => {
  for (const key of ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED', 'STAGE', 'AWS_LAMBDA_INITIALIZATION_TYPE']) {
    if (SAVED_ENV[key] === undefined) delete process.env[key];
    else process.env[key] = SAVED_ENV[key];
  }
});

// ---- stdout, as CloudWatch Logs receives it ----------------------------------------------------------------------
let written: string[] = [];
beforeEach(() => {
  written = [];
  const capture = (chunk: unknown) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  resetAwsMocks();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Every JSON line written since the last `take`, which empties the capture (one invocation at a time). */
function take(): Array<Record<string, any>> {
  const lines = written.join('').split('\n').filter((line) => line.trim() !== '');
  written = [];
  return lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, any>;
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
  });
}

interface Emitted {
  namespace: string;
  name: string;
  unit: string;
  dimensions: string[][];
  value: unknown;
  document: Record<string, any>;
}

const isEmf = (line: Record<string, any>) => line._aws !== undefined;

/** The EMF documents among the lines, one entry per metric. */
function metricsIn(lines: Array<Record<string, any>>): Emitted[] {
  return lines.filter(isEmf).flatMap((document) =>
    (document._aws.CloudWatchMetrics as Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }>).flatMap((set) =>
      set.Metrics.map((metric) => ({ namespace: set.Namespace, name: metric.Name, unit: metric.Unit, dimensions: set.Dimensions, value: document[metric.Name], document })),
    ),
  );
}

const logLinesIn = (lines: Array<Record<string, any>>) => lines.filter((line) => !isEmf(line));

/** The one metric of this name, with its dimension values read from its document. */
function theMetric(emitted: Emitted[], name: string): Emitted & { dimensionValues: Record<string, unknown> } {
  const found = emitted.filter((metric) => metric.name === name);
  expect(found.map((m) => m.name), `${name} in ${JSON.stringify(emitted.map((m) => m.name))}`).toEqual([name]);
  const metric = found[0]!;
  expect(metric.dimensions, `${name}: one dimension set`).toHaveLength(1);
  return { ...metric, dimensionValues: Object.fromEntries(metric.dimensions[0]!.map((d) => [d, metric.document[d]])) };
}

const BUSINESS_DIMENSIONS = { service: 'order-pipeline', stage: 'prod' };
const context = (fn: string) => lambdaContext(`order-pipeline-prod-${fn}`);
const post = (path: string, body: unknown) => apiEvent({ path, body: JSON.stringify(body) });

function catalogAnswers() {
  ddbMock.on(BatchGetCommand).resolves({ Responses: { [INVENTORY]: [COFFEE, MUG] } });
}

// The cold start is the first invocation of this module graph - one Lambda container - whichever handler it is.
describe('cold start', () => {
  it('the first invocation logs cold_start true and publishes ColdStart (function_name); later ones neither', async () => {
    ddbMock.on(GetCommand).resolves({});
    await handlers.releaseStock!({ orderId: 'ord-cold' }, context('releaseStock'));
    const first = take();
    const coldStart = theMetric(metricsIn(first), 'ColdStart');
    expect(coldStart).toMatchObject({ namespace: 'OrderPipeline', unit: 'Count', value: 1 });
    expect(coldStart.dimensionValues).toEqual({ ...BUSINESS_DIMENSIONS, function_name: 'order-pipeline-prod-releaseStock' });
    const firstLogs = logLinesIn(first);
    expect(firstLogs.length).toBeGreaterThan(0);
    for (const line of firstLogs) expect(line.cold_start, line.message).toBe(true);

    await handlers.releaseStock!({ orderId: 'ord-warm' }, context('releaseStock'));
    const second = take();
    expect(metricsIn(second)).toEqual([]);
    const secondLogs = logLinesIn(second);
    expect(secondLogs.length).toBeGreaterThan(0);
    for (const line of secondLogs) expect(line.cold_start, line.message).toBe(false);
  });
});

describe('log lines', () => {
  it('a workflow task: every line carries the orderId and the execution name it came with', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-A', 'REJECTED', { reason: 'OUT_OF_STOCK' }) });
    await handlers.releaseStock!({ orderId: 'ord-A' }, context('releaseStock'));
    const lines = logLinesIn(take());
    expect(lines.map((line) => line.message)).toContain('stock release');
    for (const line of lines) {
      expect(line, line.message).toMatchObject({ orderId: 'ord-A', executionName: 'ord-A', function_name: 'order-pipeline-prod-releaseStock' });
      expect(typeof line.cold_start).toBe('boolean');
    }
  });

  it("no order's keys reach the next invocation, after a success or a failure", async () => {
    const bare = middleware.workflowTask(async () => {
      observability.logger.info('no order here');
      return 'ok';
    });
    ddbMock.on(GetCommand).resolves({});
    await handlers.releaseStock!({ orderId: 'ord-B' }, context('releaseStock'));
    expect(logLinesIn(take()).every((line) => line.orderId === 'ord-B')).toBe(true);
    await bare({}, context('bare'));
    const afterSuccess = logLinesIn(take());
    expect(afterSuccess.map((line) => line.message)).toEqual(['no order here']);
    expect(afterSuccess[0]).not.toHaveProperty('orderId');
    expect(afterSuccess[0]).not.toHaveProperty('executionName');

    // A throttled read fails the task (TransientError, which the workflow retries): the failure line names the order...
    ddbMock.on(GetCommand).rejects(awsError('ProvisionedThroughputExceededException', 400));
    await expect(handlers.releaseStock!({ orderId: 'ord-C' }, context('releaseStock'))).rejects.toMatchObject({ name: 'TransientError' });
    const failed = logLinesIn(take());
    expect(failed.map((line) => line.message)).toContain('task failed');
    for (const line of failed) expect(line, line.message).toMatchObject({ orderId: 'ord-C', executionName: 'ord-C' });
    // ...and the next invocation's lines do not.
    await bare({}, context('bare'));
    const afterFailure = take();
    expect(JSON.stringify(afterFailure)).not.toContain('ord-C');
    expect(logLinesIn(afterFailure)[0]).not.toHaveProperty('orderId');
  });

  it('an invocation that never reached its end (a timeout) leaves no keys either', async () => {
    observability.appendOrderKeys('ord-timed-out'); // what a handler cut off mid-way would leave behind
    const bare = middleware.workflowTask(async () => {
      observability.logger.info('next invocation');
      return 'ok';
    });
    await bare({}, context('bare'));
    const lines = take();
    expect(JSON.stringify(lines)).not.toContain('ord-timed-out');
  });

  it('HTTP: createOrder names the order it accepted; the next request does not carry it', async () => {
    catalogAnswers();
    sfnMock.on(StartExecutionCommand).callsFake(async ({ name }: { name: string }) => ({ executionArn: `arn:aws:states:us-east-1:000000000000:execution:x:${name}`, startDate: new Date() }));
    const accepted = (await handlers.createOrder!(post('/orders', orderRequest()), context('createOrder'))) as APIGatewayProxyResult;
    expect(accepted.statusCode).toBe(202);
    const { orderId } = JSON.parse(accepted.body) as { orderId: string };
    const acceptedLine = logLinesIn(take()).find((line) => line.message === 'order accepted');
    expect(acceptedLine).toMatchObject({ orderId, executionName: orderId, function_name: 'order-pipeline-prod-createOrder' });

    // The next request fails at StartExecution: its line names its own order, not the previous one.
    sfnMock.on(StartExecutionCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));
    const throttled = (await handlers.createOrder!(post('/orders', orderRequest()), context('createOrder'))) as APIGatewayProxyResult;
    expect(throttled.statusCode).toBe(429);
    const lines = take();
    const failure = logLinesIn(lines).find((line) => line.message === 'execution start throttled');
    expect(failure?.orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(failure?.executionName).toBe(failure?.orderId);
    expect(JSON.stringify(lines)).not.toContain(orderId);
  });

  it('HTTP: validatePayment names the order it was asked to pay', async () => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand, { TableName: process.env.ORDERS_TABLE }).rejects(conditionFailed(storedOrder('ord-P', 'FAILED')));
    ddbMock.on(UpdateCommand, { TableName: process.env.PAYMENTS_TABLE }).resolves({ Attributes: { authorizationId: 'a', status: 'VOIDED' } });
    const answer = (await handlers.validatePayment!(post('/payments/validate', { orderId: 'ord-P', amount: 20480, currency: 'BRL', token: 'tok_visa' }), context('validatePayment'))) as APIGatewayProxyResult;
    expect(answer.statusCode).toBe(409);
    const voided = logLinesIn(take()).find((line) => line.message === 'authorization voided: order no longer payable');
    expect(voided).toMatchObject({ orderId: 'ord-P', executionName: 'ord-P' });
  });
});

describe('EMF metrics (namespace OrderPipeline, dimensions service and stage)', () => {
  it('createOrder: OrderAccepted, Count 1', async () => {
    catalogAnswers();
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:x:y', startDate: new Date() });
    await handlers.createOrder!(post('/orders', orderRequest()), context('createOrder'));
    const accepted = theMetric(metricsIn(take()), 'OrderAccepted');
    expect(accepted).toMatchObject({ namespace: 'OrderPipeline', unit: 'Count', value: 1 });
    expect(accepted.dimensionValues).toEqual(BUSINESS_DIMENSIONS);
  });

  it('receiveOrder: OrderReceived once per order (not on a re-run); an invalid order OrderRejected/INVALID_ORDER', async () => {
    catalogAnswers();
    ddbMock.on(PutCommand).resolves({});
    await handlers.receiveOrder!({ orderId: 'ord-R', order: orderRequest() }, context('receiveOrder'));
    const received = theMetric(metricsIn(take()), 'OrderReceived');
    expect(received).toMatchObject({ namespace: 'OrderPipeline', unit: 'Count', value: 1 });
    expect(received.dimensionValues).toEqual(BUSINESS_DIMENSIONS);

    ddbMock.on(PutCommand).rejects(conditionFailed(storedOrder('ord-R')));
    await handlers.receiveOrder!({ orderId: 'ord-R', order: orderRequest() }, context('receiveOrder'));
    expect(metricsIn(take())).toEqual([]);

    ddbMock.on(PutCommand).resolves({});
    await expect(
      handlers.receiveOrder!({ orderId: 'ord-bad', order: orderRequest({ items: [{ sku: 'GHOST', quantity: 1 }] }) }, context('receiveOrder')),
    ).rejects.toMatchObject({ name: 'InvalidOrder' });
    const rejected = theMetric(metricsIn(take()), 'OrderRejected');
    expect(rejected).toMatchObject({ namespace: 'OrderPipeline', unit: 'Count', value: 1 });
    expect(rejected.dimensionValues).toEqual({ ...BUSINESS_DIMENSIONS, reason: 'INVALID_ORDER' });
  });

  it.each([
    ['ApiGateway.402', 'PAYMENT_DECLINED'],
    ['OutOfStock', 'OUT_OF_STOCK'],
  ])('rejectOrder (%s): OrderRejected with the dimension reason=%s', async (error, reason) => {
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-X', 'REJECTED', { reason: reason as 'OUT_OF_STOCK' }) });
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await handlers.rejectOrder!({ orderId: 'ord-X', error, cause: '{}' }, context('rejectOrder'));
    const rejected = theMetric(metricsIn(take()), 'OrderRejected');
    expect(rejected).toMatchObject({ namespace: 'OrderPipeline', unit: 'Count', value: 1 });
    expect(rejected.dimensionValues).toEqual({ ...BUSINESS_DIMENSIONS, reason });
  });

  it('sendConfirmation: OrderConfirmed, and no reason left over from a rejection before it', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-Y', 'REJECTED', { reason: 'OUT_OF_STOCK' }) });
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await handlers.rejectOrder!({ orderId: 'ord-Y', error: 'OutOfStock', cause: '{}' }, context('rejectOrder'));
    take();
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-Z', 'CONFIRMED') });
    await handlers.sendConfirmation!({ orderId: 'ord-Z' }, context('sendConfirmation'));
    const confirmed = theMetric(metricsIn(take()), 'OrderConfirmed');
    expect(confirmed).toMatchObject({ namespace: 'OrderPipeline', unit: 'Count', value: 1 });
    expect(confirmed.dimensionValues).toEqual(BUSINESS_DIMENSIONS);
    expect(confirmed.document).not.toHaveProperty('reason');
  });

  it('notifyFailure: OrderFailed', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-F', 'FAILED') });
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await handlers.notifyFailure!({ orderId: 'ord-F', error: 'States.Timeout' }, context('notifyFailure'));
    const failed = theMetric(metricsIn(take()), 'OrderFailed');
    expect(failed).toMatchObject({ namespace: 'OrderPipeline', unit: 'Count', value: 1 });
    expect(failed.dimensionValues).toEqual(BUSINESS_DIMENSIONS);
  });

  it.each([
    ['tok_visa', 200],
    ['tok_chargeDeclined', 402],
  ])('validatePayment (%s): PaymentAuthorizationLatency in Milliseconds, whatever the outcome', async (token, status) => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    const answer = (await handlers.validatePayment!(post('/payments/validate', { orderId: 'ord-L', amount: 20480, currency: 'BRL', token }), context('validatePayment'))) as APIGatewayProxyResult;
    expect(answer.statusCode).toBe(status);
    const latency = theMetric(metricsIn(take()), 'PaymentAuthorizationLatency');
    expect(latency).toMatchObject({ namespace: 'OrderPipeline', unit: 'Milliseconds' });
    expect(latency.value).toBeGreaterThanOrEqual(0);
    expect(latency.value).toBeLessThan(10_000);
    expect(latency.dimensionValues).toEqual(BUSINESS_DIMENSIONS);
  });

  it('an invocation that records nothing publishes nothing (getOrder)', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-G', 'CONFIRMED') });
    const answer = (await handlers.getOrder!(apiEvent({ method: 'GET', path: '/orders/ord-G', pathParameters: { orderId: 'ord-G' } }), context('getOrder'))) as APIGatewayProxyResult;
    expect(answer.statusCode).toBe(200);
    const lines = take();
    expect(metricsIn(lines)).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain('No application metrics to publish');
  });
});

describe('tracing, off outside Lambda (here, and in the local stack, which sets POWERTOOLS_TRACE_ENABLED=false)', () => {
  it('the tracer is off, the SDK clients carry no X-Ray middleware, and traced adapters call straight through', async () => {
    expect(observability.tracer.isTracingEnabled()).toBe(false);
    for (const client of [clients.getDocumentClient(), clients.getSnsClient(), clients.getSfnClient()]) {
      expect(client.middlewareStack.identify().join('\n')).not.toContain('XRaySDKInstrumentation');
    }
    const capture = vi.spyOn(observability.tracer.provider, 'captureAsyncFunc');
    const adapter = observability.traced('Adapter', { call: async (x: number) => x * 2 });
    await expect(adapter.call(21)).resolves.toBe(42);
    expect(capture).not.toHaveBeenCalled();
  });
});
