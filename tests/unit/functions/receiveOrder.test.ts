import { beforeEach, describe, expect, it } from 'vitest';
import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { handler, type ReceiveOrderEvent } from '../../../functions/receiveOrder/handler.ts';
import { InvalidOrder, TransientError } from '../../../domain/errors.ts';
import type { Order } from '../../../domain/order.ts';
import { COFFEE, CUSTOMER, MUG, orderRequest, storedOrder } from '../support/fixtures.ts';
import { awsError, conditionFailed, ddbMock, resetAwsMocks } from '../support/aws.ts';
import { lambdaContext } from '../support/lambda.ts';

const ORDERS = process.env.ORDERS_TABLE!;
const INVENTORY = process.env.INVENTORY_TABLE!;

const receive = (event: ReceiveOrderEvent) => handler(event, lambdaContext('order-pipeline-test-receiveOrder'));
const fails = (event: ReceiveOrderEvent) => receive(event).then(
  () => {
    throw new Error('expected ReceiveOrder to fail');
  },
  (error: unknown) => error as Error,
);

/** The order record written by the (only) PutCommand. */
function putOrder(): Order {
  const calls = ddbMock.commandCalls(PutCommand);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.args[0].input).toMatchObject({ TableName: ORDERS, ConditionExpression: 'attribute_not_exists(orderId)' });
  return calls[0]!.args[0].input.Item as Order;
}

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(BatchGetCommand).resolves({ Responses: { [INVENTORY]: [COFFEE, MUG] } });
  ddbMock.on(PutCommand).resolves({});
});

