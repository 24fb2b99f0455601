// Workflow step ReceiveOrder: validate the execution input with the shared schema, price it from Inventory and
// store it as RECEIVED. An order that cannot be accepted is stored REJECTED/INVALID_ORDER and InvalidOrder is
// thrown for the workflow to reject it. Running it twice for the same order changes nothing.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { InvalidOrder } from '../../domain/errors.ts';
import type { FieldProblem } from '../../domain/errors.ts';
import { invalidOrder, newOrder, priceOrder, type Order } from '../../domain/order.ts';
import { CustomerSchema, ExecutionInputSchema, OrderIdSchema, parseWith } from '../../domain/schemas.ts';
import { inventoryRepository, now, orderRepository } from '../../lib/dependencies.ts';
import { workflowTask } from '../../lib/middleware.ts';
import { countRejection, logger, metrics } from '../../lib/observability.ts';

const orders = orderRepository();
const inventory = inventoryRepository();

export interface ReceiveOrderEvent {
  /** The execution name, which is the orderId. */
  orderId: string;
  /** The execution input, as sent: anything. */
  order: unknown;
}

export interface ReceivedOrder {
  orderId: string;
  total: number;
  currency: string;
}

function summary(order: Order): ReceivedOrder {
  if (order.status === 'REJECTED' && order.reason === 'INVALID_ORDER') {
    throw new InvalidOrder(describe(order.problems ?? []), order.problems);
  }
  return { orderId: order.orderId, total: order.total!, currency: order.currency! };
}

function describe(problems: FieldProblem[]): string {
  return `Invalid order: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`;
}

/** The order to store, or the problems that make it invalid (each naming its input field). */
async function examine(orderId: string, input: unknown): Promise<{ order: Order } | { problems: FieldProblem[] }> {
  const idCheck = parseWith(OrderIdSchema, orderId, 'orderId');
  const problems = idCheck.ok ? [] : idCheck.problems;
  const parsed = parseWith(ExecutionInputSchema, input);
  if (!parsed.ok) return { problems: [...problems, ...parsed.problems] };
  const request = parsed.value;
  if (request.orderId !== undefined && request.orderId !== orderId) {
    problems.push({ path: 'orderId', message: 'must equal the execution name (leave it out to use the execution name)' });
  }
  const pricing = priceOrder(request, await inventory.getProducts(request.items.map((line) => line.sku)));
  if (!pricing.ok) return { problems: [...problems, ...pricing.problems] };
  if (problems.length > 0) return { problems };
  return { order: newOrder({ orderId, customer: request.customer, items: pricing.items, total: pricing.total, now: now() }) };
}

export const handler = workflowTask<ReceiveOrderEvent, ReceivedOrder>(async (event) => {
  const orderId = String(event.orderId);
  const examined = await examine(orderId, event.order);
  if ('order' in examined) {
    const stored = await orders.create(examined.order);
    // Counted once per order: a re-run finds it stored. Orders started without the API count here too.
    if (stored.created) metrics.addMetric('OrderReceived', MetricUnit.Count, 1);
    logger.info('order received', { orderId, created: stored.created, total: examined.order.total });
    return summary(stored.order);
  }
  const { problems } = examined;
  // Keep the customer when that part is valid, so they can still be told why.
  const customer = parseWith(CustomerSchema, (event.order as { customer?: unknown } | null)?.customer);
  const stored = await orders.create(
    invalidOrder({ orderId, customer: customer.ok ? customer.value : undefined, problems, now: now() }),
  );
  // RejectOrder finds it REJECTED already and does not count it: counted here, once.
  if (stored.created) countRejection('INVALID_ORDER');
  logger.info('order rejected as invalid', { orderId, problems: problems.map((p) => p.path) });
  return summary(stored.order);
});
