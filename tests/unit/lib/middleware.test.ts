import { describe, expect, it, vi } from 'vitest';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { NotFound, OrderStateConflict, OutOfStock, PaymentDeclined, TransientError, ValidationError } from '../../../domain/errors.ts';
import { json } from '../../../lib/http.ts';
import { httpEndpoint, workflowTask } from '../../../lib/middleware.ts';
import { metrics } from '../../../lib/observability.ts';
import { awsError } from '../support/aws.ts';
import { apiEvent, bodyOf, lambdaContext } from '../support/lambda.ts';

const failingEndpoint = (error: unknown) =>
  httpEndpoint(async () => {
    throw error;
  });

describe('httpEndpoint', () => {
  it('passes a successful answer through', async () => {
    const handler = httpEndpoint(async (event) => json(200, { path: event.path }));
    const response = await handler(apiEvent({ path: '/orders/x', method: 'GET' }), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ path: '/orders/x' });
  });

  it('lower-cases header names before the handler sees them', async () => {
    let seen: APIGatewayProxyEvent['headers'] = {};
    const handler = httpEndpoint(async (event) => {
      seen = event.headers;
      return json(204, {});
    });
    await handler(apiEvent({ headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k1' } }), lambdaContext());
    expect(seen).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': 'k1' });
  });

  it.each([
    [new ValidationError('The order is not valid', [{ path: 'items[0].quantity', message: 'must be at least 1' }]), 400],
    [new NotFound('No order x'), 404],
    [new OrderStateConflict('conflict'), 409],
    [new OutOfStock(['MUG-01']), 409],
    [new PaymentDeclined('Your card was declined.', 'generic_decline'), 402],
  ])('answers %s with its status and the one error shape', async (error, status) => {
    const response = await failingEndpoint(error)(apiEvent(), lambdaContext());
    expect(response.statusCode).toBe(status);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(bodyOf(response)).toEqual({
      error: error.name,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    });
  });

  it('answers a TransientError 503 with retry-after', async () => {
    const response = await failingEndpoint(new TransientError('Try again'))(apiEvent(), lambdaContext());
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
    expect(bodyOf(response)).toEqual({ error: 'TransientError', message: 'Try again' });
  });

  it('answers an AWS throttle 503 TransientError', async () => {
    const response = await failingEndpoint(awsError('ProvisionedThroughputExceededException', 400))(apiEvent(), lambdaContext());
    expect(response.statusCode).toBe(503);
    expect(bodyOf(response).error).toBe('TransientError');
  });

  it('answers anything else 500 without internals, with the request id', async () => {
    const context = lambdaContext();
    const secret = new Error('connect ECONNREFUSED 10.0.0.12:5432 password=hunter2');
    const response = await failingEndpoint(secret)(apiEvent(), context);
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'InternalError',
      message: 'Something went wrong on our side; it has been logged.',
      requestId: context.awsRequestId,
    });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('ECONNREFUSED');
  });

  it('answers a thrown non-Error 500 too', async () => {
    const response = await failingEndpoint('just a string')(apiEvent(), lambdaContext());
    expect(response.statusCode).toBe(500);
  });
});

describe('workflowTask', () => {
  it('returns the handler result', async () => {
    const handler = workflowTask(async (event: { orderId: string }) => ({ orderId: event.orderId, ok: true }));
    await expect(handler({ orderId: 'o1' }, lambdaContext())).resolves.toEqual({ orderId: 'o1', ok: true });
  });

  it('turns an AWS throttle into a thrown TransientError (the name the workflow retries)', async () => {
    const throttle = awsError('ThrottlingException', 400, 'Rate exceeded');
    const handler = workflowTask(async () => {
      throw throttle;
    });
    const error = await handler({}, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).name).toBe('TransientError');
    expect((error as Error).cause).toBe(throttle);
  });

  it('keeps a domain error and its name (the workflow catches by name)', async () => {
    const outOfStock = new OutOfStock(['MUG-01']);
    const handler = workflowTask(async () => {
      throw outOfStock;
    });
    await expect(handler({}, lambdaContext())).rejects.toBe(outOfStock);
  });
});

describe('publishing metrics', () => {
  it('publishes the metrics an invocation recorded, on success and on failure', async () => {
    const publish = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const counted = workflowTask(async () => {
      metrics.addMetric('OrderConfirmed', MetricUnit.Count, 1);
      return 'ok';
    });
    await counted({}, lambdaContext());
    const countedThenFailed = workflowTask(async () => {
      metrics.addMetric('OrderFailed', MetricUnit.Count, 1);
      throw new OutOfStock(['SKU-1']);
    });
    await expect(countedThenFailed({}, lambdaContext())).rejects.toMatchObject({ name: 'OutOfStock' });
    expect(publish).toHaveBeenCalledTimes(2);
    publish.mockRestore();
    metrics.clearMetrics();
  });

  it('publishes nothing, and warns about nothing, when the invocation recorded no metric', async () => {
    const publish = vi.spyOn(metrics, 'publishStoredMetrics');
    const quiet = httpEndpoint(async () => json(200, {}));
    await quiet(apiEvent(), lambdaContext());
    expect(publish).not.toHaveBeenCalled();
    publish.mockRestore();
  });
});