describe('ReceiveOrder (receiveOrder)', () => {
  it('stores the order RECEIVED, priced from the catalog, and returns its total', async () => {
    const result = await receive({ orderId: 'ord-1', order: { orderId: 'ord-1', ...orderRequest() } });
    expect(result).toEqual({ orderId: 'ord-1', total: 2 * 8990 + 2500, currency: 'BRL' });
    const stored = putOrder();
    expect(stored).toMatchObject({
      orderId: 'ord-1',
      status: 'RECEIVED',
      customer: CUSTOMER,
      items: [
        { sku: COFFEE.sku, name: COFFEE.name, quantity: 2, unitPrice: 8990, lineTotal: 17980 },
        { sku: MUG.sku, name: MUG.name, quantity: 1, unitPrice: 2500, lineTotal: 2500 },
      ],
      total: 20480,
      currency: 'BRL',
      history: [{ status: 'RECEIVED', at: expect.any(String) }],
    });
    expect(stored.createdAt).toBe(stored.history[0]!.at);
    expect(JSON.stringify(stored)).not.toContain('tok_visa'); // the card token is not kept on the order
  });

  it('uses the execution name as orderId when the input has none (sls invoke stepf)', async () => {
    const result = await receive({ orderId: '3f0c8f5e-2a86-4c1f-9a43-1d7d0c1f0a11', order: orderRequest() });
    expect(result.orderId).toBe('3f0c8f5e-2a86-4c1f-9a43-1d7d0c1f0a11');
    expect(putOrder().orderId).toBe('3f0c8f5e-2a86-4c1f-9a43-1d7d0c1f0a11');
  });

  it('rejects a client price (unknown fields are rejected): stored REJECTED/INVALID_ORDER, throws InvalidOrder', async () => {
    const order = orderRequest({ items: [{ sku: COFFEE.sku, quantity: 2, unitPrice: 1 }] });
    const error = await fails({ orderId: 'ord-2', order });
    expect(error).toBeInstanceOf(InvalidOrder);
    expect(error.name).toBe('InvalidOrder');
    expect((error as InvalidOrder).details).toEqual([{ path: 'items[0].unitPrice', message: 'is not a known field' }]);
    expect(putOrder()).toMatchObject({
      orderId: 'ord-2',
      status: 'REJECTED',
      reason: 'INVALID_ORDER',
      customer: CUSTOMER,
      problems: [{ path: 'items[0].unitPrice', message: 'is not a known field' }],
      history: [{ status: 'REJECTED', reason: 'INVALID_ORDER', at: expect.any(String) }],
    });
    expect(putOrder()).not.toHaveProperty('total');
  });

  it('stores an unknown SKU as REJECTED/INVALID_ORDER and throws InvalidOrder naming items[i].sku', async () => {
    const order = orderRequest({ items: [{ sku: COFFEE.sku, quantity: 1 }, { sku: 'GHOST-1', quantity: 1 }] });
    const error = await fails({ orderId: 'ord-3', order });
    expect(error.name).toBe('InvalidOrder');
    expect(error.message).toBe('Invalid order: items[1].sku unknown SKU "GHOST-1"');
    expect(putOrder()).toMatchObject({ status: 'REJECTED', reason: 'INVALID_ORDER', problems: [{ path: 'items[1].sku' }] });
  });

  it.each([
    ['an array', [orderRequest()]],
    ['a string', 'please send coffee'],
    ['null', null],
    ['a number', 7],
  ])('stores %s input as REJECTED/INVALID_ORDER (without customer) and throws InvalidOrder', async (_label, order) => {
    const error = await fails({ orderId: 'ord-4', order });
    expect(error).toBeInstanceOf(InvalidOrder);
    expect((error as InvalidOrder).details).toEqual([{ path: '(body)', message: 'must be a JSON object' }]);
    const stored = putOrder();
    expect(stored).toMatchObject({ orderId: 'ord-4', status: 'REJECTED', reason: 'INVALID_ORDER' });
    expect(stored).not.toHaveProperty('customer');
    expect(ddbMock).not.toHaveReceivedCommand(BatchGetCommand);
  });

  it('keeps a valid customer on an invalid order so they can be told why', async () => {
    await fails({ orderId: 'ord-5', order: orderRequest({ items: [] }) });
    expect(putOrder().customer).toEqual(CUSTOMER);
  });

  it('rejects an input orderId that differs from the execution name', async () => {
    const error = await fails({ orderId: 'ord-6', order: { orderId: 'someone-else', ...orderRequest() } });
    expect((error as InvalidOrder).details).toEqual([{ path: 'orderId', message: expect.stringContaining('execution name') }]);
    expect(putOrder()).toMatchObject({ orderId: 'ord-6', status: 'REJECTED' });
  });

  it('a second run changes nothing and returns what the first one stored', async () => {
    // The catalog price changed between the runs: the stored order (and its total) stands.
    const first = storedOrder('ord-7');
    ddbMock.on(BatchGetCommand).resolves({ Responses: { [INVENTORY]: [{ ...COFFEE, unitPrice: 9990 }, MUG] } });
    ddbMock.on(PutCommand).rejects(conditionFailed(first));
    const result = await receive({ orderId: 'ord-7', order: { orderId: 'ord-7', ...orderRequest() } });
    expect(result).toEqual({ orderId: 'ord-7', total: first.total, currency: 'BRL' });
    expect(ddbMock).toHaveReceivedCommandTimes(PutCommand, 1); // the conditional put only; nothing overwritten
  });

  it('a second run of an invalid order throws InvalidOrder again', async () => {
    const problems = [{ path: 'items[0].sku', message: 'unknown SKU "GHOST-1"' }];
    ddbMock.on(PutCommand).rejects(
      conditionFailed({ orderId: 'ord-8', status: 'REJECTED', reason: 'INVALID_ORDER', problems, history: [], createdAt: 'x', updatedAt: 'x' }),
    );
    const error = await fails({ orderId: 'ord-8', order: orderRequest({ items: [{ sku: 'GHOST-1', quantity: 1 }] }) });
    expect(error.name).toBe('InvalidOrder');
    expect((error as InvalidOrder).details).toEqual(problems);
  });

  it('throws TransientError when the catalog read is throttled (the workflow retries)', async () => {
    ddbMock.on(BatchGetCommand).rejects(awsError('ProvisionedThroughputExceededException', 400));
    const error = await fails({ orderId: 'ord-9', order: orderRequest() });
    expect(error).toBeInstanceOf(TransientError);
    expect(ddbMock).not.toHaveReceivedCommand(PutCommand);
  });
});
