// Workflow step UpdateStock: reserve every line in one transaction, or fail with OutOfStock changing nothing.
import { OrderStateConflict } from '../../domain/errors.ts';
import { inventoryRepository, now, orderRepository } from '../../lib/dependencies.ts';
import { workflowTask } from '../../lib/middleware.ts';
import { logger } from '../../lib/observability.ts';

const orders = orderRepository();
const inventory = inventoryRepository();

export const handler = workflowTask<{ orderId: string }, { orderId: string; reservation: 'reserved' | 'already' }>(
  async ({ orderId }) => {
    const order = await orders.get(orderId);
    if (!order) throw new OrderStateConflict(`Order ${orderId} does not exist`);
    const reservation = await inventory.reserve(order, now());
    logger.info('stock reserved', { orderId, reservation, lines: order.items?.length });
    return { orderId, reservation };
  },
);
