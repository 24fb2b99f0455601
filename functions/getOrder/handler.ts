// GET /orders/{orderId}: the order as the customer may see it, with its status history and, once it started,
// its compensation (PENDING with the steps that remain, or DONE).
import { NotFound, ValidationError } from '../../domain/errors.ts';
import { toPublicOrder } from '../../domain/order.ts';
import { OrderIdSchema, parseWith } from '../../domain/schemas.ts';
import { orderRepository } from '../../lib/dependencies.ts';
import { json } from '../../lib/http.ts';
import { httpEndpoint } from '../../lib/middleware.ts';
import { appendOrderKeys } from '../../lib/observability.ts';

const orders = orderRepository();

export const handler = httpEndpoint(async (event) => {
  const parsed = parseWith(OrderIdSchema, event.pathParameters?.orderId ?? '', 'orderId');
  if (!parsed.ok) throw new ValidationError('Invalid order id', parsed.problems);
  appendOrderKeys(parsed.value);
  const order = await orders.get(parsed.value);
  if (!order) throw new NotFound(`No order ${parsed.value}`);
  return json(200, toPublicOrder(order));
});
