// POST /orders: validate, price-check against the catalog, start the order's execution, answer 202.
import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { v5 as uuidv5 } from 'uuid';
import { ValidationError } from '../../domain/errors.ts';
import { priceOrder } from '../../domain/order.ts';
import { IdempotencyKeySchema, OrderRequestSchema, parseWith, type OrderRequest } from '../../domain/schemas.ts';
import type { StartedExecution } from '../../adapters/ExecutionStarter.ts';
import { executionStarter, inventoryRepository } from '../../lib/dependencies.ts';
import { header, json, readJsonBody, tooManyRequests } from '../../lib/http.ts';
import { httpEndpoint } from '../../lib/middleware.ts';
import { appendOrderKeys, logger, maskEmail, metrics } from '../../lib/observability.ts';
import { isThrottlingError } from '../../lib/transient.ts';

// Idempotency keys map to order ids in this namespace, so the same key always names the same execution.
const IDEMPOTENCY_NAMESPACE = '6f1c1c57-3b5e-4c36-9d55-0b8f8d2f7a11';

const inventory = inventoryRepository();
const starter = executionStarter();

/** The execution input, with a fixed key order so a replayed request produces the identical string. */
export function executionInput(orderId: string, order: OrderRequest): string {
  return JSON.stringify({
    orderId,
    customer: { id: order.customer.id, email: order.customer.email, name: order.customer.name },
    items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    payment: { token: order.payment.token },
    ...(order.currency ? { currency: order.currency } : {}),
  });
}

export const handler = httpEndpoint(async (event) => {
  const key = header(event, 'idempotency-key');
  if (key !== undefined) {
    const checked = parseWith(IdempotencyKeySchema, key, 'headers.idempotency-key');
    if (!checked.ok) throw new ValidationError('Invalid Idempotency-Key header', checked.problems);
  }
  const parsed = parseWith(OrderRequestSchema, readJsonBody(event));
  if (!parsed.ok) throw new ValidationError('The order is not valid', parsed.problems);
  const request = parsed.value;

  const catalog = await inventory.getProducts(request.items.map((line) => line.sku));
  const pricing = priceOrder(request, catalog);
  if (!pricing.ok) throw new ValidationError('The order is not valid', pricing.problems);

  // Keys are scoped to the caller's API key, so two clients cannot collide on the same key.
  const orderId = key ? uuidv5(`${event.requestContext?.identity?.apiKeyId ?? ''}:${key}`, IDEMPOTENCY_NAMESPACE) : randomUUID();
  appendOrderKeys(orderId);
  let started: StartedExecution;
  try {
    started = await starter.start(orderId, executionInput(orderId, request));
  } catch (error) {
    // Step Functions refuses new executions for now: its StartExecution (or DescribeExecution) quota, or the open
    // executions limit. Nothing was started, so the same request retried later - the same Idempotency-Key, the same
    // execution name - starts this very order: 429 with Retry-After, as API Gateway's own throttle answers.
    if (isThrottlingError(error) || (error as Error | undefined)?.name === 'ExecutionLimitExceeded') {
      logger.warn('execution start throttled', { orderId, error });
      return tooManyRequests('Too many orders are being started right now; retry shortly with the same Idempotency-Key');
    }
    throw error;
  }
  if (!started.replayed) metrics.addMetric('OrderAccepted', MetricUnit.Count, 1);
  logger.info('order accepted', {
    orderId,
    replayed: started.replayed,
    lines: request.items.length,
    customer: maskEmail(request.customer.email),
  });

  return json(
    202,
    { orderId, status: 'RECEIVED', executionArn: started.executionArn, links: { self: `/orders/${orderId}` } },
    { location: `/orders/${orderId}` },
  );
});
