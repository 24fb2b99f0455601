// Workflow step UpdateStock: check the payment ValidatePayment received, then reserve every line in one
// transaction, or fail with OutOfStock changing nothing.
import { OrderStateConflict } from '../../domain/errors.ts';
import { verifyPaymentResponse } from '../../domain/payments.ts';
import { inventoryRepository, now, orderRepository } from '../../lib/dependencies.ts';
import { workflowTask } from '../../lib/middleware.ts';
import { logger } from '../../lib/observability.ts';

const orders = orderRepository();
const inventory = inventoryRepository();

/** What UpdateStock sends: the order, and the body POST /payments/validate answered (any JSON value). */
export interface ReserveStockInput {
  orderId: string;
  paymentResponse?: unknown;
}

export const handler = workflowTask<ReserveStockInput, { orderId: string; reservation: 'reserved' | 'already' }>(
  async ({ orderId, paymentResponse }) => {
    const order = await orders.get(orderId);
    if (!order) throw new OrderStateConflict(`Order ${orderId} does not exist`);
    // Checked where it is relied on: before stock is taken for a paid order (UnexpectedPaymentResponse otherwise).
    // An order in any other status is not moved by reserve() - a re-run finds its reservation, anything else is
    // refused - so there is nothing to vouch for.
    if (order.status === 'PAYMENT_APPROVED') verifyPaymentResponse(paymentResponse, order);
    const reservation = await inventory.reserve(order, now());
    logger.info('stock reserved', { orderId, reservation, lines: order.items?.length });
    return { orderId, reservation };
  },
);
