// Compensation ReleaseStock: give back what the order reserved, once; nothing when nothing was reserved or
// when the order is CONFIRMED (a sale is never undone). Tracked on the order as a compensation step.
import { mayCompensate } from '../../domain/order.ts';
import { inventoryRepository, now, orderRepository } from '../../lib/dependencies.ts';
import { workflowTask } from '../../lib/middleware.ts';
import { logger } from '../../lib/observability.ts';
import { compensationStep, type CompensationTaskEvent } from '../../services/compensation.ts';

const orders = orderRepository();
const inventory = inventoryRepository();

export const handler = workflowTask<CompensationTaskEvent, { orderId: string; release: 'released' | 'nothing' }>(async (event) =>
  compensationStep({ orders, now }, 'ReleaseStock', event, async (order) => {
    // Only a reservation still held needs the Inventory table: with nothing reserved, an outage there is no reason to stop.
    const held = order !== undefined && mayCompensate(order) && order.stockReservation?.status === 'RESERVED';
    const release = held ? await inventory.release(order, now()) : 'nothing';
    logger.info('stock release', { orderId: event.orderId, release });
    return { orderId: event.orderId, release };
  }),
);
