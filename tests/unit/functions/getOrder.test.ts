import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { handler } from '../../../functions/getOrder/handler.ts';
import { storedOrder } from '../support/fixtures.ts';
import { awsError, ddbMock, resetAwsMocks } from '../support/aws.ts';
import { apiEvent, bodyOf, lambdaContext } from '../support/lambda.ts';

const get = (orderId: string | undefined) =>
  handler(
    apiEvent({
      method: 'GET',
      resource: '/orders/{orderId}',
      path: `/orders/${encodeURIComponent(orderId ?? '')}`,
      headers: { Accept: 'application/json' },
      pathParameters: orderId === undefined ? null : { orderId },
    }),
    lambdaContext('order-pipeline-test-getOrder'),
  );

beforeEach(() => resetAwsMocks());

describe('GET /orders/{orderId} (getOrder)', () => {
  it('answers 200 with the public view of the order', async () => {
    const order = storedOrder('ord-1', 'CONFIRMED', {
      payment: { authorizationId: 'auth_x', status: 'AUTHORIZED', amount: 20480, currency: 'BRL' },
      confirmationNotice: { status: 'SENT', messageId: 'msg-1' },
    });
    ddbMock.on(GetCommand).resolves({ Item: order });
    const response = await get('ord-1');
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      orderId: 'ord-1',
      status: 'CONFIRMED',
      items: order.items,
      total: 20480,
      currency: 'BRL',
      customer: order.customer,
      history: order.history,
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
    });
    expect(response.body).not.toContain('auth_x');
    expect(response.body).not.toContain('msg-1');
    expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(GetCommand, {
      TableName: process.env.ORDERS_TABLE,
      Key: { orderId: 'ord-1' },
      ConsistentRead: true,
    });
  });

  it('shows the reason of a rejected order', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-2', 'REJECTED', { reason: 'PAYMENT_DECLINED' }) });
    expect(bodyOf(await get('ord-2'))).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
  });

  it('shows a compensation still pending, with what remains, and the redrives in the history', async () => {
    const order = storedOrder('ord-3', 'STOCK_RESERVED', {
      compensation: { error: 'TransientError', since: '2026-11-24T12:00:06.000Z' },
      compensationRemaining: ['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure'],
    });
    order.history.push({ status: 'STOCK_RESERVED', at: '2026-11-24T12:10:00.000Z', event: 'REDRIVEN', redriveCount: 1 });
    ddbMock.on(GetCommand).resolves({ Item: order });
    const body = bodyOf(await get('ord-3'));
    expect(body).toMatchObject({
      status: 'STOCK_RESERVED',
      compensation: { status: 'PENDING', remaining: ['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure'], error: 'TransientError', since: '2026-11-24T12:00:06.000Z' },
    });
    expect((body as { history: unknown[] }).history.at(-1)).toEqual({ status: 'STOCK_RESERVED', at: '2026-11-24T12:10:00.000Z', event: 'REDRIVEN', redriveCount: 1 });
  });

  it('answers 404 NotFound as JSON for an unknown order', async () => {
    ddbMock.on(GetCommand).resolves({});
    const response = await get('ord-404');
    expect(response.statusCode).toBe(404);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(bodyOf(response)).toEqual({ error: 'NotFound', message: 'No order ord-404' });
  });

  it.each([
    ['an encoded path traversal', '..%2F'],
    ['a decoded path traversal', '../orders'],
    ['a 10 KB id', 'a'.repeat(10 * 1024)],
    ['unicode', 'pedido-número-1'],
    ['an emoji', '📦'],
    ['a space', 'ord 1'],
    ['empty', ''],
  ])('answers 400 for %s, without reading the table', async (_label, id) => {
    const response = await get(id);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'ValidationError', details: [{ path: 'orderId' }] });
    expect(ddbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 400 when the path parameter is missing', async () => {
    expect((await get(undefined)).statusCode).toBe(400);
  });

  it('answers 503 with retry-after when the read is throttled', async () => {
    ddbMock.on(GetCommand).rejects(awsError('ProvisionedThroughputExceededException', 400));
    const response = await get('ord-1');
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
  });

  it('answers 500 without internals when the table is missing', async () => {
    ddbMock.on(GetCommand).rejects(awsError('ResourceNotFoundException', 400, 'Requested resource not found: Table: orders-test not found'));
    const response = await get('ord-1');
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('orders-test');
  });
});
