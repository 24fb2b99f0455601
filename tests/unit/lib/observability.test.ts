import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchGetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { maskEmail } from '../../../lib/observability.ts';
import { COFFEE, CUSTOMER, MUG, orderRequest, storedOrder } from '../support/fixtures.ts';
import { awsError, conditionFailed, ddbMock, resetAwsMocks, sfnMock } from '../support/aws.ts';
import { apiEvent, lambdaContext } from '../support/lambda.ts';

describe('maskEmail', () => {
  it.each([
    ['ana.souza@example.com', 'a***@example.com'],
    ['x@y.io', 'x***@y.io'],
    ['@example.com', '***'],
    ['no-at-sign', '***'],
    ['', ''],
    [undefined, undefined],
  ])('masks %j as %j', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });
});

describe('logs', () => {
  const savedLevel = process.env.POWERTOOLS_LOG_LEVEL;
  afterEach(() => {
    process.env.POWERTOOLS_LOG_LEVEL = savedLevel;
    vi.restoreAllMocks();
    resetAwsMocks();
  });

  it('at POWERTOOLS_LOG_LEVEL=DEBUG, createOrder, receiveOrder and validatePayment never log the e-mail or the payment token', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    vi.resetModules(); // fresh handlers, whose logger reads the level at import
    const { logger } = await import('../../../lib/observability.ts');
    const createOrder = (await import('../../../functions/createOrder/handler.ts')).handler;
    const receiveOrder = (await import('../../../functions/receiveOrder/handler.ts')).handler;
    const validatePayment = (await import('../../../functions/validatePayment/handler.ts')).handler;
    expect(logger.getLevelName()).toBe('DEBUG');

    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);

    const INVENTORY = process.env.INVENTORY_TABLE!;
    ddbMock.on(BatchGetCommand).resolves({ Responses: { [INVENTORY]: [COFFEE, MUG] } });
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    sfnMock.on(StartExecutionCommand).callsFake(async ({ name }: { name: string }) => ({ executionArn: `arn:aws:states:us-east-1:000000000000:execution:x:${name}`, startDate: new Date() }));

    const post = (body: unknown, path = '/orders') => apiEvent({ path, body: JSON.stringify(body) });
    const statuses: number[] = [];
    // createOrder: accepted, invalid (with the e-mail in a bad field), throttled, and an unexpected failure
    const accepted = await createOrder(post(orderRequest()), lambdaContext());
    statuses.push(accepted.statusCode);
    const { orderId } = JSON.parse(accepted.body) as { orderId: string };
    statuses.push((await createOrder(post(orderRequest({ customer: { ...CUSTOMER, id: CUSTOMER.email, name: `${CUSTOMER.email}\u0000` } })), lambdaContext())).statusCode);
    sfnMock.on(StartExecutionCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));
    statuses.push((await createOrder(post(orderRequest()), lambdaContext())).statusCode);
    sfnMock.on(StartExecutionCommand).rejects(new Error('socket closed unexpectedly'));
    statuses.push((await createOrder(post(orderRequest()), lambdaContext())).statusCode);

    // receiveOrder: stored, and rejected as invalid
    await receiveOrder({ orderId, order: { orderId, ...orderRequest() } }, lambdaContext());
    await receiveOrder({ orderId: 'ord-bad', order: orderRequest({ items: [{ sku: 'GHOST', quantity: 1 }] }) }, lambdaContext()).catch(() => undefined);

    // validatePayment: approved, declined, transient, and voided because the order had failed
    const pay = (token: string) => post({ orderId, amount: 20480, currency: 'BRL', token }, '/payments/validate');
    statuses.push((await validatePayment(pay('tok_visa'), lambdaContext())).statusCode);
    statuses.push((await validatePayment(pay('tok_chargeDeclined'), lambdaContext())).statusCode);
    statuses.push((await validatePayment(pay('tok_chargeDeclinedProcessingError'), lambdaContext())).statusCode);
    ddbMock.on(UpdateCommand, { TableName: process.env.ORDERS_TABLE }).rejects(conditionFailed(storedOrder(orderId, 'FAILED')));
    statuses.push((await validatePayment(pay('tok_mastercard'), lambdaContext())).statusCode);

    vi.restoreAllMocks();
    const logs = written.join('');
    // A throttled StartExecution is 429 with Retry-After (tests/unit/functions/createOrder.test.ts).
    expect(statuses).toEqual([202, 400, 429, 500, 200, 402, 503, 409]);
    // The capture saw the handlers' logs (so the checks below can fail)...
    expect(logs).toContain(orderId);
    expect(logs).toContain('order accepted');
    expect(logs).toContain('unexpected error');
    expect(logs).toContain('authorization voided');
    // ...and none of them holds the customer's e-mail or a card token in clear.
    expect(logs).not.toContain(CUSTOMER.email);
    expect(logs).not.toMatch(/tok_[A-Za-z]/);
  });
});
