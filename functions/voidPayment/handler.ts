// Compensation VoidPayment: void the order's authorization at the provider, once. The provider is asked by
// orderId, so an authorization whose reply never reached the workflow is found and voided too. A CONFIRMED
// order keeps its authorization: fulfilment captures it. Tracked on the order as a compensation step.
import { mayCompensate } from '../../domain/order.ts';
import { now, orderRepository, paymentGateway } from '../../lib/dependencies.ts';
import { workflowTask } from '../../lib/middleware.ts';
import { logger } from '../../lib/observability.ts';
import { compensationStep, type CompensationTaskEvent } from '../../services/compensation.ts';

const orders = orderRepository();
const gateway = paymentGateway();

export const handler = workflowTask<CompensationTaskEvent, { orderId: string; voided: boolean }>(async (event) =>
  compensationStep({ orders, now }, 'VoidPayment', event, async (order) => {
    const { orderId } = event;
    if (!mayCompensate(order)) {
      logger.warn('order is confirmed: its payment is not voided', { orderId });
      return { orderId, voided: false };
    }
    const authorization = await gateway.findByOrder(orderId);
    if (!authorization) {
      logger.info('nothing to void', { orderId });
      return { orderId, voided: false };
    }
    const voided = await gateway.void(authorization.authorizationId);
    await orders.recordVoid(orderId, voided.authorizationId, now());
    logger.info('payment voided', { orderId, authorizationId: voided.authorizationId });
    return { orderId, voided: true };
  }),
);
