// Compensation ReleaseStock: give back what the order reserved, once; nothing when nothing was reserved or
// when the order is CONFIRMED (a sale is never undone).
import { mayCompensate } from '../../domain/order.ts';
import { inventoryRepository, now, orderRepository } from '../../lib/dependencies.ts';
import { workflowTask } from '../../lib/middleware.ts';
import { logger } from '../../lib/observability.ts';

const orders = orderRepository();
const inventory = inventoryRepository();

export const handler = workflowTask<{ orderId: string }, { orderId: string; release: 'released' | 'nothing' }>(
  async ({ orderId }) => {
    const order = await orders.get(orderId);
    const release = order && mayCompensate(order) ? await inventory.release(order, now()) : 'nothing';
    logger.info('stock release', { orderId, release });
    return { orderId, release };
  },
);
