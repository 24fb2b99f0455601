import { beforeEach, describe, expect, it } from 'vitest';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionLimitExceeded, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { v5 as uuidv5 } from 'uuid';
import { executionInput, handler } from '../../../functions/createOrder/handler.ts';
import { COFFEE, MUG, USD_ONLY, orderRequest } from '../support/fixtures.ts';
import { awsError, ddbMock, resetAwsMocks, sfnMock } from '../support/aws.ts';
import { apiEvent, bodyOf, lambdaContext } from '../support/lambda.ts';

const SM = process.env.STATE_MACHINE_ARN!;
const executionArn = (name: string) => `${SM.replace(':stateMachine:', ':execution:')}:${name}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function post(body: unknown, headers: Record<string, string> = {}, extra: Parameters<typeof apiEvent>[0] = {}) {
  return handler(
    apiEvent({
      method: 'POST',
      path: '/orders',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...extra,
    }),
    lambdaContext('order-pipeline-test-createOrder'),
  );
}

/** StartExecution behaves like Step Functions: a name runs once; a second start with it is refused. */
function stepFunctionsRemembersNames() {
  const started = new Map<string, string>();
  sfnMock.on(StartExecutionCommand).callsFake(async (input: { name: string; input: string }) => {
    if (started.has(input.name)) {
      throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } });
    }
    started.set(input.name, input.input);
    return { executionArn: executionArn(input.name), startDate: new Date() };
  });
  sfnMock.on(DescribeExecutionCommand).callsFake(async ({ executionArn: arn }: { executionArn: string }) => {
    const name = arn.split(':').at(-1)!;
    return { executionArn: arn, input: started.get(name), startDate: new Date(), status: 'RUNNING' };
  });
  return started;
}

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(BatchGetCommand).resolves({ Responses: { [process.env.INVENTORY_TABLE!]: [COFFEE, MUG, USD_ONLY] } });
});

describe('POST /orders (createOrder)', () => {
  it('answers 202 with orderId, RECEIVED, the execution ARN, a self link and Location', async () => {
    stepFunctionsRemembersNames();
    const response = await post(orderRequest());
    expect(response.statusCode).toBe(202);
    const body = bodyOf(response);
    expect(body.orderId).toMatch(UUID);
    expect(body).toEqual({
      orderId: body.orderId,
      status: 'RECEIVED',
      executionArn: executionArn(body.orderId),
      links: { self: `/orders/${body.orderId}` },
    });
    expect(response.headers).toMatchObject({ location: `/orders/${body.orderId}`, 'content-type': 'application/json' });
  });

  it('starts the execution named after the order with the canonical JSON input', async () => {
    stepFunctionsRemembersNames();
    const request = orderRequest();
    const { orderId } = bodyOf(await post(request));
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: SM,
      name: orderId,
      input: JSON.stringify({
        orderId,
        customer: { id: request.customer.id, email: request.customer.email, name: request.customer.name },
        items: request.items,
        payment: { token: 'tok_visa' },
        currency: 'BRL',
      }),
    });
  });

  it('checks the SKUs against the catalog in one batch read', async () => {
    stepFunctionsRemembersNames();
    await post(orderRequest());
    expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(BatchGetCommand, {
      RequestItems: { [process.env.INVENTORY_TABLE!]: { Keys: [{ sku: COFFEE.sku }, { sku: MUG.sku }], ConsistentRead: true } },
    });
  });

  it('gives each request without Idempotency-Key its own order', async () => {
    stepFunctionsRemembersNames();
    const first = bodyOf(await post(orderRequest()));
    const second = bodyOf(await post(orderRequest()));
    expect(first.orderId).not.toBe(second.orderId);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
  });

  describe('Idempotency-Key', () => {
    it('the same key and body give the same order and execution, never a second one', async () => {
      const started = stepFunctionsRemembersNames();
      const first = await post(orderRequest(), { 'Idempotency-Key': 'order-2026-0001' });
      const second = await post(orderRequest(), { 'idempotency-key': 'order-2026-0001' });
      expect(first.statusCode).toBe(202);
      expect(second.statusCode).toBe(202);
      expect(bodyOf(second)).toEqual(bodyOf(first));
      expect(started.size).toBe(1);
      expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: bodyOf(first).executionArn });
    });

    it('derives the order id from the caller API key and the key (deterministic, scoped per client)', async () => {
      stepFunctionsRemembersNames();
      const { orderId } = bodyOf(await post(orderRequest(), { 'Idempotency-Key': 'k-1' }, { apiKeyId: 'client-a' }));
      const other = bodyOf(await post(orderRequest(), { 'Idempotency-Key': 'k-1' }, { apiKeyId: 'client-b' }));
      expect(orderId).toBe(uuidv5('client-a:k-1', '6f1c1c57-3b5e-4c36-9d55-0b8f8d2f7a11'));
      expect(other.orderId).not.toBe(orderId);
    });

    it('a replay with the fields in another order is still the same request', async () => {
      const started = stepFunctionsRemembersNames();
      const request = orderRequest();
      const reordered = { currency: request.currency, payment: request.payment, items: request.items, customer: { name: request.customer.name, email: request.customer.email, id: request.customer.id } };
      const first = await post(request, { 'Idempotency-Key': 'k-2' });
      const second = await post(reordered, { 'Idempotency-Key': 'k-2' });
      expect(second.statusCode).toBe(202);
      expect(bodyOf(second).orderId).toBe(bodyOf(first).orderId);
      expect(started.size).toBe(1);
    });

    it('the same key with another body answers 409 IdempotencyConflict', async () => {
      stepFunctionsRemembersNames();
      await post(orderRequest(), { 'Idempotency-Key': 'k-3' });
      const response = await post(orderRequest({ items: [{ sku: COFFEE.sku, quantity: 3 }] }), { 'Idempotency-Key': 'k-3' });
      expect(response.statusCode).toBe(409);
      expect(bodyOf(response)).toMatchObject({
        error: 'IdempotencyConflict',
        details: [{ path: 'headers.idempotency-key', message: 'was used before with a different body' }],
      });
    });

    it.each(['', 'has space', 'k'.repeat(65), 'ключ'])('answers 400 for the key %j, naming the header, and starts nothing', async (key) => {
      const response = await post(orderRequest(), { 'Idempotency-Key': key });
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toMatchObject({ error: 'ValidationError', details: [{ path: 'headers.idempotency-key' }] });
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });
  });

  describe('invalid input', () => {
    it.each([
      ['quantity 0', orderRequest({ items: [{ sku: COFFEE.sku, quantity: 0 }] }), 'items[0].quantity'],
      ['a string quantity', orderRequest({ items: [{ sku: COFFEE.sku, quantity: '2' }] }), 'items[0].quantity'],
      ['a bad e-mail', orderRequest({ customer: { id: 'c', email: 'nope', name: 'N' } }), 'customer.email'],
      ['a client price', orderRequest({ items: [{ sku: COFFEE.sku, quantity: 1, unitPrice: 1 }] }), 'items[0].unitPrice'],
      ['an unknown field', orderRequest({ discount: 50 }), 'discount'],
      ['a bad currency', orderRequest({ currency: 'XYZ' }), 'currency'],
      ['an array body', [orderRequest()], '(body)'],
    ])('answers 400 ValidationError for %s, naming %s, and starts nothing', async (_label, body, path) => {
      const response = await post(body);
      expect(response.statusCode).toBe(400);
      const answer = bodyOf(response);
      expect(answer).toMatchObject({ error: 'ValidationError', message: 'The order is not valid' });
      expect(answer.details).toContainEqual({ path, message: expect.any(String) });
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('answers 400 for a "__proto__" key sent in the JSON text', async () => {
      const text = JSON.stringify(orderRequest()).replace(/}$/, ',"__proto__":{"admin":true}}');
      const response = await post(text);
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).details).toEqual([{ path: '__proto__', message: 'is not a known field' }]);
    });

    it('answers 400 naming items[i].sku for an unknown SKU, and starts nothing', async () => {
      const response = await post(orderRequest({ items: [{ sku: COFFEE.sku, quantity: 1 }, { sku: 'NOT-SOLD', quantity: 1 }] }));
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({
        error: 'ValidationError',
        message: 'The order is not valid',
        details: [{ path: 'items[1].sku', message: 'unknown SKU "NOT-SOLD"' }],
      });
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('answers 400 for a line priced in another currency', async () => {
      const response = await post(orderRequest({ items: [{ sku: USD_ONLY.sku, quantity: 1 }] }));
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).details).toEqual([{ path: 'items[0].sku', message: 'is priced in USD, the order is in BRL' }]);
    });

    it.each([
      ['text/plain', 415, 'UnsupportedMediaType'],
      ['application/x-www-form-urlencoded', 415, 'UnsupportedMediaType'],
    ])('answers the content type %s with %s', async (contentType, status, error) => {
      const response = await post(orderRequest(), { 'Content-Type': contentType });
      expect(response.statusCode).toBe(status);
      expect(bodyOf(response).error).toBe(error);
    });

    it('answers 415 when there is no content type', async () => {
      const response = await handler(apiEvent({ headers: {}, body: JSON.stringify(orderRequest()) }), lambdaContext());
      expect(response.statusCode).toBe(415);
    });

    it('answers 415 when API Gateway sends no headers at all (headers: null)', async () => {
      const event = { ...apiEvent({ body: JSON.stringify(orderRequest()) }), headers: null, multiValueHeaders: null };
      const response = await handler(event as unknown as Parameters<typeof handler>[0], lambdaContext());
      expect(response.statusCode).toBe(415);
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('answers 413 for a body over 32 KiB', async () => {
      const body = JSON.stringify({ ...orderRequest(), pad: 'x'.repeat(32 * 1024) });
      const response = await post(body);
      expect(response.statusCode).toBe(413);
      expect(bodyOf(response).error).toBe('PayloadTooLarge');
      expect(ddbMock).not.toHaveReceivedAnyCommand();
    });

    it.each([
      ['malformed JSON', '{"customer":', 400, 'MalformedJson'],
      ['an empty body', '', 400, 'ValidationError'],
    ])('answers %s with %s %s', async (_label, body, status, error) => {
      const response = await post(body);
      expect(response.statusCode).toBe(status);
      expect(bodyOf(response).error).toBe(error);
    });

    it('accepts a base64-encoded body', async () => {
      stepFunctionsRemembersNames();
      const body = Buffer.from(JSON.stringify(orderRequest())).toString('base64');
      const response = await post(body, {}, { isBase64Encoded: true });
      expect(response.statusCode).toBe(202);
    });
  });

  describe('AWS failures', () => {
    // Step Functions throttles StartExecution with ThrottlingException, HTTP 400 (Step Functions API reference,
    // "Common Errors"), and refuses it past the open-executions quota with ExecutionLimitExceeded (API reference,
    // StartExecution; developer guide, "Step Functions service quotas"). Either way nothing was started: the answer is
    // 429 Too Many Requests with Retry-After (RFC 6585 section 4, RFC 9110 section 10.2.3), named like API Gateway's
    // own THROTTLED response (serverless.yml GatewayResponseThrottled).
    it.each([
      ['ThrottlingException', awsError('ThrottlingException', 400, 'Rate exceeded')],
      ['ExecutionLimitExceeded', new ExecutionLimitExceeded({ message: 'Maximum number of running executions reached', $metadata: { httpStatusCode: 400 } })],
    ])('answers 429 Throttled with Retry-After when StartExecution fails with %s', async (_name, error) => {
      sfnMock.on(StartExecutionCommand).rejects(error);
      const response = await post(orderRequest(), { 'Idempotency-Key': 'checkout-throttled-1' });
      expect(response.statusCode).toBe(429);
      expect(response.headers).toMatchObject({ 'retry-after': '1', 'content-type': 'application/json' });
      expect(bodyOf(response)).toEqual({ error: 'Throttled', message: expect.stringContaining('same Idempotency-Key') });
    });

    it('loses no order to a throttle: the retry with the same Idempotency-Key starts the same execution, once', async () => {
      const started = stepFunctionsRemembersNames();
      const remembering = sfnMock.commandCalls(StartExecutionCommand).length;
      sfnMock.on(StartExecutionCommand).rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'));
      const request = orderRequest();
      const throttled = await post(request, { 'Idempotency-Key': 'checkout-throttled-2' });
      expect(throttled.statusCode).toBe(429);
      expect(started.size).toBe(0);
      stepFunctionsRemembersNames();
      const retried = await post(request, { 'Idempotency-Key': 'checkout-throttled-2' });
      expect(retried.statusCode).toBe(202);
      const calls = sfnMock.commandCalls(StartExecutionCommand).slice(remembering).map((call) => call.args[0].input.name);
      expect(calls).toEqual([bodyOf(retried).orderId, bodyOf(retried).orderId]);
    });

    it('answers 429 Throttled when telling a replay apart is throttled (DescribeExecution)', async () => {
      sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } }));
      sfnMock.on(DescribeExecutionCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));
      const response = await post(orderRequest(), { 'Idempotency-Key': 'checkout-throttled-3' });
      expect(response.statusCode).toBe(429);
      expect(response.headers).toMatchObject({ 'retry-after': '1' });
    });

    it('answers 503 when the catalog read is throttled', async () => {
      ddbMock.on(BatchGetCommand).rejects(awsError('ProvisionedThroughputExceededException', 400));
      const response = await post(orderRequest());
      expect(response.statusCode).toBe(503);
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('answers 500 without internals for anything unexpected', async () => {
      sfnMock.on(StartExecutionCommand).rejects(
        new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${SM}'`, $metadata: { httpStatusCode: 400 } }),
      );
      const context = lambdaContext();
      const response = await handler(apiEvent({ body: JSON.stringify(orderRequest()) }), context);
      expect(response.statusCode).toBe(500);
      expect(bodyOf(response)).toEqual({
        error: 'InternalError',
        message: 'Something went wrong on our side; it has been logged.',
        requestId: context.awsRequestId,
      });
      expect(response.body).not.toContain('arn:aws');
      expect(response.body).not.toContain('StateMachineDoesNotExist');
    });
  });
});

describe('executionInput', () => {
  it('is the same string whatever order the request fields came in, and leaves out an absent currency', () => {
    const a = executionInput('o1', { customer: { id: 'c', email: 'e@x.io', name: 'N' }, items: [{ sku: 'S', quantity: 1 }], payment: { token: 'tok_visa' } });
    const b = executionInput('o1', { payment: { token: 'tok_visa' }, items: [{ quantity: 1, sku: 'S' }], customer: { name: 'N', email: 'e@x.io', id: 'c' } });
    expect(a).toBe(b);
    expect(JSON.parse(a)).not.toHaveProperty('currency');
  });
});
